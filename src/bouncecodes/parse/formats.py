"""How mail programs and providers lay out the emails they send back, as the registry describes it
(``notices`` in ``codes/software/<id>.yaml`` and ``codes/providers/<id>.yaml``): the Subject lines and
From names they write, lines of text only they write, the line after which they return the original
message, and which text is about which recipient (how one recipient is named, a list of recipients
under one reason, reasons written above their addresses); and the complaint reports that feedback
loops send in a layout of their own.

The parser asks these tables whether a message is a bounce notice, where the returned message
starts and whose reason a line is, beside its generic fallbacks (words any notice may use:
"undeliverable", "mailer-daemon", "original message"), which stay in :mod:`bouncecodes.parse.message`
and :mod:`bouncecodes.parse.text`. The tables are built from the registry once, on first use, as
regular expressions of literal text (placeholders such as ``<hostname>`` become short bounded gaps),
so every search is linear; each is compiled when first used (the program markers' pattern alone
takes about 10 ms to compile, and most bounces are told without it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Registry, SoftwareNotice

__all__ = ["Feedback", "Formats", "formats_of", "notice_formats"]

PLACEHOLDER_RE = re.compile(r"<[^<>\n]{1,60}>")
#: the fixed text a catalogued line needs to be looked for: shorter parts say too little
MIN_SUBJECT, MIN_SENDER, MIN_MARKER = 8, 6, 16
#: what stands for ``<address>`` in a recipient template: an address, as the notice writes it
ADDRESS_GAP = r"(?P<address>[^\s<>()\[\],;:\"'@]{1,64}@[A-Za-z0-9][A-Za-z0-9.-]{0,252})"
#: what may stand before a catalogued line that opens a line of the notice: indentation, quoting
LINE_LEAD = r"^[ \t>]{0,12}"


def _words(text: str) -> str:
    """A literal text as a pattern in which any run of white space matches any other."""
    return r"\s{1,8}".join(re.escape(w) for w in text.split())


def _fixed_parts(line: str, least: int) -> list[str]:
    """The parts of a catalogued line between its placeholders that are at least ``least`` characters
    long (after white space is collapsed)."""
    return [" ".join(p.split()) for p in PLACEHOLDER_RE.split(line) if len(" ".join(p.split())) >= least]


def _any_of(patterns: list[str], flags: int = 0) -> re.Pattern[str] | None:
    unique = sorted(set(patterns), key=lambda p: (-len(p), p))
    return re.later("|".join(unique), re.IGNORECASE | flags) if unique else None


def _line(line: str, address: bool = False) -> str:
    """A whole catalogued line as a pattern: its fixed parts, each placeholder a gap of up to 100
    characters of the same line; with ``address``, ``<address>`` becomes the group ``address``."""
    def literal(part: str) -> str:  # white space at either end kept (before or after a placeholder)
        if not part.strip():
            return r"\s{0,8}" if part else ""
        lead = r"\s{0,8}" if part[0].isspace() else ""
        return lead + _words(part) + (r"\s{0,8}" if part[-1].isspace() else "")

    out: list[str] = []
    pos = 0
    for m in PLACEHOLDER_RE.finditer(line):
        out.append(literal(line[pos:m.start()]))
        out.append(ADDRESS_GAP if address and m.group(0) == "<address>" else r"[^\n]{0,100}")
        pos = m.end()
    out.append(literal(line[pos:]))
    return "".join(out)


def _whole_lines(lines: tuple[str, ...] | list[str]) -> re.Pattern[str] | None:
    """Catalogued lines as one pattern that matches each of them as a whole line of the notice."""
    return _any_of([rf"{LINE_LEAD}(?:{_line(x)})[ \t]*$" for x in lines if x.strip()], re.MULTILINE)


def _template(template: str) -> re.Pattern[str]:
    """A recipient template (one line, or lines joined by line breaks) as a pattern from the start of
    its first line; its group ``address`` is the recipient."""
    lines = [x.strip() for x in template.split("\n") if x.strip()]
    body = r"[ \t]*\n[ \t>]{0,12}".join(_line(x, address=True) for x in lines)
    return re.later(LINE_LEAD + body, re.IGNORECASE | re.MULTILINE)


class Feedback:
    """A feedback loop's complaint report in a layout of its own: known by its From and its Subject
    (both, where the registry gives both); the complaining recipient is named in ``fields`` of the
    returned message."""

    __slots__ = ("fields", "id", "sender_re", "subject_re")

    def __init__(self, notice: SoftwareNotice, owner: str) -> None:
        self.id = f"{owner}/{notice.id}"
        self.subject_re = _any_of([_line(s) for s in notice.subject if _fixed_parts(s, MIN_SUBJECT)])
        self.sender_re = _any_of([_words(p) for s in notice.senders for p in _fixed_parts(s, MIN_SENDER)])
        self.fields = tuple(f.lower() for f in notice.recipient_fields)

    def matches(self, subject: str, sender: str) -> bool:
        """Whether a message with this Subject and From is such a report."""
        if self.subject_re is None and self.sender_re is None:
            return False
        return (self.subject_re is None or self.subject_re.search(subject) is not None) and \
            (self.sender_re is None or self.sender_re.search(sender) is not None)


class Formats:
    """The catalogued layouts of notices, compiled."""

    __slots__ = ("because_re", "feedback", "list_re", "marker_re", "original_re", "reasons_above_re",
                 "recipient_res", "sender_re", "subject_re")

    def __init__(self, subject_re: re.Pattern[str] | None, sender_re: re.Pattern[str] | None,
                 marker_re: re.Pattern[str] | None, original_re: re.Pattern[str] | None, *,
                 recipient_res: tuple[re.Pattern[str], ...] = (), list_re: re.Pattern[str] | None = None,
                 because_re: re.Pattern[str] | None = None, reasons_above_re: re.Pattern[str] | None = None,
                 feedback: tuple[Feedback, ...] = ()) -> None:
        self.subject_re, self.sender_re, self.marker_re, self.original_re = subject_re, sender_re, marker_re, original_re
        self.recipient_res, self.list_re, self.because_re = recipient_res, list_re, because_re
        self.reasons_above_re, self.feedback = reasons_above_re, feedback

    def patterns(self) -> list[re.Pattern[str] | None]:
        found = [self.subject_re, self.sender_re, self.marker_re, self.original_re, *self.recipient_res,
                 self.list_re, self.because_re, self.reasons_above_re]
        return found + [p for f in self.feedback for p in (f.subject_re, f.sender_re) if p is not None]

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

    def recipients(self, text: str) -> Iterator[tuple[int, str]]:
        """For each recipient that ``text`` names in a catalogued way: the index of the line where
        that recipient's part of the notice starts, and the address, in the order of the text."""
        found: list[tuple[int, str]] = []
        for pattern in self.recipient_res:
            found += [(m.start(), m.group("address")) for m in pattern.finditer(text)]
        line, pos = 0, 0
        for offset, address in sorted(found):
            line += text.count("\n", pos, offset)  # counted once over the text, in C
            pos = offset
            yield line, address

    def feedback_of(self, subject: str, sender: str) -> Feedback | None:
        """The feedback report layout a message of this Subject and From has, or None."""
        return next((f for f in self.feedback if f.matches(subject, sender)), None)


def formats_of(registry: Registry) -> Formats:
    """The tables for ``registry``, built on each call (see :func:`notice_formats` for the cached ones)."""
    every = [(s.id, n) for s in registry.software for n in s.notices] + \
        [(p.id, n) for p in registry.providers for n in p.notices]
    notices = [n for _, n in every if n.kind != "feedback"]
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
    return Formats(
        _any_of(subjects), _any_of(senders), marker_re, original_re,
        recipient_res=tuple(_template(t) for n in notices for t in n.recipient),
        list_re=_whole_lines([x for n in notices for x in n.lists]),
        because_re=_whole_lines([x for n in notices for x in n.because]),
        reasons_above_re=_whole_lines([x for n in notices for x in n.reasons_above]),
        feedback=tuple(Feedback(n, owner) for owner, n in every if n.kind == "feedback"))


@functools.cache
def notice_formats() -> Formats:
    """The tables of the packaged registry, built once per process, on first use."""
    from ..registry import load_registry

    return formats_of(load_registry())
