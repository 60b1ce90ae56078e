"""Every failure text gets a verdict: a short text with no reply or enhanced code is read on its words
(the reason they name, or onhold), and only a text that says nothing failed gives no result."""

from __future__ import annotations

import pytest

import bouncecodes
from bouncecodes.parse import parse


@pytest.mark.parametrize(("text", "reason"), [
    ("connection timed out", "networkerror"),
    ("Connection refused by mx.example.org", "networkerror"),
    ("mailbox full", "mailboxfull"),
    ("user unknown", "userunknown"),
    ("Benutzer unbekannt", "userunknown"),
    ("Postfach voll", "mailboxfull"),
    ("adresse inconnue", "userunknown"),
    ("boîte pleine", "mailboxfull"),
    ("宛先不明", "userunknown"),
    ("Relay access denied", "norelaying"),
    ("Service unavailable", "systemerror"),
    # failure words that no rule reads: the verdict is that nothing is known yet
    ("Delivery failed", "onhold"),
    ("Your message could not be delivered.", "onhold"),
    ("Zustellung fehlgeschlagen", "onhold"),
    ("配信エラー", "onhold"),
])
def test_a_failure_without_a_code_is_read_on_its_words(text: str, reason: str) -> None:
    [r] = bouncecodes.classify(text)
    assert r.reason == reason, r
    assert (r.reply, r.status_source) == ("", "pseudo" if r.status else "")
    [e] = parse(text)
    assert text[e.span[0]:e.span[1]] == text.strip()


def test_the_address_in_such_a_text_is_the_recipient() -> None:
    [r] = bouncecodes.classify("bob@example.org: user unknown\n")
    # "<address>: User unknown" is Sendmail's sentence: its catalogue decides
    assert (r.recipient, r.reason, r.rule) == ("bob@example.org", "userunknown", "software:sendmail/user-unknown")
    # several lines pasted from a notice, still without a code
    [r] = bouncecodes.classify("Delivery to the following recipient failed permanently:\n\n    bob@example.org\n")
    assert (r.recipient, r.reason) == ("bob@example.org", "onhold")


@pytest.mark.parametrize("text", [
    "",
    "   \n\n",
    "Hello, see you tomorrow.",
    "Read the full article on our site. Unknown pleasures await!",
    "Your order has shipped and will be delivered on Monday.",
    # a letter that says "failed", longer than what is read on its words alone
    "Dear team,\n" + "the weekly report is attached.\n" * 12 + "The last backup failed, I will look at it.\n",
    # JSON that is no event notification is read by its fields, never as prose
    '{"note": "delivery failed, user unknown"}',
])
def test_a_text_without_a_failure_gives_no_result(text: str) -> None:
    assert bouncecodes.classify(text) == []


def test_the_command_reads_such_a_text_from_standard_input(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import json

    from bouncecodes.cli import main

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Postfach voll\n")))
    assert main(["classify", "--format", "jsonl", "-"]) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (record["reason"], record["rule"]) == ("mailboxfull", "phrase:mailboxfull/other-languages")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"See you tomorrow.\n")))
    main(["classify", "--format", "jsonl", "-v", "-"])
    out = capsys.readouterr()
    assert out.out == "" and "-: no bounce found" in out.err and "1 without a bounce" in out.err
