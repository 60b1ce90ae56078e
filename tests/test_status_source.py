"""`status` is the enhanced code the server sent; without one it is the reason's pseudo code, and says so."""

from __future__ import annotations

import pytest

import bouncecodes


@pytest.mark.parametrize(("reply", "status", "source", "reason"), [
    ("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown", "5.1.1", "bounce", "userunknown"),
    ("550 <bob@example.org>: Recipient address rejected: User unknown in local recipient table",
     "5.0.911", "pseudo", "userunknown"),
    ("452 <bob@example.org>: mailbox full, try again later", "4.0.922", "pseudo", "mailboxfull"),
])
def test_status_and_its_source(reply: str, status: str, source: str, reason: str) -> None:
    result = bouncecodes.classify(reply)[0]
    assert (result.status, result.status_source, result.reason) == (status, source, reason)


def test_pseudo_codes_come_from_the_reason_entries() -> None:
    registry = bouncecodes.load_registry()
    for reason in registry.reasons:
        if reason.pseudo_status:
            assert reason.bounce, reason.id
            assert reason.pseudo_code(True) == f"5.0.{reason.pseudo_status}"
            assert reason.pseudo_code(False) == f"4.0.{reason.pseudo_status}"
        else:
            assert reason.pseudo_code(True) == ""


def test_no_pseudo_code_for_reasons_without_one() -> None:
    registry = bouncecodes.load_registry()
    assert not registry.reason("notcompliantrfc").pseudo_status
    result = bouncecodes.classify("550 This message is not RFC 5322 compliant")[0]
    assert (result.reason, result.status, result.status_source) == ("notcompliantrfc", "", "")


def test_non_bounces_get_no_pseudo_code() -> None:
    for kind in (bouncecodes.Kind.DELIVERED, bouncecodes.Kind.AUTOREPLY, bouncecodes.Kind.FEEDBACK):
        result = bouncecodes.classify_evidence(bouncecodes.Evidence(recipient="a@example.org", kind=kind))
        assert result.reason in ("delivered", "vacation", "feedback")
        assert (result.status, result.status_source) == ("", "")


def test_lookup_names_the_reason_of_a_pseudo_code() -> None:
    found = bouncecodes.lookup("5.0.911")
    assert found.pseudo is not None and found.pseudo.id == "userunknown"
    assert found.to_dict()["pseudo"]["id"] == "userunknown"
    assert bouncecodes.lookup("4.0.947").pseudo.id == "expired"  # type: ignore[union-attr]
    assert bouncecodes.lookup("5.1.1").pseudo is None
    assert bouncecodes.lookup("5.0.999").pseudo is None


def test_each_pseudo_code_names_one_reason() -> None:
    registry = bouncecodes.load_registry()
    codes = [r.pseudo_status for r in registry.reasons if r.pseudo_status]
    assert len(codes) == len(set(codes))
