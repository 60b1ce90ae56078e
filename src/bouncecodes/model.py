"""Frozen dataclasses shared by the build step, the runtime and the site.

The registry is compiled from ``codes/**/*.yaml`` into these types, written to
``registry.json`` and read back into the same types at run time. Everything
here is standard library only.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1

REPLY_RE = re.compile(r"^[2-5][0-9][0-9]$")
ENHANCED_RE = re.compile(r"^[245]\.[0-9]{1,3}\.[0-9]{1,3}$")
IANA_CODE_RE = re.compile(r"^X\.[0-9]{1,3}\.[0-9]{1,3}$")
IANA_CLASS_RE = re.compile(r"^[245]\.XXX\.YYY$")
IANA_SUBJECT_RE = re.compile(r"^X\.[0-9]{1,3}\.YYY$")


class Hard(enum.StrEnum):
    """When a reason means the address should be dropped."""

    ALWAYS = "always"
    NEVER = "never"
    IF_PERMANENT = "if-permanent"


class EnhancedKind(enum.StrEnum):
    """What an entry of the enhanced-code registry is, derived from its notation."""

    CLASS = "class"
    SUBJECT = "subject"
    CODE = "code"


@dataclass(frozen=True)
class Reference:
    """A pointer into an RFC."""

    rfc: int
    section: str = ""

    @property
    def label(self) -> str:
        return f"RFC {self.rfc}" + (f" §{self.section}" if self.section else "")

    @property
    def url(self) -> str:
        base = f"https://www.rfc-editor.org/rfc/rfc{self.rfc}"
        return base + (f"#section-{self.section}" if self.section else "")


@dataclass(frozen=True)
class Reason:
    """One entry of the reason vocabulary (``codes/reasons.yaml``)."""

    id: str
    title: str
    description: str
    hard: Hard
    bounce: bool
    action: str
    pseudo_status: str = ""
    after_data: str = ""
    at_mail: str = ""
    at_connect: str = ""
    when_delayed: str = ""
    given_up: str = ""
    given_up_except: tuple[str, ...] = ()
    diagnostic_types: tuple[str, ...] = ()
    #: reasons this one wins over when rules of both match the same words (checked by the lint rule ``overlaps``)
    over: tuple[str, ...] = ()
    #: log line actions (a format's state, mapped) that mean this reason when the server's words name none
    actions: tuple[str, ...] = ()

    def pseudo_code(self, permanent: bool) -> str:
        """The pseudo enhanced code for this reason (``5.0.911``), or "" when it has none."""
        if not self.pseudo_status:
            return ""
        return f"{5 if permanent else 4}.0.{self.pseudo_status}"

    def is_hard(self, permanent: bool) -> bool:
        if self.hard is Hard.ALWAYS:
            return True
        if self.hard is Hard.IF_PERMANENT:
            return permanent
        return False


@dataclass(frozen=True)
class ReplyCode:
    """A basic SMTP reply code (``codes/reply/<code>.yaml``)."""

    code: str
    title: str
    description: str
    references: tuple[Reference, ...]
    action: str
    enhanced: tuple[str, ...] = ()
    reason: str = ""
    nonstandard: bool = False

    @property
    def id(self) -> str:
        return f"reply:{self.code}"

    @property
    def klass(self) -> int:
        """The class, from the first digit: 2 success, 3 intermediate, 4 transient, 5 permanent."""
        return int(self.code[0])


@dataclass(frozen=True)
class EnhancedCode:
    """An entry of the IANA enhanced status code registry (``codes/enhanced/<code>.yaml``)."""

    code: str
    title: str
    description: str
    references: tuple[Reference, ...]
    action: str
    basic: tuple[str, ...] = ()
    deprecated: bool = False
    reason: str = ""
    decisive: bool = False
    detail: str = ""
    yields_to: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"enhanced:{self.code}"

    @property
    def kind(self) -> EnhancedKind:
        if IANA_CLASS_RE.match(self.code):
            return EnhancedKind.CLASS
        if IANA_SUBJECT_RE.match(self.code):
            return EnhancedKind.SUBJECT
        return EnhancedKind.CODE


@dataclass(frozen=True)
class PhraseRule:
    """A text pattern that reveals a reason (``codes/phrases/<reason>.yaml``)."""

    id: str
    reason: str
    match: tuple[str, ...]
    examples: tuple[str, ...]
    detail: str = ""
    at_mail: str = ""  # the reason instead, in a reply to MAIL FROM
    #: for each pattern of ``match``, a lower-case text it cannot match without ('' if none); derived at build
    literals: tuple[str, ...] = ()
    broad: bool = False  # a catch-all wording: tried after every specific rule


@dataclass(frozen=True)
class ProviderRule:
    """One of a provider's own rules; applies only when the provider is recognised."""

    id: str
    provider: str
    reason: str
    source: str
    examples: tuple[str, ...]
    reply: str = ""
    status: str = ""
    match: tuple[str, ...] = ()
    detail: str = ""
    meaning: str = ""
    action: str = ""
    literals: tuple[str, ...] = ()


@dataclass(frozen=True)
class SoftwareMessage:
    """What one mail program writes when it refuses, defers or bounces (``codes/software/<id>.yaml``).

    Each is a classifier rule like a :class:`PhraseRule`, tried ahead of the phrase rules: its
    ``match`` finds the program's wording, ``reason`` is what the program means by it."""

    id: str  # software:<program>/<message>
    software: str
    reason: str
    text: str  # as the program writes it, variable parts as <placeholders>
    where: str  # reply, notice or log
    source: str
    examples: tuple[str, ...]
    match: tuple[str, ...]
    literals: tuple[str, ...] = ()
    reply: str = ""
    status: str = ""
    detail: str = ""
    meaning: str = ""
    at_mail: str = ""  # the reason instead, in a reply to MAIL FROM
    broad: bool = False


@dataclass(frozen=True)
class SoftwareNotice:
    """How a mail program lays out one kind of bounce email."""

    id: str
    kind: str  # failure, delay, success, relay
    source: str
    subject: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()  # the From lines it writes (the YAML field ``from``)
    markers: tuple[str, ...] = ()
    original: tuple[str, ...] = ()
    mime: str = ""
    layout: str = ""


@dataclass(frozen=True)
class Software:
    """A mail program: what it writes and how it lays out its bounce emails (``codes/software/<id>.yaml``)."""

    id: str
    name: str
    kind: str  # mta, mailstore, filter, gateway, service
    description: str
    website: str
    messages: tuple[SoftwareMessage, ...]
    notices: tuple[SoftwareNotice, ...] = ()
    tokens: tuple[str, ...] = ()
    repository: str = ""
    release: str = ""


@dataclass(frozen=True)
class Provider:
    """A receiving provider (``codes/providers/<id>.yaml``)."""

    id: str
    name: str
    description: str
    rules: tuple[ProviderRule, ...]
    hosts: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    website: str = ""


#: What a log format's pattern groups, CSV columns or JSON keys may be named (codes/schema/logs.schema.json)
LOG_FIELDS = ("recipient", "orig_to", "sender", "queue_id", "message_id", "state", "status", "code", "reply", "text",
              "relay", "client", "helo", "command", "delivery", "timestamp")
#: What a log format's state words may mean
LOG_ACTIONS = ("failed", "delayed", "delivered", "expired", "discarded", "held", "none")


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in value)


@dataclass(frozen=True)
class LogExample:
    """A log text written from the program's own template, and the evidence it must give: one tuple
    of (field, value) pairs per result, in order (none for a line that reports no outcome)."""

    log: str
    yields: tuple[tuple[tuple[str, str], ...], ...] = ()


@dataclass(frozen=True)
class LogFormat:
    """One kind of log line (or CSV row, or JSON record) a program writes (``codes/logs/<id>.yaml``)."""

    id: str  # <program>/<format>
    program: str
    title: str
    layout: str  # line, csv or json
    direction: str  # inbound or outbound
    source: str
    pattern: str = ""
    #: the texts every match of ``pattern`` holds, as written, longest first; derived at build: a
    #: line is tried only when it holds them all
    literals: tuple[str, ...] = ()
    tag: str = ""  # a pattern the syslog tag must match, when the line has one
    #: vocabulary name → a pattern with one group (line), a column (csv) or key paths (json)
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()
    states: tuple[tuple[str, str], ...] = ()
    otherwise: str = ""
    action: str = ""
    commands: tuple[tuple[str, str], ...] = ()
    decode: str = ""
    separator: str = ""
    context: bool = False
    key: str = ""
    once: bool = False
    header: tuple[str, ...] = ()
    header_prefix: str = ""
    match: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pattern_key: str = ""
    examples: tuple[LogExample, ...] = ()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LogFormat:
        return cls(**{
            **d,
            "fields": tuple((str(k), tuple(v)) for k, v in d.get("fields", ())),
            "states": _pairs(d.get("states", ())),
            "commands": _pairs(d.get("commands", ())),
            "header": tuple(d.get("header", ())),
            "literals": tuple(d.get("literals", ())),
            "match": tuple((str(k), tuple(v)) for k, v in d.get("match", ())),
            "examples": tuple(LogExample(log=x["log"], yields=tuple(_pairs(y) for y in x.get("yields", ())))
                              for x in d.get("examples", ())),
        })


@dataclass(frozen=True)
class LogProgram:
    """How one program writes its log (``codes/logs/<id>.yaml``): its line kinds, in decision order."""

    id: str
    name: str
    description: str
    formats: tuple[LogFormat, ...]
    release: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LogProgram:
        return cls(**{**d, "formats": tuple(LogFormat.from_dict(f) for f in d["formats"])})


@dataclass(frozen=True)
class Registry:
    """The whole registry, in registry order (which is decision order)."""

    reasons: tuple[Reason, ...]
    reply: tuple[ReplyCode, ...]
    enhanced: tuple[EnhancedCode, ...]
    phrases: tuple[PhraseRule, ...]
    providers: tuple[Provider, ...] = ()
    software: tuple[Software, ...] = ()
    logs: tuple[LogProgram, ...] = ()
    schema_version: int = SCHEMA_VERSION
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    # -- lookups -----------------------------------------------------------------------------
    def _table(self, name: str) -> dict[str, Any]:
        table = self._index.get(name)
        if table is None:
            if name == "reasons":
                table = {r.id: r for r in self.reasons}
            elif name == "reply":
                table = {r.code: r for r in self.reply}
            elif name == "enhanced":
                table = {e.code: e for e in self.enhanced}
            elif name == "providers":
                table = {p.id: p for p in self.providers}
            elif name == "software":
                table = {s.id: s for s in self.software}
            else:  # pragma: no cover - programming error
                raise KeyError(name)
            self._index[name] = table
        return table

    def reason(self, reason_id: str) -> Reason:
        """The reason with this id (KeyError when unknown)."""
        return self._table("reasons")[reason_id]  # type: ignore[no-any-return]

    def reply_code(self, code: str) -> ReplyCode | None:
        return self._table("reply").get(code)  # type: ignore[no-any-return]

    def enhanced_entry(self, code: str) -> EnhancedCode | None:
        """The entry for an enhanced code in either notation ("5.1.1" or "X.1.1")."""
        table = self._table("enhanced")
        if code in table:
            return table[code]  # type: ignore[no-any-return]
        parts = code.split(".")
        if len(parts) == 3 and parts[0] in "245":
            return table.get(f"X.{parts[1]}.{parts[2]}")  # type: ignore[no-any-return]
        return None

    def enhanced_class(self, klass: str) -> EnhancedCode | None:
        return self._table("enhanced").get(f"{klass}.XXX.YYY")  # type: ignore[no-any-return]

    def enhanced_subject(self, subject: str) -> EnhancedCode | None:
        return self._table("enhanced").get(f"X.{subject}.YYY")  # type: ignore[no-any-return]

    def provider(self, provider_id: str) -> Provider | None:
        return self._table("providers").get(provider_id)  # type: ignore[no-any-return]

    def program(self, software_id: str) -> Software | None:
        """The catalogue of the mail program with this id (``postfix``), or None."""
        return self._table("software").get(software_id)  # type: ignore[no-any-return]

    # -- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; enums become their values, tuples lists, private fields dropped."""
        return {
            "schema_version": self.schema_version,
            "reasons": [_plain(r) for r in self.reasons],
            "reply": [_plain(r) for r in self.reply],
            "enhanced": [_plain(e) for e in self.enhanced],
            "phrases": [_plain(p) for p in self.phrases],
            "providers": [_plain(p) for p in self.providers],
            "software": [_plain(s) for s in self.software],
            "logs": [_plain(p) for p in self.logs],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Registry:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"registry.json has schema version {version!r}, this code reads {SCHEMA_VERSION}")

        def refs(items: list[dict[str, Any]]) -> tuple[Reference, ...]:
            return tuple(Reference(**r) for r in items)

        return cls(
            reasons=tuple(Reason(**{**r, "hard": Hard(r["hard"]), "diagnostic_types": tuple(r.get("diagnostic_types", ())),
                                     "given_up_except": tuple(r.get("given_up_except", ())),
                                     "over": tuple(r.get("over", ())),
                                     "actions": tuple(r.get("actions", ()))})
                          for r in data["reasons"]),
            reply=tuple(
                ReplyCode(**{**r, "references": refs(r["references"]), "enhanced": tuple(r["enhanced"])})
                for r in data["reply"]
            ),
            enhanced=tuple(
                EnhancedCode(**{**e, "references": refs(e["references"]), "basic": tuple(e["basic"]),
                                 "yields_to": tuple(e.get("yields_to", ()))})
                for e in data["enhanced"]
            ),
            phrases=tuple(
                PhraseRule(**{**p, "match": tuple(p["match"]), "examples": tuple(p["examples"]),
                              "literals": tuple(p["literals"])})
                for p in data["phrases"]
            ),
            providers=tuple(
                Provider(
                    **{
                        **p,
                        "hosts": tuple(p["hosts"]),
                        "tokens": tuple(p["tokens"]),
                        "rules": tuple(
                            ProviderRule(
                                **{**r, "match": tuple(r["match"]), "examples": tuple(r["examples"]),
                                   "literals": tuple(r["literals"])}
                            )
                            for r in p["rules"]
                        ),
                    }
                )
                for p in data["providers"]
            ),
            software=tuple(
                Software(**{
                    **s,
                    "tokens": tuple(s["tokens"]),
                    "messages": tuple(
                        SoftwareMessage(**{**m, "match": tuple(m["match"]), "examples": tuple(m["examples"]),
                                           "literals": tuple(m["literals"])})
                        for m in s["messages"]
                    ),
                    "notices": tuple(
                        SoftwareNotice(**{**n, **{k: tuple(n[k]) for k in ("subject", "senders", "markers", "original")}})
                        for n in s["notices"]
                    ),
                })
                for s in data.get("software", ())
            ),
            logs=tuple(LogProgram.from_dict(p) for p in data.get("logs", ())),
        )


def _plain(obj: Any) -> Any:
    """Dataclass → plain JSON types, without private (underscore) fields."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if not f.name.startswith("_")}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (tuple, list)):
        return [_plain(x) for x in obj]
    return obj


class Kind(enum.StrEnum):
    """What a piece of evidence reports, as told by the structure of the input."""

    FAILURE = "failure"  # a bounce or deferral for this recipient
    DELIVERED = "delivered"  # a success DSN or a 'sent' log line
    FEEDBACK = "feedback"  # an ARF (RFC 5965) feedback report
    AUTOREPLY = "autoreply"  # an out-of-office or other automatic reply


@dataclass(frozen=True)
class Evidence:
    """Facts found in the input for one recipient. No decision is taken here.

    ``diagnostic`` is the remote server's own words where they were found; ``notice`` is the
    reporting MTA's surrounding text (its explanation, in its own words). ``span`` locates the
    diagnostic in the normalised input text, for highlighting.
    """

    recipient: str = ""
    status: str = ""
    reply: str = ""
    diagnostic: str = ""
    notice: str = ""
    kind: Kind = Kind.FAILURE
    action: str = ""  # the DSN Action field: failed, delayed, delivered, relayed, expanded
    remote_mta: str = ""
    reporting_mta: str = ""
    command: str = ""  # the SMTP command the reply answered: RCPT, DATA, MAIL, CONN …
    diagnostic_type: str = ""  # the DSN Diagnostic-Code type, lower case: smtp, x-unix, x-postfix …
    feedback_type: str = ""
    source: str = ""  # which finder produced it: dsn, text, reply, arf, json, log:<program>/<format> …
    span: tuple[int, int] = (0, 0)
    #: the address as the sender gave it (a DSN's Original-Recipient), when it differs from ``recipient``
    original_recipient: str = ""
    #: inbound (a refusal the logging server gave) or outbound (a delivery that failed); '' when the
    #: input does not say (a bare reply)
    direction: str = ""
    # where a log line came from, for later output: its time stamp as written, the program's queue
    # id, the message's Message-ID (without brackets) and its envelope sender
    timestamp: str = ""
    queue_id: str = ""
    message_id: str = ""
    sender: str = ""
    #: the number of the log line it was read from (1-based; 0: not a log line), and of the
    #: message in an mbox (1-based; 0: not a message of an mbox)
    line: int = 0
    message: int = 0


@dataclass(frozen=True)
class Result:
    """The verdict for one recipient, and the registry entry that decided it."""

    recipient: str
    reason: str
    permanent: bool
    hard: bool
    action: str
    rule: str
    status: str = ""
    reply: str = ""
    detail: str = ""
    provider: str = ""
    diagnostic: str = ""
    status_source: str = ""
    remote_mta: str = ""
    reporting_mta: str = ""
    command: str = ""
    feedback_type: str = ""
    source: str = ""
    span: tuple[int, int] = (0, 0)
    original_recipient: str = ""  # the address as the sender gave it, when forwarding changed it
    direction: str = ""  # inbound (a refusal your server gave), outbound (a delivery that failed) or ''
    # where it came from (see Evidence): a log's time stamp as written, queue id, Message-ID, sender,
    # line number; the message's number in an mbox
    timestamp: str = ""
    queue_id: str = ""
    message_id: str = ""
    sender: str = ""
    line: int = 0
    message: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return _plain(self)  # type: ignore[no-any-return]
