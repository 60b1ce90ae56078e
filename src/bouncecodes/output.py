"""The record a verdict is written as, shared by the CLI's JSON/JSON Lines/CSV output and the
in-browser checker, so both give the same fields with the same values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from . import lazyre as re  # re, its module-level patterns compiled on first use
from .model import Result

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

__all__ = ["FIELDS", "iso_time", "record"]

#: The fields of a record, in output order (CSV columns): the verdict, then where it came from.
FIELDS = ["file", "recipient", "status", "reply", "reason", "hard", "permanent", "detail", "action", "advice_from",
          "provider", "rule", "diagnostic", "status_source", "original_recipient", "direction",
          "path", "line", "message", "timestamp", "time", "queue_id", "message_id", "sender"]

MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                      "Dec"), 1)}
DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# ISO 8601 / RFC 3339 as logs write it: "2026-03-02T09:14:07.123Z", "2026-03-02 09:14:07 +0200",
# "2026-03-02 09:14:07+0000"
ISO_RE = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))? ?(Z|[+-]\d\d:?\d\d)?")
# RFC 3164: "Mar  2 09:14:07", perhaps with a fraction and a year (and asctime's weekday before it,
# as mailq writes the arrival time)
SYSLOG_RE = re.compile(r"(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(?: (\d{4}))?")
TAI64N_RE = re.compile(r"@([0-9a-f]{16})([0-9a-f]{8})")
EPOCH_RE = re.compile(r"(\d{9,11})(?:\.(\d{1,9}))?")


def _fraction(digits: str | None) -> str:
    return f".{digits[:6]}" if digits else ""


@lru_cache(maxsize=1024)  # a log's lines share their seconds
def iso_time(stamp: str, reference: datetime | None = None) -> str:
    """A log's time stamp as ISO 8601; '' when it is none we know.

    With the log's offset when it writes one; ``Z`` for TAI64N and Unix times (UTC). A syslog
    (RFC 3164) stamp has no zone (it stays without an offset: the logging server's local time) and
    no year: it gets the year of ``reference`` (the file's modification time; now when None), or
    the year before when the date would fall more than a day after ``reference``."""
    stamp = stamp.strip()
    if not stamp:
        return ""
    if len(stamp) == 15 and stamp[3] == " " and stamp[6] == " " and stamp[9] == ":" == stamp[12]:
        # the usual syslog stamp, "Mar  2 09:14:07", read without a pattern (a log has millions)
        month = MONTHS.get(stamp[:3])
        day, clock = stamp[4:6].strip(), stamp[7:]
        if month is not None and day.isdigit() and clock.replace(":", "").isdigit():
            number = int(day)
            if number <= DAYS[month]:  # (29 February gets a leap year)
                year = _syslog_year(month, number, reference or _today())
                return f"{year:04d}-{month:02d}-{number:02d}T{clock}"
            return ""
    m = ISO_RE.fullmatch(stamp)
    if m is not None:
        zone = m.group(4) or ""
        if zone and zone != "Z" and ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        return f"{m.group(1)}T{m.group(2)}{_fraction(m.group(3))}{zone}"
    m = SYSLOG_RE.fullmatch(stamp)
    if m is not None:
        month = MONTHS.get(m.group(1))
        if month is None:
            return ""
        date = int(m.group(2))
        year = int(m.group(5)) if m.group(5) else _syslog_year(month, date, reference or _today())
        try:
            datetime(year, month, date)
        except ValueError:
            return ""
        return f"{year:04d}-{month:02d}-{date:02d}T{m.group(3)}{_fraction(m.group(4))}"
    m = TAI64N_RE.fullmatch(stamp)
    if m is not None:  # TAI64N: 2^62 + TAI seconds; TAI runs 10 s ahead of the clock daemontools reads
        seconds = int(m.group(1), 16) - (1 << 62) - 10
        return _utc(seconds, f"{int(m.group(2), 16):09d}")
    m = EPOCH_RE.fullmatch(stamp)
    if m is not None:  # a Unix time (KumoMTA)
        return _utc(int(m.group(1)), m.group(2))
    return ""


@lru_cache(maxsize=1)
def _today() -> datetime:
    """Now, as this process first asked (the years it gives are then cached)."""
    return datetime.now().replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=64)
def _syslog_year(month: int, day: int, reference: datetime) -> int:
    """The year of a date written without one: ``reference``'s, or the year before when the date
    would fall more than a day after ``reference``; 29 February in the last year that has one."""
    year = reference.year
    try:
        if datetime(year, month, day) > reference.replace(tzinfo=None) + timedelta(days=1):
            year -= 1
    except ValueError:  # 29 February of a year without one
        year -= 1
    if month == 2 and day == 29:
        while not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            year -= 1
    return year


def _utc(seconds: int, fraction: str | None) -> str:
    try:
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(fraction.rstrip("0") if fraction else "") + "Z"


def record(label: str, r: Result, *, line: int = 0, message: int = 0, reference: datetime | None = None) -> dict[str, Any]:
    """The output record of one result; ``label`` names the input (a path as given, ``-`` for
    standard input): ``file`` is its last part (the file's name, as scorers and the JSON API expect),
    ``path`` the whole of it. ``line`` and ``message`` (the numbers of a log line, of a message in an mbox)
    default to what the result says; ``reference`` is the time a syslog stamp without a year is
    placed before (the file's modification time; now when None)."""
    line = line or r.line
    message = message or r.message
    return {"file": label.rsplit("/", 1)[-1] or label, "recipient": r.recipient, "status": r.status, "reply": r.reply,
            "reason": r.reason, "hard": r.hard, "permanent": r.permanent, "detail": r.detail, "action": r.action,
            "advice_from": r.advice_from,
            "provider": r.provider, "rule": r.rule, "diagnostic": r.diagnostic, "status_source": r.status_source,
            "original_recipient": r.original_recipient, "direction": r.direction,
            "path": label, "line": line or None, "message": message or None, "timestamp": r.timestamp,
            "time": iso_time(r.timestamp, reference) if r.timestamp else "", "queue_id": r.queue_id,
            "message_id": r.message_id, "sender": r.sender}
