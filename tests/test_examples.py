"""Every example in the registry classifies as its entry declares (the lint rule `examples` runs the same check)."""

from __future__ import annotations

import pytest

from bouncecodes.build.examples import phrase_example_rule, provider_example_rule, software_example_ok
from bouncecodes.registry import load_registry

REGISTRY = load_registry()
PHRASES = [(p.id, ex) for p in REGISTRY.phrases for ex in p.examples]
PROVIDERS = [(r.id, ex) for p in REGISTRY.providers for r in p.rules for ex in r.examples]
SOFTWARE = [(m.id, ex) for s in REGISTRY.software for m in s.messages for ex in m.examples]


@pytest.mark.parametrize("rule_id,example", PHRASES)
def test_phrase_example(rule_id: str, example: str) -> None:
    assert phrase_example_rule(REGISTRY, example) == rule_id


@pytest.mark.parametrize("rule_id,example", PROVIDERS)
def test_provider_example(rule_id: str, example: str) -> None:
    provider = rule_id.split(":", 1)[1].split("/", 1)[0]
    assert provider_example_rule(REGISTRY, provider, example) == rule_id


@pytest.mark.parametrize("rule_id,example", SOFTWARE)
def test_software_example(rule_id: str, example: str) -> None:
    # decided by its own message, or by one that means the same: another program's identical words,
    # or the rule of a block list the words name (see software_example_ok)
    message = next(m for s in REGISTRY.software for m in s.messages if m.id == rule_id)
    assert software_example_ok(REGISTRY, message, example) == ""


def test_there_are_examples() -> None:
    assert len(PHRASES) >= 50
    assert len(PROVIDERS) >= 30
    assert len(SOFTWARE) >= 3
