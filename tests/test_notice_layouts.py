"""Notices laid out in ways the registry describes or the RFCs allow (inputs written here from the
programs' templates, the providers' documentation and RFC 5965 / 6650):

- feedback reports whose machine-readable part is text/plain or untyped, a report that is the
  message's whole body or its only part, and the feedback loops' own layouts (``notices`` of kind
  feedback in codes/providers/);
- which text is whose: a recipient named by a catalogued template (one that spans two lines), a list
  of recipients under one reason (Domino), reasons written above their addresses (the Lotus SMTP MTA);
- Japanese notices whose declared charset is not the one their bytes are in.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

import bouncecodes
from bouncecodes.build.lint import pattern_problem
from bouncecodes.classify import classify_evidence
from bouncecodes.model import Kind, Registry, Software, SoftwareMessage, SoftwareNotice
from bouncecodes.parse import message as message_module
from bouncecodes.parse import parse
from bouncecodes.parse import text as text_module
from bouncecodes.parse.formats import formats_of
from bouncecodes.parse.message import is_arf_fields

FIELDS = """\
Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <alice@example.org>
Original-Rcpt-To: <bob@example.net>
Arrival-Date: Mon, 02 Dec 2024 09:00:00 +0000
Source-IP: 192.0.2.25
"""
COMPLAINED = """\
From: <alice@example.org>
To: <bob@example.net>
Subject: Your offer
Date: Mon, 02 Dec 2024 09:00:00 +0000

Buy now.
"""
HEAD = """\
From: Feedback Loop <fbl@example.net>
To: abuse@example.org
Subject: Abuse report
Date: Mon, 02 Dec 2024 10:00:00 +0000
MIME-Version: 1.0
"""


def report(machine_part_header: str, content_type: str = "multipart/report; report-type=feedback-report") -> str:
    return (HEAD + f'Content-Type: {content_type}; boundary="b1"\n\n'
            "--b1\nContent-Type: text/plain\n\nThis is an email abuse report for a message from 192.0.2.25.\n\n"
            f"--b1\n{machine_part_header}\n{FIELDS}\n"
            f"--b1\nContent-Type: message/rfc822\n\n{COMPLAINED}--b1--\n")


def feedback(message: str) -> list[tuple[str, str, str]]:
    return [(r.recipient, r.reason, r.detail) for r in bouncecodes.classify(message)]


BOB_ABUSE = [("bob@example.net", "feedback", "abuse")]


@pytest.mark.parametrize("machine_part_header", [
    "Content-Type: message/feedback-report\n",  # RFC 5965 as written
    "Content-Type: text/plain\n",  # the machine-readable part sent as text
    'Content-Type: text/plain; charset="us-ascii"\n',
    "",  # no Content-Type at all: text/plain by default (RFC 2045)
])
def test_the_fields_of_a_feedback_report_are_read_whatever_its_part_is_labelled(machine_part_header: str) -> None:
    assert feedback(report(machine_part_header)) == BOB_ABUSE


def test_a_report_without_report_type_or_with_the_report_alone() -> None:
    assert feedback(report("Content-Type: message/feedback-report\n", "multipart/report")) == BOB_ABUSE
    assert feedback(report("Content-Type: text/plain\n", "multipart/mixed")) == BOB_ABUSE
    alone = HEAD + 'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"\n\n' \
        f"--b1\nContent-Type: message/feedback-report\n\n{FIELDS}\n--b1--\n"
    assert feedback(alone) == BOB_ABUSE
    whole = HEAD + "Content-Type: message/feedback-report\n\n" + FIELDS
    assert feedback(whole) == BOB_ABUSE
    body = HEAD + "Content-Type: text/plain\n\n" + FIELDS  # the fields as the message's only text
    assert feedback(body) == BOB_ABUSE


def test_only_a_part_that_is_fields_is_read_as_a_report() -> None:
    assert is_arf_fields(FIELDS) and is_arf_fields("\n\n" + FIELDS)
    assert not is_arf_fields("Feedback-Type: abuse\nSource-IP: 192.0.2.25\n")  # neither User-Agent nor Version
    letter = ("Hi,\n\nour reports now carry these fields:\n\n" + FIELDS + "\nRegards,\nAlice\n")
    assert not is_arf_fields(letter)
    message = HEAD.replace("Abuse report", "About our reports") + "Content-Type: text/plain\n\n" + letter
    assert bouncecodes.classify(message) == []


def test_hotmail_s_traditional_complaint_names_its_recipient_in_the_returned_message() -> None:
    jmrp = ("From: staff@hotmail.com\nTo: fbl@example.org\nSubject: complaint about message from 192.0.2.25\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b2"\n\n'
            "--b2\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n"
            "X-HmXmrOriginalRecipient: <carol@example.net>\n" + COMPLAINED + "--b2--\n")
    # the field names who complained, not the To of the message (a list's address, say)
    assert feedback(jmrp) == [("carol@example.net", "feedback", "abuse")]
    # the same sender with nothing returned is an ordinary message
    assert bouncecodes.classify("From: staff@hotmail.com\nTo: fbl@example.org\nSubject: Hello\n\nHello.\n") == []


def test_aol_s_traditional_feedback_loop() -> None:
    aol = ("From: scomp@aol.net\nTo: fbl@example.org\nSubject: Client TOS Notification\n"
           'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b3"\n\n'
           "--b3\nContent-Type: text/plain\n\n\n--b3\nContent-Type: message/rfc822\n\n" + COMPLAINED + "--b3--\n")
    assert feedback(aol) == BOB_ABUSE
    [e] = parse(aol)
    assert e.kind is Kind.FEEDBACK


# -- which text is whose -----------------------------------------------------------------------

DOMINO = """\
From: Postmaster@example.net
To: alice@example.org
Subject: DELIVERY FAILURE: User bob (bob@example.net) not listed in Domino Directory
Content-Type: text/plain

Your message

  Subject: Hello

was not delivered to:

  bob@example.net
  carol@example.net

because:

  User bob (bob@example.net) not listed in Domino Directory

"""


def test_a_list_of_recipients_under_one_reason_gives_each_the_reason() -> None:
    found = bouncecodes.classify(DOMINO)
    assert [(r.recipient, r.reason, r.rule) for r in found] == [
        ("bob@example.net", "userunknown", "software:domino/not-listed-in-directory"),
        ("carol@example.net", "userunknown", "software:domino/not-listed-in-directory")]
    assert all(r.diagnostic.startswith("User bob") for r in found)
    # the same notice without the layout in the registry: the second recipient got "because:" only
    plain = formats_of(replace(bouncecodes.registry.load_registry(), software=(), providers=(), _index={}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(text_module, "notice_formats", lambda: plain)
        blocks = text_module.Blocks(text_module.notice_part(DOMINO.split("\n\n", 1)[1]), set())
    assert "not listed" not in " ".join(blocks.lines_of("carol@example.net"))


LOTUS = """\
From: POSTMASTER@mx.example.net
To: alice@example.org
Subject: Undeliverable message
Content-Type: text/plain; charset=ISO-8859-1


------- Failure Reasons  --------

User not listed in public Name & Address Book
bob@example.net
Mail file quota exceeded
carol@example.net


------- Returned Message --------
From: alice@example.org
To: bob@example.net, carol@example.net
Subject: Hello

Hello. Write to dave@example.net.
"""


def test_reasons_written_above_their_addresses_stay_with_them() -> None:
    found = [(r.recipient, r.reason, r.diagnostic) for r in bouncecodes.classify(LOTUS)]
    assert found == [("bob@example.net", "userunknown", "User not listed in public Name & Address Book"),
                     ("carol@example.net", "mailboxfull", "Mail file quota exceeded")]


PIPE = """\
From: Mail Delivery System <Mailer-Daemon@example.net>
To: alice@example.org
Subject: Mail delivery failed: returning message to sender

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  pipe to |/usr/local/bin/filter
    generated by bob@example.net
    local delivery failed

"""


def _with_demo(registry: Registry, notice: SoftwareNotice, *messages: SoftwareMessage) -> Registry:
    demo = Software(id="demo", name="Demo MTA", kind="mta", description="", website="https://example.org/",
                    messages=messages, notices=(notice,))
    return replace(registry, software=(*registry.software, demo), _index={})


def test_a_recipient_named_by_a_two_line_template_owns_both_lines(registry: Registry,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = SoftwareMessage(id="software:demo/pipe", software="demo", reason="mailererror", text="…", where="notice",
                           source="https://example.org/", examples=("x",),
                           match=(r"pipe to \|\S{1,500}\s{1,12}generated by ",))
    notice = SoftwareNotice(id="failure", kind="failure", source="https://example.org/",
                            recipient=("pipe to |<command>\n    generated by <address>",))
    # the packaged registry's own templates (Exim's catalogue has this one) are left out, so that
    # the demo's template is the only one
    bare = replace(registry, software=tuple(replace(s, notices=tuple(replace(n, recipient=()) for n in s.notices))
                                            for s in registry.software), _index={})
    demo = _with_demo(bare, notice, pipe)

    def verdicts() -> list[tuple[str, str, str]]:
        return [(r.recipient, r.reason, r.diagnostic) for r in
                (classify_evidence(e, demo) for e in parse(PIPE, registry=demo))]

    # without the template the address's part of the notice starts below the line naming the pipe
    without = formats_of(_with_demo(bare, replace(notice, recipient=()), pipe))
    monkeypatch.setattr(text_module, "notice_formats", lambda: without)
    monkeypatch.setattr(message_module, "notice_formats", lambda: without)
    assert verdicts()[0][2] == "generated by local delivery failed"
    tables = formats_of(demo)
    monkeypatch.setattr(text_module, "notice_formats", lambda: tables)
    monkeypatch.setattr(message_module, "notice_formats", lambda: tables)
    assert verdicts() == [("bob@example.net", "mailererror",
                           "pipe to |/usr/local/bin/filter generated by local delivery failed")]
    assert list(tables.recipients(PIPE)) == [(PIPE.split("\n").index("  pipe to |/usr/local/bin/filter"),
                                              "bob@example.net")]


def test_the_layout_tables_are_linear_time_patterns(registry: Registry) -> None:
    notice = SoftwareNotice(id="failure", kind="failure", source="https://example.org/",
                            recipient=("pipe to |<command>\n generated by <address>", "to <<address>> failed"),
                            lists=("was not delivered to:",), because=("because:",),
                            reasons_above=("--- Reasons <n> ---",))
    loop = SoftwareNotice(id="fbl", kind="feedback", source="https://example.org/", senders=("loop@example.net",),
                          subject=("complaint about <ip>",), recipient_fields=("X-Complainant",))
    tables = formats_of(replace(_with_demo(registry, notice), providers=(
        replace(registry.providers[0], notices=(loop,)), *registry.providers[1:]), _index={}))
    assert tables.feedback_of("complaint about 192.0.2.1", "loop@example.net") is not None
    assert tables.feedback_of("complaint about 192.0.2.1", "someone@example.net") is None
    for pattern in tables.patterns():
        assert pattern is not None and not pattern_problem(pattern.pattern), pattern
    # the tables of the packaged registry too
    for pattern in formats_of(registry).patterns():
        assert pattern is None or not pattern_problem(pattern.pattern), pattern.pattern


# -- charsets ------------------------------------------------------------------------------------


def test_japanese_text_in_another_charset_than_declared_is_read() -> None:
    text = "送信先のメールアドレスが見つかりません。\n\n    Recipient: <bob@example.jp>\n    <<< 550 <bob@example.jp>: User unknown\n"
    for actual in ("euc-jp", "cp932"):
        raw = (b"From: Postmaster@example.jp\nTo: alice@example.org\nSubject: Mail System Error - Returned Mail\n"
               b'MIME-Version: 1.0\nContent-Type: text/plain; charset="ISO-2022-JP"\nContent-Transfer-Encoding: 7bit\n\n'
               ) + text.encode(actual)
        [r] = bouncecodes.classify(raw)
        assert (r.recipient, r.reply, r.reason) == ("bob@example.jp", "550", "userunknown")
        assert re.search("見つかりません", " ".join(e.notice for e in parse(raw)))


LISTED = """\
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
To: alice@example.org
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="XX"

--XX
Content-Type: text/plain

Delivery to the following recipients failed permanently:

    bob@example.net
    carol@example.net

The recipient's account has been disabled.

--XX
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; bob@example.net
Action: failed
Status: 5.0.0

Final-Recipient: rfc822; carol@example.net
Action: failed
Status: 5.0.0

--XX--
"""


def test_a_reason_under_a_list_of_addresses_is_every_listed_recipient_s() -> None:
    # no Diagnostic-Code: the text under the list says what happened, for both (before, only for
    # the last one of the list; the first got the code's "undefined")
    found = [(r.recipient, r.reason, r.diagnostic) for r in bouncecodes.classify(LISTED)]
    assert found == [("bob@example.net", "suspend", "The recipient's account has been disabled."),
                     ("carol@example.net", "suspend", "The recipient's account has been disabled.")]
    # an address with words of its own keeps them
    own = LISTED.replace("    bob@example.net\n", "    bob@example.net: mailbox full\n")
    assert [(r.recipient, r.reason) for r in bouncecodes.classify(own)] == [
        ("bob@example.net", "mailboxfull"), ("carol@example.net", "suspend")]


def test_dma_s_refused_greeting_is_a_reply_to_the_connection() -> None:
    # dma (net.c, READ_REMOTE_CHECK("connect", 2)): "<host> [<ip>] did not like our connect:"
    notice = ("From: MAILER-DAEMON <>\nTo: alice@example.org\nSubject: Mail delivery failed\n\n"
              "This is the DragonFly Mail Agent v0.14 at mail.example.org.\n\n"
              "There was an error delivering your mail to <bob@example.net>.\n\n"
              "mx.example.net [192.0.2.20] did not like our connect:\n554 5.7.1 Service unavailable\n\n"
              "Message headers follow.\n\nTo: <bob@example.net>\nSubject: Hello\n")
    [e] = parse(notice)
    assert (e.recipient, e.reply, e.command) == ("bob@example.net", "554", "CONN")
