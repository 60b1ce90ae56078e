"""Every code of the reference tables has an entry, and `lookup` answers for each."""

from __future__ import annotations

import pytest

from bouncecodes import lookup

REPLY_CODES = """211 214 220 221 235 250 251 252 253 334 354 355 421 422 430 432 450 451 452 453 454 455 456
458 459 500 501 502 503 504 520 521 523 524 525 530 533 534 535 538 550 551 552 553 554 555 556 557""".split()

IANA_CODES = """X.0.0 X.1.0 X.1.1 X.1.2 X.1.3 X.1.4 X.1.5 X.1.6 X.1.7 X.1.8 X.1.9 X.1.10 X.2.0 X.2.1 X.2.2 X.2.3
X.2.4 X.3.0 X.3.1 X.3.2 X.3.3 X.3.4 X.3.5 X.3.6 X.4.0 X.4.1 X.4.2 X.4.3 X.4.4 X.4.5 X.4.6 X.4.7 X.5.0 X.5.1
X.5.2 X.5.3 X.5.4 X.5.5 X.5.6 X.6.0 X.6.1 X.6.2 X.6.3 X.6.4 X.6.5 X.6.6 X.6.7 X.6.8 X.6.9 X.6.10 X.7.0 X.7.1
X.7.2 X.7.3 X.7.4 X.7.5 X.7.6 X.7.7 X.7.8 X.7.9 X.7.10 X.7.11 X.7.12 X.7.13 X.7.14 X.7.15 X.7.16 X.7.17 X.7.18
X.7.19 X.7.20 X.7.21 X.7.22 X.7.23 X.7.24 X.7.25 X.7.26 X.7.27 X.7.28 X.7.29 X.7.30""".split()

CLASSES_SUBJECTS = """2.XXX.YYY 4.XXX.YYY 5.XXX.YYY X.0.YYY X.1.YYY X.2.YYY X.3.YYY X.4.YYY X.5.YYY X.6.YYY
X.7.YYY""".split()

REASONS = """authfailure badreputation blocked contenterror exceedlimit expired failedstarttls filtered hasmoved
hostunknown mailboxfull mailererror mesgtoobig networkerror norelaying notaccept notcompliantrfc onhold
policyviolation rejected requireptr securityerror spamdetected speeding suppressed suspend syntaxerror systemerror
systemfull toomanyconn undefined userunknown virusdetected delivered feedback vacation""".split()


def test_counts() -> None:
    assert (len(REPLY_CODES), len(set(REPLY_CODES))) == (48, 48)
    assert (len(IANA_CODES), len(set(IANA_CODES))) == (81, 81)
    assert len(CLASSES_SUBJECTS) == 11


def test_every_reply_code(registry) -> None:  # type: ignore[no-untyped-def]
    assert sorted(r.code for r in registry.reply) == sorted(REPLY_CODES)


def test_every_enhanced_entry(registry) -> None:  # type: ignore[no-untyped-def]
    assert sorted(e.code for e in registry.enhanced) == sorted(IANA_CODES + CLASSES_SUBJECTS)


def test_every_reason(registry) -> None:  # type: ignore[no-untyped-def]
    assert sorted(r.id for r in registry.reasons) == sorted(REASONS)
    hard = {r.id: r.hard.value for r in registry.reasons}
    assert {k for k, v in hard.items() if v == "always"} == {"userunknown", "hostunknown", "hasmoved"}
    assert hard["notaccept"] == "if-permanent"
    assert {r.id for r in registry.reasons if not r.bounce} == {"delivered", "feedback", "vacation"}


def test_deprecated_only_x_6_10(registry) -> None:  # type: ignore[no-untyped-def]
    assert [e.code for e in registry.enhanced if e.deprecated] == ["X.6.10"]


@pytest.mark.parametrize("code", REPLY_CODES + IANA_CODES + CLASSES_SUBJECTS)
def test_lookup_answers(code: str) -> None:
    found = lookup(code)
    assert found.reply is not None or found.enhanced
    if code in REPLY_CODES:
        assert found.reply is not None and found.reply.code == code
    else:
        assert found.enhanced[0].code == code


def test_concrete_enhanced_lookup() -> None:
    found = lookup("5.7.26")
    assert [e.code for e in found.enhanced] == ["X.7.26", "X.7.YYY", "5.XXX.YYY"]
    pair = lookup("550 5.1.1")
    assert pair.reply is not None and pair.reply.code == "550" and pair.enhanced[0].code == "X.1.1"
