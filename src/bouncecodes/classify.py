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
   ``reason:expired/action``), then the sending program's own category of the failure, when its log
   format lists the word (PowerMTA's ``bounceCat`` ``quota-issues``:
   ``log:powermta/accounting/category/quota-issues``);
6. the same rules on the reporting MTA's own notice;
7. a broad enhanced code, then its subject (``enhanced:X.7.1``, ``enhanced:X.7.YYY``); in steps 3, 7
   and 8 a code whose reason is no failure (X.1.5 means ``delivered``) is passed over when the reply
   failed (class 4 or 5): ``550 5.1.5`` goes on to its subject;
8. the reply code (``reply:550``);
9. the class of either code (``enhanced:5.XXX.YYY``);
10. nothing known, no code and no words recognised: ``onhold`` (``reason:onhold``); ``undefined`` is
    what a code that names no cause gives (X.0.0, a bare class).

Then these refinements, also registry data (fields of the reason, or of the phrase rule, that was
found):

- ``at_mail``: in a reply to MAIL FROM, a reason from any step but 2 becomes that reason, first the
  rule's own (``software:sendmail/access-denied`` → rejected), then the reason's
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

from . import lazyre as re  # re, its module-level patterns compiled on first use
from .errors import UnknownProviderError
from .model import (
    Evidence,
    Kind,
    LogCategory,
    PhraseRule,
    Provider,
    ProviderRule,
    Registry,
    Result,
    SoftwareMessage,
    record,
    replace,
)
from .parse import is_binary
from .parse.common import find_codes, squash, to_text
from .prefilter import Requirements, fold, requirements, satisfied
from .registry import load_registry

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MAX_TEXT", "Decision", "WordRule", "advice", "classify_evidence", "find_provider", "matching_word_rules",
           "provider_names", "provider_reply", "reads_as_failure", "recognise_provider", "word_rules"]

#: a rule that reads the server's words: a program's own message, or a phrase rule
WordRule = SoftwareMessage | PhraseRule

#: Rules look at no more than this many characters of the server's text and of the notice.
MAX_TEXT = 4096


@record
class Decision:
    reason: str
    rule: str
    detail: str = ""
    action: str = ""  # a provider rule's advice (see ProviderRule.action)
    action_queued: str = ""
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
        return (self.compiled or self.compile()).search(text) is not None

    def compile(self) -> re.Pattern[str]:
        compiled = self.compiled = re.compile(self.source, re.IGNORECASE)
        return compiled


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
        # the first rule that matches, and where it stands in phrase_list
        self.phrase_scan = _Scan([(lit, pat, (i, rule)) for i, (lit, pat, rule) in enumerate(self.phrase_list)])
        self._phrases_of: dict[tuple[str, ...], list[tuple[str, _Pattern, WordRule]]] = {}
        # enhanced code without its class ("1.1") -> the programs' messages written with that code, in
        # either class (a program may defer or refuse with the same words), in the order above
        self.by_status: dict[str, list[tuple[str, _Pattern, WordRule]]] = {}
        for x in self.phrase_list:
            if isinstance(x[2], SoftwareMessage) and x[2].status:
                self.by_status.setdefault(x[2].status[2:], []).append(x)
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
        self.actions: dict[str, str] = {}  # a log line's action -> the first reason that lists it
        #: a log format's source ("log:powermta/accounting") -> its program's category words, lower case
        self.categories: dict[str, dict[str, LogCategory]] = {
            f"log:{f.id}": {c.name.lower(): c for c in f.categories}
            for program in registry.logs for f in program.formats if f.categories}
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
        found = compiled.token_scan.first(text, lowered, folded)
        if found is not None:
            return found  # type: ignore[no-any-return]
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
    import difflib  # (imported on use: only a name that is no provider's needs it)
    from collections import Counter

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
    first: tuple[int, WordRule] | None = compiled.phrase_scan.first(text, lowered, folded)
    if first is None:
        return None
    at, found = first
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
            for p in patterns:
                if p.search(text, lowered):
                    break
            else:
                if patterns:
                    continue  # none of its patterns matches
            return Decision(rule.reason, rule.id, rule.detail, rule.action, rule.action_queued)

    # a code whose reason is no failure (X.1.5 "destination address valid" means delivered in class 2)
    # says nothing about why a class 4 or 5 reply failed: such an entry is passed over
    failing = (status or reply)[:1] in ("4", "5")
    entry = registry.enhanced_entry(status) if status else None
    if entry is not None and failing and entry.reason and not registry.reason(entry.reason).bounce:
        entry = None
    if entry is not None and entry.decisive and entry.reason:
        # the program that wrote these words with this very code says what it means by it
        found = _phrase(compiled, text, status=status) if status[2:] in compiled.by_status else None
        if found is not None:
            return replace(found, by_code=True)
        if entry.yields_to:
            found = _phrase(compiled, text, entry.yields_to)
        if found is not None:
            return found
        return Decision(entry.reason, entry.id, entry.detail)
    found = _phrase(compiled, text)
    if found is not None:
        return found
    by_type = compiled.diagnostic_types.get(evidence.diagnostic_type) if evidence.diagnostic_type else None
    if by_type is not None:
        return Decision(by_type, f"reason:{by_type}/diagnostic-type")
    by_action = compiled.actions.get(evidence.action) if evidence.action else None
    if by_action is not None:
        return Decision(by_action, f"reason:{by_action}/action")
    category = compiled.categories.get(evidence.source, {}).get(evidence.category.lower()) if evidence.category else None
    if category is not None:
        return Decision(category.reason, f"{evidence.source}/category/{category.name}", category.detail)
    found = _phrase(compiled, evidence.notice[:MAX_TEXT])
    if found is not None:
        return found

    if status:
        subject = registry.enhanced_subject(status.split(".")[1])
        for e in (entry, subject):
            if e is not None and e.reason and not (failing and not registry.reason(e.reason).bounce):
                return Decision(e.reason, e.id, e.detail)
    code = registry.reply_code(reply) if reply else None
    if code is not None and code.reason and not (failing and not registry.reason(code.reason).bounce):
        return Decision(code.reason, code.id)
    klass = (status or reply)[:1]
    if klass:
        cls = registry.enhanced_class(klass)
        if cls is not None and cls.reason:
            return Decision(cls.reason, cls.id, cls.detail)
    return Decision("onhold", "reason:onhold")


def _permanent(evidence: Evidence) -> bool:
    """Whether this message will not be retried: the server refused it for good (a 5xx code), or
    the report says the sender gave up on it and returned it (a final notice after 4xx deferrals).
    A 4xx reply seen alone, a delay warning, a deferred log line or a 4xx refusal our own server
    gave (inbound: the sender retries it): it is still being retried."""
    klass = (evidence.status or evidence.reply)[:1]
    if klass == "5":
        return True
    if klass:
        return _final(evidence) and evidence.direction != "inbound"
    return evidence.action not in ("delayed", "held")


def advice(registry: Registry, decision: Decision, permanent: bool) -> tuple[str, str]:
    """The advice for a verdict and the id of the entry it comes from: the most specific entry that
    decided and has advice for the message's state, the provider rule, then the reason's detail,
    then the reason. ``action`` is the advice for a returned message (``permanent``) and for any
    state when there is no ``action_queued``; ``action_queued`` while the message is still retried."""
    reason = registry.reason(decision.reason)
    found = reason.detail(decision.detail) if decision.detail else None
    sources = [(decision.rule, decision.action, decision.action_queued)] if decision.rule.startswith("provider:") \
        else []
    if found is not None:
        sources.append((f"detail:{reason.id}/{found.id}", found.action, found.action_queued))
    sources.append((f"reason:{reason.id}", reason.action, reason.action_queued))
    for source, action, queued in sources:
        text = action if permanent else queued or action
        if text:
            return text, source
    return "", ""  # pragma: no cover - every reason has an action (schema)


def classify_evidence(evidence: Evidence, registry: Registry | None = None, *,
                      provider: Provider | None = None) -> Result:
    """The verdict for one piece of evidence; ``provider``: the one the reader named, for evidence
    that does not say which answered (see :func:`recognise_provider`)."""
    registry = registry or load_registry()
    provider = recognise_provider(evidence, registry, provider) if evidence.kind is Kind.FAILURE else None
    decision = decide(evidence, registry, provider)
    reason = registry.reason(decision.reason)
    permanent = reason.bounce and _permanent(evidence)
    action, advice_from = advice(registry, decision, permanent)
    status, status_source = evidence.status, "bounce" if evidence.status else ""
    if not status and reason.bounce:
        # the class of the pseudo code is the server's, where it gave one (a 421 in a returned bounce
        # stays 4.0.9NN)
        klass = evidence.reply[:1]
        status = reason.pseudo_code(klass == "5" if klass in ("4", "5") else permanent)
        status_source = "pseudo" if status else ""
    return Result(
        recipient=evidence.recipient,
        reason=reason.id,
        permanent=permanent,
        hard=reason.is_hard(permanent),
        action=action,
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
        advice_from=advice_from,
        timestamp=evidence.timestamp,
        queue_id=evidence.queue_id,
        message_id=evidence.message_id,
        sender=evidence.sender,
        line=evidence.line,
        message=evidence.message,
    )
