"""Logs of formats whose outcome lines we do not know: read line by line, never as one bounce's prose."""

from __future__ import annotations

import pytest

from bouncecodes import classify, parse
from bouncecodes.parse import InputKind, detect

# a log of a program we have no format for, of what it refused, without replies in its lines
REJECT_LOG = """\
2026-03-02 09:14:07 relayd[812]: refused mx.example.net 192.0.2.10 <a@example.net> -> <ann@example.org>: relay not permitted
2026-03-02 09:15:40 relayd[812]: refused mx.example.com 192.0.2.11 <b@example.com> -> <bob@example.org>: Sender verify failed
2026-03-02 09:16:02 relayd[812]: refused mx.example.com 192.0.2.11 <c@example.com> -> <cy@example.org>: Unknown user
"""


def test_stamped_lines_are_a_log() -> None:
    assert detect(REJECT_LOG) is InputKind.LOG


def test_log_lines_without_replies_give_nothing() -> None:
    # before, the lines were read as one notice: each address took the text up to the next one,
    # so "relay not permitted" for ann was judged with the words of cy's line
    assert parse(REJECT_LOG) == []


@pytest.mark.parametrize("stamp", ["Mar  2 09:14:07 mx1 relayd[812]:", "2026-03-02T09:14:07Z", "[02/Mar/2026 09:14:07]",
                                   "[2026-03-02 09:14:07]", "<22>1 2026-03-02T09:14:07.1Z mx1 relayd 812 - -"])
def test_each_line_with_a_reply_is_read_on_its_own(stamp: str) -> None:
    log = (f"{stamp} delivery to <dee@example.org> failed: 550 5.1.1 mailbox unknown\n"
           f"{stamp} delivery to <eve@example.org> deferred: 452 4.2.2 mailbox over quota\n"
           f"{stamp} connection from 192.0.2.9 closed\n")
    results = classify(log)
    assert [(r.recipient, r.reason, r.permanent) for r in results] == [
        ("dee@example.org", "userunknown", True), ("eve@example.org", "mailboxfull", False)]
    # each span covers its own line only
    first, second = parse(log)
    assert "dee@" in log[first.span[0]:first.span[1]] and "eve@" not in log[first.span[0]:first.span[1]]
    assert "eve@" in log[second.span[0]:second.span[1]]


def test_the_recipient_field_wins_over_the_sender() -> None:
    log = ("Mar  2 09:14:07 mx1 smtpd: error,relay=192.0.2.4,from=<fay@example.net>,to=<gus@example.org>: 550 User unknown.\n"
           "Mar  2 09:14:09 mx1 smtpd: error,relay=192.0.2.4,from=<fay@example.net>,to=<hal@example.org>: 550 User unknown.\n")
    assert [r.recipient for r in classify(log)] == ["gus@example.org", "hal@example.org"]


def test_a_success_reply_in_a_log_line_is_no_failure() -> None:
    log = ("2026-03-02 09:14:07 auth ok user=ivy@example.org 235 2.7.0 Authentication successful\n"
           "2026-03-02 09:14:08 queued for <jo@example.org> 250 2.0.0 Ok: queued\n")
    assert parse(log) == []


def test_a_json_array_is_still_json() -> None:
    assert detect('[{"recipient": "kim@example.org", "status": "5.1.1"}]') is InputKind.JSON


def test_prose_with_a_time_in_it_is_not_a_log() -> None:
    notice = ("This is the mail system at host mx.example.org.\n\n"
              "I'm sorry to have to inform you that your message could not be delivered.\n"
              "On 2026-03-02 09:14:07 the remote server said:\n\n"
              "<lee@example.org>: host mx.example.com[192.0.2.1] said: 550 5.1.1 user unknown\n")
    assert detect(notice) is not InputKind.LOG
    assert [r.recipient for r in classify(notice)] == ["lee@example.org"]


def test_a_known_mta_log_gives_both_sides_each_with_its_direction() -> None:
    # Postfix's record of a message it refused to receive is read too (inbound), beside the outcome
    # of one it sent (outbound)
    refused = ("Mar  2 09:14:07 mx1 postfix/smtpd[812]: NOQUEUE: reject: RCPT from x.example.net[192.0.2.7]: "
               "550 5.1.1 <mo@example.org>: Recipient address rejected: User unknown; from=<n@example.net> "
               "to=<mo@example.org> proto=ESMTP helo=<x.example.net>\n")
    sent = ("Mar  2 09:14:09 mx1 postfix/smtp[813]: 4F2A1B3C: to=<pat@example.com>, relay=mx.example.com[192.0.2.8]:25, "
            "dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.8] said: 550 5.1.1 no such user (in reply to RCPT TO command))\n")
    assert [(r.recipient, r.direction, r.reason) for r in classify(refused + sent)] == [
        ("mo@example.org", "inbound", "userunknown"), ("pat@example.com", "outbound", "userunknown")]


QMAIL_LOG = """\
@400000006a1b2c3d0a1b2c3f starting delivery 7: msg 310 to remote una@example.com
@400000006a1b2c3d0a1b2c40 starting delivery 8: msg 310 to remote vic@example.net
@400000006a1b2c3d0a1b2c41 status: local 0/10 remote 2/20
@400000006a1b2c3d0a1b2c42 delivery 7: failure: 192.0.2.8_does_not_like_recipient./Remote_host_said:_550_5.1.1_<una@example.com>:_no_mailbox_here/Giving_up_on_192.0.2.8./
@400000006a1b2c3d0a1b2c43 delivery 8: deferral: Connected_to_192.0.2.9_but_connection_died._(#4.4.2)/
@400000006a1b2c3d0a1b2c44 starting delivery 9: msg 311 to local wes@example.org
@400000006a1b2c3d0a1b2c45 delivery 9: success: did_0+0+1/
@400000006a1b2c3d0a1b2c46 delivery 10: failure: an_outcome_whose_start_the_log_does_not_hold/
"""


def test_qmail_send_names_the_recipient_on_the_line_that_starts_the_delivery() -> None:
    results = classify(QMAIL_LOG)
    assert [(r.recipient, r.reply, r.status, r.reason, r.permanent) for r in results] == [
        ("una@example.com", "550", "5.1.1", "userunknown", True),
        ("vic@example.net", "", "4.4.2", "networkerror", False),
        ("wes@example.org", "", "", "delivered", False),
        ("", "", "5.0.901", "onhold", True)]  # an outcome whose start the log does not hold: no recipient
    first = parse(QMAIL_LOG)[0]
    assert first.source == "log:qmail/delivery" and first.command == "RCPT"
    assert first.diagnostic.startswith("192.0.2.8 does not like recipient. Remote host said: 550 5.1.1")
    assert QMAIL_LOG[first.span[0]:first.span[1]].startswith("192.0.2.8_does_not_like_recipient")


def test_qmail_lines_through_syslog() -> None:
    log = ("Mar  2 09:14:25 mx3 qmail: 1772442865.123456 starting delivery 44: msg 99 to remote xia@example.com\n"
           "Mar  2 09:14:26 mx3 qmail: 1772442866.123456 delivery 44: failure: "
           "Sorry,_I_couldn't_find_any_host_named_example.com._(#5.1.2)/\n")
    assert [(r.recipient, r.reason) for r in classify(log)] == [("xia@example.com", "hostunknown")]
