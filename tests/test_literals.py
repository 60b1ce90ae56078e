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
