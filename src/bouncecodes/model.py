"""Frozen records shared by the build step, the runtime and the site.

The registry is compiled from ``codes/**/*.yaml`` into these types, written to
``registry.json`` and read back into the same types at run time. Everything
here is standard library only.

The classes are made by :func:`record`, a frozen dataclass without the ``dataclasses`` module at
import time: importing it (it imports ``inspect``) and generating each class's methods took a
third of a command's start-up. The records compare, hash, print and refuse assignment as frozen
dataclasses do, and ``dataclasses.fields``, ``replace`` and ``asdict`` still work on them (the
module is imported the first time one of those asks); :func:`replace` is the runtime's own.
"""

from __future__ import annotations

import enum
from operator import attrgetter

from . import lazyre as re  # re, its module-level patterns compiled on first use

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    _T = TypeVar("_T")
else:
    def dataclass_transform(**_: object) -> object:
        return lambda f: f

_MISSING: Any = object()


class _FieldSpec:
    """What :func:`field` says of a field."""

    __slots__ = ("compare", "default", "default_factory", "repr")

    def __init__(self, default: Any, default_factory: Any, compare: bool, repr: bool) -> None:
        self.default, self.default_factory, self.compare, self.repr = default, default_factory, compare, repr


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | Any = _MISSING, compare: bool = True,
          repr: bool = True, hash: bool | None = None) -> Any:
    """A field with options, as ``dataclasses.field`` (``hash`` follows ``compare``)."""
    return _FieldSpec(default, default_factory, compare, repr)


class _DataclassView:
    """``__dataclass_fields__`` and ``__dataclass_params__`` of a record, made with the
    ``dataclasses`` module the first time something asks (``dataclasses.replace``, ``fields``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, cls: type) -> Any:
        import dataclasses

        specs: dict[str, _FieldSpec] = cls.__dict__["_record_specs"]
        def spec_of(spec: _FieldSpec) -> Any:
            given = {"default": spec.default, "default_factory": spec.default_factory}
            return dataclasses.field(compare=spec.compare, repr=spec.repr,
                                     **{k: v for k, v in given.items() if v is not _MISSING})

        shadow = dataclasses.make_dataclass(cls.__name__, [(name, object, spec_of(spec)) for name, spec in specs.items()],
                                            frozen=True)
        type.__setattr__(cls, "__dataclass_fields__", shadow.__dataclass_fields__)  # type: ignore[attr-defined]
        type.__setattr__(cls, "__dataclass_params__", shadow.__dataclass_params__)  # type: ignore[attr-defined]
        return getattr(cls, self.name)


def _frozen(self: object, name: str, value: Any = None) -> None:
    import dataclasses

    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a frozen record of its annotated fields, in order, as ``@dataclass(frozen=True)``
    would: ``__init__``, ``__eq__``, ``__hash__``, ``__repr__``, and no assignment."""
    specs: dict[str, _FieldSpec] = {}
    for name in cls.__annotations__:  # strings: every module here has `from __future__ import annotations`
        value = cls.__dict__.get(name, _MISSING)
        if isinstance(value, _FieldSpec):
            specs[name] = value
            if value.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value.default)
        else:
            specs[name] = _FieldSpec(value, _MISSING, True, True)
    names = tuple(specs)
    known = frozenset(names)
    defaults = {n: s.default for n, s in specs.items() if s.default is not _MISSING}
    factories = [(n, s.default_factory) for n, s in specs.items() if s.default_factory is not _MISSING]
    optional = [n in defaults or s.default_factory is not _MISSING for n, s in specs.items()]
    if any(optional[i] and not optional[i + 1] for i in range(len(names) - 1)):
        raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
    compared = tuple(n for n, s in specs.items() if s.compare)
    key: Callable[[Any], Any] = attrgetter(*compared) if len(compared) > 1 else (
        lambda obj: tuple(getattr(obj, n) for n in compared))
    shown = [n for n, s in specs.items() if s.repr]
    qualname = cls.__qualname__
    count = len(names)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            if len(args) > count:
                raise TypeError(f"{qualname}() takes {count} arguments but {len(args)} were given")
            given = names[:len(args)]
            if kwargs and not kwargs.keys().isdisjoint(given):
                raise TypeError(f"{qualname}() got multiple values for {sorted(kwargs.keys() & set(given))}")
            kwargs.update(zip(given, args, strict=False))
        if not kwargs.keys() <= known:
            raise TypeError(f"{qualname}() got unexpected keyword arguments {sorted(kwargs.keys() - known)}")
        values = {**defaults, **kwargs}
        if factories:
            for n, make in factories:
                if n not in kwargs:
                    values[n] = make()
        if len(values) < count:
            raise TypeError(f"{qualname}() missing arguments {[n for n in names if n not in values]}")
        object.__setattr__(self, "__dict__", values)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(key(self) == key(other))
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(key(self))

    def __repr__(self: Any) -> str:
        return f"{qualname}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in shown) + ")"

    for fn in (__init__, __eq__, __hash__, __repr__):
        fn.__qualname__ = f"{qualname}.{fn.__name__}"
        setattr(cls, fn.__name__, fn)
    extra: dict[str, Any] = {"__setattr__": _frozen, "__delattr__": _frozen, "__match_args__": names,
                             "_record_names": names, "_record_specs": specs, "_record_defaults": defaults,
                             "_record_factories": factories,
                             "__dataclass_fields__": _DataclassView("__dataclass_fields__"),
                             "__dataclass_params__": _DataclassView("__dataclass_params__")}
    for name, value in extra.items():
        setattr(cls, name, value)
    return cls


def _load(cls: type[_T], values: dict[str, Any]) -> _T:
    """A record of ``cls`` from its JSON form (``values``, lists standing for tuples): the record
    ``cls(**values)`` makes, made without calling ``__init__`` (the registry's load makes a thousand)."""
    specs: dict[str, _FieldSpec] = cls._record_specs  # type: ignore[attr-defined]
    if not values.keys() <= specs.keys():
        raise TypeError(f"{cls.__qualname__}() got unexpected keyword arguments {sorted(values.keys() - specs.keys())}")
    fields = dict(cls._record_defaults)  # type: ignore[attr-defined]
    for name, make in cls._record_factories:  # type: ignore[attr-defined]
        fields[name] = make()
    fields.update(values)
    if len(fields) < len(specs):
        raise TypeError(f"{cls.__qualname__}() missing arguments {[n for n in specs if n not in fields]}")
    for name, value in fields.items():
        if type(value) is list:
            fields[name] = tuple(value)
    new = object.__new__(cls)
    object.__setattr__(new, "__dict__", fields)
    return new


def record_fields(obj: Any) -> tuple[str, ...]:
    """The field names of a record (class or instance), in order."""
    return obj._record_names  # type: ignore[no-any-return]


def replace(obj: _T, **changes: Any) -> _T:
    """A copy of the record ``obj`` with ``changes``, as ``dataclasses.replace``."""
    values = obj.__dict__.copy()
    if not changes.keys() <= values.keys():
        raise TypeError(f"{type(obj).__qualname__} has no field {sorted(changes.keys() - values.keys())}")
    values.update(changes)
    new = object.__new__(type(obj))
    object.__setattr__(new, "__dict__", values)
    return new


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


@record
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


@record
class Detail:
    """A finer case of a reason with advice of its own (``details`` of a reason in ``codes/reasons.yaml``):
    greylisting, a case of ``blocked`` that asks only for a later attempt."""

    id: str
    title: str
    description: str
    action: str
    action_queued: str = ""


@record
class Reason:
    """One entry of the reason vocabulary (``codes/reasons.yaml``).

    ``action`` is the advice once the message has been returned (the verdict is ``permanent``), and
    in any state when ``action_queued`` is empty; ``action_queued`` the advice while the sender's
    server still retries it. :func:`advice` picks between them."""

    id: str
    title: str
    description: str
    hard: Hard
    bounce: bool
    action: str
    action_queued: str = ""
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
    #: the finer cases of this reason that have advice of their own
    details: tuple[Detail, ...] = ()

    def detail(self, detail_id: str) -> Detail | None:
        """This reason's detail entry with this id, or None."""
        for d in self.details:
            if d.id == detail_id:
                return d
        return None

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


@record
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


@record
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


@record
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


@record
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
    #: the advice once the message has been returned, and in any state when ``action_queued`` is
    #: empty; empty for a rule written for a deferral only (its advice is then ``action_queued``)
    action: str = ""
    action_queued: str = ""  # the advice while the sender's server still retries the message
    literals: tuple[str, ...] = ()


@record
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


@record
class SoftwareNotice:
    """How a mail program (or a provider: :attr:`Provider.notices`) lays out one kind of email it
    sends back (``notices`` in the YAML; ``codes/schema/common.schema.json#/$defs/notice``)."""

    id: str
    kind: str  # failure, delay, success, relay, feedback
    source: str
    subject: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()  # the From lines it writes (the YAML field ``from``)
    markers: tuple[str, ...] = ()
    original: tuple[str, ...] = ()
    #: how it names one failed recipient, with ``<address>`` (a template may span two lines)
    recipient: tuple[str, ...] = ()
    #: the line after which it lists failed recipients, one a line (the YAML field ``list``)
    lists: tuple[str, ...] = ()
    #: the line after which it gives the one reason for every recipient of that list
    because: tuple[str, ...] = ()
    #: the heading of a section in which each reason stands above its address
    reasons_above: tuple[str, ...] = ()
    #: for a feedback notice: the returned message's header fields that name the complaining recipient
    recipient_fields: tuple[str, ...] = ()
    mime: str = ""
    layout: str = ""


#: the fields of a notice that hold lists of lines
NOTICE_LINES = ("subject", "senders", "markers", "original", "recipient", "lists", "because", "reasons_above",
                "recipient_fields")


@record
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


@record
class Provider:
    """A receiving provider (``codes/providers/<id>.yaml``)."""

    id: str
    name: str
    description: str
    rules: tuple[ProviderRule, ...]
    hosts: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    website: str = ""
    notices: tuple[SoftwareNotice, ...] = ()
    #: for each pattern of ``tokens``, a lower-case text it cannot match without ('' if none); derived at build
    token_literals: tuple[str, ...] = ()


#: What a log format's pattern groups, CSV columns or JSON keys may be named (codes/schema/logs.schema.json)
LOG_FIELDS = ("recipient", "orig_to", "sender", "queue_id", "message_id", "state", "status", "code", "reply", "text",
              "relay", "client", "helo", "command", "delivery", "timestamp", "category")
#: What a log format's state words may mean
LOG_ACTIONS = ("failed", "delayed", "delivered", "expired", "discarded", "held", "none")


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in value)


@record
class LogExample:
    """A log text written from the program's own template, and the evidence it must give: one tuple
    of (field, value) pairs per result, in order (none for a line that reports no outcome)."""

    log: str
    yields: tuple[tuple[tuple[str, str], ...], ...] = ()


@record
class LogCategory:
    """A word a program writes in a log field of its own to classify a failure (PowerMTA's
    ``bounceCat``: ``bad-mailbox``), and the reason it stands for when the server's words decide nothing."""

    name: str
    reason: str
    meaning: str
    source: str
    detail: str = ""


@record
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
    #: the program's own words for why a recipient failed (the ``category`` field), in file order
    categories: tuple[LogCategory, ...] = ()
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
            "categories": tuple(LogCategory(**c) for c in d.get("categories", ())),
            "examples": tuple(LogExample(log=x["log"], yields=tuple(_pairs(y) for y in x.get("yields", ())))
                              for x in d.get("examples", ())),
        })


@record
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


@record
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
            return tuple(_load(Reference, r) for r in items)

        return cls(
            reasons=tuple(_load(Reason, {**r, "hard": Hard(r["hard"]),
                                         "details": tuple(_load(Detail, d) for d in r.get("details", ()))}) for r in data["reasons"]),
            reply=tuple(_load(ReplyCode, {**r, "references": refs(r["references"])}) for r in data["reply"]),
            enhanced=tuple(_load(EnhancedCode, {**e, "references": refs(e["references"])}) for e in data["enhanced"]),
            phrases=tuple(_load(PhraseRule, p) for p in data["phrases"]),
            providers=tuple(
                _load(Provider, {**p, "rules": tuple(_load(ProviderRule, r) for r in p["rules"]),
                                  "notices": tuple(_load(SoftwareNotice, n) for n in p.get("notices", ()))})
                for p in data["providers"]
            ),
            software=tuple(
                _load(Software, {
                    **s,
                    "messages": tuple(_load(SoftwareMessage, m) for m in s["messages"]),
                    "notices": tuple(_load(SoftwareNotice, n) for n in s["notices"]),
                })
                for s in data.get("software", ())
            ),
            logs=tuple(LogProgram.from_dict(p) for p in data.get("logs", ())),
        )


def _plain(obj: Any) -> Any:
    """Record → plain JSON types, without private (underscore) fields."""
    names = getattr(type(obj), "_record_names", None)
    if names is not None:
        return {n: _plain(getattr(obj, n)) for n in names if not n.startswith("_")}
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


@record
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
    #: the sending program's own word for why the recipient failed, as its log wrote it (PowerMTA's
    #: bounceCat); the reason it stands for is read from the log format's ``categories``
    category: str = ""
    #: the number of the log line it was read from (1-based; 0: not a log line), and of the
    #: message in an mbox (1-based; 0: not a message of an mbox)
    line: int = 0
    message: int = 0


@record
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
    #: the registry entry whose advice ``action`` is: the provider rule that decided
    #: (``provider:google/5.2.1-account-disabled``), else the detail (``detail:blocked/greylisting``),
    #: else the reason (``reason:blocked``)
    advice_from: str = ""
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
