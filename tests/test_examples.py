"""Every example in the registry classifies as its entry declares (the lint rules `examples` and
`log-examples` run the same checks)."""

from __future__ import annotations

import pytest

from bouncecodes.build.examples import log_example_problem, phrase_example_rule, provider_example_rule
from bouncecodes.registry import load_registry

REGISTRY = load_registry()
PHRASES = [(p.id, ex) for p in REGISTRY.phrases for ex in p.examples]
PROVIDERS = [(r.id, ex) for p in REGISTRY.providers for r in p.rules for ex in r.examples]
LOG_FORMATS = {f.id: f for p in REGISTRY.logs for f in p.formats}
LOGS = [(f.id, i) for f in LOG_FORMATS.values() for i in range(len(f.examples))]


@pytest.mark.parametrize("rule_id,example", PHRASES)
def test_phrase_example(rule_id: str, example: str) -> None:
    assert phrase_example_rule(REGISTRY, example) == rule_id


@pytest.mark.parametrize("rule_id,example", PROVIDERS)
def test_provider_example(rule_id: str, example: str) -> None:
    provider = rule_id.split(":", 1)[1].split("/", 1)[0]
    assert provider_example_rule(REGISTRY, provider, example) == rule_id


@pytest.mark.parametrize("format_id,index", LOGS)
def test_log_example(format_id: str, index: int) -> None:
    fmt = LOG_FORMATS[format_id]
    assert log_example_problem(REGISTRY, fmt, fmt.examples[index]) == ""


def test_there_are_examples() -> None:
    assert len(PHRASES) >= 50
    assert len(PROVIDERS) >= 30
    assert len(LOGS) >= 60
