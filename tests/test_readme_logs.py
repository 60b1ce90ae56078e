"""The README's table of the log line kinds read per program is the registry's (codes/logs/).

Print the table as it should be with ``.venv/bin/python -m tests.test_readme_logs``."""

from __future__ import annotations

from pathlib import Path

from bouncecodes.model import Registry
from bouncecodes.registry import load_registry

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- log-kinds:start -->", "<!-- log-kinds:end -->"


def _cell(titles: list[str]) -> str:
    text = "; ".join(titles) or "—"
    return text.replace("*", "\\*").replace("|", "\\|").replace("<", "&lt;")


def log_table(registry: Registry) -> str:
    rows = ["| program | outbound: deliveries it made or could not make | inbound: what it refused as a receiver |",
            "|---|---|---|"]
    for program in sorted(registry.logs, key=lambda p: p.name.lower()):
        kinds: dict[str, list[str]] = {"outbound": [], "inbound": []}
        for f in program.formats:
            if not f.context:  # a context line reports nothing itself
                kinds[f.direction].append(f.title)
        rows.append(f"| {program.name} (`codes/logs/{program.id}.yaml`) | {_cell(kinds['outbound'])} | "
                    f"{_cell(kinds['inbound'])} |")
    return "\n".join(rows)


def test_the_readme_lists_every_log_line_kind_the_registry_reads() -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == log_table(load_registry()), "update README.md with: .venv/bin/python -m tests.test_readme_logs"


if __name__ == "__main__":
    print(log_table(load_registry()))
