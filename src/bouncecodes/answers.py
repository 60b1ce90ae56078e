"""Answers from a run's records: final outcomes, filters, a summary, a suppression list, and the
figures of the HTML report.

Everything here works on record dicts, as ``bouncecodes classify`` writes them (JSON Lines, or the
list of ``--format json``), so it applies the same to a run in progress and to a saved run. A field
a record lacks counts as empty: records of older runs, or of inputs that do not say (a bounce email
has no queue id), go through unchanged. The provenance fields read are ``time`` (ISO 8601) or
else ``timestamp`` (as the log wrote it), and ``queue_id`` with the host of a record (see
:func:`host_of`: the folder of its ``path``) to group the attempts at one message's delivery; none
is required. Standard library only.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from .model import Registry

__all__ = [
    "BLOCK_REASONS",
    "FINAL_FIELDS",
    "Filters",
    "FinalOutcomes",
    "Summary",
    "deferral_kind",
    "domain_of",
    "final_outcomes",
    "host_of",
    "is_failure",
    "moment_of",
    "read_records",
    "report_data",
    "seen",
    "suppression_list",
    "when",
]

Record = dict[str, Any]

#: Reasons of a deferral that say the receiver holds the sender back (its address, its domain, its
#: reputation or its rate), as against greylisting (a first try refused for its own sake) and
#: trouble on the recipient's side (a full mailbox, a server down).
BLOCK_REASONS = frozenset({"blocked", "badreputation", "spamdetected", "requireptr", "authfailure", "rejected",
                           "policyviolation", "speeding", "toomanyconn"})

#: Reasons that are no failure: a delivery, an auto-reply, a feedback (complaint) report. Used when
#: no registry is given; the registry's ``bounce: false`` says the same.
NOT_FAILURES = frozenset({"delivered", "vacation", "feedback"})


# -- reading ---------------------------------------------------------------------------------------


class RecordError(ValueError):
    """An input that is not a run's records (JSON Lines or a JSON list of objects)."""


def read_records(stream: TextIO, name: str = "-") -> Iterator[Record]:
    """The records of a saved run: JSON Lines (one object a line, blank lines skipped), or one JSON
    list of objects (``classify --format json``). Read line by line: a run of any size streams."""
    first = ""
    for first in stream:
        if first.strip():
            break
    else:
        return
    if first.lstrip().startswith("["):
        try:
            data = json.loads(first + stream.read())
        except json.JSONDecodeError as exc:
            raise RecordError(f"{name}: not a JSON list of records: {exc}") from None
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise RecordError(f"{name}: a JSON list, but not of records (objects)")
        yield from data
        return
    number = 0
    for number, line in enumerate(_chain(first, stream), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordError(f"{name}:{number}: not a JSON record: {exc.msg}") from None
        if not isinstance(rec, dict):
            raise RecordError(f"{name}:{number}: not a JSON object")
        yield rec


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


# -- fields ----------------------------------------------------------------------------------------


def _s(rec: Record, key: str) -> str:
    value = rec.get(key)
    return value if isinstance(value, str) else "" if value is None else str(value)


def host_of(rec: Record) -> str:
    """The host a record's log came from, to keep apart the queue ids of two mail servers (each
    numbers its queue on its own, so two can reuse one): a ``host`` field when the record has one,
    else the folder of its ``path`` as given (``hosts/mx1`` for ``hosts/mx1/mail.log`` and
    ``hosts/mx1/mail.log.1.gz`` alike), else ``""`` (standard input, a file named without a folder,
    a record of a run older than ``path``). So each host's logs go in a folder of their own."""
    host = _s(rec, "host")
    if host:
        return host
    path = _s(rec, "path")
    cut = max(path.rfind("/"), path.rfind("\\"))
    return path[:cut] if cut > 0 else "/" if cut == 0 else ""


def domain_of(address: str) -> str:
    """The domain of an address, lower case ('' when it has none)."""
    address = address.strip().strip("<>")
    return address.rpartition("@")[2].lower().rstrip(".") if "@" in address else ""


def is_failure(rec: Record, registry: Registry | None = None) -> bool:
    """Whether a record is a failure: any reason but a delivery, an auto-reply or a feedback report
    (the registry's reasons with ``bounce: false``)."""
    reason = _s(rec, "reason")
    if registry is not None:
        try:
            return registry.reason(reason).bounce
        except KeyError:
            return True
    return reason not in NOT_FAILURES


def _final(rec: Record) -> bool:
    """Whether a record ends its message's attempts at a recipient: a bounce (permanent), an expiry
    or a delivery; anything else temporary is a deferral, to be tried again."""
    return bool(rec.get("permanent")) or _s(rec, "reason") in ("delivered", "expired")


def deferral_kind(rec: Record) -> str:
    """What a deferral (a temporary failure) is: ``greylisting`` (the registry's rules mark it with
    that detail), ``block`` (a block or the sender's reputation or rate, :data:`BLOCK_REASONS`) or
    ``other`` (the recipient's side, the network …); '' for a record that is no deferral."""
    if rec.get("permanent") or _s(rec, "reason") in NOT_FAILURES or _s(rec, "reason") == "expired":
        return ""
    if "greylist" in _s(rec, "detail"):
        return "greylisting"
    return "block" if _s(rec, "reason") in BLOCK_REASONS else "other"


# -- time stamps -----------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                         "nov", "dec"), 1)}
_RFC3164 = re.compile(r"^([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?")
_EPOCH = re.compile(r"^\d{9,11}(?:\.\d+)?$")
_TAI64N = re.compile(r"^@4[0-9a-fA-F]{15}[0-9a-fA-F]{8}$")


def when(stamp: str, now: datetime | None = None) -> datetime | None:
    """A log's time stamp as a UTC date and time, or None when it is empty or unreadable: ISO 8601
    and RFC 5424 (a time without a zone counts as UTC), RFC 3164 (``Jan  1 00:00:00``: no year, so
    the latest one not after ``now`` + 1 day, as syslog readers assume), TAI64N (``@4000…``) and
    Unix seconds."""
    stamp = stamp.strip()
    if not stamp:
        return None
    if _TAI64N.match(stamp):
        seconds = int(stamp[1:17], 16) - 2**62 - 10  # TAI is 10 s ahead of UTC at the 1970 epoch (leap seconds since: ignored)
        return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=int(stamp[17:], 16) // 1000)
    if _EPOCH.match(stamp):
        return datetime.fromtimestamp(float(stamp), UTC)
    m = _RFC3164.match(stamp)
    if m:
        month = _MONTHS.get(m.group(1).lower())
        if month is None:
            return None
        now = now or datetime.now(UTC)
        micro = int((m.group(6) or "0").ljust(6, "0"))
        for year in (now.year, now.year - 1):
            try:
                value = datetime(year, month, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)),
                                 micro, UTC)
            except ValueError:  # 29 February of a year that has none, a day 31 of a short month
                continue
            if value <= now + timedelta(days=1):
                return value
        return None
    try:
        value = datetime.fromisoformat(stamp.replace("Z", "+00:00") if stamp.endswith("Z") else stamp)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def seen(rec: Record) -> str:
    """When a record was logged, as shown: its ``time`` (ISO 8601), else its ``timestamp`` as written."""
    return _s(rec, "time") or _s(rec, "timestamp")


def moment_of(rec: Record, now: datetime | None = None) -> datetime | None:
    """When a record was logged, as a UTC date and time (see :func:`when`), or None."""
    if now is not None:
        return when(_s(rec, "time"), now) or when(_s(rec, "timestamp"), now)
    return _when_now(_s(rec, "time")) or _when_now(_s(rec, "timestamp"))


@functools.lru_cache(maxsize=4096)
def _when_now(stamp: str) -> datetime | None:
    """:func:`when` as of now, remembered: the records of a log share their time stamps by the dozen."""
    return when(stamp)


def _stamp_key(rec: Record, seq: int, now: datetime | None) -> tuple[float, int]:
    """A sort key: the record's time (records without one sort by their place in the input)."""
    moment = moment_of(rec, now)
    return (moment.timestamp() if moment else float("-inf"), seq)


# -- final outcomes ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Attempts:
    """What is kept of one message's attempts at one recipient: the count, the first and last time
    stamps, the last deferral and the final record, each as compact JSON text (no list of all
    attempts, and text rather than dicts: a third of the memory)."""

    count: int = 0
    first: tuple[tuple[float, int], str] | None = None
    last: tuple[tuple[float, int], str] | None = None
    deferral: tuple[tuple[float, int], str] | None = None
    final: tuple[tuple[float, int], str] | None = None

    def add(self, rec: Record, key: tuple[float, int]) -> None:
        self.count += 1
        stamp = seen(rec)
        if self.first is None or key < self.first[0]:
            self.first = (key, stamp)
        if self.last is None or key > self.last[0]:
            self.last = (key, stamp)
        if _final(rec):
            if self.final is None or key >= self.final[0]:
                self.final = (key, _compact(rec))
        elif self.deferral is None or key >= self.deferral[0]:
            self.deferral = (key, _compact(rec))


def _compact(rec: Record) -> str:
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


#: The fields a final outcome adds to its record.
FINAL_FIELDS = ["outcome", "attempts", "first_seen", "last_seen", "deferred_reason"]


class FinalOutcomes:
    """One record per message and recipient: log records that carry a queue id are grouped by
    (host, queue id, direction, recipient), the host being :func:`host_of` (the folder of the
    record's ``path``), and each group gives the final record (a bounce, an
    expiry or a delivery; without one, the last deferral: still deferred when the logs end), with

    - ``outcome``: ``delivered``, ``bounced``, ``expired`` or ``deferred``;
    - ``attempts``: the records of the group; ``first_seen``, ``last_seen``: when the first and the
      last were logged (their ``time``, else their ``timestamp``);
    - ``deferred_reason``: the reason of the last deferral, when there was one (what kept a message
      that expired from being delivered).

    A record without a recipient that ends a queue id (Postfix's "status=expired, returned to
    sender" names only the sender) ends every recipient of that queue id still deferred. Records
    without a queue id, and records that are final outcomes already (of a saved run), go through
    unchanged, at once (:meth:`add` gives them back); grouped ones come from :meth:`finish`, in time
    order (a group is decided on all its records, read in any order: rotated logs may come newest
    first). Memory grows with the number of groups, not of records."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now
        self.groups: dict[tuple[str, str, str, str], _Attempts] = {}
        self.seq = 0

    def add(self, rec: Record) -> Record | None:
        """Take a record: it back when it goes through unchanged, else None (it is grouped)."""
        self.seq += 1
        queue_id = _s(rec, "queue_id")
        if not queue_id or "outcome" in rec:
            return rec
        key = (host_of(rec), queue_id, _s(rec, "direction"), _s(rec, "recipient").lower())
        self.groups.setdefault(key, _Attempts()).add(rec, _stamp_key(rec, self.seq, self.now))
        return None

    def finish(self) -> Iterator[Record]:
        """The final outcome of each group, in time order (made one at a time, each group dropped
        once written)."""
        groups = self.groups
        self.groups = {}
        enders = {k[:3]: g for k, g in groups.items() if not k[3] and g.final is not None}
        named = {k[:3] for k in groups if k[3]}
        order: list[tuple[tuple[float, int], tuple[str, str, str, str]]] = []
        for key, group in groups.items():
            if not key[3] and key[:3] in enders and key[:3] in named:
                continue  # it ended the recipients of its queue id: it is in their outcomes
            ender = enders.get(key[:3]) if key[3] else None
            if group.final is None and ender is not None:
                group.final = ender.final
                group.count += ender.count
                for moment in (ender.first, ender.last):
                    if moment is not None:
                        if group.first is None or moment[0] < group.first[0]:
                            group.first = moment
                        if group.last is None or moment[0] > group.last[0]:
                            group.last = moment
            chosen = group.final or group.deferral
            if chosen is not None:
                order.append((chosen[0], key))
        order.sort(key=lambda x: x[0])
        for _, key in order:
            group = groups.pop(key)
            final = group.final
            chosen = final or group.deferral
            assert chosen is not None
            out = json.loads(chosen[1])
            deferral = None if group.deferral is None else out if final is None else json.loads(group.deferral[1])
            if not out.get("recipient") and deferral is not None:
                out["recipient"] = deferral.get("recipient", "")
                if deferral.get("original_recipient") and not out.get("original_recipient"):
                    out["original_recipient"] = deferral["original_recipient"]
            reason = _s(out, "reason")
            out["outcome"] = ("deferred" if final is None else "delivered" if reason == "delivered"
                              else "expired" if reason == "expired" else "bounced")
            out["attempts"] = group.count
            out["first_seen"] = group.first[1] if group.first else ""
            out["last_seen"] = group.last[1] if group.last else ""
            out["deferred_reason"] = _s(deferral, "reason") if final is not None and deferral is not None else ""
            yield out


def final_outcomes(records: Iterable[Record], now: datetime | None = None) -> Iterator[Record]:
    """The records with the attempts at each message and recipient collapsed to one final outcome
    (see :class:`FinalOutcomes`): the ungrouped ones as they come, then the grouped ones."""
    finals = FinalOutcomes(now)
    for rec in records:
        if finals.add(rec) is not None:
            yield rec
    yield from finals.finish()


# -- filters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which records to keep: failures only (no deliveries, auto-replies or feedback reports), hard
    ones only, of these reasons only, to these recipient domains only (a domain also matches its
    subdomains: ``example.org`` keeps ``mx.example.org``). Empty: keep everything."""

    failures: bool = False
    hard: bool = False
    reasons: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    registry: Registry | None = field(default=None, compare=False)

    @property
    def active(self) -> bool:
        return self.failures or self.hard or bool(self.reasons) or bool(self.domains)

    def keep(self, rec: Record) -> bool:
        if self.hard and not rec.get("hard"):
            return False
        if self.failures and not is_failure(rec, self.registry):
            return False
        if self.reasons and _s(rec, "reason") not in self.reasons:
            return False
        if self.domains:
            dom = domain_of(_s(rec, "recipient"))
            if not any(dom == d or dom.endswith("." + d) for d in self.domains):
                return False
        return True

    def apply(self, records: Iterable[Record]) -> Iterator[Record]:
        return (r for r in records if self.keep(r)) if self.active else iter(records)


# -- the summary ----------------------------------------------------------------------------------------

#: The tables of a summary: its key in the JSON, its heading, and the record's value it counts by.
DIMENSIONS = (("by_reason", "reason"), ("by_domain", "recipient domain"), ("by_provider", "provider"),
              ("by_direction", "direction"))


class Summary:
    """Counts of a run's records, added one at a time (a run of any size): records, failures, hard
    and soft failures, deliveries and others (auto-replies, feedback reports), the first and last
    time stamps, and the failures by reason, recipient domain, provider and direction, each with its
    hard and soft counts and its distinct recipients."""

    def __init__(self, registry: Registry | None = None, now: datetime | None = None) -> None:
        self.registry, self.now = registry, now
        self.records = self.failures = self.hard = self.soft = self.delivered = self.other = 0
        self.first: tuple[datetime, str] | None = None
        self.last: tuple[datetime, str] | None = None
        self.tables: dict[str, dict[str, list[int]]] = {name: defaultdict(lambda: [0, 0, 0]) for name, _ in DIMENSIONS}
        self._recipients: dict[str, dict[str, set[str]]] = {name: defaultdict(set) for name, _ in DIMENSIONS}

    def add(self, rec: Record) -> None:
        self.records += 1
        moment = moment_of(rec, self.now)
        if moment is not None:
            if self.first is None or moment < self.first[0]:
                self.first = (moment, seen(rec))
            if self.last is None or moment > self.last[0]:
                self.last = (moment, seen(rec))
        if not is_failure(rec, self.registry):
            if _s(rec, "reason") == "delivered":
                self.delivered += 1
            else:
                self.other += 1
            return
        self.failures += 1
        hard = bool(rec.get("hard"))
        self.hard += hard
        self.soft += not hard
        recipient = _s(rec, "original_recipient") or _s(rec, "recipient")
        values = {"by_reason": _s(rec, "reason"), "by_domain": domain_of(_s(rec, "recipient")),
                  "by_provider": _s(rec, "provider"), "by_direction": _s(rec, "direction")}
        for name, value in values.items():
            row = self.tables[name][value]
            row[0] += 1
            row[1 if hard else 2] += 1
            if recipient:
                self._recipients[name][value].add(recipient.lower())

    def merge(self, other: Summary) -> None:
        """Add ``other``, the summary of the records that follow this one's, to it: the summaries of
        the parts of a run, merged in the run's order, are the summary of the whole (counts add up,
        distinct recipients are united, the first and last time stamps are kept as one pass keeps
        them)."""
        self.records += other.records
        self.failures += other.failures
        self.hard += other.hard
        self.soft += other.soft
        self.delivered += other.delivered
        self.other += other.other
        if other.first is not None and (self.first is None or other.first[0] < self.first[0]):
            self.first = other.first
        if other.last is not None and (self.last is None or other.last[0] > self.last[0]):
            self.last = other.last
        for name, _ in DIMENSIONS:
            table, people = self.tables[name], self._recipients[name]
            for key, row in other.tables[name].items():
                mine = table.setdefault(key, [0, 0, 0])
                for i in range(3):
                    mine[i] += row[i]
            for key, names in other._recipients[name].items():
                people.setdefault(key, set()).update(names)

    def plain(self) -> Summary:
        """This summary with plain dictionaries for tables (no factory to pickle) and no registry:
        what is sent from one process to another to be merged."""
        self.tables = {name: dict(table) for name, table in self.tables.items()}
        self._recipients = {name: dict(people) for name, people in self._recipients.items()}
        self.registry = None
        return self

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A table's rows, most failures first."""
        rows: list[dict[str, Any]] = [{"key": key, "failures": v[0], "hard": v[1], "soft": v[2],
                 "recipients": len(self._recipients[name].get(key, ()))} for key, v in self.tables[name].items()]
        rows.sort(key=lambda r: (-r["failures"], r["key"]))
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "failures": self.failures, "hard": self.hard, "soft": self.soft,
                "delivered": self.delivered, "other": self.other,
                "first_seen": self.first[1] if self.first else "", "last_seen": self.last[1] if self.last else "",
                **{name: self.rows(name) for name, _ in DIMENSIONS}}

    def text(self, top: int = 10) -> str:
        """The summary as text tables for a terminal: ``top`` rows of each table (0: all)."""
        lines = [f"{self.records:,} record(s): {self.failures:,} failure(s) ({self.hard:,} hard, {self.soft:,} soft), "
                 f"{self.delivered:,} delivered, {self.other:,} other (auto-replies, feedback reports)"]
        if self.first and self.last:
            lines.append(f"from {self.first[1]} to {self.last[1]}")
        for name, heading in DIMENSIONS:
            rows = self.rows(name)
            if not rows:
                continue
            shown = rows if top <= 0 else rows[:top]
            width = max(len(heading), *(len(r["key"] or "(none)") for r in shown))
            lines.append("")
            lines.append(f"{heading:<{width}}  {'failures':>8}  {'hard':>7}  {'soft':>7}  {'recipients':>10}")
            for r in shown:
                lines.append(f"{r['key'] or '(none)':<{width}}  {r['failures']:>8,}  {r['hard']:>7,}  {r['soft']:>7,}  "
                             f"{r['recipients']:>10,}")
            if len(rows) > len(shown):
                lines.append(f"… {len(rows) - len(shown)} more (--top 0 shows all)")
        return "\n".join(lines) + "\n"


# -- the suppression list ------------------------------------------------------------------------------


def _split(address: str) -> tuple[str, str]:
    address = address.strip().strip("<>")
    local, _, dom = address.rpartition("@")
    return local, dom.lower().rstrip(".")


def suppression_key(rec: Record) -> tuple[str, str] | None:
    """The address a record counts for in the suppression list, as (local part, domain in lower case),
    or None for a record the list leaves out: a refusal your own server gave (``direction:
    inbound``), an outcome neither hard nor a delivery, a record without a whole address. The address
    is the original recipient where the record knows it, else the recipient."""
    if _s(rec, "direction") == "inbound":
        return None
    if not (rec.get("hard") or _s(rec, "reason") == "delivered"):
        return None
    address = _s(rec, "original_recipient") or _s(rec, "recipient")
    if "@" not in address:
        return None
    local, dom = _split(address)
    return (local, dom) if local and dom else None


def suppression_order(entry: Record) -> tuple[str, str]:
    """How the suppression list is sorted: by domain, then local part."""
    local, _, dom = entry["address"].rpartition("@")
    return dom, local


def suppression_list(records: Iterable[Record], now: datetime | None = None) -> list[Record]:
    """The addresses to stop mailing: those whose last outcome is a hard failure, each once. An
    address is the original recipient where a record knows it (the address as you sent it, before
    forwarding or an alias changed it), else the recipient; addresses are the same when their local
    parts are equal and their domains equal ignoring case (a local part's case may matter to its
    server: it is kept). A later delivery to an address, by time stamp (else by the order read),
    takes it off the list. Refusals your own server gave (``direction: inbound``) are not about
    addresses you send to, and are left out.

    Each entry: ``address`` (domain in lower case), ``reason``, ``last_seen`` (the time stamp of
    the last hard failure, as written), ``code`` (its enhanced status code, else its reply code),
    ``count`` (hard failures seen); ``last_seen`` is the ``time`` field (ISO 8601) where the record
    has one, else its ``timestamp``. Sorted by domain, then local part."""
    # per address: when its last outcome was seen, that outcome (None: a delivery; else its reason,
    # time and code: no whole record is kept) and the hard failures counted
    latest: dict[tuple[str, str], tuple[tuple[float, int], tuple[str, str, str] | None, int]] = {}
    seq = 0
    for rec in records:
        seq += 1
        key = suppression_key(rec)
        if key is None:
            continue
        delivered = _s(rec, "reason") == "delivered"
        order = _stamp_key(rec, seq, now)
        held = latest.get(key)
        count = (held[2] if held else 0) + (0 if delivered else 1)
        if held is None or order >= held[0]:
            outcome = None if delivered else (_s(rec, "reason"), seen(rec), _s(rec, "status") or _s(rec, "reply"))
            latest[key] = (order, outcome, count)
        else:
            latest[key] = (held[0], held[1], count)
    out = []
    for (local, dom), (_, outcome, count) in latest.items():
        if outcome is None:
            continue
        reason, last_seen, code = outcome
        out.append({"address": f"{local}@{dom}", "reason": reason, "last_seen": last_seen, "code": code,
                    "count": count})
    out.sort(key=suppression_order)
    return out


# -- the report's figures -------------------------------------------------------------------------------


@dataclass
class Cause:
    """One cause of failures for the "fix first" list: a reason and its detail."""

    reason: str
    detail: str
    records: int = 0
    hard: int = 0
    recipients: set[str] = field(default_factory=set)
    codes: Counter[str] = field(default_factory=Counter)
    providers: Counter[str] = field(default_factory=Counter)
    domains: Counter[str] = field(default_factory=Counter)


def report_data(records: Iterable[Record], registry: Registry | None = None, now: datetime | None = None,
                top: int = 10) -> dict[str, Any]:
    """The figures of the HTML report, from a run's records: the summary, failures over time by
    reason, the deferrals by kind (:func:`deferral_kind`), and the causes ordered by how many
    recipients each hit (a final outcome that expired counts under the reason of its deferrals:
    that is what to fix). Plain data (no markup): the report's templates draw it."""
    summary = Summary(registry, now)
    causes: dict[tuple[str, str], Cause] = {}
    timeline: list[tuple[datetime, str]] = []
    undated = 0
    deferrals: Counter[str] = Counter()
    deferral_reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in records:
        summary.add(rec)
        if not is_failure(rec, registry):
            continue
        reason, detail = _s(rec, "reason"), _s(rec, "detail")
        moment = moment_of(rec, now)
        # a final outcome that expired: the cause to fix is what its deferrals said (--final)
        cause_reason = _s(rec, "deferred_reason") if reason == "expired" and _s(rec, "deferred_reason") else reason
        if moment is None:
            undated += 1
        else:
            timeline.append((moment, reason))
        kind = deferral_kind(rec)
        if kind:
            deferrals[kind] += 1
            deferral_reasons[kind][reason + (f" ({detail})" if detail else "")] += 1
        cause = causes.setdefault((cause_reason, detail), Cause(cause_reason, detail))
        cause.records += 1
        cause.hard += bool(rec.get("hard"))
        recipient = _s(rec, "original_recipient") or _s(rec, "recipient")
        if recipient:
            cause.recipients.add(recipient.lower())
        code = " ".join(x for x in (_s(rec, "reply"), _s(rec, "status") if _s(rec, "status_source") != "pseudo" else "") if x)
        if code:
            cause.codes[code] += 1
        if _s(rec, "provider"):
            cause.providers[_s(rec, "provider")] += 1
        dom = domain_of(_s(rec, "recipient"))
        if dom:
            cause.domains[dom] += 1
    ordered = sorted(causes.values(), key=lambda c: (-len(c.recipients), -c.records, c.reason, c.detail))
    return {
        "summary": summary.to_dict(),
        "timeline": _timeline(timeline, top_reasons=6),
        "undated": undated,
        "deferrals": [{"kind": k, "records": deferrals.get(k, 0),
                       "reasons": deferral_reasons[k].most_common(5)} for k in ("greylisting", "block", "other")],
        "causes": [{"reason": c.reason, "detail": c.detail, "records": c.records, "hard": c.hard,
                    "recipients": len(c.recipients), "codes": c.codes.most_common(3),
                    "providers": c.providers.most_common(3), "domains": c.domains.most_common(3)} for c in ordered],
    }


def _timeline(points: list[tuple[datetime, str]], top_reasons: int) -> dict[str, Any]:
    """Failures per period and reason: per hour over two days or less, else per day. The reasons
    beyond the ``top_reasons`` most frequent count as ``other``."""
    if not points:
        return {"unit": "", "reasons": [], "buckets": []}
    first = min(p[0] for p in points)
    last = max(p[0] for p in points)
    hourly = last - first <= timedelta(days=2)
    frequent = [r for r, _ in Counter(r for _, r in points).most_common()]
    shown = frequent if len(frequent) <= top_reasons + 1 else frequent[:top_reasons]
    reasons = shown + (["other"] if len(frequent) > len(shown) else [])

    def bucket(moment: datetime) -> datetime:
        return moment.replace(minute=0, second=0, microsecond=0) if hourly else moment.replace(
            hour=0, minute=0, second=0, microsecond=0)

    step = timedelta(hours=1) if hourly else timedelta(days=1)
    counts: dict[datetime, Counter[str]] = defaultdict(Counter)
    for moment, reason in points:
        counts[bucket(moment)][reason if reason in shown else "other"] += 1
    buckets: list[dict[str, Any]] = []
    at, end = bucket(first), bucket(last)
    while at <= end and len(buckets) < 2000:
        buckets.append({"start": at.isoformat(), "label": at.strftime("%Y-%m-%d %H:00" if hourly else "%Y-%m-%d"),
                        "counts": [counts[at].get(r, 0) for r in reasons]})
        at += step
    return {"unit": "hour" if hourly else "day", "reasons": reasons, "buckets": buckets}
