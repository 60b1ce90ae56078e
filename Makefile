# The two commands of the README are `make serve` and `make test`; everything else is here too.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup serve lookup test lint typecheck build-site bench fuzz report-screenshot screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

node_modules/.installed: package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	touch node_modules/.installed

setup: $(STAMP) $(if $(wildcard package.json),node_modules/.installed)
	$(BIN)/bouncecodes build

lookup: setup
	$(BIN)/bouncecodes lookup 550

serve: setup
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

build-site: setup
	$(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/bouncecodes lint
	$(BIN)/ruff check src tests benchmarks hooks
	$(BIN)/mypy

test: setup
	$(BIN)/bouncecodes lint
	$(BIN)/ruff check src tests benchmarks hooks
	$(BIN)/mypy
	$(BIN)/pytest -n auto --dist loadfile

bench: setup
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/logs.py
	$(BIN)/python benchmarks/answers.py

fuzz: setup
	$(BIN)/python benchmarks/fuzz.py --jobs 2

# the README's picture of `bouncecodes report`: the walkthrough's logs → classify → report → Chromium
report-screenshot: setup
	$(BIN)/python -m tests.report_demo --screenshot docs/images/report.png

# what a reader sees (issue #18): checker cards and a provider page at 1280 and 390 px, light and dark
OUT ?= shots
screenshots: setup
	$(BIN)/python -m tests.screenshots $(OUT)

clean:
	rm -rf $(VENV) site src/bouncecodes/registry.json src/bouncecodes/registry.marshal
