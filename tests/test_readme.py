"""The README's table of mail programs says what the registry holds (made by bouncecodes.site.readme)."""

from __future__ import annotations

import pytest

from bouncecodes.model import Registry
from bouncecodes.site.readme import END, START, software_table, update_readme

from .conftest import ROOT


def test_the_readme_table_is_in_sync_with_the_registry(registry: Registry) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme(text, registry) == text, \
        "README.md's table of mail programs is out of date: run `.venv/bin/python -m bouncecodes.site.readme`"


def test_the_table_has_a_row_per_program(registry: Registry) -> None:
    table = software_table(registry)
    for program in registry.software:
        row = next(line for line in table.splitlines() if line.startswith(f"| {program.name} |"))
        assert f"| {len(program.messages)} | {len(program.notices)} |" in row
    programs = {s.id for s in registry.software} | {p.id for p in registry.logs}  # a log file alone makes a row
    assert table.splitlines()[-1].startswith(f"| **{len(programs)} program")


def test_a_readme_without_the_markers_is_refused(registry: Registry) -> None:
    with pytest.raises(ValueError, match="needs the lines"):
        update_readme("# no table here\n", registry)
    assert update_readme(f"a\n{START}\nold\n{END}\nb\n", registry).startswith(f"a\n{START}\n| Program |")
