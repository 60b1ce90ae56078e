"""Parsing: finding evidence in text. No decision is taken here; see :mod:`bouncecodes.classify`.

>>> from bouncecodes.parse import parse
>>> [(e.reply, e.status) for e in parse("550 5.1.1 <bob@example.org>: user unknown")]
[('550', '5.1.1')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import BinaryIO

from ..model import Evidence
from .common import MAX_INPUT, check_size, to_text
from .detect import InputKind, detect
from .logs import parse_log
from .message import parse_message
from .reply import parse_reply

__all__ = ["MAX_INPUT", "InputKind", "detect", "iter_mbox", "locate", "parse", "parse_text", "split_mbox"]

MBOX_SPLIT_RE = re.compile(r"\n\n(?=From \S)")


def parse_text(text: str, kind: InputKind | None = None) -> list[Evidence]:
    """Evidence in already-decoded text with '\\n' line ends."""
    kind = kind or detect(text)
    if kind is InputKind.MBOX:
        return [e for message in split_mbox(text) for e in parse_message(message)]
    if kind is InputKind.EMAIL:
        return [e if e.span != (0, 0) else replace(e, span=locate(text, e.diagnostic)) for e in parse_message(text)]
    if kind is InputKind.LOG:
        return parse_log(text)
    return parse_reply(text)


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def locate(text: str, diagnostic: str) -> tuple[int, int]:
    """Where the server's words (as squashed into ``diagnostic``) stand in ``text``: from the first
    place its first words appear to the end of its last words after that; (0, 0) when not found, for
    example when the words were encoded (base64, quoted-printable) in the message."""
    words = diagnostic.split()
    if not words:
        return (0, 0)
    head = _words(words[:4]).search(text)
    if head is None:
        return (0, 0)
    end = head.end()
    if len(words) > 4:
        # squashing only shrinks the text, so the words end no earlier than this
        least = head.start() + len(diagnostic) - 1
        for m in _words(words[-3:]).finditer(text, head.start(), least + len(diagnostic) + 200):
            if m.end() >= least:
                end = m.end()
                break
    return (head.start(), end)


def parse(data: str | bytes, *, limit: int = MAX_INPUT) -> list[Evidence]:
    """Evidence for each recipient found in ``data``: a reply, an email, an mbox or log lines.

    Raises :class:`bouncecodes.InputTooLargeError` above ``limit`` and :class:`bouncecodes.InputError`
    for input that is not text or bytes."""
    check_size(data, limit)
    return parse_text(to_text(data))


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
