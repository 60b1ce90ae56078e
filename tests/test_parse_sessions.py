"""Sendmail transcripts: a refusal of the sender in one session applies to the recipients listed under it."""

from __future__ import annotations

from bouncecodes import classify
from bouncecodes.parse import parse

NOTICE = """\
From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>
To: <ann@example.net>
Subject: Returned mail: see transcript for details
Content-Type: text/plain

   ----- Transcript of session follows -----
While talking to mx.example.org:
>>> MAIL From:<ann@example.net>
<<< 553 <ann@example.net>... we refuse mail from hosts listed as open relays
554 <bea@example.org>... Remote protocol error
554 <cal@example.org>... 550 Host unknown (Authoritative answer from name server)
While talking to mx.example.com:
>>> RCPT To:<dot@example.com>
<<< 550 5.1.1 <dot@example.com>... User unknown
550 5.1.1 <dot@example.com>... User unknown

   ----- Unsent message follows -----
From: ann@example.net
To: bea@example.org

hello
"""


def test_a_recipient_line_without_words_takes_the_session_reply_above_it() -> None:
    bea = next(e for e in parse(NOTICE) if e.recipient == "bea@example.org")
    # before: Sendmail's own "554 … Remote protocol error", followed by the next recipient's words
    assert (bea.reply, bea.command) == ("553", "MAIL")
    assert bea.diagnostic.startswith("553") and "open relays" in bea.diagnostic


def test_a_recipient_line_with_its_own_reply_keeps_it() -> None:
    by = {e.recipient: e for e in parse(NOTICE)}
    assert by["cal@example.org"].diagnostic.endswith("(Authoritative answer from name server)")  # no next session
    assert (by["dot@example.com"].reply, by["dot@example.com"].status) == ("550", "5.1.1")
    reasons = [r.reason for r in classify(NOTICE)]
    assert reasons[1:] == ["hostunknown", "userunknown"]
    assert reasons[0] != "hostunknown"  # bea's words are the refusal of the sender, not cal's DNS answer


def test_no_session_above_means_no_borrowed_reply() -> None:
    notice = NOTICE.replace("While talking to mx.example.org:\n", "").replace(
        ">>> MAIL From:<ann@example.net>\n<<< 553 <ann@example.net>... we refuse mail from hosts listed as open relays\n", "")
    bea = next(e for e in parse(notice) if e.recipient == "bea@example.org")
    assert bea.reply == "554"
