"""The README's table of the mail programs the registry knows, made from the registry.

One row per program that has a catalogue (``codes/software/<id>.yaml``), a log file
(``codes/logs/<id>.yaml``) or both: the messages catalogued, the bounce email formats read, and the
kinds of log line read, apart by direction (outbound: deliveries it made or could not make; inbound:
refusals it gave as a receiver).

``python -m bouncecodes.site.readme [README.md]`` rewrites the table between its two marker lines
from ``codes/`` as it is now; ``tests/test_readme.py`` fails when the README and the registry differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..model import LogProgram, Registry
from .generate import md_inline, software_rows

__all__ = ["END", "START", "log_kinds", "software_table", "update_readme"]

START = "<!-- software-table: made from the registry by `python -m bouncecodes.site.readme`; do not edit by hand -->"
END = "<!-- /software-table -->"
DIRECTIONS = ("outbound", "inbound")


def log_kinds(program: LogProgram | None, direction: str) -> list[str]:
    """The titles of the line kinds of ``program``'s log that report an outcome in ``direction``, in
    file order (a context line, which only keeps fields for a later line, reports none)."""
    if program is None:
        return []
    return [f.title for f in program.formats if f.direction == direction and not f.context]


def _cell(titles: list[str]) -> str:
    return "; ".join(md_inline(t) for t in titles) or "—"


def software_table(registry: Registry) -> str:
    """A Markdown table with a row per program (by name) and a row of totals."""
    logs = {p.id: p for p in registry.logs}
    rows = software_rows(registry)
    lines = ["| Program | What it is | Messages catalogued | Bounce email formats read "
             "| Log lines read, outbound: deliveries it made or could not make "
             "| Log lines read, inbound: what it refused as a receiver |",
             "|---|---|---:|---:|---|---|"]
    totals = dict.fromkeys(DIRECTIONS, 0)
    for r in rows:
        kinds = {d: log_kinds(logs.get(r.id), d) for d in DIRECTIONS}
        for d in DIRECTIONS:
            totals[d] += len(kinds[d])
        lines.append(f"| {md_inline(r.name)} | {r.kind or 'log only'} | {r.messages} | {r.notices} "
                     f"| {_cell(kinds['outbound'])} | {_cell(kinds['inbound'])} |")
    count = f"{len(rows)} program{'s' if len(rows) != 1 else ''}"
    lines.append(f"| **{count}** | | **{sum(r.messages for r in rows)}** | **{sum(r.notices for r in rows)}** "
                 + "".join(f"| **{totals[d]} kind{'s' if totals[d] != 1 else ''}** " for d in DIRECTIONS) + "|")
    return "\n".join(lines) + "\n"


def update_readme(text: str, registry: Registry) -> str:
    """``text`` with the table between the markers made anew (ValueError when a marker is missing)."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the README needs the lines {START!r} and {END!r} around the table")
    return text[: start + len(START)] + "\n" + software_table(registry) + text[end:]


def main(argv: list[str]) -> int:
    from ..build import build_registry, find_codes_dir

    path = Path(argv[0] if argv else "README.md")
    text = path.read_text(encoding="utf-8")
    new = update_readme(text, build_registry(find_codes_dir()))
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: table of mail programs rewritten")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
