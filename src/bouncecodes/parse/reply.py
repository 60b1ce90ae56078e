"""Evidence from a bare SMTP reply, one line or several (``550-5.7.26 …`` / ``550 5.7.26 …``),
possibly inside prose (``host mx.example.com[192.0.2.1] said: 550 … (in reply to RCPT TO command)``)."""

from __future__ import annotations

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Evidence
from .common import addresses, find_codes, squash
from .text import find_command

CONTINUATION_RE = re.compile(r"^([245]\d\d)-(?:([245]\.\d{1,3}\.\d{1,3}) )?", re.MULTILINE)
HOST_SAID_RE = re.compile(r"\b(?:host|server)\s+([A-Za-z0-9][A-Za-z0-9.-]{1,253})(?:\[[0-9a-fA-F.:]{2,45}\])?\s+said:",
                          re.IGNORECASE)


def join_multiline(text: str) -> str:
    """'550-5.7.26 a\\n550-5.7.26 b\\n550 5.7.26 c' → '550 5.7.26 a b c' (other text unchanged)."""
    lines = text.split("\n")
    if len(lines) < 2 or not CONTINUATION_RE.match(lines[0]):
        return text
    out: list[str] = []
    for i, line in enumerate(lines):
        m = re.match(r"^([245]\d\d)[- ](?:([245]\.\d{1,3}\.\d{1,3}) )?", line)
        if m and out:
            line = line[m.end():]
        elif m:
            line = line.replace("-", " ", 1)
        out.append(line)
        if i > 1000:
            break
    return " ".join(out)


def parse_reply(text: str) -> list[Evidence]:
    """One Evidence for a server reply; [] when the text holds no reply code or enhanced code."""
    joined = join_multiline(text.strip())
    diagnostic = squash(joined)
    reply, status = find_codes(diagnostic)
    if not reply and not status:
        return []
    found = addresses(diagnostic)
    host = HOST_SAID_RE.search(diagnostic) if "said:" in diagnostic.lower() else None
    start = text.find(text.strip()[:40]) if text.strip() else 0
    return [Evidence(recipient=found[0] if found else "", status=status, reply=reply, diagnostic=diagnostic,
                     remote_mta=host.group(1).lower() if host else "", command=find_command(diagnostic),
                     source="reply", span=(max(start, 0), max(start, 0) + len(text.strip())))]
