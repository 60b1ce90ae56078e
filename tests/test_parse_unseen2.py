"""Parsing gaps found by measuring the parser on a second collection of bounces it had never seen
(synthetic examples in the same layouts, written for these tests)."""

from __future__ import annotations

from bouncecodes.parse import parse
from bouncecodes.parse.common import addresses, clean_address
from bouncecodes.parse.text import bare_recipients


def _plain(sender: str, body: str, subject: str = "Mail Delivery Problem") -> bytes:
    return (f"From: {sender}\nTo: <news@example.com>\nSubject: {subject}\n\n{body}\n").encode()


def _dsn(fields: str, notice: str = "Your message could not be delivered.") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.net\n"
        "To: news@example.com\n"
        "Subject: Delivery Status Notification (Failure)\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\n'
        "\n"
        "--B1\n"
        "Content-Type: text/plain\n"
        "\n"
        f"{notice}\n"
        "--B1\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.example.net\n"
        "\n"
        f"{fields}"
        "--B1--\n"
    ).encode()


def test_an_address_type_given_twice_is_dropped() -> None:
    assert clean_address("rfc822; rfc822;ann@example.org") == "ann@example.org"
    assert clean_address("RFC822; RFC822; <ann@example.org>") == "ann@example.org"
    [e] = parse(_dsn("Final-Recipient: rfc822; ann@example.org\n"
                     "Original-Recipient: rfc822; rfc822;ann@example.org\n"
                     "Action: failed\nStatus: 5.1.1\n"))
    # the same address as the final one: no separate original recipient
    assert (e.recipient, e.original_recipient) == ("ann@example.org", "")


def test_an_address_inside_a_link_is_the_link_s_value_not_its_path() -> None:
    assert clean_address("//www.example.net/approve?who=ben@example.net") == "ben@example.net"
    assert clean_address("www.example.net/list?unsub=ben@example.net") == "ben@example.net"
    assert addresses("Approve me: https://www.example.net/ok?a=ben@example.net&id=7 thanks") == ["ben@example.net"]
    # an encoded word holds '?' and may hold '/': it is no link
    assert clean_address("=?utf-8?B?8J+Q/iPC?=@example.org") == "=?utf-8?B?8J+Q/iPC?=@example.org"
    assert clean_address("ben/smith@example.org") == "ben/smith@example.org"


def test_an_alias_note_gives_the_original_recipient_and_is_not_the_server_s_words() -> None:
    exim = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. The following address(es) failed:\n\n"
            "  cam.final@example.org\n"
            "    (generated from cam@example.net)\n"
            "    retry time not reached for any host after a long failure period\n")
    [e] = parse(_plain("Mail Delivery System <Mailer-Daemon@relay.example.net>", exim, "Mail delivery failed"))
    assert (e.recipient, e.original_recipient) == ("cam.final@example.org", "cam@example.net")
    assert e.diagnostic == "retry time not reached for any host after a long failure period"
    sendmail = ("   ----- The following addresses had permanent fatal errors -----\n"
                "dee.final@example.org\n"
                "    (reason: 550 mailbox unavailable)\n"
                "    (expanded from: <Dee@example.net>)\n")
    [e] = parse(_plain("Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>", sendmail,
                       "Returned mail: see transcript for details"))
    assert (e.recipient, e.original_recipient, e.reply) == ("dee.final@example.org", "Dee@example.net", "550")
    assert "expanded" not in e.diagnostic
    # in a DSN without an Original-Recipient field, the notice's note names it
    postfix = ("<eve.final@example.org> (expanded from <eve@example.net>): host mx.example.org[192.0.2.7]\n"
               "    said: 550 5.1.1 no such user (in reply to RCPT TO command)\n")
    [e] = parse(_dsn("Final-Recipient: rfc822; eve.final@example.org\nAction: failed\nStatus: 5.1.1\n", postfix))
    assert (e.recipient, e.original_recipient) == ("eve.final@example.org", "eve@example.net")


def test_the_separator_after_a_listed_address_is_not_part_of_the_words() -> None:
    body = (" - These recipients of your message have been processed by the mail server:\n"
            "fay@example.org; Failed; 5.2.2 (mailbox full)\n")
    [e] = parse(_plain("Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>", body, "Delivery failure"))
    assert (e.recipient, e.status, e.diagnostic) == ("fay@example.org", "5.2.2", "Failed; 5.2.2 (mailbox full)")


def test_the_date_after_a_listed_address_is_not_part_of_the_words() -> None:
    body = ("Your message\n\n  To:      ivy\n  Subject: hello\n\ndid not reach the following recipient(s):\n\n"
            "IVY@EXAMPLE.ORG on Tue, 3 Mar 2009 10:11:12 +0100\n"
            "    The recipient name is not recognized\n")
    [e] = parse(_plain("System Administrator <postmaster@example.org>", body, "Undeliverable: hello"))
    assert (e.recipient, e.diagnostic) == ("IVY@example.org", "The recipient name is not recognized")



def test_recipients_named_by_user_name_only_are_at_the_daemon_s_domain() -> None:
    body = ("Sorry news@example.com. Your mail to the following recipients could not be delivered because\n"
            "they do not accept mail with attachments:\n"
            "\tgus2024\n"
            "\thal.lee\n")
    found = parse(_plain("Mail Delivery Subsystem <MAILER-DAEMON@example.org>", body))
    assert [e.recipient for e in found] == ["gus2024@example.org", "hal.lee@example.org"]
    # not without a daemon sender, nor from prose that only ends with a colon
    assert bare_recipients(body, "example.org") == ["gus2024@example.org", "hal.lee@example.org"]
    assert bare_recipients("The following recipients failed:\n\nThis is a sentence.\n", "example.org") == []
    other = parse(_plain("Helpdesk <help@example.org>", body, "Undeliverable"))
    assert [e.recipient for e in other] == [""]
