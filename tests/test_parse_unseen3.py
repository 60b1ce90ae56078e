"""Gaps found on a third collection of bounces and ordinary mail (inputs here are written anew)."""

from __future__ import annotations

from bouncecodes import classify
from bouncecodes.parse import is_binary, parse
from bouncecodes.parse.common import clean_address

NEWSLETTER = """\
Return-Path: <bounces+8812-ab12-ann=example.org@em123.mailer.example.net>
From: "Corner Shop" <news@shop.example.com>
To: ann@example.org
Subject: This week's offers
Content-Type: text/plain

Hello Ann, our offers this week. If this mail could not reach you, write to help@shop.example.com.
Unsubscribe: https://shop.example.com/u?e=ann@example.org
"""


def test_a_bounce_return_path_does_not_make_ordinary_mail_a_notice() -> None:
    # sending services put "bounce" in the envelope of every message they send; before, this
    # newsletter was read as a delivery failure for the addresses in its text
    assert parse(NEWSLETTER) == []
    srs = NEWSLETTER.replace("bounces+8812-ab12-ann=example.org@em123.mailer.example.net",
                             "SRS0=x1=AB=shop.example.com=news@bounce.forwarder.example.net")
    assert parse(srs) == []


def test_a_daemon_return_path_still_counts() -> None:
    notice = NEWSLETTER.replace("bounces+8812-ab12-ann=example.org@em123.mailer.example.net",
                                "MAILER-DAEMON@mx.example.org").replace(
        "Subject: This week's offers", "Subject: failure").replace(
        "Hello Ann, our offers this week. If this mail could not reach you, write to help@shop.example.com.\n"
        "Unsubscribe: https://shop.example.com/u?e=ann@example.org\n",
        "<cy@example.net>: host mx.example.net[192.0.2.3] said: 550 5.1.1 no such user\n")
    assert [r.recipient for r in classify(notice)] == ["cy@example.net"]


def test_binary_files_are_no_messages() -> None:
    compound = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + b"To: dee@example.org 550 user unknown" + b"\x00\x03" * 200
    assert is_binary(compound) and parse(compound) == [] and classify(compound) == []
    assert not is_binary("550 5.1.1 <dee@example.org>: user unknown\n" * 20)
    assert not is_binary(b"Subject: \x1b$B%F%9%H\x1b(B\n\nbody\n")  # ISO-2022-JP escapes are text


def test_any_dsn_address_type_is_dropped() -> None:
    assert clean_address("LOCAL;<eve@example.org>") == "eve@example.org"
    assert clean_address("utf-8; eve@example.org") == "eve@example.org"
    assert clean_address("RFC822; <eve@example.org>") == "eve@example.org"


def test_an_address_in_the_server_s_prose_is_no_recipient() -> None:
    notice = """\
From: Mail Delivery Subsystem <mailer-daemon@example.net>
To: fay@example.net
Subject: Delivery Status Notification (Failure)

Delivery to the following recipient failed permanently:

     gus@example.org

Technical details of permanent failure:
550 5.7.1 Your message was refused by our block list. If this is a mistake, write a short message to unblock@example.org from another address.

   ----- Original message -----
"""
    results = classify(notice)
    assert [r.recipient for r in results] == ["gus@example.org"]
    assert results[0].reply == "550" and results[0].reason == "blocked"


def test_dsn_fields_copied_into_the_text_belong_to_their_recipient() -> None:
    notice = """\
From: MAILER-DAEMON@relay.example.net
To: hal@example.net
Subject: Returned mail: delivery problems

----- The following addresses had delivery problems -----
<ida@example.org>  (unrecoverable error)

Final-Recipient: rfc822;ida@example.org
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 mailbox is full

Final-Recipient: rfc822;jon@example.com
Action: delayed
Status: 4.0.0 (example.com: host name lookup failure)
"""
    by = {e.recipient: e for e in parse(notice)}
    # before, jon's lines were read as part of ida's block: ida's evidence held jon's DNS failure
    assert "lookup failure" not in by["ida@example.org"].notice
    assert "lookup failure" in by["jon@example.com"].notice
