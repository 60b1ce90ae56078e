"""Small text tools shared by the evidence finders. Every pattern here is linear-time."""

from __future__ import annotations

from collections.abc import Iterator

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..errors import InputError, InputTooLargeError

#: Inputs larger than this are refused before parsing (bytes, or characters for text).
MAX_INPUT = 20 * 1024 * 1024

ADDRESS_RE = re.compile(r"(?<![\w.+-])([\w.!#$%&'*+/=?^`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){0,8}[A-Za-z0-9-]{1,63})")
ENHANCED_RE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\d|\.\d)")
# a reply code: three digits, not part of a longer number or an address, followed by space, '-' or end
REPLY_RE = re.compile(r"(?<![\w.:/#=-])([245][0-5]\d)(?:[ -]|:(?= )|$)", re.MULTILINE)
REPLY_WITH_STATUS_RE = re.compile(
    r"(?<![\w.:/#=-])([245][0-5]\d)(?:[ -]{1,3}|:[ ]{1,3}|-')[(\[]?#?([245]\.\d{1,3}\.\d{1,3})(?!\d|\.\d)")
# what may stand right before a reply code for it to count as one (besides the start of a line)
REPLY_LEAD = ("\n", ": ", ":", "(", "\t", "said ", "[", "<<< ", "<<<", "... ", "'", '"', "> ")
REPLY_LEAD_WORDS = ("said:", "error:", "reply:", "smtp;", "returned", "response:", "was:", "says:", "said",
                    "answer:", "message:", "reason:", "text:", "code:", "status:", "diagnostic:")
# Sendmail's own code before "<addr>... " and the remote's after it: "554 <a@b>... 550 Host unknown"
INNER_REPLY_RE = re.compile(r"\.\.\. {0,3}(?:[A-Za-z]{1,12}: {1,3})?([245][0-5]\d)[ -]")
SPACE_RE = re.compile(r"\s+")
# the address types an X.400 address gives before "=" (Exchange's "SMTP=bob@example.org")
ADDRESS_TYPES = frozenset({"smtp", "rfc822", "rfc-822", "internet"})
# a DSN's address type before ';' (RFC 3464: an atom; "rfc822", "LOCAL", "utf-8"); no address holds ';'
ADDRESS_TYPE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,19}[ \t]{0,3};[ \t]{0,3}")
# what an unquoted local part cannot hold (a quoted one, "two words"@host, may)
NOT_IN_LOCAL_RE = re.compile(r'[\s"@:]')
DOTLESS_DOMAIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,8}[A-Za-z]{2,63}\.?$")


def check_size(data: str | bytes, limit: int = MAX_INPUT) -> None:
    if not isinstance(data, (str, bytes, bytearray)):
        raise InputError(f"expected str or bytes, got {type(data).__name__}")
    if len(data) > limit:
        raise InputTooLargeError(f"input of {len(data):,} bytes is over the {limit:,}-byte limit")


def to_text(data: str | bytes) -> str:
    """Bytes → str (UTF-16 when it starts with a byte-order mark, else UTF-8, else Latin-1, which
    never fails); a leading byte-order mark dropped; any line ends → '\\n'."""
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data)
        if data[:3] == b"\xef\xbb\xbf":  # UTF-8's byte-order mark, whatever the rest turns out to be
            data = data[3:]
        text = ""
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # saved as "Unicode" by a Windows editor
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                text = ""
        if not text:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    else:
        text = data
    if text[:1] == "\ufeff":
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "")


ISO2022_RE = re.compile(r"\x1b\$[@B][^\x1b]{0,4000}(?:\x1b\([BJ])?")


# the type before a Diagnostic-Code's text: "smtp; 550 …", "X-Postfix; …", "x-unix; …"
DIAG_TYPE_RE = re.compile(r"^\s*(?:smtp|x-[a-z-]{1,30}|unix|mail|x400|[a-z]{1,10})\s*;\s*", re.IGNORECASE)


def strip_diagnostic_type(value: str) -> str:
    """A Diagnostic-Code's text without its type ("smtp; 550 …" → "550 …")."""
    return DIAG_TYPE_RE.sub("", value, count=1)


def decode_iso2022(text: str) -> str:
    """Text that still holds ISO-2022-JP escape sequences (a part or header field whose charset
    was not declared, or declared wrongly) with those runs decoded."""
    if "\x1b$" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        try:
            return m.group(0).encode("latin-1").decode("iso-2022-jp")
        except (UnicodeError, LookupError):
            return m.group(0)

    return ISO2022_RE.sub(one, text)


def squash(text: str) -> str:
    """Collapse runs of white space to one space and trim (``SPACE_RE.sub(" ", text).strip()``,
    faster: both split at what str.isspace() calls white space)."""
    return " ".join(text.split())


def addresses(text: str) -> list[str]:
    """Email addresses in ``text``, in order, lower-cased domain, without duplicates."""
    seen: dict[str, None] = {}
    for m in _address_matches(text):
        addr = clean_address(m.group(1))
        if addr:
            seen.setdefault(addr, None)
    return list(seen)


def _address_matches(text: str) -> Iterator[re.Match[str]]:
    """``ADDRESS_RE.finditer(text)``, with the pattern run only near an '@'.

    A match holds one '@' at most 64 characters after its start (the local part cannot hold one),
    so the next match from ``pos`` starts no earlier than 64 characters before the next '@'; the
    text before is skipped at the speed of ``str.find``. Lookbehinds still see it."""
    pos = 0
    while True:
        at = text.find("@", pos)
        if at < 0:
            return
        m = ADDRESS_RE.search(text, max(pos, at - 64))
        if m is None:
            return
        yield m
        pos = m.end()


def clean_address(addr: str, *, dotless: bool = False) -> str:
    """``addr`` without brackets, quotes, a DSN address type or an X.400 type prefix, with its domain
    lower-cased; '' when it is no address. A domain needs a dot unless ``dotless`` (a field that
    can only hold an address, such as Final-Recipient, may name a host of the local network)."""
    addr = addr.strip().strip("<>\"'.,;:()[]")
    for _ in range(3):  # the DSN's address type ("rfc822;", "LOCAL;", "utf-8;"), given twice by some MTAs
        m = ADDRESS_TYPE_RE.match(addr)
        if m is None:
            break
        addr = addr[m.end():].strip().strip("<>")
    local, at, domain = addr.rpartition("@")
    if local.startswith("/") or ("/" in local and "?" in local and not local.startswith("=?")):
        # an address inside a link ("https://host/path?a=bob@example.org"): the value after the
        # link's last separator, not the path with it (an encoded word "=?utf-8?B?…?=" is no link)
        local = re.split(r"[/?&=]", local)[-1]
    if "=" in local:
        # Exchange's X.400 form names the address type: "dda:SMTP=bob@example.org", "RFC-822=bob@…"
        kind, eq, rest = local.partition("=")
        if eq and rest and kind.lower() in ADDRESS_TYPES:
            local = rest
    if not at or not local or ("." not in domain and not (dotless and DOTLESS_DOMAIN_RE.fullmatch(domain))):
        return ""
    if NOT_IN_LOCAL_RE.search(local) and not (len(local) > 2 and local[0] == local[-1] == '"' and '"' not in local[1:-1]):
        return ""  # what is left of a quoted local part, or a source route ("@relay:bob@host")
    return f"{local}@{domain.lower().rstrip('.')}"


# where a reply code or an enhanced code may start: either pattern without its look-behind. A pattern
# that starts with a character set is searched in C, position by position; one that starts with a
# look-behind is tried at every position (has_code on a log line: 6.8 µs with the two, 2.1 µs so)
CODE_START_RE = re.compile(r"[245](?:[0-5]\d(?:[ -]|:(?= )|$)|\.\d{1,3}\.\d)", re.MULTILINE)


def has_code(text: str) -> bool:
    """Whether ``text`` holds a reply code or an enhanced status code (a cheap test before reading
    it): ``REPLY_RE.search(text) or ENHANCED_RE.search(text)``, each tried only where
    ``CODE_START_RE`` finds a start (tests/test_speed_paths.py)."""
    search = CODE_START_RE.search
    pos = 0
    while (m := search(text, pos)) is not None:
        at = m.start()
        if REPLY_RE.match(text, at) is not None or ENHANCED_RE.match(text, at) is not None:
            return True
        pos = at + 1
    return False


def find_codes(text: str) -> tuple[str, str]:
    """(reply code, enhanced code) found in server text; '' for what is absent.

    Prefers a reply code directly followed by an enhanced code ("550 5.1.1", "550-5.1.1"); then
    the first reply code at the start of a line or after a colon; then the first enhanced code."""
    reply, status, _ = find_codes_ex(text)
    return reply, status


def find_codes_ex(text: str) -> tuple[str, str, bool]:
    """Like :func:`find_codes`, plus whether the enhanced code came right after the reply code."""
    first = None
    for m in REPLY_WITH_STATUS_RE.finditer(text):
        # in a transcript ("250 2.1.5 Ok … 451 4.3.0 Error") the failure is what counts
        if m.group(1)[0] != "2":
            return m.group(1), m.group(2), True
        first = first or m
    if first is not None:
        return first.group(1), first.group(2), True
    reply = ""
    for r in REPLY_RE.finditer(text):
        start = r.start()
        before = text[max(0, start - 12):start]
        # "550-" followed by words is the first line of a multi-line reply
        continued = text[r.end() - 1:r.end()] == "-" and not text[r.end():r.end() + 1].isdigit()
        window = max(0, start - 80)
        line_start = text.rfind("\n", window, start) + 1
        lead = text[line_start:start] if line_start or window == 0 else "?"
        if start == 0 or continued or not lead.strip(" \t>*") or before.endswith(REPLY_LEAD) or before.strip() == "" \
                or before.rstrip().lower().endswith(REPLY_LEAD_WORDS):
            code = r.group(1)
            line_end = text.find("\n", start)
            stop = min(line_end if line_end >= 0 else len(text), start + 400)
            inner = INNER_REPLY_RE.search(text, start, stop)
            if inner:
                code = inner.group(1)
            if code[0] != "2":
                reply = code
                break
            # a greeting or an OK of a session written out without '<<<' marks ("220 mx ready",
            # "250 Sender ok", then "552 …"): a failing reply after it is the one that counts
            reply = reply or code
    e = ENHANCED_RE.search(text)
    if e is not None and e.group(1) == "2" and reply[:1] in ("4", "5"):
        # likewise an enhanced code: the one of the failure rather than an earlier success's
        e = next((x for x in ENHANCED_RE.finditer(text, e.end()) if x.group(1) != "2"), e)
    status = ".".join(e.groups()) if e else ""
    if reply and status and reply[0] != status[0]:
        # keep both: servers do send 421 with 4.7.x, but a 250 with 5.x.x is not one reply
        if reply[0] == "2":
            reply = ""
    return reply, status, False


def tidy_reply(text: str, reply: str, status: str) -> str:
    """A multi-line reply as one: "550-5.1.1 a 550-5.1.1 b 550 5.1.1 c" → "550 5.1.1 a b c".

    Only the prefix equal to the first reply (and enhanced code) is removed where it repeats."""
    if not reply:
        return text
    if _REPLY_SHAPE_RE.fullmatch(reply) and (not status or _STATUS_SHAPE_RE.fullmatch(status)):
        # one pattern compiled once for every reply and status, its matches kept when they are these
        pattern = REPEATED_WITH_STATUS_RE if status else REPEATED_REPLY_RE
        wanted = (reply, status) if status else (reply,)
        m = next((m for m in pattern.finditer(text) if m.groups() == wanted), None)
        if m is None:
            return text
        head = text[: m.start()] + reply + " " + (status + " " if status else "")
        rest = pattern.sub(lambda r: " " if r.groups() == wanted else r.group(0), text[m.end():])
        return squash(head + rest)
    tail = r"[ -]" + re.escape(status) + r"(?![\d.])" if status else "-"
    prefix = re.compile(r"(?<![\w.:/#=-])" + reply + tail + " ?")
    m = prefix.search(text)
    if m is None:
        return text
    head = text[: m.start()] + reply + " " + (status + " " if status else "")
    return squash(head + prefix.sub(" ", text[m.end():]))


# tidy_reply's patterns: a reply code (and enhanced code) where it repeats
_REPLY_SHAPE_RE = re.compile(r"[245][0-9][0-9]")
_STATUS_SHAPE_RE = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}")
REPEATED_WITH_STATUS_RE = re.compile(r"(?<![\w.:/#=-])([245][0-9][0-9])[ -]([245]\.[0-9]{1,3}\.[0-9]{1,3})(?![\d.]) ?")
REPEATED_REPLY_RE = re.compile(r"(?<![\w.:/#=-])([245][0-9][0-9])- ?")


def host_of(value: str) -> str:
    """A host name from a Remote-MTA/Reporting-MTA value ("dns; mx.example.com"); '' when the value
    holds no name ("dns; ", a type and nothing after it)."""
    words = value.split(";", 1)[-1].strip().strip("[]<>").split()
    value = words[0] if words else ""
    value = value.strip("[]()<>;,").rstrip(".").lower()
    return value if HOST_RE.match(value) or re.fullmatch(r"[0-9.:a-f]{3,45}", value) else value[:255]
