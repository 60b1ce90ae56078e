"""Text pasted from ``mailq`` (Postfix's ``postqueue -p``, Sendmail's ``mailq``): the messages
waiting in a queue, each with the reason its last delivery attempt failed.

Postfix writes, per message, a line with the queue id (``*`` active, ``!`` on hold, ``#`` forced to
expire), the size, the arrival time and the sender; then its recipients, each indented, and before
them a ``(reason)`` line whenever the reason changes from the recipient before: a reason stands for
every recipient listed after it, up to the next reason or the next message (postfix/src/postqueue/
showq_compat.c, ``showq_message``, at v3.9.9). Sendmail writes one parenthesised reason under the
message's line, before its recipients. Both are read the same way: each recipient gets the last
reason written above it within its message.
"""

from __future__ import annotations

import re

from ..model import Evidence
from .common import clean_address, find_codes, squash
from .text import find_command

__all__ = ["looks_like_mailq", "parse_mailq"]

# a message's line: queue id and its state marks, size, arrival time (asctime, cut to 19 or 20
# characters; Sendmail's is shorter), sender
ENTRY_RE = re.compile(r"^(?P<id>[0-9A-Za-z]{5,20})(?P<marks>[*!#]{0,3})\s+(?P<size>\d{1,12})\s+"
                      r"(?P<time>(?:[A-Z][a-z]{2} ){1,2}[ \d]\d(?: \d\d:\d\d(?::\d\d)?)?)\s+(?P<sender>\S{0,320})\s*$")
# a reason line: in parentheses, right-aligned to column 76 (so not indented when longer)
REASON_RE = re.compile(r"^\s*\((?P<why>[^\n]{1,4000})\)\s*$")
# a recipient line: indented, one address (Sendmail in angle brackets)
RECIPIENT_RE = re.compile(r"^\s{4,}(?P<rcpt><?[^\s<>()]{1,320}>?)\s*$")
HEADING_RE = re.compile(r"^-+\s*Queue ID\s*-+", re.MULTILINE)


def looks_like_mailq(text: str) -> bool:
    """Whether ``text`` holds a mail queue listing: its heading, or a message's line followed by a
    parenthesised reason or an indented recipient."""
    if HEADING_RE.search(text[:20_000]):
        return True
    lines = text[:20_000].split("\n")
    for i, line in enumerate(lines[:-1]):
        if ENTRY_RE.match(line) and (REASON_RE.match(lines[i + 1]) or RECIPIENT_RE.match(lines[i + 1])):
            return True
    return False


def parse_mailq(text: str) -> list[Evidence]:
    """One Evidence per recipient that has a reason, in the order listed (a recipient with none, or
    "reason unavailable", has nothing to classify)."""
    out: list[Evidence] = []
    entry: re.Match[str] | None = None
    why = ""
    for line in text.split("\n"):
        m = ENTRY_RE.match(line)
        if m is not None:
            entry, why = m, ""
            continue
        if entry is None:
            continue
        r = REASON_RE.match(line)
        if r is not None:
            why = squash(r.group("why"))
            continue
        rc = RECIPIENT_RE.match(line)
        if rc is not None and why and why != "reason unavailable":
            recipient = clean_address(rc.group("rcpt"))
            if not recipient:
                continue
            reply, status = find_codes(why)
            sender = entry.group("sender").strip("<>")
            out.append(Evidence(
                recipient=recipient, reply=reply, status=status, diagnostic=why, command=find_command(why),
                action="held" if "!" in entry.group("marks") else "delayed", source="mailq", direction="outbound",
                queue_id=entry.group("id"), timestamp=entry.group("time").strip(),
                sender=clean_address(sender) if "@" in sender else ""))
        elif not line.strip():
            entry, why = None, ""  # a blank line ends a message
    return out
