"""The README's table of the mail programs the registry catalogues, made from the registry.

``python -m bouncecodes.site.readme [README.md]`` rewrites the table between its two marker lines
from ``codes/`` as it is now; ``tests/test_readme.py`` fails when the README and the registry differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..model import Registry
from .generate import md_inline, software_rows

__all__ = ["END", "START", "software_table", "update_readme"]

START = "<!-- software-table: made from the registry by `python -m bouncecodes.site.readme`; do not edit by hand -->"
END = "<!-- /software-table -->"


def software_table(registry: Registry) -> str:
    """A Markdown table with a row per program: messages catalogued, bounce email formats read, log
    line kinds read; and a row of totals."""
    rows = software_rows(registry)
    lines = ["| Program | What it is | Messages catalogued | Bounce email formats read | Log line kinds read |",
             "|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {md_inline(r.name)} | {r.kind or 'log only'} | {r.messages} | {r.notices} | {r.logs} |")
    lines.append(f"| **{len(rows)} program{'s' if len(rows) != 1 else ''}** | | **{sum(r.messages for r in rows)}** | **{sum(r.notices for r in rows)}** "
                 f"| **{sum(r.logs for r in rows)}** |")
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
