"""Postfix logs, both sides: delivery outcomes and expiries (outbound), what smtpd, postscreen and
cleanup refused, discarded or held (inbound). Lines written from Postfix 3.9's own templates."""

from __future__ import annotations

import pytest

from bouncecodes import classify, parse
from bouncecodes.parse import InputKind, detect

STAMP = "Mar  2 09:14:07 mx1"


def one(line: str):  # type: ignore[no-untyped-def]
    [r] = classify(line)
    return r


@pytest.mark.parametrize("agent,relay,state,action", [
    ("smtp", "mx.example.org[192.0.2.8]:25", "bounced", "failed"),
    ("lmtp", "mail.example.org[private/dovecot-lmtp]", "deferred", "delayed"),
    ("local", "local", "bounced", "failed"),
    ("virtual", "virtual", "bounced", "failed"),
    ("pipe", "dovecot", "bounced", "failed"),
    ("error", "none", "undeliverable", "failed"),
    ("retry", "none", "deferred", "delayed"),
])
def test_every_delivery_agent_is_read(agent: str, relay: str, state: str, action: str) -> None:
    line = (f"{STAMP} postfix/{agent}[2207]: 7C1D2E3F4A: to=<ann@example.org>, relay={relay}, delay=1, "
            f"delays=0.1/0/0.4/0.5, dsn=5.1.1, status={state} (unknown user: \"ann\")")
    [e] = parse(line)
    assert (e.recipient, e.action, e.status, e.direction, e.queue_id) == ("ann@example.org", action, "5.1.1",
                                                                          "outbound", "7C1D2E3F4A")
    assert e.remote_mta == relay.split("[")[0] if "." in relay else e.remote_mta == ""  # a transport is no host


def test_a_multi_instance_postfix_and_a_submission_service_are_postfix() -> None:
    for tag in ("postfix-out/smtp", "postfix/submission/smtpd"):
        line = (f"{STAMP} {tag}[1]: NOQUEUE: reject: RCPT from c.example.net[192.0.2.7]: 554 5.7.1 <x@example.net>: "
                "Relay access denied; from=<a@example.net> to=<x@example.net> proto=ESMTP helo=<c>")
        assert (one(line).reason, one(line).direction) == ("norelaying", "inbound")


def test_an_expired_message_is_reported_without_a_recipient() -> None:
    r = one(f"{STAMP} postfix/qmgr[900]: 1A2B3C4D5E: from=<fay@example.net>, status=expired, returned to sender")
    assert (r.recipient, r.reason, r.rule, r.direction, r.permanent) == ("", "expired", "reason:expired/action",
                                                                        "outbound", True)
    [e] = parse(f"{STAMP} postfix/qmgr[900]: 1A2B3C4D5E: from=<>, status=force-expired, returned to sender")
    assert (e.action, e.sender) == ("expired", "")


def test_a_refused_recipient_is_inbound_with_its_reason_from_the_same_procedure() -> None:
    r = one(f"{STAMP} postfix/smtpd[812]: NOQUEUE: reject: RCPT from c.example.net[192.0.2.7]: 550 5.1.1 "
            "<mo@example.org>: Recipient address rejected: User unknown in virtual mailbox table; "
            "from=<ned@example.net> to=<mo@example.org> proto=ESMTP helo=<c.example.net>")
    assert (r.recipient, r.reason, r.direction, r.command, r.permanent) == ("mo@example.org", "userunknown",
                                                                           "inbound", "RCPT", True)


def test_a_refusal_with_a_queue_id_and_a_temporary_one() -> None:
    r = one(f"{STAMP} postfix/smtpd[812]: 2B3C4D5E6F: reject: RCPT from c.example.net[192.0.2.7]: 450 4.2.0 "
            "<pia@example.org>: Recipient address rejected: Greylisted, see https://greylist.example.org/; "
            "from=<ned@example.net> to=<pia@example.org> proto=ESMTP helo=<c.example.net>")
    assert (r.recipient, r.direction, r.permanent, r.reply) == ("pia@example.org", "inbound", False, "450")


def test_the_logging_server_s_own_refusal_is_not_judged_by_the_client_s_or_recipient_s_provider() -> None:
    # our server refused to relay to a big provider's address: that provider's rules say nothing here
    r = one(f"{STAMP} postfix/smtpd[812]: NOQUEUE: reject: RCPT from c.example.net[192.0.2.7]: 554 5.7.1 "
            "<someone@gmail.com>: Relay access denied; from=<a@example.net> to=<someone@gmail.com> proto=ESMTP helo=<c>")
    assert (r.provider, r.reason) == ("", "norelaying")


def test_a_client_refused_at_connect_gives_a_result_without_a_recipient() -> None:
    r = one(f"{STAMP} postfix/smtpd[815]: NOQUEUE: reject: CONNECT from unknown[192.0.2.45]: 554 5.7.1 "
            "Service unavailable; Client host [192.0.2.45] blocked using zen.example.org; proto=SMTP")
    assert (r.recipient, r.command, r.direction, r.reason) == ("", "CONN", "inbound", "blocked")


def test_milter_and_header_check_refusals_answer_the_data() -> None:
    r = one(f"{STAMP} postfix/cleanup[820]: 4D5E6F7A8B: milter-reject: END-OF-MESSAGE from c.example.net[192.0.2.7]: "
            "5.7.1 Spam message rejected; from=<ned@example.net> to=<quin@example.org> proto=ESMTP helo=<c>")
    assert (r.recipient, r.command, r.reason, r.direction) == ("quin@example.org", "DATA", "spamdetected", "inbound")
    r = one(f"{STAMP} postfix/cleanup[822]: 6F7A8B9C0D: reject: body Click here from c.example.net[192.0.2.7]; "
            "from=<ned@example.net> to=<uma@example.org> proto=ESMTP helo=<c>: 5.7.1 Message content rejected")
    assert (r.recipient, r.command, r.status) == ("uma@example.org", "DATA", "5.7.1")


def test_discard_and_hold_are_outcomes_too() -> None:
    held = parse(f"{STAMP} postfix/smtpd[818]: 3C4D5E6F7A: hold: RCPT from c.example.net[192.0.2.7]: <pia@example.org>: "
                 "Recipient address triggers HOLD action; from=<ned@example.net> to=<pia@example.org> proto=ESMTP helo=<c>")
    dropped = parse(f"{STAMP} postfix/cleanup[823]: 7A8B9C0D1E: discard: header Subject: win from local; "
                    "from=<root@mx1.example.org> to=<val@example.org>")
    assert [(e.recipient, e.action) for e in held + dropped] == [("pia@example.org", "held"),
                                                                  ("val@example.org", "discarded")]
    r = one(f"{STAMP} postfix/smtpd[818]: 3C4D5E6F7A: hold: RCPT from c.example.net[192.0.2.7]: <pia@example.org>: "
            "Recipient address triggers HOLD action; from=<ned@example.net> to=<pia@example.org> proto=ESMTP helo=<c>")
    assert r.permanent is False  # a held message may still be released


def test_warnings_and_dry_runs_report_no_outcome() -> None:
    lines = [
        f"{STAMP} postfix/smtpd[817]: NOQUEUE: reject_warning: RCPT from c.example.net[192.0.2.7]: 450 4.1.8 "
        "<ned@example.net>: Sender address rejected: Domain not found; from=<ned@example.net> to=<mo@example.org> "
        "proto=ESMTP helo=<c>",
        f"{STAMP} postfix/cleanup[825]: 9C0D1E2F3A: warning: header Subject: hello from c.example.net[192.0.2.7]; "
        "from=<ned@example.net> to=<xi@example.org> proto=ESMTP helo=<c>",
        f"{STAMP} postfix/smtp[813]: connect to mx.example.org[192.0.2.8]:25: Connection refused",
        f"{STAMP} postfix/smtpd[812]: lost connection after RCPT from c.example.net[192.0.2.7]",
    ]
    assert parse("\n".join(lines)) == []


def test_postscreen_refusals() -> None:
    r = one(f"{STAMP} postfix/postscreen[901]: NOQUEUE: reject: RCPT from [192.0.2.50]:42511: 550 5.7.1 Service "
            "unavailable; client [192.0.2.50] blocked using zen.spamhaus.org; from=<x@example.net>, to=<sam@example.org>, "
            "proto=ESMTP, helo=<bot.example.net>")
    assert (r.recipient, r.direction, r.reason, r.provider) == ("sam@example.org", "inbound", "blocked", "spamhaus")


def test_a_message_s_id_comes_from_its_earlier_line() -> None:
    log = (f"{STAMP} postfix/cleanup[827]: AD1E2F3A4B: message-id=<20260302.AD1E2F3A4B@example.net>\n"
           f"{STAMP} postfix/qmgr[900]: AD1E2F3A4B: from=<zed@example.net>, size=2811, nrcpt=2 (queue active)\n"
           f"{STAMP} postfix/smtp[828]: AD1E2F3A4B: to=<abe@example.org>, orig_to=<team@example.org>, "
           "relay=mx.example.org[192.0.2.8]:25, delay=2, delays=0.1/0/1/0.9, dsn=5.2.2, status=bounced "
           "(host mx.example.org[192.0.2.8] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))\n"
           f"{STAMP} postfix/smtp[828]: 0000000000: to=<cal@example.org>, relay=mx.example.org[192.0.2.8]:25, delay=2, "
           "delays=0.1/0/1/0.9, dsn=5.2.2, status=bounced (host mx.example.org[192.0.2.8] said: 552 5.2.2 Mailbox full)\n")
    first, second = parse(log)
    assert (first.message_id, first.queue_id, first.original_recipient) == ("20260302.AD1E2F3A4B@example.net",
                                                                            "AD1E2F3A4B", "team@example.org")
    assert (second.message_id, second.queue_id) == ("", "0000000000")  # another message: nothing of the first's
    r = classify(log)[0]
    assert (r.recipient, r.original_recipient, r.reason) == ("abe@example.org", "team@example.org", "mailboxfull")


@pytest.mark.parametrize("prefix", ["Mar  2 09:14:07 mx1 postfix/smtpd[812]: ", "2026-03-02T09:14:07.123456+01:00 mx1 "
                                    "postfix/smtpd[812]: ", "<22>1 2026-03-02T09:14:07.1Z mx1 postfix/smtpd 812 - - ",
                                    "postfix/smtpd[812]: ", ""])
def test_time_stamps_and_headers_of_any_syslog_or_none(prefix: str) -> None:
    line = (f"{prefix}NOQUEUE: reject: RCPT from c.example.net[192.0.2.7]: 550 5.1.1 <mo@example.org>: Recipient "
            "address rejected: User unknown; from=<ned@example.net> to=<mo@example.org> proto=ESMTP helo=<c>")
    assert detect(line) is InputKind.LOG
    [e] = parse(line)
    assert (e.recipient, e.direction, e.source) == ("mo@example.org", "inbound", "log:postfix/smtpd-reject")
    assert e.timestamp == {"Mar  2 09:14:07 mx1 postfix/smtpd[812]: ": "Mar  2 09:14:07", "<22>1 2026-03-02T09:14:07.1Z "
                           "mx1 postfix/smtpd 812 - - ": "2026-03-02T09:14:07.1Z"}.get(prefix, prefix[:32].strip()
                                                                                     if prefix[:1] == "2" else "")
    assert line[e.span[0]:e.span[1]].startswith("550 5.1.1 <mo@example.org>: Recipient address rejected")
