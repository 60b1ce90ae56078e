"""The public API is pinned: changing it is a deliberate act that updates this test."""

from __future__ import annotations

import bouncecodes

PUBLIC = [
    "MAX_INPUT", "BounceCodesError", "EnhancedCode", "Evidence", "InputError", "InputTooLargeError", "Kind",
    "PhraseRule", "Provider", "ProviderRule", "Reason", "Reference", "Registry", "RegistryNotBuiltError",
    "ReplyCode", "Result", "UnknownCodeError", "__version__", "classify", "classify_evidence", "load_registry",
    "lookup", "parse", "recognise_provider",
]


def test_all_is_pinned() -> None:
    assert sorted(bouncecodes.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert hasattr(bouncecodes, name), name


def test_exception_hierarchy() -> None:
    for exc in (bouncecodes.InputError, bouncecodes.InputTooLargeError, bouncecodes.RegistryNotBuiltError,
                bouncecodes.UnknownCodeError):
        assert issubclass(exc, bouncecodes.BounceCodesError)
    assert issubclass(bouncecodes.InputTooLargeError, bouncecodes.InputError)
    assert issubclass(bouncecodes.InputError, ValueError)
    assert issubclass(bouncecodes.UnknownCodeError, LookupError)


def test_result_to_dict_is_json_ready() -> None:
    import json

    result = bouncecodes.classify("552 5.2.2 mailbox full")[0]
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data | {"span": list(data["span"])}
    assert data["reason"] == "mailboxfull"
