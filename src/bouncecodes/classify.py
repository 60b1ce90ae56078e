"""The one decision procedure: evidence → reason, with the registry entry that decided it.

Precedence, highest first (each step is registry data; the first step that gives a reason wins):

1. the input's structure: a feedback report, an automatic reply, a success DSN (``reason:*``);
2. the rules of the recognised provider, in file order (``provider:<id>/<rule>``);
3. a *decisive* enhanced code (``enhanced:X.1.1``);
4. phrase rules on the server's text, files in ``codes/reasons.yaml`` order, rules in file order
   (``phrase:<reason>/<rule>``);
5. the same phrase rules on the reporting MTA's own notice;
6. a broad enhanced code, then its subject (``enhanced:X.7.1``, ``enhanced:X.7.YYY``);
7. the reply code (``reply:550``);
8. the class of either code (``enhanced:5.XXX.YYY``);
9. nothing known: ``undefined`` (``reason:undefined``).

``tests/test_precedence.py`` pins this order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .model import Evidence, Kind, Provider, Registry, Result
from .registry import load_registry

__all__ = ["MAX_TEXT", "Decision", "classify_evidence", "recognise_provider"]

#: Rules look at no more than this many characters of the server's text and of the notice.
MAX_TEXT = 4096


@dataclass(frozen=True)
class Decision:
    reason: str
    rule: str
    detail: str = ""
    action: str = ""


class _Pattern:
    """A registry pattern compiled on first use, skipped cheaply when its required text is absent."""

    __slots__ = ("compiled", "literal", "source")

    def __init__(self, source: str, literal: str) -> None:
        self.source, self.literal = source, literal
        self.compiled: re.Pattern[str] | None = None

    def search(self, text: str, lowered: str) -> bool:
        if self.literal and self.literal not in lowered:
            return False
        if self.compiled is None:
            self.compiled = re.compile(self.source, re.IGNORECASE)
        return self.compiled.search(text) is not None


def _patterns(sources: tuple[str, ...], literals: tuple[str, ...]) -> list[_Pattern]:
    return [_Pattern(p, literals[i] if i < len(literals) else "") for i, p in enumerate(sources)]


class _Compiled:
    """Patterns of one registry, prepared once."""

    def __init__(self, registry: Registry) -> None:
        self.phrases = [(rule, _patterns(rule.match, rule.literals)) for rule in registry.phrases]
        self.provider_tokens = [(p, _patterns(p.tokens, ())) for p in registry.providers]
        self.provider_rules = {p.id: [(r, _patterns(r.match, r.literals)) for r in p.rules] for p in registry.providers}
        self.hosts = sorted(((h, p) for p in registry.providers for h in p.hosts), key=lambda x: -len(x[0]))


def _compiled(registry: Registry) -> _Compiled:
    cache: dict[str, Any] = registry._index
    found = cache.get("compiled")
    if found is None:
        found = cache["compiled"] = _Compiled(registry)
    return found  # type: ignore[no-any-return]


def _host_match(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def recognise_provider(evidence: Evidence, registry: Registry | None = None) -> Provider | None:
    """The provider that answered: by remote MTA host, then by a token in its text, then by the
    recipient's domain."""
    registry = registry or load_registry()
    compiled = _compiled(registry)
    remote = evidence.remote_mta.lower()
    if remote:
        for suffix, provider in compiled.hosts:
            if _host_match(remote, suffix):
                return provider
    text = evidence.diagnostic[:MAX_TEXT]
    if text:
        lowered = text.lower()
        for provider, tokens in compiled.provider_tokens:
            if any(t.search(text, lowered) for t in tokens):
                return provider
    domain = evidence.recipient.rpartition("@")[2].lower()
    if domain and not remote:
        for suffix, provider in compiled.hosts:
            if _host_match(domain, suffix):
                return provider
    return None


def _phrase(compiled: _Compiled, text: str) -> Decision | None:
    if not text:
        return None
    lowered = text.lower()
    for rule, patterns in compiled.phrases:
        for p in patterns:
            if p.search(text, lowered):
                return Decision(rule.reason, rule.id, rule.detail)
    return None


def decide(evidence: Evidence, registry: Registry, provider: Provider | None) -> Decision:
    """Steps 1–9 of the module docstring."""
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
            if patterns and not any(p.search(text, lowered) for p in patterns):
                continue
            return Decision(rule.reason, rule.id, rule.detail, rule.action)

    entry = registry.enhanced_entry(status) if status else None
    if entry is not None and entry.decisive and entry.reason:
        return Decision(entry.reason, entry.id, entry.detail, entry.action)

    found = _phrase(compiled, text) or _phrase(compiled, evidence.notice[:MAX_TEXT])
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
    return Decision("undefined", "reason:undefined")


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
    )
