"""Parsing: finding evidence in text. No decision is taken here; see :mod:`bouncecodes.classify`.

>>> from bouncecodes.parse import parse
>>> [(e.reply, e.status) for e in parse("550 5.1.1 <bob@example.org>: user unknown")]
[('550', '5.1.1')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Evidence, Registry, replace
from .common import MAX_INPUT, addresses, check_size, squash, to_text
from .detect import InputKind, detect
from .formats import notice_formats
from .logs import parse_log
from .mailq import looks_like_mailq, parse_mailq
from .message import is_bounce_subject, parse_message
from .notify import parse_json
from .reply import parse_reply
from .text import MAX_DIAGNOSTIC, evidence_from_notice, find_command

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import BinaryIO

__all__ = ["MAX_INPUT", "InputKind", "detect", "iter_mbox", "locate", "parse", "parse_text", "split_mbox"]

MBOX_SPLIT_RE = re.compile(r"\n\n(?=From \S)")
# words of a delivery failure, for text without headers: it is read as a bounce notice only with one
FAILURE_WORDS_RE = re.compile(r"\b(?:error|fail|reject|refus|unknown|not found|does not exist|exceed|full|quota|denied|"
                              r"blocked|delay|retry|retries|undeliver|could not|unable|not deliver|expired)",
                              re.IGNORECASE)

# a failure said in so many words, for a short text with no code that no rule of the registry reads:
# it still gets a verdict (onhold), where ordinary words ("full", "unknown", "retry") alone do not
FAILURE_TEXT = (
    r"\b(?:errors?|fail(?:s|ed|ure|ing)?|rejected|rejects?|refused|denied|undeliver(?:able|ed)|bounced?|"
    r"non-?delivery|(?:could|can)(?:not|n't| not) (?:be )?deliver(?:ed)?|not (?:be(?:en)? )?delivered|"
    r"unable to (?:deliver|send|connect)|returned mail|expired|fehlgeschlagen|unzustellbar|nicht zustellbar|"
    r"nicht (?:zugestellt|übermittelt|ausgeliefert)|zustellung nicht möglich|"
    r"[ée]chec|non remis|n.a pas (?:pu )?être (?:remis|distribu[ée]|transmis|livr[ée])|non distribuable|"
    r"impossible de (?:remettre|distribuer|livrer)|no (?:se )?pudo (?:ser )?entregar|non consegnat[oa]|niet bezorgd|"
    r"не доставлено|不達|配信(?:エラー|失敗|不能)|送信(?:エラー|失敗)|无法投递|無法投遞|退信)")
# a text with no code is read on its own words only when it is short: a reply or a few lines pasted
# from a notice, not a letter or a newsletter that happens to say "failed"
MAX_WORDS_ONLY = 2000
MAX_WORDS_ONLY_LINES = 12


def failure_words(text: str, registry: Registry | None = None) -> list[Evidence]:
    """One Evidence for a short text that holds no code but says that a delivery failed, in words a
    rule of ``registry`` (the installed one when None) reads or in plain failure words; [] for any
    other text."""
    body = text.strip()
    if not body or len(body) > MAX_WORDS_ONLY or body.count("\n") >= MAX_WORDS_ONLY_LINES:
        return []
    diagnostic = squash(body)[:MAX_DIAGNOSTIC]
    if re.search(FAILURE_TEXT, diagnostic, re.IGNORECASE) is None:  # compiled on first use, then cached by re
        from ..classify import reads_as_failure  # the registry's vocabulary, loaded only for such texts

        if not reads_as_failure(diagnostic, registry):
            return []
    found = addresses(diagnostic)
    start = text.find(body[:40])
    return [Evidence(recipient=found[0] if found else "", diagnostic=diagnostic, command=find_command(diagnostic),
                     source="reply", span=(start, start + len(body)))]


def parse_text(text: str, kind: InputKind | None = None, registry: Registry | None = None) -> list[Evidence]:
    """Evidence in already-decoded text with '\\n' line ends; log lines are read with the formats of
    ``registry`` (the installed one when None).

    Each piece says its ``direction``: a log line's comes from its format (inbound for a refusal the
    logging server gave, outbound for a delivery it could not make); a bounce email, a pasted
    notice and a sending service's event report a delivery that failed: outbound; a bare reply does
    not say whose it is: ''."""
    return [e if e.direction or e.source == "reply" else replace(e, direction="outbound")
            for e in _parse_text(text, kind, registry)]


def _parse_text(text: str, kind: InputKind | None, registry: Registry | None) -> list[Evidence]:
    # blank lines or spaces before a message (a paste, a file saved with them) are not its headers
    body = text.lstrip()
    lead = len(text) - len(body)
    kind = kind or detect(body, registry)
    if kind is InputKind.MBOX:
        return [replace(e, message=number) for number, message in enumerate(split_mbox(body), 1)
                for e in parse_message(message)]
    if kind is InputKind.EMAIL:
        return [_with_span(e, locate(text, e.diagnostic) if e.span == (0, 0) else (e.span[0] + lead, e.span[1] + lead))
                for e in parse_message(body)]
    if kind is InputKind.LOG:
        # every line on its own: a known program's line by its format (both sides: what it refused
        # to receive, and what it could not deliver), any other line only with a failure reply in it
        return parse_log(text, registry)
    if kind is InputKind.JSON:
        found_json = parse_json(body)
        if found_json is not None:  # JSON, read by its fields only, never as prose
            return _located(text, found_json)
    if kind is InputKind.REPLY and looks_like_mailq(body):  # a queue listing: each reason stands above its recipients
        queued = parse_mailq(body)
        if queued:
            return _located(text, queued)
    found = parse_reply(text)
    head = body[:4000]
    if "\n" in body.rstrip() and (found or is_bounce_subject(head) or FAILURE_WORDS_RE.search(head)
                                  or re.search(FAILURE_TEXT, head, re.IGNORECASE)  # in other languages too
                                  or notice_formats().marker(head)):
        # the visible text of a bounce, pasted or saved without its headers: read it as a notice
        notice = [e for e in evidence_from_notice(body, set()) if e.reply or e.status or e.diagnostic]
        if notice:
            return _located(text, notice)
    if not found and kind is InputKind.REPLY:
        return failure_words(text, registry)  # no code: the words alone, when they say something failed
    return found


def _with_span(e: Evidence, span: tuple[int, int]) -> Evidence:
    return e if span == e.span else replace(e, span=span)


def _located(text: str, found: list[Evidence]) -> list[Evidence]:
    """``found`` with spans, each looked for after the previous one: evidence comes in the order of
    the text, and each search stays short however many recipients a large input holds."""
    out = []
    pos = 0
    for e in found:
        span = locate(text, e.diagnostic, pos)
        if span != (0, 0):
            pos = span[1]
        out.append(replace(e, span=span))
    return out


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def _find_words(text: str, words: list[str], pos: int = 0, endpos: int | None = None) -> tuple[int, int] | None:
    """``_words(words).search(text, pos, endpos).span()``, or None, mostly without compiling it.

    The words (no white space in them) are looked for with ``str.find`` and checked one by one; a
    pattern is compiled only after many places where the first word stands but not the others."""
    n = len(text) if endpos is None else max(0, min(endpos, len(text)))
    first = words[0]
    start = text.find(first, pos, n)
    tries = 0
    while start >= 0:
        i = start + len(first)
        for w in words[1:]:
            j = i
            while j < n and text[j].isspace():
                j += 1
            if j == i or not text.startswith(w, j, n):
                break
            i = j + len(w)
        else:
            return start, i
        tries += 1
        if tries >= 32:  # a text that repeats the first word: let the pattern do the rest
            m = _words(words).search(text, start + 1, n)
            return m.span() if m else None
        start = text.find(first, start + 1, n)
    return None


def locate(text: str, diagnostic: str, start: int = 0) -> tuple[int, int]:
    """Where the server's words (as squashed into ``diagnostic``) stand in ``text``, looking from
    ``start``: from the first place its first words appear to the end of its last words after that;
    (0, 0) when not found, for example when the words were encoded (base64, quoted-printable)."""
    words = diagnostic.split()
    if not words:
        return (0, 0)
    head = _find_words(text, words[:4], start)
    sure = head is not None
    if head is None and len(words) > 2:
        # the parser may have cut the address out of the reply ("550 5.1.1 <bob@…>: …"): its first
        # two words then, but only with its last words found after them (the last one alone for a
        # reply of few words, as one in Japanese or Chinese, written without spaces, is)
        head = _find_words(text, words[:2], start)
    if head is None:
        return (0, 0)
    start, end = head
    if len(words) > 4 or not sure:
        tail = words[-3:] if len(words) > 4 else words[-1:]
        # squashing only shrinks the text, so the words end no earlier than this
        least = start + len(diagnostic) - 1
        pos, stop = start, least + len(diagnostic) + 200
        while (m := _find_words(text, tail, pos, stop)) is not None:
            if m[1] >= least:
                end = m[1]
                sure = True
                break
            pos = m[1]
    return (start, end) if sure else (0, 0)


def parse(data: str | bytes, *, limit: int = MAX_INPUT, registry: Registry | None = None) -> list[Evidence]:
    """Evidence for each recipient found in ``data``: a reply, an email, an mbox or log lines (read
    with the log formats of ``registry``; the installed one when None).

    Raises :class:`bouncecodes.InputTooLargeError` above ``limit`` and :class:`bouncecodes.InputError`
    for input that is not text or bytes."""
    check_size(data, limit)
    if is_binary(data):
        return []  # a document or an image (an Outlook .msg, a PDF), not the text of a message
    return parse_text(to_text(data), registry=registry)


# control characters that text does not hold (tab, line ends, form feed and ISO-2022's escape apart)
_CONTROL = sorted(frozenset(range(32)) - {9, 10, 12, 13, 27})
_CONTROL_BYTES = bytes(_CONTROL)
_CONTROL_RE = re.compile("[" + re.escape("".join(map(chr, _CONTROL))) + "]")


def is_binary(data: str | bytes) -> bool:
    """Whether the start of ``data`` is binary: more than one in twenty of its first 4,096 characters
    are control characters, and it is no UTF-16 text with its byte-order mark. Mail is text (RFC
    5322; 8-bit content still has no NULs), so a file that is not is no message."""
    head = data[:4096]
    if not head or head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 text (to_text reads it) holds NULs
        return False
    if isinstance(head, str):
        if _CONTROL_RE.search(head) is None:  # text, the usual case: one scan in C
            return False
        control = len(_CONTROL_RE.findall(head))
    else:
        control = len(head) - len(bytes(head).translate(None, _CONTROL_BYTES))
    return control * 20 > len(head)


def split_mbox(text: str) -> list[str]:
    """The messages of an mbox held in memory (each without its 'From ' line)."""
    chunks = MBOX_SPLIT_RE.split("\n\n" + text.lstrip("\n") if text.startswith("From ") else text)
    return [c.split("\n", 1)[1] if c.startswith("From ") and "\n" in c else c for c in chunks if c.strip()]


def iter_mbox(stream: BinaryIO | Iterable[bytes], *, limit: int = MAX_INPUT) -> Iterator[bytes]:
    """Stream the messages of an mbox file one at a time (memory stays flat).

    Messages over ``limit`` bytes are yielded cut at the limit, which the parser then refuses."""
    current: list[bytes] = []
    size = 0
    previous_blank = True
    for line in stream:
        if line.startswith(b"From ") and previous_blank:
            if current:
                yield b"".join(current)
            current, size = [], 0
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if size <= limit:
            current.append(line[1:] if line.startswith(b">From ") else line)
            size += len(line)
    if current and any(x.strip() for x in current):
        yield b"".join(current)
