"""Accessibility touches on rendered page HTML (build time only).

A code block with a title (```` ```json title="api/reasons.json" ````) is shown by the theme with
the title on top; :func:`label_code_blocks` also makes the block a figure named by that title, so
a screen reader announces what the block is before reading its contents.
"""

from __future__ import annotations

import re

__all__ = ["label_code_blocks"]

_TITLED = re.compile(r'<div class="([^"]*\bhighlight\b[^"]*)"><span class="filename">')


def label_code_blocks(html: str, prefix: str = "bc-code-title") -> str:
    """Every titled code block of a page becomes ``role="figure"``, labelled by its title."""
    count = 0

    def label(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        ident = f"{prefix}-{count}"
        return f'<div class="{m.group(1)}" role="figure" aria-labelledby="{ident}"><span class="filename" id="{ident}">'

    return _TITLED.sub(label, html)
