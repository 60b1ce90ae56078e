"""Every example in the registry classifies as its entry declares (the lint rules `examples` and
`log-examples` run the same checks).

A provider example is decided by its own rule in lint, in `bouncecodes classify --provider <id>` and
in the library alike (the checker's field: tests/test_pyodide.py): all of them name the provider
for the same recognition step, `recognise_provider`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bouncecodes
from bouncecodes.build.examples import (
    log_example_problem,
    phrase_example_rule,
    provider_example_rule,
    software_example_ok,
)
from bouncecodes.classify import find_provider, provider_names, provider_reply, recognise_provider
from bouncecodes.cli import main
from bouncecodes.model import Evidence
from bouncecodes.registry import load_registry

REGISTRY = load_registry()
PHRASES = [(p.id, ex) for p in REGISTRY.phrases for ex in p.examples]
PROVIDERS = [(r.id, ex) for p in REGISTRY.providers for r in p.rules for ex in r.examples]
SOFTWARE = [(m.id, ex) for s in REGISTRY.software for m in s.messages for ex in m.examples]
LOG_FORMATS = {f.id: f for p in REGISTRY.logs for f in p.formats}
LOGS = [(f.id, i) for f in LOG_FORMATS.values() for i in range(len(f.examples))]


def _provider(rule_id: str) -> str:
    return rule_id.split(":", 1)[1].split("/", 1)[0]


@pytest.mark.parametrize("rule_id,example", PHRASES)
def test_phrase_example(rule_id: str, example: str) -> None:
    assert phrase_example_rule(REGISTRY, example) == rule_id


@pytest.mark.parametrize("rule_id,example", PROVIDERS)
def test_provider_example(rule_id: str, example: str) -> None:
    assert provider_example_rule(REGISTRY, _provider(rule_id), example) == rule_id


def test_provider_examples_decide_the_same_in_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bouncecodes classify --provider <id>` on each example, one run per provider, as a contributor
    would try it."""
    by_provider: dict[str, list[tuple[str, Path]]] = {}
    for n, (rule_id, example) in enumerate(PROVIDERS):
        path = tmp_path / f"{n}.txt"
        path.write_text(example, encoding="utf-8")
        by_provider.setdefault(_provider(rule_id), []).append((rule_id, path))
    for provider, items in by_provider.items():
        code = main(["classify", "--provider", provider, "--format", "jsonl", "--jobs", "1", "-q",
                     *(str(p) for _, p in items)])
        out = capsys.readouterr().out
        assert code == 0
        got: dict[str, set[str]] = {}
        for line in out.splitlines():
            record = json.loads(line)
            got.setdefault(record["file"], set()).add(record["rule"])
        assert {p.name: {rule_id} for rule_id, p in items} == {Path(f).name: rules for f, rules in got.items()}


def test_a_provider_is_named_by_id_host_domain_address_or_name() -> None:
    google = REGISTRY.provider("google")
    for name in ("google", " Google ", "gmail.com", "mx.google.com", "bob@gmail.com", "<bob@googlemail.com>",
                 "Gmail", "Google (Gmail, Google Workspace)"):
        assert find_provider(name, REGISTRY) is google, name
    assert find_provider("", REGISTRY) is None
    with pytest.raises(bouncecodes.UnknownProviderError, match=r"did you mean gmail\?"):
        find_provider("gmial", REGISTRY)
    with pytest.raises(bouncecodes.UnknownProviderError, match=r"did you mean outlook, outlook.com"):
        find_provider("outlok", REGISTRY)
    # every name the checker suggests is taken, and means the provider it is shown with
    for value, label in provider_names(REGISTRY):
        found = find_provider(value, REGISTRY)
        assert found is not None and found.name == label, value


def test_a_named_provider_stands_below_the_remote_host_and_above_tokens_and_domain() -> None:
    google, yahoo = REGISTRY.provider("google"), REGISTRY.provider("yahoo")
    assert google is not None and yahoo is not None
    tokens = Evidence(reply="550", diagnostic="550 5.7.1 blocked - gsmtp", recipient="bob@yahoo.com")
    assert recognise_provider(tokens, REGISTRY) is google
    assert recognise_provider(tokens, REGISTRY, yahoo) is yahoo  # the reader's word over a token in the text
    by_host = Evidence(reply="550", diagnostic="550 blocked", remote_mta="mta5.am0.yahoodns.net")
    assert recognise_provider(by_host, REGISTRY, google) is yahoo  # the input says which server answered
    unknown_host = Evidence(reply="550", diagnostic="550 blocked", remote_mta="mx.example.net")
    assert recognise_provider(unknown_host, REGISTRY, google) is google
    domain = Evidence(reply="550", diagnostic="550 blocked", recipient="bob@gmail.com")
    assert recognise_provider(domain, REGISTRY, yahoo) is yahoo


def test_text_without_a_code_is_decided_by_the_named_providers_rule() -> None:
    google = REGISTRY.provider("google")
    assert google is not None
    text = ("The recipient server did not accept our requests to connect. Learn more at "
            "https://support.google.com/mail/answer/7720 [mx.example.jp. 192.0.2.25: timed out]\n")
    # words of a failure without a code get a verdict (#14); Google's link in the text names it
    [generic] = bouncecodes.classify(text)
    assert (generic.rule, generic.provider) == ("provider:google/dsn-connect-failed", "google")
    [result] = bouncecodes.classify(text, provider="gmail.com")
    assert (result.rule, result.provider, result.span) == ("provider:google/dsn-connect-failed", "google",
                                                           (0, len(text) - 1))
    assert provider_reply("Thanks for your order, it ships tomorrow.", google, REGISTRY) == []
    assert bouncecodes.classify("Thanks for your order, it ships tomorrow.", provider="google") == []


def test_cli_refuses_an_unknown_provider_with_close_names(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    reply = tmp_path / "reply.txt"
    reply.write_text("550 5.7.1 blocked")
    assert main(["classify", "--provider", "gmial", str(reply)]) == 2
    err = capsys.readouterr().err
    assert "unknown provider 'gmial'" in err and "did you mean gmail?" in err
    # a provider file added to a checkout but not compiled yet: say so
    (tmp_path / "codes" / "providers").mkdir(parents=True)
    (tmp_path / "codes" / "providers" / "acme.yaml").write_text("id: acme\n")
    monkeypatch.chdir(tmp_path)
    assert main(["classify", "--provider", "acme", str(reply)]) == 2
    assert "is not compiled yet: run `bouncecodes build`" in capsys.readouterr().err


@pytest.mark.parametrize("rule_id,example", SOFTWARE)
def test_software_example(rule_id: str, example: str) -> None:
    # decided by its own message, or by one that means the same: another program's identical words,
    # or the rule of a block list the words name (see software_example_ok)
    message = next(m for s in REGISTRY.software for m in s.messages if m.id == rule_id)
    assert software_example_ok(REGISTRY, message, example) == ""


@pytest.mark.parametrize("format_id,index", LOGS)
def test_log_example(format_id: str, index: int) -> None:
    fmt = LOG_FORMATS[format_id]
    assert log_example_problem(REGISTRY, fmt, fmt.examples[index]) == ""


def test_there_are_examples() -> None:
    assert len(PHRASES) >= 50
    assert len(PROVIDERS) >= 30
    assert len(SOFTWARE) >= 3
    assert len(LOGS) >= 60
