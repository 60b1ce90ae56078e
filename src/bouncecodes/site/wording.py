"""The words a registry pattern stands for, for readers: ``\\[TSS04\\]`` → ``[TSS04]``,
``STOREDRV\\.(?:Deliver|Submit)`` → ``STOREDRV.Deliver``, ``STOREDRV.Submit``.

Pages describe matching in words and keep the regular expressions themselves in a collapsed block
for contributors (out of the search index). A pattern is read with Python's own regular-expression
parser: literal text is kept, alternatives become separate wordings, optional parts are left out,
and anything that stands for variable text (``.``, ``\\w+``, a character class) becomes "…".
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import Any

try:  # Python 3.11+: the regex parser lives in re._parser (sre_parse is its deprecated alias)
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

__all__ = ["GAP", "wordings"]

GAP = "…"  # variable text
_ONE = "\x00"  # one variable character: "doesn.t" (a wording with one is shown only when no other is)
_MAX = 4  # wordings per pattern: the first ones, in the pattern's own order
_SPACE = {"CATEGORY_SPACE"}


class _Unreadable(Exception):
    """A pattern that cannot be put in words (a backreference, say)."""


def _join(parts: list[list[str]]) -> list[str]:
    """Every concatenation of one choice per part, the first ones first, at most _MAX."""
    out = ["".join(choice) for choice in itertools.islice(itertools.product(*parts), _MAX)]
    return list(dict.fromkeys(out))


def _one(op: str, arg: Any) -> list[str]:
    """The choices one parsed item stands for."""
    if op == "LITERAL":
        return [chr(arg)]
    if op in ("AT", "ASSERT", "ASSERT_NOT"):
        return [""]  # zero-width: \b, ^, look-arounds
    if op == "SUBPATTERN":
        return _seq(arg[-1])
    if op == "BRANCH":
        found: list[str] = []
        for branch in arg[1]:
            found += _seq(branch)
        return list(dict.fromkeys(found))[:_MAX]
    if op == "IN":
        items = [(str(o), a) for o, a in arg]
        chars: list[str] = []
        for o, a in items:
            if o == "LITERAL":
                chars.append(chr(a))
            elif o == "RANGE" and a[1] - a[0] < _MAX:
                chars += [chr(c) for c in range(a[0], a[1] + 1)]
            else:
                break
        else:
            return chars[:_MAX]
        if len(items) == 1 and items[0][0] == "CATEGORY" and str(items[0][1]) in _SPACE:
            return [" "]
        return [_ONE]
    if op == "CATEGORY":
        return [" "] if str(arg) in _SPACE else [_ONE]
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = arg
        inner = _seq(sub)
        if low == 0:  # optional: the shortest wording leaves words out (and one optional character);
            single = high == 1 and len(sub) == 1 and str(sub[0][0]) in ("ANY", "IN", "CATEGORY", "LITERAL")
            variable = any(GAP in choice or _ONE in choice for choice in inner)
            return [GAP] if variable and not single else [""]  # a longer gap stays
        if low == high and low <= 3 and GAP not in "".join(inner) and _ONE not in "".join(inner):
            return [choice * low for choice in inner]
        return [GAP] if low > 1 or high != low else inner
    if op in ("ANY", "NOT_LITERAL"):
        return [_ONE]
    raise _Unreadable(op)


def _seq(parsed: Any) -> list[str]:
    return _join([_one(str(op), arg) for op, arg in parsed])


def _tidy(text: str) -> str:
    """One gap for a run of them, set apart by spaces between words ("retries … giving up") and
    kept tight inside punctuation ("<…>")."""
    def gap(m: re.Match[str]) -> str:
        before, after = text[m.start() - 1: m.start()], text[m.end(): m.end() + 1]
        return f" {GAP} " if before.isalnum() or after.isalnum() or m.group(0) != m.group(0).strip() else GAP

    text = re.sub(rf"(?:\s*{GAP}\s*)+", gap, text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" " + GAP + ":,;") if text.strip(GAP + " ") else ""


@cache
def wordings(pattern: str) -> tuple[str, ...]:
    """The texts a case-insensitive ``pattern`` finds, as a reader would write them (at most four);
    empty when the pattern holds no words of its own."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
        found = _seq(parsed)
    except (re.error, _Unreadable):
        return ()
    whole = [text for text in found if _ONE not in text] or found
    tidy = [_tidy(text).replace(_ONE, GAP) for text in whole]
    return tuple(dict.fromkeys(t for t in tidy if len(t.replace(GAP, "").strip()) >= 2))
