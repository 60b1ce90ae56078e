"""Sendmail logs: stat= lines (several recipients, local users without a domain), ruleset refusals and
the errors given to MAIL FROM and RCPT TO. Lines written from Sendmail 8.18's own templates."""

from __future__ import annotations

from bouncecodes import classify, parse

STAMP = "Mar  2 09:14:07 mx1"


def test_a_local_user_without_a_domain_is_kept_as_written() -> None:
    [r] = classify(f"{STAMP} sendmail[4400]: 622AF2cD004400: to=root, ctladdr=root (0/0), delay=00:00:00, "
                   "xdelay=00:00:00, mailer=local, pri=30405, dsn=5.1.1, stat=User unknown")
    assert (r.recipient, r.reason, r.status, r.direction) == ("root", "userunknown", "5.1.1", "outbound")


def test_one_line_for_several_recipients_gives_one_result_each() -> None:
    found = parse(f"{STAMP} sm-mta[4321]: 622AE7aB004321: to=<ann@example.org>,bob@example.org,<ann@example.org>, "
                  "delay=00:00:03, xdelay=00:00:02, mailer=esmtp, pri=120543, relay=mx.example.org. [192.0.2.8], "
                  "dsn=4.4.1, stat=Deferred: Connection refused by mx.example.org.")
    assert [(e.recipient, e.action, e.remote_mta) for e in found] == [
        ("ann@example.org", "delayed", "mx.example.org"), ("bob@example.org", "delayed", "mx.example.org")]


def test_the_remote_reply_beside_sendmail_s_own_words() -> None:
    [e] = parse(f"{STAMP} sendmail[4402]: 622AH4gH004402: to=<dee@example.org>, delay=00:00:02, mailer=esmtp, "
                "pri=120321, relay=mx.example.org. [192.0.2.8], dsn=5.2.2, reply=552 5.2.2 <dee@example.org>... "
                "Mailbox full, stat=User unknown")
    assert (e.diagnostic, e.notice, e.reply) == ("552 5.2.2 <dee@example.org>... Mailbox full", "User unknown", "552")
    assert classify(e.diagnostic)[0].reason == "mailboxfull"


def test_a_recipient_refused_by_check_rcpt_is_inbound() -> None:
    [r] = classify(f"{STAMP} sm-mta[4410]: 622AJ6kL004410: ruleset=check_rcpt, arg1=<fay@example.net>, "
                   "relay=client.example.net [192.0.2.7], reject=550 5.7.1 <fay@example.net>... Relaying denied")
    assert (r.recipient, r.reason, r.direction, r.command) == ("fay@example.net", "norelaying", "inbound", "RCPT")


def test_a_client_refused_by_check_relay_has_no_recipient() -> None:
    [r] = classify(f"{STAMP} sm-mta[4412]: NOQUEUE: ruleset=check_relay, arg1=bot.example.net, arg2=192.0.2.66, "
                   "relay=bot.example.net [192.0.2.66], reject=554 5.7.1 Rejected 192.0.2.66 found in dnsbl.example.org")
    assert (r.recipient, r.direction, r.command, r.reason) == ("", "inbound", "CONN", "blocked")


def test_the_error_given_to_rcpt_to_while_receiving() -> None:
    [r] = classify(f"{STAMP} sm-mta[4414]: 622AN0sT004414: <hal@example.org>... User unknown")
    assert (r.recipient, r.reason, r.direction) == ("hal@example.org", "userunknown", "inbound")


def test_queued_and_sent_lines() -> None:
    log = (f"{STAMP} sendmail[1]: 622AI5iJ004403: to=<eve@example.org>, delay=00:00:01, mailer=esmtp, pri=1, "
           "relay=mx.example.org. [192.0.2.8], dsn=2.0.0, stat=Sent (Ok: queued as 4F5A6B)\n"
           f"{STAMP} sendmail[1]: 622AI5iJ004404: to=<fay@example.org>, delay=00:00:01, mailer=esmtp, pri=1, "
           "stat=queued\n")
    assert [(r.recipient, r.reason) for r in classify(log)] == [("eve@example.org", "delivered")]
