"""How mail programs lay out their bounce emails, as the registry describes it (``notices`` in
``codes/software/<id>.yaml``): the Subject lines and From names they write, lines of text only they
write, and the line after which they return the original message.

The parser asks these tables whether a message is a bounce notice and where the returned message
starts, beside its generic fallbacks (words any notice may use: "undeliverable", "mailer-daemon",
"original message"), which stay in :mod:`bouncecodes.parse.message` and :mod:`bouncecodes.parse.text`.
The tables are built from the registry once, on first use, as regular expressions of literal text
(placeholders such as ``<hostname>`` become short bounded gaps), so every search is linear.
"""

from __future__ import annotations

import functools

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Registry

__all__ = ["Formats", "formats_of", "notice_formats"]

PLACEHOLDER_RE = re.compile(r"<[^<>\n]{1,60}>")
#: the fixed text a catalogued line needs to be looked for: shorter parts say too little
MIN_SUBJECT, MIN_SENDER, MIN_MARKER = 8, 6, 16


def _words(text: str) -> str:
    """A literal text as a pattern in which any run of white space matches any other."""
    return r"\s{1,8}".join(re.escape(w) for w in text.split())


def _fixed_parts(line: str, least: int) -> list[str]:
    """The parts of a catalogued line between its placeholders that are at least ``least`` characters
    long (after white space is collapsed)."""
    return [" ".join(p.split()) for p in PLACEHOLDER_RE.split(line) if len(" ".join(p.split())) >= least]


def _any_of(patterns: list[str], flags: int = 0) -> re.Pattern[str] | None:
    unique = sorted(set(patterns), key=lambda p: (-len(p), p))
    return re.compile("|".join(unique), re.IGNORECASE | flags) if unique else None


def _line(line: str) -> str:
    """A whole catalogued line as a pattern: its fixed parts, each placeholder a gap of up to 100
    characters of the same line."""
    parts = [_words(p) for p in PLACEHOLDER_RE.split(line)]
    return r"[^\n]{0,100}".join(p for p in parts)


class Formats:
    """The catalogued layouts of bounce emails, compiled."""

    __slots__ = ("marker_re", "original_re", "sender_re", "subject_re")

    def __init__(self, subject_re: re.Pattern[str] | None, sender_re: re.Pattern[str] | None,
                 marker_re: re.Pattern[str] | None, original_re: re.Pattern[str] | None) -> None:
        self.subject_re, self.sender_re, self.marker_re, self.original_re = subject_re, sender_re, marker_re, original_re

    def patterns(self) -> list[re.Pattern[str] | None]:
        return [self.subject_re, self.sender_re, self.marker_re, self.original_re]

    def subject(self, text: str) -> bool:
        """Whether a Subject line is one a catalogued program writes on its bounce emails."""
        return self.subject_re is not None and self.subject_re.search(text) is not None

    def sender(self, text: str) -> bool:
        """Whether a From line names what a catalogued program writes its bounce emails from."""
        return self.sender_re is not None and self.sender_re.search(text) is not None

    def marker(self, text: str) -> bool:
        """Whether ``text`` holds, at the start of a line, a line only a catalogued program writes
        in its bounce emails ("This is the mail system at host …")."""
        return self.marker_re is not None and self.marker_re.search(text) is not None

    def original_start(self, text: str) -> int:
        """Where a catalogued program's line before the returned message stands in ``text``, or -1."""
        m = self.original_re.search(text) if self.original_re is not None else None
        return m.start() if m else -1


def formats_of(registry: Registry) -> Formats:
    """The tables for ``registry``, built on each call (see :func:`formats` for the cached ones)."""
    notices = [n for s in registry.software for n in s.notices]
    subjects = [_words(p) for n in notices for s in n.subject for p in _fixed_parts(s, MIN_SUBJECT)]
    senders = [_words(p) for n in notices for s in n.senders for p in _fixed_parts(s, MIN_SENDER)]
    # a marker's text that opens its line is looked for at the start of a line (not quoted with '>')
    markers = [rf"^[ \t]{{0,8}}{_words(p)}" if i == 0 and p else _words(p)
               for n in notices for line in n.markers
               for i, p in enumerate(" ".join(x.split()) for x in PLACEHOLDER_RE.split(line))
               if len(p) >= MIN_MARKER]
    originals = [_line(line) for n in notices for line in n.original if _fixed_parts(line, 10)]
    marker_re = _any_of(markers, re.MULTILINE)
    original_re = _any_of([rf"^[ \t>|]{{0,8}}(?:{o})" for o in originals], re.MULTILINE)
    return Formats(_any_of(subjects), _any_of(senders), marker_re, original_re)


@functools.cache
def notice_formats() -> Formats:
    """The tables of the packaged registry, built once per process, on first use."""
    from ..registry import load_registry

    return formats_of(load_registry())
