"""Cross references between registry entries, computed once per build, in linear time.

The site links every entry both ways: a reply code to the enhanced codes seen with it and back,
both to their reason, and each of them to the provider rules and example replies that carry it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import (
    EnhancedCode,
    EnhancedKind,
    PhraseRule,
    Provider,
    ProviderRule,
    Reason,
    Registry,
    ReplyCode,
    Software,
    SoftwareMessage,
)
from .paths import iana_form, provider_page, reason_page, rule_anchor, software_page

__all__ = ["CrossRef", "Example", "MessageRef", "RuleRef", "example_codes"]

_LEADING_REPLY = re.compile(r"^\s*([2-5][0-9][0-9])(?=[\s-]|$)")
_ENHANCED = re.compile(r"(?<![0-9.])([245]\.[0-9]{1,3}\.[0-9]{1,3})(?![0-9]|\.[0-9])")
_CLASS_NAMES = {"2": "success", "4": "transient failure", "5": "permanent failure"}


def example_codes(text: str) -> tuple[str, str]:
    """The reply code an example reply starts with and the first enhanced code in it ("" when absent)."""
    reply = _LEADING_REPLY.match(text)
    enhanced = _ENHANCED.search(text)
    return (reply.group(1) if reply else "", enhanced.group(1) if enhanced else "")


@dataclass(frozen=True)
class Example:
    """A real-form reply from the registry, with the rule it illustrates."""

    text: str
    rule_id: str
    label: str  # who the example comes from: a provider's name, or "Text pattern"
    name: str  # the rule id without its kind: "google/5.7.26-dmarc-reject", "authfailure/dmarc"
    page: str  # the Markdown source of the page that documents the rule
    anchor: str


@dataclass(frozen=True)
class RuleRef:
    """A provider rule with the codes it is seen with (from its fields, else from its examples)."""

    provider: Provider
    rule: ProviderRule
    statuses: tuple[str, ...]  # concrete enhanced codes, e.g. ("5.7.26",)
    replies: tuple[str, ...]  # reply codes, e.g. ("550",)

    @property
    def page(self) -> str:
        return provider_page(self.provider.id)

    @property
    def anchor(self) -> str:
        return rule_anchor(self.rule.id)


@dataclass(frozen=True)
class MessageRef:
    """A mail program's message, where its page documents it."""

    program: Software
    message: SoftwareMessage

    @property
    def page(self) -> str:
        return software_page(self.program.id)

    @property
    def anchor(self) -> str:
        return rule_anchor(self.message.id)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


class CrossRef:
    """Lookup tables over one registry; every method answers from precomputed dicts."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.reasons: dict[str, Reason] = {r.id: r for r in registry.reasons}
        self.reply: dict[str, ReplyCode] = {r.code: r for r in registry.reply}
        self.enhanced: dict[str, EnhancedCode] = {e.code: e for e in registry.enhanced}

        self._reply_enhanced: dict[str, list[str]] = defaultdict(list)  # reply → X codes
        self._enhanced_reply: dict[str, list[str]] = defaultdict(list)  # X code → reply codes / patterns
        self._enhanced_classes: dict[str, set[str]] = defaultdict(set)
        self._subject_codes: dict[str, list[EnhancedCode]] = defaultdict(list)
        self._reason_reply: dict[str, list[ReplyCode]] = defaultdict(list)
        self._reason_enhanced: dict[str, list[EnhancedCode]] = defaultdict(list)
        self._reason_phrases: dict[str, list[PhraseRule]] = defaultdict(list)
        self._reason_rules: dict[str, list[RuleRef]] = defaultdict(list)
        self._reply_rules: dict[str, list[RuleRef]] = defaultdict(list)
        self._enhanced_rules: dict[str, list[RuleRef]] = defaultdict(list)
        self._reply_examples: dict[str, list[Example]] = defaultdict(list)
        self._enhanced_examples: dict[str, list[Example]] = defaultdict(list)
        self.rules: list[RuleRef] = []
        self._reason_messages: dict[str, list[MessageRef]] = defaultdict(list)
        self._by_program: dict[str, list[MessageRef]] = defaultdict(list)

        for e in registry.enhanced:
            if e.reason:
                self._reason_enhanced[e.reason].append(e)
            if e.kind is EnhancedKind.CODE:
                self._subject_codes[e.code.split(".")[1]].append(e)
                for b in e.basic:
                    self._enhanced_reply[e.code].append(b)
                    if b[0] in "245":
                        self._enhanced_classes[e.code].add(b[0])
        for r in registry.reply:
            if r.reason:
                self._reason_reply[r.reason].append(r)
            for concrete in r.enhanced:
                x = iana_form(concrete)
                self._reply_enhanced[r.code].append(x)
                self._enhanced_reply[x].append(r.code)
                self._enhanced_classes[x].add(concrete[0])
        for e in registry.enhanced:  # the reverse direction: entries that name a reply code as basic
            for b in e.basic:
                if b in self.reply:
                    self._reply_enhanced[b].append(e.code)
        for p in registry.phrases:
            self._reason_phrases[p.reason].append(p)
            for text in p.examples:
                ex = Example(text, p.id, "Text pattern", _short(p.id), reason_page(p.reason), _phrase_anchor(p.id))
                self._file_example(ex)
        for prov in registry.providers:
            for rule in prov.rules:
                codes = [example_codes(t) for t in rule.examples]
                ref = RuleRef(
                    provider=prov,
                    rule=rule,
                    statuses=_unique([rule.status, *(s for _, s in codes)]),
                    replies=_unique([rule.reply, *(r for r, _ in codes)]),
                )
                self.rules.append(ref)
                self._reason_rules[rule.reason].append(ref)
                for reply in ref.replies:
                    self._reply_rules[reply].append(ref)
                for x in _unique(iana_form(s) for s in ref.statuses):
                    self._enhanced_rules[x].append(ref)
                for status in ref.statuses:
                    self._enhanced_classes[iana_form(status)].add(status[0])
                for text in rule.examples:
                    self._file_example(Example(text, rule.id, prov.name, _short(rule.id), ref.page, ref.anchor))
        for program in registry.software:
            for message in program.messages:
                mref = MessageRef(program, message)
                self._reason_messages[message.reason].append(mref)
                self._by_program[program.id].append(mref)
                for text in message.examples:
                    self._file_example(Example(text, message.id, program.name, _short(message.id), mref.page,
                                               mref.anchor))

    def _file_example(self, ex: Example) -> None:
        reply, status = example_codes(ex.text)
        if reply:
            self._reply_examples[reply].append(ex)
        if status:
            self._enhanced_examples[iana_form(status)].append(ex)

    # -- reply codes ---------------------------------------------------------------------------
    def reply_enhanced(self, code: str) -> list[EnhancedCode]:
        """Enhanced entries seen with a reply code: the reply code's own list, then the reverse links."""
        return [self.enhanced[x] for x in _unique(self._reply_enhanced.get(code, ())) if x in self.enhanced]

    def reply_rules(self, code: str) -> list[RuleRef]:
        return self._reply_rules.get(code, [])

    def reply_examples(self, code: str) -> list[Example]:
        return _unique_examples(self._reply_examples.get(code, ()))

    # -- enhanced codes ------------------------------------------------------------------------
    def enhanced_reply(self, code: str) -> list[str]:
        """Reply codes (and patterns such as ``5XX``) an enhanced entry is used with."""
        return list(_unique(self._enhanced_reply.get(code, ())))

    def enhanced_classes(self, code: str) -> list[str]:
        """The class digits a code is seen with, most severe first.

        5 and 4 for every failure code, 2 as well when the registry shows it used with success; a
        code whose reason is no failure (X.1.5 means delivered) gets only the classes it is seen with.
        """
        seen = self._enhanced_classes.get(code, set())
        entry = self.enhanced.get(code)
        reason = self.reasons.get(entry.reason) if entry else None
        digits = set(seen) if seen and reason is not None and not reason.bounce else {"4", "5"} | seen
        return [d for d in "542" if d in digits]

    def concrete_forms(self, code: str) -> list[str]:
        """``X.1.1`` → ``["5.1.1", "4.1.1"]``."""
        rest = code.removeprefix("X.")
        return [f"{d}.{rest}" for d in self.enhanced_classes(code)]

    def subject_codes(self, subject: str) -> list[EnhancedCode]:
        return self._subject_codes.get(subject, [])

    def subject_of(self, entry: EnhancedCode) -> EnhancedCode | None:
        if entry.kind is not EnhancedKind.CODE:
            return None
        return self.enhanced.get(f"X.{entry.code.split('.')[1]}.YYY")

    def enhanced_rules(self, code: str) -> list[RuleRef]:
        return self._enhanced_rules.get(code, [])

    def enhanced_examples(self, code: str) -> list[Example]:
        return _unique_examples(self._enhanced_examples.get(code, ()))

    # -- reasons -------------------------------------------------------------------------------
    def reason_reply(self, reason_id: str) -> list[ReplyCode]:
        return self._reason_reply.get(reason_id, [])

    def reason_enhanced(self, reason_id: str) -> list[EnhancedCode]:
        return self._reason_enhanced.get(reason_id, [])

    def reason_phrases(self, reason_id: str) -> list[PhraseRule]:
        return self._reason_phrases.get(reason_id, [])

    def reason_rules(self, reason_id: str) -> list[RuleRef]:
        return self._reason_rules.get(reason_id, [])

    def programs_messages(self, software_id: str) -> list[MessageRef]:
        """A program's messages, in its file's order."""
        return self._by_program.get(software_id, [])

    def reason_messages(self, reason_id: str) -> list[MessageRef]:
        """The mail programs' messages that mean this reason, programs in id order."""
        return self._reason_messages.get(reason_id, [])

    @staticmethod
    def class_name(digit: str) -> str:
        return _CLASS_NAMES.get(digit, "")


def _short(rule_id: str) -> str:
    """``provider:google/x`` → ``google/x``."""
    return rule_id.split(":", 1)[-1]


def _phrase_anchor(rule_id: str) -> str:
    """The anchor of a phrase rule on its reason's page."""
    return "pattern-" + rule_anchor(rule_id)


def _unique_examples(items: Iterable[Example]) -> list[Example]:
    """Each example once per rule: the same words from two sources (a provider and a program, or two
    programs that copy each other's sentence) stay listed under both, so each page links back."""
    seen: dict[tuple[str, str], Example] = {}
    for ex in items:
        seen.setdefault((ex.text, ex.rule_id), ex)
    return list(seen.values())
