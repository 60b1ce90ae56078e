"""The evidence parse() finds in synthetic bounces of the common formats (tests/data/parse/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bouncecodes.model import Evidence, Kind
from bouncecodes.parse import parse
from bouncecodes.parse.common import decode_iso2022, find_codes, tidy_reply

DATA = Path(__file__).resolve().parent / "data" / "parse"


def evidence(name: str) -> list[Evidence]:
    return parse((DATA / name).read_bytes())


def facts(found: list[Evidence]) -> list[tuple[str, str, str]]:
    return [(e.recipient, e.status, e.reply) for e in found]


def test_postfix_dsn_joins_multiline_reply_and_ignores_contact_address() -> None:
    found = evidence("postfix-dsn.eml")
    assert facts(found) == [("bob@dest.example", "5.1.1", "550")]
    e = found[0]
    assert e.source == "dsn" and e.remote_mta == "mx.dest.example" and e.reporting_mta == "mx.sender.example"
    assert e.diagnostic.startswith("550 5.1.1 The email account")
    assert "550-5.1.1" not in e.diagnostic
    assert e.command == "RCPT"


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_line_ends(newline: bytes) -> None:
    raw = (DATA / "postfix-dsn.eml").read_bytes().replace(b"\n", newline)
    assert facts(parse(raw)) == [("bob@dest.example", "5.1.1", "550")]


def test_dsn_prefers_the_remote_code_over_the_status_summary() -> None:
    # Status: 4.4.7 (gave up after retries) but the remote said 450 4.7.1
    found = evidence("sendmail-dsn-retry.eml")
    assert facts(found) == [("carol@dest.example", "4.7.1", "450")]


def test_sendmail_transcript() -> None:
    found = evidence("sendmail-transcript.eml")
    assert facts(found) == [("dave@one.example", "", "550"), ("erin@two.example", "", "550")]
    assert found[0].command == "RCPT"
    assert found[0].diagnostic.startswith("550")


def test_exim_text_bounce() -> None:
    found = evidence("exim.eml")
    assert facts(found) == [("frank@dest.example", "5.2.2", "550"), ("grace@other.example", "5.7.1", "554")]
    frank, grace = found
    assert frank.diagnostic == "550 5.2.2 Mailbox full"
    assert (frank.remote_mta, frank.command) == ("mx.dest.example", "RCPT")
    assert (grace.remote_mta, grace.command) == ("mx.other.example", "DATA")
    assert grace.diagnostic == "554 5.7.1 Message rejected as spam"


def test_qmail_two_recipients() -> None:
    found = evidence("qmail.eml")
    assert facts(found) == [("heidi@dest.example", "5.1.1", "550"), ("ivan@dest.example", "5.2.2", "552")]
    assert found[1].diagnostic.startswith("552 5.2.2 Mailbox full")
    assert "qmail-send" in found[0].notice


def test_gmail_keeps_the_other_servers_words() -> None:
    found = evidence("gmail.eml")
    assert facts(found) == [("judy@dest.example", "5.1.1", "550")]
    assert found[0].diagnostic.startswith("550 5.1.1 The email account that you tried to reach does not exist.")
    assert "Google tried" not in found[0].diagnostic


def test_reply_written_apart_from_the_recipient() -> None:
    found = evidence("apart.eml")
    assert facts(found) == [("mallory@carrier.example", "", "550")]
    assert "no such user here" in found[0].diagnostic


def test_declared_boundary_missing_from_body() -> None:
    found = evidence("broken-boundary.eml")
    assert facts(found) == [("niaj@dest.example", "5.1.1", "550")]
    assert found[0].source == "dsn"


def test_ses_notification_in_sns_envelope() -> None:
    found = evidence("ses-sns.eml")
    assert facts(found) == [("olivia@dest.example", "5.1.1", "550")]
    assert found[0].source == "json" and found[0].reporting_mta == "a1.smtp-out.example"


@pytest.mark.parametrize("name", ["iso2022jp.eml", "base64-undeclared.eml"])
def test_iso_2022_jp(name: str) -> None:
    found = evidence(name)
    assert [e.recipient for e in found] == ["peggy@dest.example"]
    assert "mailbox is full" in found[0].diagnostic
    assert "送信できませんでした" in found[0].notice


def test_delivered_ses_notification() -> None:
    raw = (b'From: x@sns.example\nTo: a@b.example\nSubject: AWS Notification Message\n\n'
           b'{"notificationType":"Delivery","delivery":{"recipients":["ok@dest.example"],'
           b'"smtpResponse":"250 2.6.0 Message received"}}\n')
    found = parse(raw)
    assert [(e.recipient, e.kind, e.status, e.reply) for e in found] == [("ok@dest.example", Kind.DELIVERED, "2.6.0", "250")]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("550 5.1.1 user unknown", ("550", "5.1.1")),
        ("550-5.7.1 blocked\n550 5.7.1 blocked", ("550", "5.7.1")),
        ("Out: 250 2.1.5 Ok\nOut: 451 4.3.0 Error: queue file write error", ("451", "4.3.0")),
        ("5.3.0 - Other mail system problem 550-'Unknown user x'", ("550", "5.3.0")),
        ("error 550-'5.7.1 Access denied'", ("550", "5.7.1")),
        ("554 <a@b.example>... 550 Host unknown", ("550", "")),
        ("<<< 550 User unknown", ("550", "")),
        ("Remote host said: 550: User unknown", ("550", "")),
        ("we sent 550 messages today", ("", "")),
        ("port 25 at 12:30:45", ("", "")),
    ],
)
def test_find_codes(text: str, codes: tuple[str, str]) -> None:
    assert find_codes(text) == codes


def test_tidy_reply() -> None:
    text = "550-5.1.1 The account 550-5.1.1 does not exist. 550 5.1.1 More"
    assert tidy_reply(text, "550", "5.1.1") == "550 5.1.1 The account does not exist. More"
    assert tidy_reply("we had 550 messages", "550", "") == "we had 550 messages"


def test_decode_iso2022() -> None:
    raw = "ユーザー".encode("iso-2022-jp").decode("latin-1")
    assert decode_iso2022(f"x {raw} y") == "x ユーザー y"
    assert decode_iso2022("\x1b$B\xff\x1b(B") == "\x1b$B\xff\x1b(B"  # undecodable: left as it was


def test_original_recipient_is_kept_when_forwarding_changed_the_address() -> None:
    import bouncecodes
    from bouncecodes.output import record

    def dsn(original: str) -> bytes:
        return ("From: MAILER-DAEMON@mx.example.net\nTo: alice@example.net\nSubject: failure\nMIME-Version: 1.0\n"
                "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
                "Content-Type: text/plain\n\nDelivery failed.\n\n--b\nContent-Type: message/delivery-status\n\n"
                "Reporting-MTA: dns; mx.example.net\n\n" + original +
                "Final-Recipient: rfc822;bob.smith@mail.example.org\nAction: failed\nStatus: 5.1.1\n"
                "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--b--\n").encode()

    [r] = bouncecodes.classify(dsn("Original-Recipient: rfc822;Bob@example.org\n"))
    assert (r.recipient, r.original_recipient) == ("bob.smith@mail.example.org", "Bob@example.org")
    assert record("x.eml", r)["original_recipient"] == "Bob@example.org"
    # none given, or the same address: empty
    assert bouncecodes.classify(dsn(""))[0].original_recipient == ""
    assert bouncecodes.classify(dsn("Original-Recipient: rfc822;bob.smith@mail.example.org\n"))[0].original_recipient == ""


def test_bare_reply() -> None:
    found = parse("550-5.7.26 This mail is unauthenticated\n550 5.7.26 see https://support.example/")
    assert facts(found) == [("", "5.7.26", "550")]


def test_command_from_transcripts_and_labels() -> None:
    from bouncecodes.parse.text import find_command

    assert find_command(">>> RCPT To:<bob@example.org>\n<<< 250 ok\n>>> DATA\n<<< 550 Unknown user") == "DATA"
    assert find_command(" In:  RCPT TO:<bob@example.org>\n Out: 250 2.1.5 Ok\n In:  DATA\n Out: 354 go\n"
                        " Out: 451 4.3.0 Error: queue file write error") == "DATA"
    assert find_command("550 unknown user\n-------SMTP command\nDATA") == "DATA"
    assert find_command("host mx said: 550 nope (in reply to RCPT TO command)") == "RCPT"
    assert find_command(">>> DATA\n<<< 354 go ahead") == ""
    assert find_command("192.0.2.1 does not like recipient.\nRemote host said: 550 5.2.1 User Unknown") == "RCPT"
    assert find_command("Connected to 192.0.2.1 but sender was rejected.\nRemote host said: 553 no") == "MAIL"
    assert find_command("mx.example.org [192.0.2.25] did not like our RCPT TO:\n550 5.1.1 nope") == "RCPT"
    assert find_command("mx.example.org [192.0.2.25] did not like our final DATA:\n554 spam") == "DATA"
    assert find_command("I do not like green eggs") == ""


def test_postfix_in_out_transcript_gives_the_failing_reply() -> None:
    from bouncecodes.parse.text import evidence_from_notice

    notice = ("Transcript of session follows.\n\n Out: 220 mx.example.org ESMTP\n In:  EHLO a.example.net\n"
              " Out: 250 mx.example.org\n In:  RCPT TO:<bob@example.org>\n Out: 250 2.1.5 Ok\n In:  DATA\n"
              " Out: 354 End data with <CR><LF>.<CR><LF>\n Out: 451 4.3.0 Error: queue file write error\n In:  QUIT\n")
    [e] = evidence_from_notice(notice, set())
    assert (e.recipient, e.reply, e.status, e.command) == ("bob@example.org", "451", "4.3.0", "DATA")
    assert e.diagnostic.startswith("451 4.3.0 Error: queue file write error")


def test_labelled_reply_code_and_delay_warning() -> None:
    from bouncecodes.parse.text import evidence_from_notice

    [e] = evidence_from_notice("bob@example.org Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.\n", set())
    assert (e.reply, e.action) == ("421", "")
    [w] = evidence_from_notice("bob@example.org: connection timed out\nThis is only a temporary failure report; "
                               "we will keep trying.\n", set())
    assert w.action == "delayed"


def test_unencoded_8bit_text_part_keeps_its_characters() -> None:
    import bouncecodes

    body = "Γεια σας, η ομάδα (team) δεν υπάρχει"
    raw = ("From: MAILER-DAEMON@example.org\nTo: alice@example.net\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: 8bit\n\n"
           f"<bob@example.org>: host mx.example.org said: 550 5.1.1 unknown user ({body})\n")
    for data in (raw, raw.encode("utf-8")):
        [r] = bouncecodes.classify(data)
        assert "ομάδα" in r.diagnostic and "\\u" not in r.diagnostic


def test_sendmail_log_under_debian_name_with_several_recipients() -> None:
    from bouncecodes.parse.logs import parse_log

    line = ("Nov 27 10:00:06 mx sm-mta[123]: 3ARA06Qk012345: to=<a@example.com>,b@example.com,<a@example.com>, "
            "delay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.com. [192.0.2.10], dsn=5.1.1, stat=User unknown")
    found = parse_log(line)
    assert [(e.recipient, e.status, e.source) for e in found] == [
        ("a@example.com", "5.1.1", "log:sendmail/delivery"), ("b@example.com", "5.1.1", "log:sendmail/delivery")]


INNER_DSN = """From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
To: alice@example.net
Subject: Returned mail: see transcript for details
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="inner"

--inner
Content-Type: text/plain

The original message was received at Thu, 1 Jan 2026 00:00:00 +0000
--inner
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; bob@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>... User unknown
--inner--
"""


def test_bounce_attached_to_a_bounce_without_recipients() -> None:
    import bouncecodes

    outer = ("From: MAILER-DAEMON@gw.example.net\nTo: alice@example.net\nSubject: Returned mail: User unknown\n"
             "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\n"
             "Content-Type: text/plain\n\n----- The following addresses had permanent delivery errors -----\n\n"
             "--outer\nContent-Type: message/rfc822\n\n" + INNER_DSN + "\n--outer--\n")
    [r] = bouncecodes.classify(outer)
    assert (r.recipient, r.status, r.reply, r.reason) == ("bob@example.org", "5.1.1", "550", "userunknown")


def test_bounce_forwarded_in_quoted_text() -> None:
    import bouncecodes

    quoted = "\n".join("> " + line if line else ">" for line in INNER_DSN.replace(
        'multipart/report; report-type=delivery-status; boundary="inner"', "text/plain").split("\n")
        if not line.startswith(("--inner", "Content-Type: message", "Content-Type: text/plain")))
    outer = ("From: Alice <alice@example.net>\nTo: helpdesk@example.net\nSubject: Fwd: Returned mail\n\n"
             "Why did this bounce?\n\nBegin forwarded message:\n\n" + quoted + "\n")
    [r] = bouncecodes.classify(outer)
    assert (r.recipient, r.status, r.reason) == ("bob@example.org", "5.1.1", "userunknown")


def test_a_plain_forwarded_letter_is_not_a_bounce() -> None:
    import bouncecodes

    outer = ("From: Alice <alice@example.net>\nTo: carol@example.net\nSubject: Fwd: lunch\n\n"
             "---------- Forwarded message ---------\nFrom: Bob <bob@example.org>\nSubject: lunch\n\nNoon?\n")
    assert bouncecodes.classify(outer) == []


def test_spans_point_at_the_servers_words() -> None:
    import bouncecodes
    from bouncecodes.parse import locate

    log = ("Nov 27 10:00:01 mx postfix/smtp[2211]: 4BqXyZ1abcz9sT: to=<carol@example.net>, relay=mx1.example.net"
           "[203.0.113.5]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=5.1.1, status=bounced (host mx1.example.net"
           "[203.0.113.5] said: 550 5.1.1 user unknown (in reply to RCPT TO command))\n"
           "Nov 27 10:00:06 mx sm-mta[123]: 3ARA06Qk012345: to=<grace@example.com>, delay=00:00:01, mailer=esmtp, "
           "pri=120000, relay=mx.example.com. [192.0.2.10], dsn=5.1.1, stat=User unknown\n")
    spans = [log[r.span[0]:r.span[1]] for r in bouncecodes.classify(log)]
    assert spans == ["host mx1.example.net[203.0.113.5] said: 550 5.1.1 user unknown (in reply to RCPT TO command)",
                     "User unknown"]
    dsn = ("From: MAILER-DAEMON@mx.example.org\nTo: alice@example.net\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
           "I could not deliver it.\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
           "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.1.1\n"
           "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>:\n    Recipient address rejected: User unknown\n--b--\n")
    [r] = bouncecodes.classify(dsn)
    assert dsn[r.span[0]:r.span[1]] == "550 5.1.1 <bob@example.org>:\n    Recipient address rejected: User unknown"
    assert locate("nothing here", "550 5.1.1 user unknown") == (0, 0)
    assert locate("a\n550  5.1.1\n user unknown b", "550 5.1.1 user unknown") == (2, 26)


def _strip_address_by_regex(text: str, address: str) -> str:
    import re

    from bouncecodes.parse.common import squash

    def gap(m: re.Match[str]) -> str:  # mid-sentence, between words: a mark where the address stood
        before, after = text[max(0, m.start() - 2):m.start()], text[m.end():m.end() + 2]
        between = len(before) == 2 and before[1] == " " and before[0].isalpha() and after[:1] == " " and after[1:].isalpha()
        return " … " if between else " "

    return squash(re.sub(r"<?" + re.escape(address) + r">?:?", gap, text, flags=re.IGNORECASE))


def test_strip_address_removes_what_the_regular_expression_did() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from bouncecodes.parse.text import strip_address

    @settings(max_examples=2000, deadline=None)
    @given(st.text(alphabet="ab@.<>: xBAİ\n", max_size=30), st.text(alphabet="ab@.B", min_size=1, max_size=4))
    def same(text: str, address: str) -> None:
        assert strip_address(text, address) == _strip_address_by_regex(text, address)

    same()


@pytest.mark.parametrize("wrap", [
    lambda m: "\ufeff" + m,  # a byte-order mark (str)
    lambda m: ("\ufeff" + m).encode("utf-8"),  # … and in UTF-8 bytes
    lambda m: b"\xef\xbb\xbf" + m.encode("utf-8").replace(b"\xc3\xa9", b"\xe9"),  # a BOM before Latin-1 bytes
    lambda m: m.encode("utf-16"),  # saved as "Unicode" by a Windows editor
    lambda m: "\n\n   \n" + m,  # blank lines pasted before the headers
    lambda m: "  " + m,
])
def test_message_survives_what_editors_and_pastes_put_before_it(wrap: Callable[[str], str | bytes]) -> None:
    import bouncecodes
    from bouncecodes.parse.common import to_text

    message = ("From: MAILER-DAEMON@mx.example.org\nTo: alice@example.net\nSubject: Undelivered Mail (é)\n"
               "MIME-Version: 1.0\nContent-Type: text/plain\n\n"
               "<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: "
               "Recipient address rejected: User unknown (in reply to RCPT TO command)\n")
    data = wrap(message)
    [r] = bouncecodes.classify(data)
    assert (r.recipient, r.status, r.reason, r.command) == ("bob@example.org", "5.1.1", "userunknown", "RCPT")
    text = to_text(data)
    assert text[r.span[0]:r.span[1]].startswith("550 5.1.1")


@pytest.mark.parametrize(("text", "recipient", "words"), [
    ("Your message could not be sent.\nAddressed To: bob@example.org\n\nFailed to send to identified host,\n"
     "bob@example.org: [192.0.2.5], 550 bob@example.org... No such user\n--- Message non-deliverable.\n",
     "bob@example.org", "No such user"),
    ("Your mail sent on: Thu, 29 Apr 2013 23:45:22 +0900\n     Could not be delivered to: <bob@example.org>\n"
     "     As their mailbox is full.\n", "bob@example.org", "mailbox is full"),
    ("User mailbox exceeds allowed size: bob@example.org\n\n\nOriginal message follows.\n\n"
     "Received: from mx.example.net by mx.example.org; Thu, 29 Apr 2010 23:45:10 +0900\n", "bob@example.org",
     "exceeds allowed size"),
])
def test_the_visible_text_of_a_bounce_without_headers(text: str, recipient: str, words: str) -> None:
    import bouncecodes

    [r] = bouncecodes.classify(text)
    assert r.recipient == recipient and r.reason not in ("undefined", "onhold")
    assert words in r.diagnostic


def test_text_without_failure_words_is_not_read_as_a_bounce() -> None:
    import bouncecodes

    assert bouncecodes.classify("Hi Bob,\nlunch at noon? Write to carol@example.org.\n") == []


def test_bounce_attached_or_forwarded_by_a_person() -> None:
    import bouncecodes

    attached = ("From: Alice <alice@example.net>\nTo: helpdesk@example.net\nSubject: help please\nMIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\nContent-Type: text/plain\n\n"
                "This came back, why?\n--outer\nContent-Type: message/rfc822\n\n" + INNER_DSN + "\n--outer--\n")
    [r] = bouncecodes.classify(attached)
    assert (r.recipient, r.status, r.reason) == ("bob@example.org", "5.1.1", "userunknown")
    forwarded = ("From: Alice <alice@example.net>\nTo: helpdesk@example.net\nSubject: help please\n\nSee below.\n\n"
                 "---------- Forwarded message ---------\n" + INNER_DSN.split("--inner--")[0]
                 .replace('Content-Type: multipart/report; report-type=delivery-status; boundary="inner"\n', "")
                 .replace("--inner\nContent-Type: text/plain\n\n", "").replace("--inner\nContent-Type: message/delivery-status\n\n", "\n"))
    [f] = bouncecodes.classify(forwarded)
    assert (f.recipient, f.status, f.reason) == ("bob@example.org", "5.1.1", "userunknown")


SERVICE_EVENTS = [
    # SendGrid's event webhook: an array of events, opens and clicks among them
    ('[{"email": "a@example.org", "event": "bounce", "type": "bounce", "status": "5.1.1", '
     '"reason": "550 5.1.1 The email account that you tried to reach does not exist."}, '
     '{"email": "c@example.org", "event": "open"}, '
     '{"email": "b@example.org", "event": "deferred", "response": "451 4.7.1 Greylisted, try again later"}]',
     [("a@example.org", "5.1.1", "550", "userunknown"), ("b@example.org", "4.7.1", "451", "blocked")]),
    # Mailgun: the event inside "event-data", the reply code apart from its words
    ('{"signature": {"token": "t"}, "event-data": {"event": "failed", "severity": "permanent", "recipient": '
     '"e@example.org", "reason": "bounce", "delivery-status": {"code": 552, "message": "5.2.2 The email account '
     'that you tried to reach is over quota.", "mx-host": "gmail-smtp-in.l.google.com"}}}',
     [("e@example.org", "5.2.2", "552", "mailboxfull")]),
    # Postmark's bounce webhook
    ('{"RecordType": "Bounce", "Type": "HardBounce", "Email": "f@example.org", "Description": "Unknown user.", '
     '"Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist."}',
     [("f@example.org", "5.1.1", "550", "userunknown")]),
    # SparkPost, as JSON Lines
    ('{"msys": {"message_event": {"type": "bounce", "rcpt_to": "g@example.org", "raw_reason": "554 5.7.1 Service '
     'unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "error_code": "554"}}}\n'
     '{"msys": {"track_event": {"type": "click", "rcpt_to": "h@example.org"}}}\n',
     [("g@example.org", "5.7.1", "554", "blocked")]),
]


@pytest.mark.parametrize(("text", "expected"), SERVICE_EVENTS)
def test_sending_services_bounce_events(text: str, expected: list[tuple[str, str, str, str]]) -> None:
    import bouncecodes

    found = [(r.recipient, r.status, r.reply, r.reason) for r in bouncecodes.classify(text)]
    assert found == expected


def test_json_that_holds_no_events_gives_nothing() -> None:
    import bouncecodes

    for text in ('{"name": "x", "list": [1, 2, {"a": "b"}]}', "[" * 5000, '{"email": "a@example.org", "event": "open"}'):
        assert bouncecodes.classify(text) == []


def test_one_recipients_words_do_not_decide_anothers() -> None:
    import bouncecodes

    notice = ("From: MAILER-DAEMON@mx.example.net\nTo: alice@example.net\nSubject: Undelivered Mail Returned to Sender\n\n"
              "I could not deliver your message to these recipients.\n\n"
              "<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 user unknown\n\n\n"
              "<carol@example.com>:\n    delivery temporarily suspended, will retry\n")
    by = {r.recipient: r for r in bouncecodes.classify(notice)}
    assert by["bob@example.org"].reason == "userunknown"
    assert by["carol@example.com"].reason != "userunknown"


def test_postfix_lines_pasted_alone_are_not_taken_for_headers() -> None:
    import bouncecodes

    text = ("<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n"
            "    <bob@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command)\n"
            "<carol@example.org>: host mx.example.org[192.0.2.1] said: 552 5.2.2 mailbox full (in reply to RCPT TO "
            "command)\n")
    found = [(r.recipient, r.status, r.reason, r.command) for r in bouncecodes.classify(text)]
    assert found == [("bob@example.org", "5.1.1", "userunknown", "RCPT"), ("carol@example.org", "5.2.2", "mailboxfull", "RCPT")]


def test_every_event_of_a_large_export_is_read_and_json_is_never_prose() -> None:
    import json

    import bouncecodes

    events = [{"email": f"user{i}@example.org", "event": "bounce", "reason": "550 5.1.1 user unknown"}
              for i in range(3000)]
    text = json.dumps(events)
    assert len(text) > 100_000
    found = bouncecodes.classify(text)
    assert [r.recipient for r in found] == [e["email"] for e in events]
    # JSON without events says nothing, even when its strings read like a failure
    assert bouncecodes.classify('{"note": "bob@example.org: delivery failed, user unknown"}') == []
    # text that only starts like JSON is still read as text
    [r] = bouncecodes.classify("[mx.example.org] 550 5.1.1 <bob@example.org>: user unknown\n")
    assert (r.recipient, r.status) == ("bob@example.org", "5.1.1")


@pytest.mark.parametrize("value", ["dns;", "dns; ", ";", "[]", "dns; []"])
def test_a_dsn_field_naming_no_host_gives_no_host(value: str) -> None:
    text = ("From: MAILER-DAEMON@mx.example.org\nTo: ann@example.org\nSubject: Undelivered Mail\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\nfailed\n\n--b\n"
            f"Content-Type: message/delivery-status\n\nReporting-MTA: {value}\n\nFinal-Recipient: rfc822; bob@example.org\n"
            f"Action: failed\nStatus: 5.1.1\nRemote-MTA: {value}\nDiagnostic-Code: smtp; 550 5.1.1 unknown\n\n--b--\n")
    found = parse(text)
    assert [(e.recipient, e.status, e.remote_mta, e.reporting_mta) for e in found] == [("bob@example.org", "5.1.1", "", "")]


def _gateway_notice(returned: str, failed: str) -> str:
    """A filtering gateway's notice naming the failed recipient without a code, the message it could
    not deliver attached."""
    return ("From: postmaster@gw.example.com\nTo: <sam@example.org>\nSubject: Mail could not be delivered\n"
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"gw\"\n\n--gw\nContent-Type: text/plain\n\n"
            f"The message below was not delivered.\nReason:  Unable to deliver message to <{failed}>.\n\n"
            "--gw\nContent-Type: message/rfc822\n\n" + returned + "\n--gw--\n")


def test_a_recipient_the_notice_names_is_kept_when_the_returned_message_holds_the_codes() -> None:
    import bouncecodes

    # the returned message was sent to the failed recipient, and its own text is a bounce transcript
    # with the codes: the result takes them, and keeps the recipient both name (before, the returned
    # message's To dropped it as the bounce's addressee, and the result had no recipient)
    returned = ("From: sam@example.org\nTo: lee@example.net\nSubject: minutes\nContent-Type: text/plain\n\n"
                "----- The following addresses had permanent fatal errors -----\n<lee@example.net>\n\n"
                "----- Transcript of session follows -----\n... while talking to mx.example.net.:\n"
                ">>> RCPT To:<lee@example.net>\n<<< 550 5.1.1 <lee@example.net>... No such mailbox\n")
    [r] = bouncecodes.classify(_gateway_notice(returned, "lee@example.net"))
    assert (r.recipient, r.status, r.reply, r.reason) == ("lee@example.net", "5.1.1", "550", "userunknown")


def test_a_bounce_returned_inside_a_bounce_still_reports_only_its_own_recipient() -> None:
    import bouncecodes

    # a bounce that could not reach the original sender (sam), returned inside the gateway's notice:
    # the inner bounce is addressed to sam, who stays out of its results; kim is who failed
    returned = ("From: MAILER-DAEMON@mx.example.org\nTo: sam@example.org\nSubject: Undelivered Mail Returned to Sender\n"
                "Content-Type: text/plain\n\nThis is the mail system at host mx.example.org.\n\n"
                "<kim@example.net>: host mx.example.net[192.0.2.7] said: 550 5.1.1 <kim@example.net>: "
                "Recipient address rejected: User unknown (in reply to RCPT TO command)\n")
    [r] = bouncecodes.classify(_gateway_notice(returned, "sam@example.org"))
    assert (r.recipient, r.status, r.reply, r.reason) == ("kim@example.net", "5.1.1", "550", "userunknown")


_QMAIL_GIVE_UP = (
    "From: MAILER-DAEMON@mx.example.org\nTo: alice@example.org\nSubject: failure notice\n\n"
    "Hi. This is the qmail-send program at mx.example.org.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
    "<bob@example.net>:\n{report}\n"
    "I'm not going to try again; this message has been in the queue too long.\n\n"
    "--- Below this line is a copy of the message.\n\nSubject: hi\n\nhello\n"
)


@pytest.mark.parametrize(("report", "diagnostic", "reason"), [
    # qmail-remote defers every refused HELO (netqmail-1.06 qmail-remote.c:231); the cause it names wins
    ("Connected to 198.51.100.7 but my name was rejected.\nRemote host said: 550 5.7.1 HELO name not allowed",
     "550 5.7.1 HELO name not allowed", "blocked"),
    ("Connected to 198.51.100.7 but sender was rejected.\nRemote host said: 451 4.3.0 Try again later",
     "451 4.3.0 Try again later", "rejected"),
    # a deferral that names no cause stays a give-up
    ("Connected to 198.51.100.7 but connection died. (#4.4.2)", "", "expired"),
    ("Remote host said: 451 4.3.0 Try again later", "451 4.3.0 Try again later", "expired"),
])
def test_qmail_give_up_sentence_is_not_the_servers_words(report: str, diagnostic: str, reason: str) -> None:
    from bouncecodes.classify import classify_evidence

    found = parse(_QMAIL_GIVE_UP.format(report=report).encode())
    assert [e.recipient for e in found] == ["bob@example.net"]
    if diagnostic:
        assert found[0].diagnostic == diagnostic
    assert classify_evidence(found[0]).reason == reason
