"""The public API is pinned: changing it is a deliberate act that updates this test."""

from __future__ import annotations

import bouncecodes

PUBLIC = [
    "MAX_INPUT", "BounceCodesError", "EnhancedCode", "Evidence", "InputError", "InputTooLargeError", "Kind",
    "PhraseRule", "Provider", "ProviderRule", "Reason", "Reference", "Registry", "RegistryNotBuiltError",
    "ReplyCode", "Result", "UnknownCodeError", "UnknownProviderError", "__version__", "classify", "classify_evidence",
    "load_registry", "lookup", "parse", "recognise_provider",
]


def test_all_is_pinned() -> None:
    assert sorted(bouncecodes.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert hasattr(bouncecodes, name), name


def test_signatures_are_pinned() -> None:
    import inspect

    def params(fn: object) -> list[str]:
        return [f"{p.kind.name}:{p.name}" for p in inspect.signature(fn).parameters.values()]  # type: ignore[arg-type]

    assert params(bouncecodes.classify) == ["POSITIONAL_OR_KEYWORD:data", "KEYWORD_ONLY:limit", "KEYWORD_ONLY:provider",
                                            "KEYWORD_ONLY:registry"]
    assert params(bouncecodes.classify_evidence) == ["POSITIONAL_OR_KEYWORD:evidence", "POSITIONAL_OR_KEYWORD:registry",
                                                     "KEYWORD_ONLY:provider"]
    assert params(bouncecodes.recognise_provider) == ["POSITIONAL_OR_KEYWORD:evidence", "POSITIONAL_OR_KEYWORD:registry",
                                                      "POSITIONAL_OR_KEYWORD:named"]


def test_classify_with_a_named_provider() -> None:
    reply = "550 5.7.1 Your message to examplegroup@googlegroups.com was rejected due to spam classification"
    assert bouncecodes.classify(reply, provider="google-groups")[0].provider == "google-groups"
    try:
        bouncecodes.classify(reply, provider="gmial")
    except bouncecodes.UnknownProviderError as exc:
        assert "did you mean gmail?" in str(exc)
    else:
        raise AssertionError("an unknown provider name was accepted")


def test_exception_hierarchy() -> None:
    for exc in (bouncecodes.InputError, bouncecodes.InputTooLargeError, bouncecodes.RegistryNotBuiltError,
                bouncecodes.UnknownCodeError, bouncecodes.UnknownProviderError):
        assert issubclass(exc, bouncecodes.BounceCodesError)
    assert issubclass(bouncecodes.InputTooLargeError, bouncecodes.InputError)
    assert issubclass(bouncecodes.InputError, ValueError)
    assert issubclass(bouncecodes.UnknownCodeError, LookupError)
    assert issubclass(bouncecodes.UnknownProviderError, LookupError)


def test_result_to_dict_is_json_ready() -> None:
    import json

    result = bouncecodes.classify("552 5.2.2 mailbox full")[0]
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data | {"span": list(data["span"])}
    assert data["reason"] == "mailboxfull"


def test_a_repeated_failure_keeps_each_recipients_own_fields() -> None:
    import json

    events = [{"email": address, "event": "bounce", "reason": "550 5.1.1 user unknown"}
              for address in ("a@gmail.com", "b@example.org", "c@gmail.com")]
    text = json.dumps(events)
    results = bouncecodes.classify(text)
    assert [r.recipient for r in results] == ["a@gmail.com", "b@example.org", "c@gmail.com"]
    # the recipient's domain still names the provider, each one its own
    assert [r.provider for r in results] == [bouncecodes.classify(json.dumps([e]))[0].provider for e in events]
    assert results[0].provider != results[1].provider
    # and each points at its own words in the text
    assert len({r.span for r in results}) == 3
    assert all(text[r.span[0]:r.span[1]] == "550 5.1.1 user unknown" for r in results)
