"""Parsing gaps found by measuring the parser on bounces it had never seen (synthetic examples in
the same layouts, written for these tests)."""

from __future__ import annotations

from bouncecodes.parse import parse
from bouncecodes.parse.common import addresses, clean_address, find_codes
from bouncecodes.parse.text import is_delay_warning, notice_part


def recipients(raw: str) -> list[str]:
    return [e.recipient for e in parse(raw.encode())]


def _mime_text(subject: str, body: str) -> str:
    return (
        "From: Mail Delivery <mailer-daemon@relay.example.net>\n"
        "To: list-bounces@example.net\n"
        f"Subject: {subject}\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="XyZ"\n'
        "\n"
        "--XyZ\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        f"{body}\n"
        "--XyZ\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "From: list@example.net\n"
        "To: list@example.net\n"
        "Subject: hello\n"
        "\n"
        "hi\n"
        "--XyZ--\n"
    )


def test_your_message_was_not_delivered_is_no_start_of_the_original() -> None:
    # "Your message was not delivered …" is the notice speaking, not "Your message was:" before a copy
    body = ("We are sorry.\n\nYOUR MESSAGE WAS NOT DELIVERED TO ALL RECIPIENTS!\n\n"
            "These addresses did not get a copy:\n\n> carol@example.org\n\n"
            " RCPT To:<carol@example.org>\n 552 Mailbox of <carol@example.org> is over its limit\n")
    found = parse(_mime_text("Permanent Delivery Failure", body).encode())
    assert [(e.recipient, e.reply) for e in found] == [("carol@example.org", "552")]


def test_message_not_delivered_within_days_keeps_the_recipients_after_it() -> None:
    body = ("The destination host did not answer.\n\nYour message was not delivered within 3 days.\n\n"
            "These recipients did not get your message:\n\n    <dave@example.org>\n\n"
            "These recipients did not get your message:\n\n    <erin@example.org>\n")
    assert recipients(_mime_text("Returned Mail", body)) == ["dave@example.org", "erin@example.org"]


def test_original_message_markers_still_cut() -> None:
    for marker in ("Your message was:", "The original message was as follows:", "Original message reads:",
                   "Original message follows.", "Original message headers:", "Original message details:"):
        text = f"550 user unknown\n{marker}\nTo: someone@example.org\n"
        assert notice_part(text) == "550 user unknown\n", marker
    # Sendmail's first line is the notice, not the original
    text = "The original message was received at Mon, 2 Mar 2026 10:00:00 +0100\nfrom [192.0.2.3]\n"
    assert notice_part(text) == text


def test_bulleted_header_lines_of_a_summary_are_not_recipients() -> None:
    raw = (
        "From: MAILER-DAEMON <mailer-daemon@mx.example.net>\n"
        "To: list-bounces@example.net\n"
        "Subject: Undeliverable: weekly news\n"
        "Content-Type: text/plain\n"
        "\n"
        "Delivery has failed to these recipients:\n\n"
        "\t* [frank@example.org]: 552 frank@example.org... Mailbox over quota\n\n"
        "Summary of what was sent:\n\n"
        "\t* From: news@example.net\n"
        "\t* To: readers@example.net\n"
        "\t- Cc: more@example.net\n"
    )
    found = parse(raw.encode())
    assert [(e.recipient, e.reply) for e in found] == [("frank@example.org", "552")]


def test_x400_address_type_prefix_is_not_part_of_the_address() -> None:
    assert clean_address("SMTP=grace@Example.ORG") == "grace@example.org"
    assert clean_address("rfc-822=grace@example.org") == "grace@example.org"
    assert addresses("c=US;a= ;p=Corp;o=Hub;dda:SMTP=grace@example.org; on Mon") == ["grace@example.org"]
    # an "=" in a real local part stays
    assert clean_address("list-bounces+grace=example.org@example.net") == "list-bounces+grace=example.org@example.net"
    assert clean_address("a=b@example.org") == "a=b@example.org"


def test_exchange_x400_recipient_line() -> None:
    body = ("Your message\n\n  To:      team@example.net\n  Subject: plans\n\n"
            "did not reach the following recipient(s):\n\n"
            "c=US;a= ;p=Corp;o=Hub;dda:SMTP=heidi@example.org; on Mon, 2 Mar 2026\n"
            "    The recipient name is not recognized\n")
    assert recipients(_mime_text("Undeliverable: plans", body)) == ["heidi@example.org"]


def test_session_without_marks_reports_the_failing_reply_not_the_greeting() -> None:
    # a transcript written out without '>>>'/'<<<': the greeting and the OKs come first
    assert find_codes(" 220 mx.example.org ESMTP ready\n EHLO relay.example.net\n 250-mx.example.org hi\n"
                      " 250 SIZE 1000000\n MAIL From:<a@example.net>\n 250 2.1.0 Sender ok\n"
                      " RCPT To:<ivan@example.org>\n 552 5.2.2 Mailbox of ivan is full\n QUIT\n") == ("552", "5.2.2")
    assert find_codes("220 mx ready\n250 ok\n450 try later\n") == ("450", "")
    # a success alone stays what it is
    assert find_codes("250 2.0.0 Ok: queued as ABC\n") == ("250", "2.0.0")
    assert find_codes("220 mx.example.org ready\n") == ("220", "")
    body = ("The message could not be delivered.\n\nThese addresses did not get a copy:\n\n> ivan@example.org\n\n"
            "--- Session Transcript ---\n 220 mx.example.org ESMTP ready\n EHLO relay.example.net\n"
            " 250 mx.example.org hello\n MAIL From:<list@example.net>\n 250 Sender ok\n"
            " RCPT To:<ivan@example.org>\n 552 Mailbox of <ivan@example.org> is over its quota\n QUIT\n"
            "--- End Transcript ---\n")
    found = parse(_mime_text("Permanent Delivery Failure", body).encode())
    assert [(e.recipient, e.reply) for e in found] == [("ivan@example.org", "552")]


def test_delay_warnings_in_other_words() -> None:
    for words in ("Delivery attempts will continue to be made for 4 day(s).",
                  "We will continue to try to deliver your message for 2 more days.",
                  "The server will continue attempting delivery.",
                  "Delivery of your message to this address has been postponed because the mailbox is full."):
        raw = ("From: postmaster@mx.example.net\nTo: list-bounces@example.net\n"
               "Subject: Delivery delay notice\n\n"
               f"Your message could not yet be delivered to the following recipient:\n\n  judy@example.org\n\n{words}\n")
        found = parse(raw.encode())
        assert [(e.recipient, e.action) for e in found] == [("judy@example.org", "delayed")], words
    assert is_delay_warning("This is a permanent error; delivery will not continue.") is False


def _dsn(blocks: list[str]) -> str:
    return (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
        "To: list-bounces@example.net\n"
        "Subject: Returned mail: see transcript for details\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B0"\n'
        "\n"
        "--B0\n"
        "Content-Type: text/plain\n"
        "\n"
        "The message could not be delivered.\n"
        "--B0\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.example.net\n"
        "\n" + "\n".join(blocks) + "--B0--\n"
    )


def test_dsn_block_repeated_word_for_word_gives_one_result() -> None:
    block = "Final-Recipient: RFC822; <kim@example.org>\nAction: failed\nStatus: 5.1.1\n"
    looped = "Final-Recipient: RFC822; <kim@example.org>\nX-Actual-Recipient: RFC822; kim@example.org\n" \
             "Action: failed\nStatus: 5.1.1\n"
    found = parse(_dsn([block, looped, looped, looped]).encode())
    assert [(e.recipient, e.status) for e in found] == [("kim@example.org", "5.1.1")]
    # blocks that say different things, or name different recipients, all stay
    other = "Final-Recipient: RFC822; <kim@example.org>\nAction: delayed\nStatus: 4.4.1\n"
    lee = "Final-Recipient: RFC822; <lee@example.org>\nAction: failed\nStatus: 5.1.1\n"
    found = parse(_dsn([block, other, lee]).encode())
    assert [(e.recipient, e.status) for e in found] == [("kim@example.org", "5.1.1"), ("kim@example.org", "4.4.1"),
                                                        ("lee@example.org", "5.1.1")]


def test_recipient_who_is_also_the_original_sender_is_found_in_the_notice() -> None:
    # someone wrote to themselves: the returned message's From is also its To
    raw = (
        "From: MAILER-DAEMON@relay.example.net (Mail Delivery System)\n"
        "To: postmaster@relay.example.net\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="M1"\n'
        "\n"
        "--M1\n"
        "Content-Type: text/plain\n"
        "\n"
        "This is the mail system at host relay.example.net.\n\n"
        "<mallory@example.org>: Host or domain name not found for example.org: try again\n\n"
        "--M1\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "From: mallory@example.org\n"
        "To: mallory@example.org\n"
        "Subject: note to self\n"
        "\n"
        "remember the milk\n"
        "--M1--\n"
    )
    found = parse(raw.encode())
    assert [e.recipient for e in found] == ["mallory@example.org"]
    assert found[0].diagnostic.startswith("Host or domain name not found")


def _no_recipient_notice(original: str) -> str:
    return (
        "From: Mail Delivery System <mailer-daemon@mx.example.org>\n"
        "To: news-bounces@lists.example.net\n"
        "Subject: Mail delivery failed\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="N1"\n'
        "\n"
        "--N1\n"
        "Content-Type: text/plain\n"
        "\n"
        "A message you sent could not be delivered. The address is not a valid user here.\n"
        "--N1\n"
        "Content-Type: message/rfc822\n"
        "\n" + original + "\nbody\n--N1--\n"
    )


def test_notice_without_recipient_falls_back_to_the_envelope_not_the_list_address() -> None:
    original = ("Received: from lists.example.net (lists.example.net [192.0.2.7])\n"
                "\tby mx.example.org with ESMTP id 123\n\tfor <nina@example.org>; Mon, 2 Mar 2026 10:00:00 +0000\n"
                "Received: from client (client [192.0.2.9])\n\tby lists.example.net with ESMTP id 9\n"
                "\tfor <news@lists.example.net>; Mon, 2 Mar 2026 09:59:00 +0000\n"
                "From: writer@example.com\nTo: news@lists.example.net\nSubject: [news] hello\n"
                "X-BeenThere: news@lists.example.net\nList-Post: <mailto:news@lists.example.net>\n")
    assert recipients(_no_recipient_notice(original)) == ["nina@example.org"]
    # no envelope recipient: the list's own address is still no recipient
    without = "\n".join(line for line in original.split("\n")
                        if not line.startswith(("Received", "\t"))) + "\n"
    assert recipients(_no_recipient_notice(without)) == [""]
    # a message sent straight to someone: its To
    direct = "From: writer@example.com\nTo: olga@example.org\nSubject: hello\n"
    assert recipients(_no_recipient_notice(direct)) == ["olga@example.org"]
    # the same when only the headers come back (text/rfc822-headers), folded lines and all
    headers_only = _no_recipient_notice(original).replace("Content-Type: message/rfc822", "Content-Type: text/rfc822-headers")
    assert recipients(headers_only) == ["nina@example.org"]
