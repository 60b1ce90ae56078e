"""The one decision procedure: evidence → reason, with the registry entry that decided it.

Precedence, highest first (each step is registry data; the first step that gives a reason wins):

1. the input's structure: a feedback report, an automatic reply, a success DSN (``reason:*``);
2. the rules of the recognised provider, in file order (``provider:<id>/<rule>``);
3. a *decisive* enhanced code (``enhanced:X.1.1``), unless a phrase rule of a reason it
   ``yields_to`` matches the server's text (qmail's ``#5.1.1`` on a full mailbox);
4. phrase rules on the server's text, files in ``codes/reasons.yaml`` order, rules in file order
   (``phrase:<reason>/<rule>``);
5. the Diagnostic-Code type, when a reason lists it (``x-unix``: ``reason:mailererror/diagnostic-type``);
6. the same phrase rules on the reporting MTA's own notice;
7. a broad enhanced code, then its subject (``enhanced:X.7.1``, ``enhanced:X.7.YYY``);
8. the reply code (``reply:550``);
9. the class of either code (``enhanced:5.XXX.YYY``);
10. nothing known, no code and no words recognised: ``onhold`` (``reason:onhold``); ``undefined`` is
    what a code that names no cause gives (X.0.0, a bare class).

Then these refinements, also registry data (fields of the reason, or of the phrase rule, that was
found):

- ``at_mail``: in a reply to MAIL FROM, a reason from any step but 2 becomes that reason, first the
  phrase rule's own (``phrase:securityerror/access-denied`` → rejected), then the reason's
  (``reason:userunknown/at-mail`` → rejected): the words are about the sender;
- ``after_data``: a reason read from the server's words (step 4 or 6) in a reply to DATA becomes
  that reason (``reason:userunknown/after-data`` → filtered), and so it does under a mailbox-status
  code (X.2.*, the mailbox exists) when the reply answered neither RCPT TO nor MAIL FROM
  (``reason:userunknown/mailbox-status``);
- ``at_connect`` and ``when_delayed``: a reason from any step but 2 in a reply to the connection or to
  HELO/EHLO, or from any step but 2, 4 and 6 (codes only, no words) in a delay warning, becomes that
  reason (``reason:onhold/at-connect`` → blocked,
  ``reason:onhold/when-delayed`` → expired, the same from ``undefined`` and from ``networkerror``
  read from a code such as 4.4.1);
- ``given_up``: a transient reason in a final failure notice without a 5xx code becomes that
  reason (``reason:networkerror/given-up`` → expired), keeping the first reason as the detail,
  except for the details the reason lists in ``given_up_except`` (a mail loop fails at once).

``tests/test_precedence.py`` pins this order.
"""

from __future__ import annotations

from . import lazyre as re  # re, its module-level patterns compiled on first use
from .model import Evidence, Kind, PhraseRule, Provider, ProviderRule, Registry, Result, record
from .prefilter import Requirements, fold, requirements, satisfied
from .registry import load_registry

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MAX_TEXT", "Decision", "classify_evidence", "recognise_provider"]

#: Rules look at no more than this many characters of the server's text and of the notice.
MAX_TEXT = 4096


@record
class Decision:
    reason: str
    rule: str
    detail: str = ""
    action: str = ""
    at_mail: str = ""  # a phrase rule's reason for a reply to MAIL FROM


class _Pattern:
    """A registry pattern compiled on first use, skipped cheaply when its required text is absent.

    Two tests come before the regular expression: the build's ``literal`` in the lower-cased text,
    and the fuller :func:`~bouncecodes.prefilter.requirements`, read from the pattern on first use."""

    __slots__ = ("compiled", "literal", "reqs", "source")

    def __init__(self, source: str, literal: str) -> None:
        self.source, self.literal = source, literal
        self.compiled: re.Pattern[str] | None = None
        self.reqs: Requirements | None = None

    def search(self, text: str, lowered: str, folded: str | None = None) -> bool:
        """Whether the pattern matches ``text``; ``lowered`` is ``text.lower()``, ``folded`` its
        :func:`~bouncecodes.prefilter.fold` when the caller has it."""
        if self.literal and self.literal not in lowered:
            return False
        reqs = self.reqs
        if reqs is None:
            reqs = self.reqs = requirements(self.source)
        if reqs and not satisfied(reqs, folded if folded is not None else
                                  lowered if lowered.isascii() else fold(text)):
            return False
        return (self.compiled or self.compile()).search(text) is not None

    def compile(self) -> re.Pattern[str]:
        compiled = self.compiled = re.compile(self.source, re.IGNORECASE)
        return compiled


def _patterns(sources: tuple[str, ...], literals: tuple[str, ...]) -> list[_Pattern]:
    return [_Pattern(p, literals[i] if i < len(literals) else "") for i, p in enumerate(sources)]


#: texts up to this length are scanned through an index of three-character pieces (longer ones,
#: where taking every piece costs more than it saves, pattern by pattern)
INDEXED_TEXT = 400
#: the index is built after this many scans: a command classifying one bounce never builds it
INDEX_AFTER = 24


def _grams(lowered: str) -> set[str]:
    """Every three-character piece of ``lowered``."""
    return {lowered[i:i + 3] for i in range(len(lowered) - 2)}


class _Scan:
    """Patterns in registry order, each with its literal and what it stands for, and the first of
    them that matches a text.

    A pattern is tried only when its literal is in the lower-cased text (and then its
    requirements, then the regular expression). For a short text, after a few scans, the
    patterns are not all looked at: each pattern is filed under three-character pieces of what a
    match must hold — one piece of its literal (the piece fewest other patterns are filed under),
    else one piece of each alternative of its first requirement — and the pieces of a text name
    the patterns worth trying; only those are tried, in registry order. No pattern that could
    match is passed over (tests/test_speed_paths.py)."""

    __slots__ = ("by_piece", "items", "pieces", "scans", "unfiled")

    def __init__(self, items: list[tuple[str, _Pattern, Any]], indexed: bool = True) -> None:
        self.items = items
        self.scans = 0 if indexed else -(1 << 62)  # never indexed: taking a text's pieces costs more than it saves
        self.by_piece: dict[str, list[int]] | None = None
        self.pieces: frozenset[str] = frozenset()
        self.unfiled: list[int] = []

    def _build(self) -> None:
        # for each pattern, the texts a match must hold one of: its literal, else its first requirement
        needs: list[tuple[str, ...]] = []
        for literal, p, _ in self.items:
            if len(literal) >= 3:
                needs.append((literal,))
                continue
            if p.reqs is None:
                p.reqs = requirements(p.source)
            first = p.reqs[0] if p.reqs else ()
            needs.append(first if first and all(len(x) >= 3 for x in first) else ())
        counts: dict[str, int] = {}
        for alternatives in needs:
            for x in alternatives:
                for g in _grams(x):
                    counts[g] = counts.get(g, 0) + 1
        by_piece: dict[str, list[int]] = {}
        for i, alternatives in enumerate(needs):
            if not alternatives:
                self.unfiled.append(i)  # nothing of three characters it must hold: always tried
                continue
            for piece in {min(_grams(x), key=lambda g: (counts[g], g)) for x in alternatives}:
                by_piece.setdefault(piece, []).append(i)
        self.pieces = frozenset(by_piece)
        self.by_piece = by_piece

    def first(self, text: str, lowered: str, folded: str) -> Any:
        """What the first pattern matching ``text`` stands for, or None (``lowered`` is
        ``text.lower()``, ``folded`` its :func:`~bouncecodes.prefilter.fold`)."""
        items = self.items
        by_piece = self.by_piece
        # requirements are looked for in ``folded``: the index holds when it is ``lowered``
        if by_piece is None or len(lowered) > INDEXED_TEXT or folded != lowered:
            if by_piece is None:
                self.scans += 1
                if self.scans >= INDEX_AFTER:
                    self._build()
            for literal, p, payload in items:
                # p.search(text, lowered, folded), written out: the loop runs for every text
                if literal and literal not in lowered:
                    continue
                reqs = p.reqs
                if reqs is None:
                    reqs = p.reqs = requirements(p.source)
                if reqs and not satisfied(reqs, folded):
                    continue
                if (p.compiled or p.compile()).search(text) is not None:
                    return payload
            return None
        candidates = [i for piece in self.pieces.intersection(_grams(lowered)) for i in by_piece[piece]]
        candidates += self.unfiled
        candidates = sorted(set(candidates))  # a pattern filed under two pieces the text holds: once
        for i in candidates:
            literal, p, payload = items[i]
            if literal and literal not in lowered:
                continue
            reqs = p.reqs
            if reqs is None:
                reqs = p.reqs = requirements(p.source)
            if reqs and not satisfied(reqs, folded):
                continue
            if (p.compiled or p.compile()).search(text) is not None:
                return payload
        return None


class _RulesOf(dict[str, list[tuple[ProviderRule, list[_Pattern]]]]):
    """A provider's rules with their patterns, by provider id, prepared the first time it is asked
    for (a bounce names one provider at most)."""

    def __init__(self, providers: tuple[Provider, ...]) -> None:
        super().__init__()
        self._providers = {p.id: p for p in providers}

    def __missing__(self, provider_id: str) -> list[tuple[ProviderRule, list[_Pattern]]]:
        rules = self[provider_id] = [(r, _patterns(r.match, r.literals)) for r in self._providers[provider_id].rules]
        return rules


class _Compiled:
    """Patterns of one registry, prepared once."""

    def __init__(self, registry: Registry) -> None:
        self.phrases = [(rule, _patterns(rule.match, rule.literals)) for rule in registry.phrases]
        # the same, flat, for the loop of _phrase: (literal, pattern, rule)
        self.phrase_list = [(p.literal, p, rule) for rule, patterns in self.phrases for p in patterns]
        self.phrase_scan = _Scan(self.phrase_list)
        self._phrases_of: dict[tuple[str, ...], list[tuple[str, _Pattern, PhraseRule]]] = {}
        self.provider_tokens = [(p, _patterns(p.tokens, p.token_literals)) for p in registry.providers]
        # (literal, token, provider): a token whose literal is not in the text is passed over without a call
        self.token_list = [(t.literal, t, p) for p, tokens in self.provider_tokens for t in tokens]
        self.token_scan = _Scan(self.token_list, indexed=False)  # few, cheap: looked at one by one
        self.provider_rules = _RulesOf(registry.providers)
        # host suffix -> provider; the first provider in registry order owns a suffix listed twice
        self.hosts: dict[str, Provider] = {}
        for p in registry.providers:
            for h in p.hosts:
                self.hosts.setdefault(h, p)
        # Diagnostic-Code type -> the first reason, in registry order, that lists it
        self.diagnostic_types: dict[str, str] = {}
        for reason in registry.reasons:
            for kind in reason.diagnostic_types:
                self.diagnostic_types.setdefault(kind, reason.id)


    def phrases_of(self, reasons: tuple[str, ...]) -> list[tuple[str, _Pattern, PhraseRule]]:
        """``phrase_list`` narrowed to the rules of ``reasons``, in the same order (kept per tuple)."""
        found = self._phrases_of.get(reasons)
        if found is None:
            found = self._phrases_of[reasons] = [x for x in self.phrase_list if x[2].reason in reasons]
        return found


def _compiled(registry: Registry) -> _Compiled:
    cache: dict[str, Any] = registry._index
    found = cache.get("compiled")
    if found is None:
        found = cache["compiled"] = _Compiled(registry)
    return found  # type: ignore[no-any-return]


def _by_host(hosts: dict[str, Provider], host: str) -> Provider | None:
    """The provider of the longest suffix of ``host`` (itself, or after one of its dots) listed."""
    found = hosts.get(host)
    dot = host.find(".")
    while found is None and dot >= 0:
        found = hosts.get(host[dot + 1:])
        dot = host.find(".", dot + 1)
    return found


def recognise_provider(evidence: Evidence, registry: Registry | None = None) -> Provider | None:
    """The provider that answered: by remote MTA host, then by a token in its text, then by the
    recipient's domain."""
    registry = registry or load_registry()
    compiled = _compiled(registry)
    remote = evidence.remote_mta.lower()
    if remote:
        found = _by_host(compiled.hosts, remote)
        if found is not None:
            return found
    text = evidence.diagnostic[:MAX_TEXT]
    if text:
        lowered = text.lower()
        folded = fold(text)
        found = compiled.token_scan.first(text, lowered, folded)
        if found is not None:
            return found  # type: ignore[no-any-return]
    domain = evidence.recipient.rpartition("@")[2].lower()
    if domain and not remote:
        return _by_host(compiled.hosts, domain)
    return None


def _phrase(compiled: _Compiled, text: str, reasons: tuple[str, ...] = ()) -> Decision | None:
    """The first phrase rule, in registry order, that matches ``text``; only among the rules of
    ``reasons`` when given."""
    if not text:
        return None
    lowered = text.lower()
    folded = fold(text)
    if reasons:
        for literal, p, rule in compiled.phrases_of(reasons):
            if literal and literal not in lowered:
                continue  # the test p.search would make first, without the call
            if p.search(text, lowered, folded):
                return Decision(rule.reason, rule.id, rule.detail, at_mail=rule.at_mail)
        return None
    found: PhraseRule | None = compiled.phrase_scan.first(text, lowered, folded)
    return None if found is None else Decision(found.reason, found.id, found.detail, at_mail=found.at_mail)


def decide(evidence: Evidence, registry: Registry, provider: Provider | None) -> Decision:
    """Steps 1–10 of the module docstring, then its refinements."""
    decision = _decide(evidence, registry, provider)
    reason = registry.reason(decision.reason)
    command = evidence.command
    general = not decision.rule.startswith("provider:")  # a provider's own rule is not second-guessed
    from_words = decision.rule.startswith("phrase:")
    if command == "MAIL" and general:
        if decision.at_mail:
            return Decision(decision.at_mail, decision.rule, decision.detail or reason.id)
        if reason.at_mail:
            return Decision(reason.at_mail, f"reason:{reason.id}/at-mail", decision.detail or reason.id)
    if reason.after_data and from_words:
        if command == "DATA":
            return Decision(reason.after_data, f"reason:{reason.id}/after-data", decision.detail or reason.id)
        mailbox_status = evidence.status.split(".")[1:2] == ["2"]  # X.2.*: the mailbox exists
        if mailbox_status and command not in ("RCPT", "MAIL"):
            return Decision(reason.after_data, f"reason:{reason.id}/mailbox-status", decision.detail or reason.id)
    if general:
        if reason.at_connect and command in ("CONN", "HELO", "EHLO"):
            return Decision(reason.at_connect, f"reason:{reason.id}/at-connect", decision.detail)
        if reason.when_delayed and evidence.action == "delayed" and not from_words:
            # words that name a cause keep it; a bare code in a delay warning only says "still trying"
            return Decision(reason.when_delayed, f"reason:{reason.id}/when-delayed", decision.detail)
    if reason.given_up and decision.detail not in reason.given_up_except and _final(evidence) \
            and (evidence.status or evidence.reply)[:1] != "5":
        return Decision(reason.given_up, f"reason:{reason.id}/given-up", decision.detail or reason.id)
    return decision


def _final(evidence: Evidence) -> bool:
    """Whether the evidence reports that the sender stopped trying (not a delay warning, not a bare reply)."""
    return evidence.action in ("failed", "expired") or (not evidence.action and evidence.source == "text")


def _decide(evidence: Evidence, registry: Registry, provider: Provider | None) -> Decision:
    if evidence.kind is Kind.FEEDBACK:
        return Decision("feedback", "reason:feedback", evidence.feedback_type)
    if evidence.kind is Kind.AUTOREPLY:
        return Decision("vacation", "reason:vacation")
    if evidence.kind is Kind.DELIVERED:
        return Decision("delivered", "reason:delivered")

    compiled = _compiled(registry)
    status, reply = evidence.status, evidence.reply
    text = evidence.diagnostic[:MAX_TEXT]

    if provider is not None:
        lowered = text.lower()
        for rule, patterns in compiled.provider_rules[provider.id]:
            if rule.reply and rule.reply != reply:
                continue
            if rule.status and rule.status != status:
                continue
            for p in patterns:
                if p.search(text, lowered):
                    break
            else:
                if patterns:
                    continue  # none of its patterns matches
            return Decision(rule.reason, rule.id, rule.detail, rule.action)

    entry = registry.enhanced_entry(status) if status else None
    if entry is not None and entry.decisive and entry.reason:
        found = _phrase(compiled, text, entry.yields_to) if entry.yields_to else None
        if found is not None:
            return found
        return Decision(entry.reason, entry.id, entry.detail, entry.action)
    found = _phrase(compiled, text)
    if found is not None:
        return found
    by_type = compiled.diagnostic_types.get(evidence.diagnostic_type) if evidence.diagnostic_type else None
    if by_type is not None:
        return Decision(by_type, f"reason:{by_type}/diagnostic-type")
    found = _phrase(compiled, evidence.notice[:MAX_TEXT])
    if found is not None:
        return found

    if status:
        subject = registry.enhanced_subject(status.split(".")[1])
        for e in (entry, subject):
            if e is not None and e.reason:
                return Decision(e.reason, e.id, e.detail, e.action)
    code = registry.reply_code(reply) if reply else None
    if code is not None and code.reason:
        return Decision(code.reason, code.id, "", code.action)
    klass = (status or reply)[:1]
    if klass:
        cls = registry.enhanced_class(klass)
        if cls is not None and cls.reason:
            return Decision(cls.reason, cls.id, cls.detail, cls.action)
    return Decision("onhold", "reason:onhold")


def _permanent(evidence: Evidence) -> bool:
    klass = (evidence.status or evidence.reply)[:1]
    if klass:
        return klass == "5"
    return evidence.action != "delayed"


def classify_evidence(evidence: Evidence, registry: Registry | None = None) -> Result:
    """The verdict for one piece of evidence."""
    registry = registry or load_registry()
    provider = recognise_provider(evidence, registry) if evidence.kind is Kind.FAILURE else None
    decision = decide(evidence, registry, provider)
    reason = registry.reason(decision.reason)
    permanent = reason.bounce and _permanent(evidence)
    status, status_source = evidence.status, "bounce" if evidence.status else ""
    if not status and reason.bounce:
        status = reason.pseudo_code(permanent)
        status_source = "pseudo" if status else ""
    return Result(
        recipient=evidence.recipient,
        reason=reason.id,
        permanent=permanent,
        hard=reason.is_hard(permanent),
        action=decision.action or reason.action,
        rule=decision.rule,
        status=status,
        reply=evidence.reply,
        detail=decision.detail,
        provider=provider.id if provider else "",
        diagnostic=evidence.diagnostic,
        status_source=status_source,
        remote_mta=evidence.remote_mta,
        reporting_mta=evidence.reporting_mta,
        command=evidence.command,
        feedback_type=evidence.feedback_type,
        source=evidence.source,
        span=evidence.span,
        original_recipient=evidence.original_recipient,
    )
