"""The one decision procedure: evidence → reason, with the registry entry that decided it.

Precedence, highest first (each step is registry data; the first step that gives a reason wins):

1. the input's structure: a feedback report, an automatic reply, a success DSN (``reason:*``);
2. the rules of the recognised provider, in file order (``provider:<id>/<rule>``): the provider of
   the remote MTA's host, else the one the reader named (``--provider``), else the one whose token
   is in the server's text, else the one of the recipient's domain (see :func:`recognise_provider`;
   for an inbound refusal, only the one whose token is in the text: see below);
3. a *decisive* enhanced code (``enhanced:X.1.1``), unless a program's message that the program
   writes with that very code, in either class, matches the server's text
   (``software:postfix/unknown-local-recipient``: the program says what it means by the code), or a
   rule of a reason the code ``yields_to`` does (qmail's ``#5.1.1`` on a full mailbox);
4. the rules that read words, on the server's text. Where rules of two reasons match one text, the
   reasons' ``over`` lists decide which wins (read transitively: mailboxfull over expired over
   networkerror), and a specific rule always beats a *broad* one, so a catch-all wording ("service
   unavailable") never beats a cause named in the same text; the lint rule ``overlaps`` fails on
   an example where two reasons match and nothing decides. Among rules whose reasons nothing
   orders, the first in this order wins: the programs' messages (``codes/software/``, programs in
   id order, ``software:<program>/<message>``), then the phrase rules (files in
   ``codes/reasons.yaml`` order, ``phrase:<reason>/<rule>``), each in file order, then the broad
   ones of both in the same order;
5. the Diagnostic-Code type, when a reason lists it (``x-unix``: ``reason:mailererror/diagnostic-type``),
   then the action of a log line, when a reason lists it (Postfix's ``status=expired``:
   ``reason:expired/action``);
6. the same rules on the reporting MTA's own notice;
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
- ``after_data``: a reason read from words (step 4 or 6, or a reason a decisive code yields to;
  not a program's message that stands in for its own decisive code) in a reply to DATA becomes
  that reason
  (``reason:userunknown/after-data`` → filtered), and so it does under a mailbox-status code (X.2.*,
  the mailbox exists) when the reply answered neither RCPT TO nor MAIL FROM
  (``reason:userunknown/mailbox-status``);
- ``at_connect`` and ``when_delayed``: a reason from any step but 2 in a reply to the connection or to
  HELO/EHLO, or from codes only (no rule that reads words decided, in step 3, 4 or 6) in a delay
  warning (not in an inbound refusal: the sender's retries are not the logging server's), becomes
  that reason (``reason:onhold/at-connect`` → blocked, ``reason:onhold/when-delayed``
  → expired, the same from ``undefined`` and from ``networkerror`` read from a code such as 4.4.1);
- ``given_up``: a transient reason in a final failure notice without a 5xx code becomes that
  reason (``reason:networkerror/given-up`` → expired), keeping the first reason as the detail,
  except for the details the reason lists in ``given_up_except`` (a mail loop fails at once); never
  for an inbound refusal.

An inbound refusal (a log line of the receiving side: ``direction`` inbound) is decided by the same
steps; its words are the logging server's own, so a provider is recognised from them (tokens) only,
never from the client, the recipient's domain or a provider the reader named.

``tests/test_precedence.py`` pins this order.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from .errors import UnknownProviderError
from .model import Evidence, Kind, PhraseRule, Provider, Registry, Result, SoftwareMessage
from .parse import is_binary
from .parse.common import find_codes, squash, to_text
from .prefilter import Requirements, fold, requirements, satisfied
from .registry import load_registry

__all__ = ["MAX_TEXT", "Decision", "WordRule", "classify_evidence", "find_provider", "matching_word_rules",
           "provider_names", "provider_reply", "reads_as_failure", "recognise_provider", "word_rules"]

#: a rule that reads the server's words: a program's own message, or a phrase rule
WordRule = SoftwareMessage | PhraseRule

#: Rules look at no more than this many characters of the server's text and of the notice.
MAX_TEXT = 4096


@dataclass(frozen=True)
class Decision:
    reason: str
    rule: str
    detail: str = ""
    action: str = ""
    at_mail: str = ""  # a phrase rule's reason for a reply to MAIL FROM
    by_code: bool = False  # a program's message that stands in for its own decisive enhanced code


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
        if self.compiled is None:
            self.compiled = re.compile(self.source, re.IGNORECASE)
        return self.compiled.search(text) is not None


def _patterns(sources: tuple[str, ...], literals: tuple[str, ...]) -> list[_Pattern]:
    return [_Pattern(p, literals[i] if i < len(literals) else "") for i, p in enumerate(sources)]


def word_rules(registry: Registry) -> list[WordRule]:
    """The rules that read words, in the order they are tried: the specific ones first (programs'
    messages, programs in id order, then phrase rules, files in reason order), then the broad ones
    in the same order. Each list keeps its file order."""
    messages = [m for s in registry.software for m in s.messages]
    specific: list[WordRule] = [m for m in messages if not m.broad]
    specific += [p for p in registry.phrases if not p.broad]
    broad: list[WordRule] = [m for m in messages if m.broad]
    broad += [p for p in registry.phrases if p.broad]
    return specific + broad


def over_closure(registry: Registry) -> dict[str, frozenset[str]]:
    """For each reason, every reason it wins over (its ``over`` list, and theirs, and so on)."""
    direct = {r.id: r.over for r in registry.reasons}
    closure: dict[str, frozenset[str]] = {}
    for start, first in direct.items():
        seen: set[str] = set()
        todo = list(first)
        while todo:
            x = todo.pop()
            if x not in seen:
                seen.add(x)
                todo.extend(direct.get(x, ()))
        closure[start] = frozenset(seen)
    return closure


class _Compiled:
    """Patterns of one registry, prepared once."""

    def __init__(self, registry: Registry) -> None:
        self.phrases = [(rule, _patterns(rule.match, rule.literals)) for rule in word_rules(registry)]
        # the same, flat, for the loop of _phrase: (literal, pattern, rule)
        self.phrase_list = [(p.literal, p, rule) for rule, patterns in self.phrases for p in patterns]
        self.over = over_closure(registry)
        # reason -> the reasons that win over it
        self.beaten_by: dict[str, frozenset[str]] = {
            r.id: frozenset(x for x, below in self.over.items() if r.id in below) for r in registry.reasons}
        # reason -> the entries of phrase_list, with their index, whose rule's reason wins over it
        self.challengers: dict[str, list[tuple[int, str, _Pattern, WordRule]]] = {}
        for beaten, above in self.beaten_by.items():
            if above:
                self.challengers[beaten] = [(i, lit, pat, rule) for i, (lit, pat, rule) in enumerate(self.phrase_list)
                                            if rule.reason in above]
        self._phrases_of: dict[tuple[str, ...], list[tuple[str, _Pattern, WordRule]]] = {}
        # enhanced code without its class ("1.1") -> the programs' messages written with that code, in
        # either class (a program may defer or refuse with the same words), in the order above
        self.by_status: dict[str, list[tuple[str, _Pattern, WordRule]]] = {}
        for x in self.phrase_list:
            if isinstance(x[2], SoftwareMessage) and x[2].status:
                self.by_status.setdefault(x[2].status[2:], []).append(x)
        self.provider_tokens = [(p, _patterns(p.tokens, ())) for p in registry.providers]
        # (the alternatives of a token's first requirement, token, provider): every diagnostic meets
        # every token, so the first test is made here without a call (see _Pattern.search)
        self.token_list: list[tuple[tuple[str, ...], _Pattern, Provider]] = []
        for p, tokens in self.provider_tokens:
            for t in tokens:
                t.reqs = requirements(t.source)
                self.token_list.append((t.reqs[0] if t.reqs else (), t, p))
        self.provider_rules = {p.id: [(r, _patterns(r.match, r.literals)) for r in p.rules] for p in registry.providers}
        # host suffix -> provider; the first provider in registry order owns a suffix listed twice
        self.hosts: dict[str, Provider] = {}
        for p in registry.providers:
            for h in p.hosts:
                self.hosts.setdefault(h, p)
        # Diagnostic-Code type -> the first reason, in registry order, that lists it
        self.diagnostic_types: dict[str, str] = {}
        self.actions: dict[str, str] = {}  # a log line's action -> the first reason that lists it
        for reason in registry.reasons:
            for kind in reason.diagnostic_types:
                self.diagnostic_types.setdefault(kind, reason.id)
            for action in reason.actions:
                self.actions.setdefault(action, reason.id)

    def phrases_of(self, reasons: tuple[str, ...]) -> list[tuple[str, _Pattern, WordRule]]:
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


def recognise_provider(evidence: Evidence, registry: Registry | None = None,
                       named: Provider | None = None) -> Provider | None:
    """The provider that answered: by the remote MTA's host; else the provider the reader ``named``
    (``--provider``, the checker's "Whose server refused it?": see :func:`find_provider`); else by a
    token in the server's text; else by the recipient's domain (when no remote MTA is known). For an
    inbound refusal (the logging server's own words) by a token only."""
    registry = registry or load_registry()
    compiled = _compiled(registry)
    inbound = evidence.direction == "inbound"  # our own server's words: recognised from them only
    remote = "" if inbound else evidence.remote_mta.lower()
    if remote:
        found = _by_host(compiled.hosts, remote)
        if found is not None:
            return found
    if named is not None and not inbound:
        return named
    text = evidence.diagnostic[:MAX_TEXT]
    if text:
        lowered = text.lower()
        folded = fold(text)
        for first, token, provider in compiled.token_list:
            if first:
                for x in first:
                    if x in folded:
                        break
                else:
                    continue
            if token.search(text, lowered, folded):
                return provider
    domain = "" if inbound else evidence.recipient.rpartition("@")[2].lower()
    if domain and not remote:
        return _by_host(compiled.hosts, domain)
    return None


def provider_names(registry: Registry | None = None) -> list[tuple[str, str]]:
    """What a reader can call each provider, with its name: its id, then the host suffixes it lists
    (the domains of its mail servers, and recipient domains such as gmail.com), in registry order."""
    registry = registry or load_registry()
    names = [(p.id, p.name) for p in registry.providers]
    return names + [(h, p.name) for p in registry.providers for h in p.hosts]


def find_provider(name: str, registry: Registry | None = None) -> Provider | None:
    """The provider a reader means by ``name``: an id (``google``), a name or a word of it
    (``Gmail``), a host of its mail servers (``mx.google.com``) or a recipient domain or address it
    serves (``gmail.com``, ``bob@gmail.com``). None for an empty name; raises
    :class:`~bouncecodes.UnknownProviderError`, naming close matches, when nothing fits."""
    registry = registry or load_registry()
    wanted = name.strip().lower().rstrip(".")
    if not wanted:
        return None
    found = registry.provider(wanted)
    if found is not None:
        return found
    host = wanted.rpartition("@")[2].strip("<>[] ")
    found = _by_host(_compiled(registry).hosts, host) if host else None
    if found is not None:
        return found
    for p in registry.providers:
        if p.name.lower() == wanted:
            return p
    words = {p.id: re.findall(r"[\w.-]{3,}", p.name.lower()) for p in registry.providers}
    by_word = [p for p in registry.providers if wanted in words[p.id]]
    if len(by_word) == 1:
        return by_word[0]
    counts = Counter(w for ws in words.values() for w in set(ws))
    choices = [value for value, _ in provider_names(registry)] + [w for w, n in counts.items() if n == 1]
    close = difflib.get_close_matches(wanted, choices, n=5, cutoff=0.7) or [p.id for p in by_word]
    hint = f" — did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
    raise UnknownProviderError(f"unknown provider {name.strip()!r}: name a provider's id, a host of its mail "
                               f"servers or a recipient domain it serves{hint}")


def provider_reply(data: str | bytes, provider: Provider, registry: Registry | None = None) -> list[Evidence]:
    """For input in which :func:`~bouncecodes.parse.parse` found nothing, when the reader named the
    provider: the text taken for that provider's own reply, if one of its rules recognises the words
    (Gmail's "The recipient server did not accept our requests to connect…", which holds no code);
    else nothing."""
    if is_binary(data):
        return []
    text = to_text(data)
    words = squash(text)
    if not words:
        return []
    reply, status = find_codes(words)
    lead = len(text) - len(text.lstrip())
    evidence = Evidence(reply=reply, status=status, diagnostic=words, source="reply", span=(lead, len(text.rstrip())))
    if _decide(evidence, registry or load_registry(), provider).rule.startswith(f"provider:{provider.id}/"):
        return [evidence]
    return []


def _phrase(compiled: _Compiled, text: str, reasons: tuple[str, ...] = (), status: str = "") -> Decision | None:
    """The rule that reads words (see :func:`word_rules`) that decides ``text``: of the rules that
    match, one whose reason no other matching rule's reason wins over (``over``, read transitively;
    a specific rule always beats a broad one), the first in order among such. Only among the rules
    of ``reasons`` when given, or among the programs' messages written with the enhanced code
    ``status`` (in either class) when that is given."""
    if not text:
        return None
    lowered = text.lower()
    folded = fold(text)
    if status or reasons:
        winner: WordRule | None = None
        for literal, p, rule in compiled.by_status.get(status[2:], []) if status else compiled.phrases_of(reasons):
            if winner is not None and (rule.reason not in compiled.beaten_by[winner.reason] or
                                       (rule.broad and not winner.broad)):
                continue
            if (not literal or literal in lowered) and p.search(text, lowered, folded):
                winner = rule
        return Decision(winner.reason, winner.id, winner.detail, at_mail=winner.at_mail) if winner else None
    at, found = -1, None
    for i, (literal, p, rule) in enumerate(compiled.phrase_list):
        if literal and literal not in lowered:
            continue  # the test p.search would make first, without the call
        if p.search(text, lowered, folded):
            at, found = i, rule
            break
    if found is None:
        return None
    # a later rule of a reason that wins over the one found takes its place (a specific one only
    # from a specific one); the relation is acyclic and transitive, so one pass per winner suffices
    changed = True
    while changed:
        changed = False
        for i, literal, p, rule in compiled.challengers.get(found.reason, ()):
            if i <= at or rule.broad != found.broad or (literal and literal not in lowered):
                continue
            if p.search(text, lowered, folded):
                at, found, changed = i, rule, True
                break
    return Decision(found.reason, found.id, found.detail, at_mail=found.at_mail)


def reads_as_failure(text: str, registry: Registry | None = None) -> bool:
    """Whether some rule that reads words (a program's message, a phrase rule) matches ``text``: the
    registry knows these words as a failure, in any of the languages it has patterns for."""
    return _phrase(_compiled(registry or load_registry()), text[:MAX_TEXT]) is not None


def matching_word_rules(text: str, registry: Registry | None = None) -> list[WordRule]:
    """Every rule that reads words and matches ``text`` (squashed), in the order they are tried; for
    the lint rule that finds overlaps."""
    compiled = _compiled(registry or load_registry())
    lowered, folded = text.lower(), fold(text)
    found: dict[str, WordRule] = {}
    for literal, p, rule in compiled.phrase_list:
        if rule.id in found or (literal and literal not in lowered):
            continue
        if p.search(text, lowered, folded):
            found[rule.id] = rule
    return list(found.values())


def decide(evidence: Evidence, registry: Registry, provider: Provider | None) -> Decision:
    """Steps 1–10 of the module docstring, then its refinements."""
    decision = _decide(evidence, registry, provider)
    reason = registry.reason(decision.reason)
    command = evidence.command
    general = not decision.rule.startswith("provider:")  # a provider's own rule is not second-guessed
    from_words = decision.rule.startswith(("phrase:", "software:"))
    if command == "MAIL" and general:
        if decision.at_mail:
            return Decision(decision.at_mail, decision.rule, decision.detail or reason.id)
        if reason.at_mail:
            return Decision(reason.at_mail, f"reason:{reason.id}/at-mail", decision.detail or reason.id)
    if reason.after_data and from_words and not decision.by_code:
        if command == "DATA":
            return Decision(reason.after_data, f"reason:{reason.id}/after-data", decision.detail or reason.id)
        mailbox_status = evidence.status.split(".")[1:2] == ["2"]  # X.2.*: the mailbox exists
        if mailbox_status and command not in ("RCPT", "MAIL"):
            return Decision(reason.after_data, f"reason:{reason.id}/mailbox-status", decision.detail or reason.id)
    inbound = evidence.direction == "inbound"
    if general:
        if reason.at_connect and command in ("CONN", "HELO", "EHLO"):
            return Decision(reason.at_connect, f"reason:{reason.id}/at-connect", decision.detail)
        if reason.when_delayed and evidence.action == "delayed" and not from_words and not inbound:
            # words that name a cause keep it; a bare code in a delay warning only says "still trying"
            return Decision(reason.when_delayed, f"reason:{reason.id}/when-delayed", decision.detail)
    if reason.given_up and decision.detail not in reason.given_up_except and _final(evidence) and not inbound \
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
            if patterns and not any(p.search(text, lowered) for p in patterns):
                continue
            return Decision(rule.reason, rule.id, rule.detail, rule.action)

    entry = registry.enhanced_entry(status) if status else None
    if entry is not None and entry.decisive and entry.reason:
        # the program that wrote these words with this very code says what it means by it
        found = _phrase(compiled, text, status=status) if status[2:] in compiled.by_status else None
        if found is not None:
            return replace(found, by_code=True)
        if entry.yields_to:
            found = _phrase(compiled, text, entry.yields_to)
        if found is not None:
            return found
        return Decision(entry.reason, entry.id, entry.detail, entry.action)
    found = _phrase(compiled, text)
    if found is not None:
        return found
    by_type = compiled.diagnostic_types.get(evidence.diagnostic_type) if evidence.diagnostic_type else None
    if by_type is not None:
        return Decision(by_type, f"reason:{by_type}/diagnostic-type")
    by_action = compiled.actions.get(evidence.action) if evidence.action else None
    if by_action is not None:
        return Decision(by_action, f"reason:{by_action}/action")
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
    return evidence.action not in ("delayed", "held")


def classify_evidence(evidence: Evidence, registry: Registry | None = None, *,
                      provider: Provider | None = None) -> Result:
    """The verdict for one piece of evidence; ``provider``: the one the reader named, for evidence
    that does not say which answered (see :func:`recognise_provider`)."""
    registry = registry or load_registry()
    provider = recognise_provider(evidence, registry, provider) if evidence.kind is Kind.FAILURE else None
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
        direction=evidence.direction,
        timestamp=evidence.timestamp,
        queue_id=evidence.queue_id,
        message_id=evidence.message_id,
        sender=evidence.sender,
        line=evidence.line,
        message=evidence.message,
    )
