"""The README's one table of mail programs says what the registry holds (made by
bouncecodes.site.readme): a row per program of codes/software/ or codes/logs/, with the messages
catalogued, the bounce email formats read and the log line kinds read per direction."""

from __future__ import annotations

import pytest

from bouncecodes.model import Registry
from bouncecodes.site.generate import md_inline
from bouncecodes.site.readme import END, START, log_kinds, software_table, update_readme

from .conftest import ROOT


def test_the_readme_table_is_in_sync_with_the_registry(registry: Registry) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme(text, registry) == text, \
        "README.md's table of mail programs is out of date: run `.venv/bin/python -m bouncecodes.site.readme`"


def _row(table: str, name: str) -> list[str]:
    [line] = [x for x in table.splitlines() if x.startswith(f"| {md_inline(name)} |")]
    return [cell.strip() for cell in line.split(" | ")]


def test_the_table_has_a_row_per_program(registry: Registry) -> None:
    table = software_table(registry)
    catalogued = {s.id for s in registry.software}
    for program in registry.software:
        cells = _row(table, program.name)
        assert cells[2:4] == [str(len(program.messages)), str(len(program.notices))]
    for logs in registry.logs:
        cells = _row(table, logs.name)
        assert (cells[1] == "log only") == (logs.id not in catalogued), cells
        # every kind of line that reports an outcome, under its direction, and none other
        for column, direction in ((4, "outbound"), (5, "inbound")):
            titles = [f.title for f in logs.formats if f.direction == direction and not f.context]
            assert cells[column].rstrip(" |") == ("; ".join(md_inline(t) for t in titles) or "—"), (logs.id, direction)
    programs = {s.id for s in registry.software} | {p.id for p in registry.logs}
    last = table.splitlines()[-1]
    assert last.startswith(f"| **{len(programs)} programs** |")
    kinds = {d: sum(len(log_kinds(p, d)) for p in registry.logs) for d in ("outbound", "inbound")}
    assert last.endswith(f"| **{kinds['outbound']} kinds** | **{kinds['inbound']} kinds** |")


def test_a_context_line_is_not_counted_as_a_kind_read(registry: Registry) -> None:
    postfix = next(p for p in registry.logs if p.id == "postfix")
    context = [f for f in postfix.formats if f.context]
    assert context, "postfix.yaml keeps the Message-ID of cleanup's line for later lines"
    assert all(f.title not in log_kinds(postfix, f.direction) for f in context)
    assert log_kinds(None, "inbound") == []


def test_a_readme_without_the_markers_is_refused(registry: Registry) -> None:
    with pytest.raises(ValueError, match="needs the lines"):
        update_readme("# no table here\n", registry)
    assert update_readme(f"a\n{START}\nold\n{END}\nb\n", registry).startswith(f"a\n{START}\n| Program |")
