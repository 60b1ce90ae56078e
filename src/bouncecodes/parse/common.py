"""Small text tools shared by the evidence finders. Every pattern here is linear-time."""

from __future__ import annotations

import re

from ..errors import InputError, InputTooLargeError

#: Inputs larger than this are refused before parsing (bytes, or characters for text).
MAX_INPUT = 20 * 1024 * 1024

ADDRESS_RE = re.compile(r"(?<![\w.+-])([\w.!#$%&'*+/=?^`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){0,8}[A-Za-z0-9-]{1,63})")
ENHANCED_RE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\d|\.\d)")
# a reply code: three digits, not part of a longer number or an address, followed by space, '-' or end
REPLY_RE = re.compile(r"(?<![\w.:/#=-])([245][0-5]\d)(?:[ -]|$)", re.MULTILINE)
REPLY_WITH_STATUS_RE = re.compile(r"(?<![\w.:/#=-])([245][0-5]\d)[ -]{1,3}\(?#?([245]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)")
SPACE_RE = re.compile(r"\s+")
HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,8}[A-Za-z]{2,63}\.?$")


def check_size(data: str | bytes, limit: int = MAX_INPUT) -> None:
    if not isinstance(data, (str, bytes, bytearray)):
        raise InputError(f"expected str or bytes, got {type(data).__name__}")
    if len(data) > limit:
        raise InputTooLargeError(f"input of {len(data):,} bytes is over the {limit:,}-byte limit")


def to_text(data: str | bytes) -> str:
    """Bytes → str (UTF-8, else Latin-1, which never fails); any line ends → '\\n'."""
    if isinstance(data, (bytes, bytearray)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            text = bytes(data).decode("latin-1")
    else:
        text = data
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "")


def squash(text: str) -> str:
    """Collapse runs of white space to one space and trim."""
    return SPACE_RE.sub(" ", text).strip()


def addresses(text: str) -> list[str]:
    """Email addresses in ``text``, in order, lower-cased domain, without duplicates."""
    seen: dict[str, None] = {}
    for m in ADDRESS_RE.finditer(text):
        addr = clean_address(m.group(1))
        if addr:
            seen.setdefault(addr, None)
    return list(seen)


def clean_address(addr: str) -> str:
    addr = addr.strip().strip("<>\"'.,;:()[]")
    if addr.lower().startswith(("rfc822;", "rfc822 ;")):
        addr = addr.split(";", 1)[1].strip().strip("<>")
    local, at, domain = addr.rpartition("@")
    if not at or not local or "." not in domain:
        return ""
    return f"{local}@{domain.lower().rstrip('.')}"


def find_codes(text: str) -> tuple[str, str]:
    """(reply code, enhanced code) found in server text; '' for what is absent.

    Prefers a reply code directly followed by an enhanced code ("550 5.1.1", "550-5.1.1"); then
    the first reply code at the start of a line or after a colon; then the first enhanced code."""
    m = REPLY_WITH_STATUS_RE.search(text)
    if m:
        return m.group(1), m.group(2)
    reply = ""
    for r in REPLY_RE.finditer(text):
        start = r.start()
        before = text[max(0, start - 12):start]
        if start == 0 or before.endswith(("\n", ": ", ":", "(", "\t", "said ", "[")) or before.strip() == "" \
                or before.rstrip().lower().endswith(("said:", "error:", "reply:", "smtp;", "returned", "response:")):
            reply = r.group(1)
            break
    e = ENHANCED_RE.search(text)
    status = ".".join(e.groups()) if e else ""
    if reply and status and reply[0] != status[0]:
        # keep both: servers do send 421 with 4.7.x, but a 250 with 5.x.x is not one reply
        if reply[0] == "2":
            reply = ""
    return reply, status


def host_of(value: str) -> str:
    """A host name from a Remote-MTA/Reporting-MTA value ("dns; mx.example.com")."""
    value = value.split(";", 1)[-1].strip().strip("[]<>").split()[0] if value.strip() else ""
    value = value.strip("[]()<>;,").rstrip(".").lower()
    return value if HOST_RE.match(value) or re.fullmatch(r"[0-9.:a-f]{3,45}", value) else value[:255]
