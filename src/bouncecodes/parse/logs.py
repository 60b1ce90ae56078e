"""Evidence from MTA log lines: Postfix, Exim, Sendmail and qmail; one per logged recipient."""

from __future__ import annotations

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Evidence, Kind, replace
from .common import clean_address, find_codes, host_of, squash
from .text import find_command

POSTFIX_RE = re.compile(
    r"postfix(?:/[\w-]{1,30}){1,3}\[\d{1,10}\]: [0-9A-Za-z]{5,20}: to=<([^<>\s]{0,320})>,(?: orig_to=<[^<>\s]{0,320}>,)?"
    r"[^\n]{0,400}?\bstatus=(bounced|deferred|sent|expired|undeliverable|deliverable) ?\(?([^\n]{0,4000})$")
POSTFIX_FIELD_RE = re.compile(r"\b(relay|dsn)=([^,\s]{1,300})")
EXIM_RE = re.compile(r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?(?: [+-]\d{4})? )?(?:\[\d{1,10}\] )?"
                     r"[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4} (\*\*|==|=>|->) (\S{1,320})([^\n]{0,4000})$")
EXIM_HOST_RE = re.compile(r"\bH=([^\s\[]{1,255})")
# Sendmail logs as "sendmail", Debian's build as "sm-mta" (and "sm-msp-queue" for the submission queue)
SENDMAIL_NAME = r"(?:sendmail|sm-mta|sm-msp-queue)\[\d{1,10}\]: "
SENDMAIL_RE = re.compile(SENDMAIL_NAME + r"[0-9A-Za-z]{6,20}: to=([^\n]{1,2000}?), [^\n]{0,600}?"
                         r"\bstat=([^\n]{0,4000})$")
SENDMAIL_FIELD_RE = re.compile(r"\b(relay|dsn)=([^,]{1,300})")
# qmail-send names the recipient when a delivery starts and the outcome on a later line, with "_" for
# spaces and "/" for line ends: "starting delivery 42: msg 1234 to remote bob@example.org", then
# "delivery 42: failure: 192.0.2.8_does_not_like_recipient./Remote_host_said:_550_5.1.1_…/"
QMAIL_START_RE = re.compile(r"\bstarting delivery (\d{1,12}): msg \d{1,20} to (?:remote|local) ([^\s]{1,320})$")
QMAIL_RESULT_RE = re.compile(r"\bdelivery (\d{1,12}): (success|failure|deferral): ([^\n]{0,4000})$")
QMAIL_HINT_RE = re.compile(r"\bstarting delivery \d{1,12}: msg \d{1,20} to (?:remote|local) ")
LOG_HINT_RE = re.compile(r"postfix(?:/[\w-]{1,30}){1,3}\[\d{1,10}\]: |" + SENDMAIL_NAME + "|"
                         r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[^\n]{0,40} )?[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4} (?:\*\*|==|=>|->) ",
                         re.MULTILINE)


# the time stamp a log line starts with, perhaps in brackets: a time of day after a few characters of
# date ("Jun 10 18:33:32", "2026-06-10T18:33:32", "[10/Jun/2026 18:33:32]", RFC 5424's "<34>1 2026-…"),
# with no ':' before it (so never a header field such as "Date: Mon, 10 Jun 2026 18:33:32")
STAMP_RE = re.compile(r"[\[<(]?(?:\d{1,3}>\d{1,2} )?[\w/ .,+-]{0,24}?(?<![0-9])\d\d:\d\d:\d\d")


def known_log(text: str) -> bool:
    """Whether ``text`` holds a line of Postfix, Exim, Sendmail or qmail, whose outcome lines we read."""
    head = text[:200_000]
    if LOG_HINT_RE.search(head) is not None:
        return True
    return "starting delivery " in head and QMAIL_HINT_RE.search(head) is not None


def looks_like_log(text: str) -> bool:
    """Whether ``text`` is log lines: a line of a known MTA's outcome format, or lines that mostly
    start with a time stamp (a log of another kind, read line by line, never as a bounce's prose)."""
    if known_log(text):
        return True
    if "\n" not in text.strip():
        return False  # one line: a reply, not a log (two stamped lines at least make one)
    lines = [x for x in text[:20_000].split("\n", 50)[:50] if x.strip()]
    stamped = sum(1 for x in lines if STAMP_RE.match(x))
    return stamped >= 2 and stamped * 5 >= len(lines) * 3


def _strip_outer(text: str) -> str:
    text = text.strip()
    return text[:-1] if text.endswith(")") and text.count("(") < text.count(")") else text


def parse_log_line(line: str, offset: int = 0) -> list[Evidence]:
    """Evidence for each recipient one log line reports an outcome for (Sendmail lists several)."""
    found = _parse_log_line(line, offset)
    if found is None:
        return []
    if found.source != "sendmail-log":
        return [found] if found.recipient else []
    m = SENDMAIL_RE.search(line)
    recipients = dict.fromkeys(r for r in (clean_address(a, dotless=True) for a in m.group(1).split(",")) if r) if m else {}
    return [replace(found, recipient=r) for r in recipients]


def _parse_log_line(line: str, offset: int) -> Evidence | None:
    m = POSTFIX_RE.search(line)
    if m:
        fields = dict(POSTFIX_FIELD_RE.findall(line[: m.start(3)]))
        state = m.group(2)
        inner = _strip_outer(m.group(3))
        lead = len(m.group(3)) - len(m.group(3).lstrip())
        text = squash(inner)
        reply, status = find_codes(text)
        dsn = fields.get("dsn", "")
        relay = fields.get("relay", "")
        return Evidence(
            recipient=clean_address(m.group(1), dotless=True), status=dsn if re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", dsn) else status,
            reply=reply, diagnostic=text, kind=Kind.DELIVERED if state in ("sent", "deliverable") else Kind.FAILURE,
            action={"bounced": "failed", "expired": "failed", "undeliverable": "failed",
                    "deferred": "delayed"}.get(state, "delivered"),
            remote_mta=host_of(relay.split("[")[0]) if relay and relay != "none" else "",
            source="postfix-log", span=(offset + m.start(3) + lead, offset + m.start(3) + lead + len(inner)))
    m = EXIM_RE.search(line)
    if m:
        flag, addr, rest = m.groups()
        if flag in ("=>", "->"):
            return Evidence(recipient=clean_address(addr, dotless=True), kind=Kind.DELIVERED, action="delivered",
                            source="exim-log")
        host = EXIM_HOST_RE.search(rest)
        split = re.search(r"(?:: |\) )(?=[^:]{0,80}(?:error|said|refused|timed out|retry|unrouteable|unknown|"
                          r"[245]\d\d[ -]))", rest, re.IGNORECASE)
        said = rest[split.end():] if split else rest
        said_at = offset + m.start(3) + (split.end() if split else 0)
        text = squash(said)
        reply, status = find_codes(text)
        return Evidence(
            recipient=clean_address(addr, dotless=True), status=status, reply=reply, diagnostic=text,
            action="failed" if flag == "**" else "delayed",
            remote_mta=host.group(1).lower() if host else "", source="exim-log",
            span=(said_at + len(said) - len(said.lstrip()), said_at + len(said.rstrip())),
            command=find_command(rest))
    m = SENDMAIL_RE.search(line)
    if m:
        fields = dict(SENDMAIL_FIELD_RE.findall(line))
        stat = squash(m.group(2))
        dsn = fields.get("dsn", "").strip()
        reply, status = find_codes(stat)
        delivered = stat.lower().startswith("sent")
        recipients = [clean_address(a, dotless=True) for a in m.group(1).split(",")]
        return Evidence(
            recipient=next((r for r in recipients if r), ""),
            status=dsn if re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", dsn) else status, reply=reply, diagnostic=stat,
            kind=Kind.DELIVERED if delivered else Kind.FAILURE,
            action="delivered" if delivered else ("delayed" if dsn.startswith("4") or stat.lower().startswith("deferred")
                                                 else "failed"),
            remote_mta=host_of(fields.get("relay", "").split("[")[0]) if fields.get("relay") else "",
            source="sendmail-log", span=(offset + m.start(2), offset + m.start(2) + len(m.group(2).rstrip())))
    return None


def parse_log(text: str) -> list[Evidence]:
    """Evidence for every recipient outcome in a log (one per line that reports one)."""
    results = []
    offset = 0
    qmail: dict[str, str] = {}  # qmail-send's delivery number → its recipient
    for line in text.split("\n"):
        if len(line) <= 20_000:
            if "delivery " in line and (m := QMAIL_START_RE.search(line) or QMAIL_RESULT_RE.search(line)):
                if m.re is QMAIL_START_RE:
                    qmail[m.group(1)] = clean_address(m.group(2), dotless=True)
                elif m.group(1) in qmail:
                    results.append(_qmail_outcome(qmail.pop(m.group(1)), m, offset))
            else:
                results.extend(parse_log_line(line, offset))
        offset += len(line) + 1
    return [e for e in results if e.recipient]


def _qmail_outcome(recipient: str, m: re.Match[str], offset: int) -> Evidence:
    state, said = m.group(2), m.group(3).rstrip()
    spaced = said.replace("_", " ")
    text = squash(spaced if "://" in spaced else spaced.replace("/", " "))  # "/" ends a line, but not in a link
    reply, status = find_codes(text)
    return Evidence(
        recipient=recipient, status=status, reply=reply, diagnostic=text,
        kind=Kind.DELIVERED if state == "success" else Kind.FAILURE,
        action={"success": "delivered", "failure": "failed"}.get(state, "delayed"),
        source="qmail-log", command=find_command(text),
        span=(offset + m.start(3), offset + m.start(3) + len(said)))
