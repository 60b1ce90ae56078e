"""The build's required literal of a pattern is in the lower-cased text of every match: the runtime
skips a pattern whose literal is absent, so a wrong literal would lose matches."""

from __future__ import annotations

import re

import pytest

from bouncecodes.build.lint import required_literal
from bouncecodes.registry import load_registry


@pytest.mark.parametrize(("pattern", "literal"), [
    ("mailbox (is )?full", "mailbox "),
    ("ящик (пере)?полн", "ящик "),  # Cyrillic: one lower case form per letter
    ("メールボックスが(いっぱい|満杯)", "メールボックスが"),  # kana has no case
    ("nachricht (ist )?zu gro(ß|ss)", "nachricht "),
    ("straße voll", "e voll"),  # ß has two upper-case forms ("SS", "ẞ"): never part of a literal
    ("a|b", ""),
])
def test_required_literal(pattern: str, literal: str) -> None:
    assert required_literal(pattern) == literal


def test_every_example_match_holds_its_patterns_literal() -> None:
    registry = load_registry()
    checked = 0
    for rule in registry.phrases:
        for source in rule.match:
            literal = required_literal(source)
            compiled = re.compile(source, re.IGNORECASE)
            for example in rule.examples:
                if compiled.search(example):
                    assert literal in example.lower(), (rule.id, source, example)
                    checked += 1
    assert checked > 400


def test_every_provider_token_match_holds_its_literal() -> None:
    """The classifier passes over a provider's token whose literal is absent (Provider.token_literals)."""
    registry = load_registry()
    examples = [ex for p in registry.providers for r in p.rules for ex in r.examples] + \
        [ex for rule in registry.phrases for ex in rule.examples]
    checked = 0
    for provider in registry.providers:
        assert len(provider.token_literals) == len(provider.tokens)
        for source, literal in zip(provider.tokens, provider.token_literals, strict=True):
            assert literal == required_literal(source)
            compiled = re.compile(source, re.IGNORECASE)
            for example in examples:
                if compiled.search(example):
                    assert literal in example.lower(), (provider.id, source, example)
                    checked += 1
    assert checked > 100
