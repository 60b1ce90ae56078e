"""A notice that lists many recipients: each keeps its own words, and none borrows another's."""

from __future__ import annotations

from bouncecodes import classify, parse

HEAD = ("From: MAILER-DAEMON@mx.example.org\nTo: ann@example.org\nSubject: Undelivered Mail Returned to Sender\n\n"
        "This is the mail system at host mx.example.org.\n\n")
WORDS = [("550 5.1.1 user unknown", "userunknown"), ("552 5.2.2 mailbox full", "mailboxfull"),
         ("554 5.7.1 message looks like spam", "spamdetected"), ("450 4.7.1 greylisted, try again", "blocked")]


def test_a_long_list_keeps_each_recipient_s_words() -> None:
    body = "".join(f"<r{i}@d{i % 7}.example>: host mx.d{i % 7}.example[192.0.2.{i % 250}] said: {WORDS[i % 4][0]} "
                   f"(in reply to RCPT TO command)\n\n" for i in range(600))
    results = classify(HEAD + body)
    assert len(results) == 600
    for i, r in enumerate(results):
        assert (r.recipient, r.reason) == (f"r{i}@d{i % 7}.example", WORDS[i % 4][1])
        assert r.reply == WORDS[i % 4][0][:3]


def test_each_notice_leaves_out_the_other_recipients() -> None:
    body = "".join(f"<r{i}@example.org>: {WORDS[i % 4][0]}\n\n" for i in range(300))
    found = parse(HEAD + body)
    assert len(found) == 300
    for i, e in enumerate(found):
        assert WORDS[i % 4][0] in e.notice and "This is the mail system" in e.notice
        assert WORDS[(i + 1) % 4][0] not in e.notice  # the next recipient's reply is not in this one's view
        assert f"r{i}@example.org" not in e.notice  # its own address is left out too: the words are alike


def test_a_bare_address_list_is_read_at_once() -> None:
    body = "The following addresses failed:\n\n" + "".join(f"  u{i}@example.org\n" for i in range(5000))
    results = classify(HEAD + body)
    assert [r.recipient for r in results] == [f"u{i}@example.org" for i in range(5000)]
    assert {r.reason for r in results} == {"onhold"}
