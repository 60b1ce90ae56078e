"""Cheap tests that tell when a registry pattern cannot match, so that it is neither compiled nor run.

:func:`requirements` reads a pattern's source (no compiling) and returns the texts any match must
contain, as a tuple of alternatives per requirement: ``(("user",), ("unknown", "invalid"))`` means
a match holds "user" and one of "unknown" or "invalid". The texts are lower-case ASCII, to be looked
for in :func:`fold` of the input: its lower case, where the four non-ASCII characters that
``re.IGNORECASE`` matches to ASCII letters (``İ``, ``ı``, ``ſ``, ``K``) are those letters.

The reading is conservative: whatever it does not fully understand (inline flags, escapes of
character codes, backreferences, conditionals) adds no requirement, and nothing that could be
absent from a match is ever required. Standard library only; runs under Pyodide.

>>> requirements(r"\\b(?:user|mailbox) (?:unknown|not found)\\b")
(('mailbox', 'user'), ('not found', 'unknown'))
>>> requirements(r"quota exceede?d")
(('quota exceed',),)
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Requirements", "fold", "may_match", "requirements", "satisfied"]

#: one tuple of alternatives per requirement; () when nothing is known to be required
Requirements = tuple[tuple[str, ...], ...]

#: the only non-ASCII characters that re.IGNORECASE matches to ASCII characters (tests/test_speed_paths.py)
_FOLD = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_CLASS_ESCAPES = frozenset("dDwWsS")
_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_SAFE_LITERAL_ESCAPES = frozenset("\\.^$|?*+()[]{}/-#&~ !\"'%,:;<=>@_`")
_QUANT_START = frozenset("*+?{")
_MIN_LEN = 2  # shorter texts are in nearly every input: no use as a test
_MAX_ALTERNATIVES = 12


class _Unsupported(Exception):
    """Syntax this reader does not analyse: the pattern gets no requirement."""


def _quantifier(src: str, i: int) -> tuple[int, int] | None:
    """(minimum count, index after the quantifier) for a quantifier at ``src[i]``, else None."""
    if i >= len(src) or src[i] not in _QUANT_START:
        return None
    c = src[i]
    if c == "{":
        j = src.find("}", i)
        if j < 0:
            return None
        body = src[i + 1:j]
        low, comma, high = body.partition(",")
        if not (low.isdigit() or (comma and low == "")) or (high and not high.isdigit()) or (not low and not comma):
            return None  # not a quantifier: '{' is then a literal character
        if not comma and not low.isdigit():
            return None
        minimum, end = int(low or "0"), j + 1
    else:
        minimum, end = (1 if c == "+" else 0), i + 1
    if end < len(src) and src[end] in "?+":  # lazy or possessive
        end += 1
    return minimum, end


def _skip_class(src: str, i: int) -> int:
    """Index after the character class that starts at ``src[i] == '['``."""
    j = i + 1
    if j < len(src) and src[j] == "^":
        j += 1
    if j < len(src) and src[j] == "]":
        j += 1
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[" and src.startswith("[:", j):  # not special in Python, but keep it simple
            raise _Unsupported
        if c == "]":
            return j + 1
        j += 1
    raise _Unsupported


def _group_end(src: str, i: int) -> int:
    """Index of the ')' closing the group that starts at ``src[i] == '('``."""
    depth, j = 0, i
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _skip_class(src, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise _Unsupported


def _split_top(src: str) -> list[str]:
    """``src`` cut at its top-level '|'."""
    parts, start, j = [], 0, 0
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _skip_class(src, j)
            continue
        if c == "(":
            j = _group_end(src, j) + 1
            continue
        if c == "|":
            parts.append(src[start:j])
            start = j + 1
        j += 1
    parts.append(src[start:])
    return parts


def _sequence(src: str) -> list[tuple[str, ...]]:
    """Requirements of a sequence without top-level '|'."""
    found: list[tuple[str, ...]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            found.append(("".join(run),))
            run.clear()

    i = 0
    while i < len(src):
        c = src[i]
        literal: str | None = None
        group: Requirements = ()
        if c == "\\":
            if i + 1 >= len(src):
                raise _Unsupported
            e = src[i + 1]
            i += 2
            if e in _ZERO_WIDTH_ESCAPES:
                flush()
                continue
            if e in _CLASS_ESCAPES:
                flush()
                literal = None
            elif e in _SAFE_LITERAL_ESCAPES:
                literal = e
            else:  # \n, \t, \x41, \1, \N{…}: not analysed
                raise _Unsupported
        elif c == "[":
            i = _skip_class(src, i)
            flush()
        elif c == "(":
            end = _group_end(src, i)
            inner = src[i + 1:end]
            i = end + 1
            flush()
            if inner.startswith(("?=", "?!", "?<=", "?<!", "?#")):
                continue  # zero width, or a comment
            if inner.startswith("?:"):
                inner = inner[2:]
            elif inner.startswith("?P<"):
                close = inner.find(">")
                if close < 0:
                    raise _Unsupported
                inner = inner[close + 1:]
            elif inner.startswith("?"):  # inline flags, conditionals, (?P=name) …
                raise _Unsupported
            group = _alternation(inner)
        elif c in ".^$":
            i += 1
            flush()
            continue
        elif c in "*+?{" and _quantifier(src, i) is not None:
            raise _Unsupported  # a quantifier with nothing before it (or one on a quantifier)
        elif c == ")" or c == "|":
            raise _Unsupported
        else:
            literal = c
            i += 1
        q = _quantifier(src, i)
        if q is not None:
            minimum, i = q
            if minimum == 0:
                flush()
                continue
            # repeated: the atom is there once, but what follows need not be next to it
            if literal is not None and literal.isascii():
                run.append(literal.lower())
            flush()
            found.extend(group)
            continue
        if literal is not None:
            if literal.isascii():
                run.append(literal.lower())
            else:
                flush()
        else:
            found.extend(group)
    flush()
    return found


def _alternation(src: str) -> Requirements:
    """Requirements of a whole (sub)pattern: of its one branch, or one set of alternatives built
    from the longest requirement of each branch."""
    branches = _split_top(src)
    if len(branches) == 1:
        return tuple(r for r in _sequence(src) if all(len(t) >= _MIN_LEN for t in r))
    best: list[str] = []
    for branch in branches:
        reqs = [r for r in _sequence(branch) if len(r) == 1 and len(r[0]) >= _MIN_LEN]
        if not reqs:
            return ()  # a branch that requires nothing: the alternation requires nothing
        best.append(max((r[0] for r in reqs), key=len))
    alternatives = tuple(sorted(set(best)))
    return (alternatives,) if len(alternatives) <= _MAX_ALTERNATIVES else ()


def requirements(source: str) -> Requirements:
    """What every match of ``source`` (compiled with ``re.IGNORECASE``) contains, lower-cased."""
    try:
        reqs = _alternation(source)
    except (_Unsupported, ValueError, IndexError):
        return ()
    # drop a requirement implied by a longer one, keep at most a few, longest first
    singles = sorted({r[0] for r in reqs if len(r) == 1}, key=lambda t: (-len(t), t))
    kept: list[tuple[str, ...]] = []
    for s in singles:
        if not any(s in k[0] for k in kept):
            kept.append((s,))
    kept.extend(r for r in dict.fromkeys(reqs) if len(r) > 1)
    return tuple(kept[:4])


def fold(text: str) -> str:
    """``text`` as the requirements are looked for in: lower case, with ``İ ı ſ K`` as ``i i s k``.

    Every ASCII character a case-insensitive match finds in ``text`` is here, in the same place
    relative to its ASCII neighbours. When ``text.lower()`` is ASCII, it is the same string."""
    lowered = text.lower()
    return lowered if lowered.isascii() else text.translate(_FOLD).lower()


def satisfied(reqs: Requirements, folded: str) -> bool:
    """Whether ``folded`` (see :func:`fold`) holds every requirement."""
    for alternatives in reqs:
        for text in alternatives:
            if text in folded:
                break
        else:
            return False
    return True


_OF_PATTERN: dict[Any, Requirements] = {}  # by the pattern object (a stand-in and its compiled pattern apart)
_OF_SOURCE: dict[str, Requirements] = {}
_VERBOSE = 64  # re.VERBOSE, whose white space and comments this reader does not follow


def may_match(pattern: Any, folded: str) -> bool:
    """False only when ``pattern`` (a compiled pattern, or the runtime's stand-in for one not yet
    compiled: see :mod:`bouncecodes.lazyre`) cannot match the text whose :func:`fold` is ``folded``:
    a cheap test before a search. Its requirements are read once per pattern, without compiling it."""
    reqs = _OF_PATTERN.get(pattern)
    if reqs is None:
        source, flags = source_of(pattern)
        reqs = _OF_SOURCE.get(source)
        if reqs is None:
            reqs = _OF_SOURCE[source] = () if flags & _VERBOSE else requirements(source)
        _OF_PATTERN[pattern] = reqs
    return not reqs or satisfied(reqs, folded)


def source_of(pattern: Any) -> tuple[str, int]:
    """(source, flags) of a compiled pattern or of a lazyre stand-in, without compiling it."""
    args = getattr(pattern, "_args", None)
    if args is not None and getattr(pattern, "_compiled", None) is None:
        return args  # type: ignore[no-any-return]
    return pattern.pattern, pattern.flags
