"""Exim's main log: "**" failures, "==" deferrals, deliveries, and what its ACLs refused ("rejected
RCPT", "rejected after DATA", at EHLO and at connection). Lines written from Exim 4.98's own templates."""

from __future__ import annotations

import pytest

from bouncecodes import classify, parse
from bouncecodes.parse import InputKind, detect

ID = "1vAbCd-000123-Xy"

# what an Exim server refused, as its main (or reject) log has it
REJECT_LOG = """\
2026-03-02 09:14:07 H=mx.example.net [192.0.2.10] F=<a@example.net> rejected RCPT <ann@example.org>: relay not permitted
2026-03-02 09:15:40 H=mx.example.com [192.0.2.11] F=<b@example.com> rejected RCPT <bob@example.org>: Sender verify failed
2026-03-02 09:16:02 H=mx.example.com [192.0.2.11] F=<c@example.com> temporarily rejected RCPT <cy@example.org>: greylisted
"""


def test_refused_recipients_each_with_their_own_words() -> None:
    assert detect(REJECT_LOG) is InputKind.LOG
    found = parse(REJECT_LOG)
    assert [(e.recipient, e.sender, e.diagnostic, e.direction, e.action) for e in found] == [
        ("ann@example.org", "a@example.net", "relay not permitted", "inbound", "failed"),
        ("bob@example.org", "b@example.com", "Sender verify failed", "inbound", "failed"),
        ("cy@example.org", "c@example.com", "greylisted", "inbound", "delayed")]
    assert [r.permanent for r in classify(REJECT_LOG)] == [True, True, False]
    assert classify(REJECT_LOG)[0].reason == "norelaying"


@pytest.mark.parametrize("stage,command", [("rejected after DATA: message rejected as spam", "DATA"),
                                           ("rejected EHLO or HELO bot.example.net: invalid hostname", "EHLO"),
                                           ('rejected connection in "connect" ACL: listed at dnsbl.example.org', "CONN"),
                                           ("rejected MAIL <x@nonexistent.example>: Sender verify failed", "MAIL")])
def test_refusals_before_and_after_the_recipients(stage: str, command: str) -> None:
    [e] = parse(f"2026-03-02 09:22:00 {ID} H=client.example.net [192.0.2.7] {stage}")
    assert (e.recipient, e.command, e.direction) == ("", command, "inbound")


def test_failures_and_deferrals_are_outbound_with_the_remote_host() -> None:
    log = (f"2026-03-02 09:14:07 {ID} ** bob@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.8] "
           "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP error from remote mail server after RCPT TO:<bob@example.org>: "
           "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown\n"
           f"2026-03-02 09:17:00 {ID} == eve@example.org R=dnslookup T=remote_smtp defer (-44) H=mx.example.org "
           "[192.0.2.8]: SMTP error from remote mail server after RCPT TO:<eve@example.org>: 451 4.7.1 Greylisted\n"
           f"2026-03-02 09:18:00 {ID} => gus@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.8] "
           'C="250 2.0.0 Ok"\n')
    results = classify(log)
    assert [(r.recipient, r.reason, r.permanent, r.remote_mta, r.direction) for r in results] == [
        ("bob@example.org", "userunknown", True, "mx.example.org", "outbound"),
        ("eve@example.org", "blocked", False, "mx.example.org", "outbound"),
        ("gus@example.org", "delivered", False, "mx.example.org", "outbound")]


def test_a_pipe_s_failure_is_reported_for_the_address_it_served() -> None:
    [e] = parse(f"2026-03-02 09:15:30 {ID} ** |/usr/bin/procmail <cy@example.org> R=userforward T=address_pipe: "
                "Child process of address_pipe transport returned 69 (could mean service or program unavailable)")
    assert (e.recipient, e.original_recipient) == ("cy@example.org", "")


def test_the_message_id_and_sender_of_the_arrival_line() -> None:
    log = (f"2026-03-02 09:25:00 {ID} <= ned@example.net H=client.example.net [192.0.2.7] P=esmtps S=2311 "
           "id=20260302.abc@example.net\n"
           f"2026-03-02 09:25:02 {ID} ** oz@example.org: Unrouteable address\n")
    [e] = parse(log)
    assert (e.recipient, e.sender, e.message_id, e.queue_id) == ("oz@example.org", "ned@example.net",
                                                                 "20260302.abc@example.net", ID)
