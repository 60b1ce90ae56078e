"""Telling what an input is: an email, an mbox of emails, MTA log lines, or a server reply."""

from __future__ import annotations

import enum

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Registry
from .logs import STAMP_RE, looks_like_log

# a header field: its name is letters, digits and '-' in practice (RFC 5322 allows any printable
# character but ':', which would take "<bob@example.org>: host … said" for a header)
HEADER_LINE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,75}:[ \t]?[^\n]{0,4000}$")
MBOX_FROM_RE = re.compile(r"^From \S{0,320}[^\n]{0,200}$")


class InputKind(enum.StrEnum):
    EMAIL = "email"
    MBOX = "mbox"
    LOG = "log"
    JSON = "json"
    REPLY = "reply"


def detect(text: str, registry: Registry | None = None) -> InputKind:
    """What ``text`` (normalised line ends) is; log lines are known by the formats of ``registry``
    (the installed one when None)."""
    head = text.lstrip("\n")[:4096]
    opening = head.lstrip()[:1]
    if opening == "{" or (opening == "[" and not looks_like_log(text, registry)):  # JSON (no header name starts so)
        return InputKind.JSON  # a log line may open with its time stamp in brackets
    first = head.split("\n", 1)[0]
    if MBOX_FROM_RE.match(first) and "\n\n" in text:
        lines = head.split("\n")[1:4]
        if lines and all(HEADER_LINE_RE.match(x) or x[:1] in " \t" for x in lines[:2] if x):
            return InputKind.MBOX
    if HEADER_LINE_RE.match(first) and not re.match(r"^[245]\d\d[ -]", first):
        header_lines = 0
        for line in head.split("\n")[:40]:
            if not line:
                break
            if HEADER_LINE_RE.match(line) or line[:1] in " \t":
                header_lines += 1
            else:
                header_lines = 0
                break
        if header_lines >= 2 and not looks_like_log(first, registry) and not STAMP_RE.match(first):  # "2026-03-02T09:…"
            return InputKind.EMAIL
    if looks_like_log(text, registry):
        return InputKind.LOG
    return InputKind.REPLY
