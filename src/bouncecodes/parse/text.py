"""Finding recipients and server replies in a bounce notice written for humans.

MTAs explain a failure in prose: Postfix puts ``<addr>: host … said: 550 …``, Exim indents the
address and the SMTP error under it, qmail writes ``<addr>:`` and ``Remote host said:``, and
many others have their own layout. Rather than one parser per MTA, this module cuts the notice
into blocks that start where a recipient address appears and keeps each block's text as the
evidence for that address.
"""

from __future__ import annotations

import re

from ..model import Evidence
from .common import addresses, find_codes, squash

# Where the returned original message (or its headers) begins: nothing after it is evidence.
ORIGINAL_START_RE = re.compile(
    r"^(?:[\s>|]{0,8}-{2,}[^\n]{0,40}(?:original|returned|copy of|below this line|rfc ?822|headers? of|undelivered message|message headers?|message follows|message text)"
    r"|[\s>]{0,4}(?:received|return-path|dkim-signature|message-id|x-mailer|mime-version): "
    r"|content-type: (?:message/rfc822|text/rfc822-headers)"
    r"|[\s]{0,4}(?:original message|the original message|your message|message was) (?:headers|follows|was|reads)[^\n]{0,40}:? *$)",
    re.IGNORECASE | re.MULTILINE,
)
# Lines that never carry evidence about a recipient.
BOILERPLATE_RE = re.compile(
    r"^\s*(?:to:|from:|subject:|date:|cc:|reply-to:|sender:|message-id:|in-reply-to:|references:)", re.IGNORECASE
)
MAX_BLOCK_LINES = 24
MAX_DIAGNOSTIC = 2000


def notice_part(text: str) -> str:
    """The notice up to where the returned original message starts."""
    m = ORIGINAL_START_RE.search(text)
    if m and m.start() > 0:
        return text[: m.start()]
    return text


def find_blocks(notice: str, exclude: set[str]) -> dict[str, list[str]]:
    """Address → the lines of each block that mentions it, in order of first mention."""
    lines = notice.split("\n")
    blocks: dict[str, list[str]] = {}
    current: str | None = None
    taken = 0
    blank_run = 0
    for line in lines:
        if BOILERPLATE_RE.match(line):
            current = None
            continue
        found = [a for a in addresses(line) if a.lower() not in exclude]
        if found:
            current = found[0]
            for a in found:
                blocks.setdefault(a, [])
            blocks[current].append(line)
            taken = 1
            blank_run = 0
            continue
        if current is None:
            continue
        if not line.strip():
            blank_run += 1
            if blank_run >= 2:
                current = None
            else:
                blocks[current].append("")
            continue
        blank_run = 0
        taken += 1
        if taken > MAX_BLOCK_LINES:
            current = None
            continue
        blocks[current].append(line)
    return blocks


def block_text(lines: list[str]) -> str:
    return squash("\n".join(lines))[:MAX_DIAGNOSTIC]


def strip_address(text: str, address: str) -> str:
    """The block's text without the address itself and its brackets (keeps the server's words)."""
    out = re.sub(r"<?" + re.escape(address) + r">?:?", " ", text, flags=re.IGNORECASE)
    return squash(out)


def evidence_from_notice(notice: str, exclude: set[str], source: str = "text") -> list[Evidence]:
    """One Evidence per recipient mentioned in a human-readable notice."""
    body = notice_part(notice)
    results = []
    for address, lines in find_blocks(body, exclude).items():
        text = block_text(lines)
        reply, status = find_codes(text)
        results.append(
            Evidence(recipient=address, status=status, reply=reply, diagnostic=strip_address(text, address),
                     notice=squash(body)[:MAX_DIAGNOSTIC], source=source)
        )
    return results
