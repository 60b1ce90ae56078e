"""Addresses in fields that can hold nothing else: hosts without a dot, quoted local parts, routes."""

from __future__ import annotations

from bouncecodes import classify
from bouncecodes.parse import parse
from bouncecodes.parse.common import clean_address


def test_a_host_without_a_dot_only_where_a_field_holds_an_address() -> None:
    assert clean_address("kim@mailhub", dotless=True) == "kim@mailhub"
    assert clean_address("kim@mailhub") == ""  # in prose "kim@mailhub" is as likely a word as an address
    assert clean_address("kim@-bad", dotless=True) == ""


def test_quoted_local_parts_and_source_routes() -> None:
    assert clean_address('rfc822; "lee..moss"@example.org') == '"lee..moss"@example.org'
    assert clean_address('fail: fail message"@example.org', dotless=True) == ""
    assert clean_address("@relay.example.net:lou@mailhub", dotless=True) == ""


def test_exim_log_lines_for_local_hosts() -> None:
    log = ("2026-03-02 09:14:07 1vAbCd-000123-Ef ** max@mailhub R=hub T=smtp H=mailhub [192.0.2.4]: "
           "SMTP error from remote mail server after RCPT TO:<max@mailhub>: 550 5.1.1 no such user\n"
           "2026-03-02 09:14:08 1vAbCe-000124-Fg == ned@mailhub R=hub T=smtp defer (-44): "
           "SMTP error from remote mail server after RCPT TO:<ned@mailhub>: 451 4.2.2 mailbox full\n")
    assert [(r.recipient, r.reason, r.permanent) for r in classify(log)] == [
        ("max@mailhub", "userunknown", True), ("ned@mailhub", "mailboxfull", False)]


EXIM_NOTICE = """\
From: Mail Delivery System <Mailer-Daemon@gw.example.org>
To: ann@example.org
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: ola@mailhub, pat@example.com
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ola@mailhub
    SMTP error from remote mail server after RCPT TO:<ola@mailhub>:
    550 5.1.1 unknown user
  pat@example.com
    retry time not reached for any host after a long failure period

------ This is a copy of the message, including all the headers. ------
"""


def test_x_failed_recipients_names_local_hosts_too() -> None:
    results = classify(EXIM_NOTICE)
    assert [(r.recipient, r.reason) for r in results] == [("ola@mailhub", "userunknown"), ("pat@example.com", "expired")]


def test_a_channel_name_in_final_recipient_gives_way_to_the_original_address() -> None:
    dsn = """\
From: Internet Mail Delivery <postmaster@mx.example.org>
To: ann@example.org
Subject: Delivery Notification: Delivery has failed
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message cannot be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns;mx.example.org

Original-recipient: rfc822;quin@example.org
Final-recipient: rfc822;quin@ims-ms-daemon
Action: failed
Status: 5.2.2 (recipient reached disk quota)

--b--
"""
    assert [e.recipient for e in parse(dsn)] == ["quin@example.org"]
