"""Logs read by column or key: PowerMTA's accounting CSV, Exchange's message tracking log, and the
JSON logs of KumoMTA, Haraka and ZoneMTA."""

from __future__ import annotations

import json

from bouncecodes import classify, parse
from bouncecodes.model import Registry
from bouncecodes.parse import InputKind, detect

PMTA = """\
type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,vmta,jobId
b,2026-03-02 09:14:07+0000,2026-03-02 09:14:05+0000,news@example.net,bob@example.org,,failed,5.1.1 (bad destination mailbox address),"smtp;550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown, sorry",mx.example.org (192.0.2.8),bad-mailbox,vmta1,job42
t,2026-03-02 09:14:08+0000,2026-03-02 09:14:05+0000,news@example.net,cy@example.org,rfc822;sales@example.org,delayed,4.2.2 (mailbox full),smtp;452 4.2.2 Mailbox full,mx.example.org (192.0.2.8),quota-issues,vmta1,job42
f,2026-03-02 09:14:09+0000,,news@example.net,dee@example.org,,,,,,,vmta1,job42
"""

EXCHANGE = """\
#Software: Microsoft Exchange Server
#Version: 15.02.1118.007
#Log-type: Message Tracking Log
#Date: 2026-03-02T09:14:07.123Z
#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version
2026-03-02T09:14:07.123Z,,,192.0.2.1,EX01,,,ROUTING,FAIL,12345678901234,<msg1@example.net>,0a1b2c3d,bob@example.org,550 5.1.1 RESOLVER.ADR.RecipNotFound; not found,2311,1,,,Report,ann@example.net,ann@example.net,,Originating,,,,,Email,0a1b,15.02.1118.007
2026-03-02T09:14:08.123Z,,,192.0.2.1,EX01,,,SMTP,SEND,12345678901235,<msg2@example.net>,0a1b2c3e,cy@example.org,250 2.0.0 OK,2311,1,,,Report,ann@example.net,ann@example.net,,Originating,,,,,Email,0a1c,15.02.1118.007
2026-03-02T09:14:09.123Z,,,192.0.2.1,EX01,,,AGENT,RECEIVE,12345678901236,<msg3@example.net>,0a1b2c3f,dee@example.org,,2311,1,,,Report,ann@example.net,ann@example.net,,Incoming,,,,,Email,0a1d,15.02.1118.007
"""


def test_powermta_accounting_rows_by_column_name() -> None:
    assert detect(PMTA) is InputKind.LOG
    found = parse(PMTA)
    assert [(e.recipient, e.original_recipient, e.action, e.status, e.remote_mta, e.sender) for e in found] == [
        ("bob@example.org", "", "failed", "5.1.1", "mx.example.org", "news@example.net"),
        ("cy@example.org", "sales@example.org", "delayed", "4.2.2", "mx.example.org", "news@example.net")]
    assert found[0].diagnostic == "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown, sorry"
    assert [(r.reason, r.permanent) for r in classify(PMTA)] == [("userunknown", True), ("mailboxfull", False)]


def pmta_row(diag: str, category: str, state: str = "b", status: str = "") -> str:
    return ("type,timeLogged,orig,rcpt,dsnStatus,dsnDiag,dsnMta,bounceCat\n"
            f'{state},2026-03-02 09:14:07+0000,news@example.net,bob@example.org,{status},"{diag}",mx.example.org,{category}\n')


def test_powermta_bounce_category_decides_when_the_diagnostic_names_no_cause() -> None:
    # a broad 5.7.1 and words no rule reads: PowerMTA's own category is the best evidence left
    [r] = classify(pmta_row("smtp;554 5.7.1 Message rejected by rule R17", "virus-related"))
    assert (r.reason, r.rule, r.permanent) == ("virusdetected", "log:powermta/accounting/category/virus-related", True)
    assert parse(pmta_row("smtp;554 5.7.1 Rejected", "Virus-Related"))[0].category == "Virus-Related"
    assert classify(pmta_row("smtp;554 5.7.1 Rejected", "Virus-Related"))[0].reason == "virusdetected"
    # a deferral keeps the category's reason, and stays temporary
    [t] = classify(pmta_row("smtp;452 Requested action not taken", "quota-issues", state="t"))
    assert (t.reason, t.permanent) == ("mailboxfull", False)
    # the server's words and a decisive code come first: the category is PowerMTA's guess from the same text
    words = classify(pmta_row("smtp;550 5.1.1 mailbox unavailable", "spam-related"))
    assert [(x.reason, x.rule) for x in words] == [("userunknown", "enhanced:X.1.1")]
    assert classify(pmta_row("smtp;554 5.7.1 Mailbox is full", "spam-related"))[0].reason == "mailboxfull"
    # a category the format does not list ("other", a custom one) decides nothing: the broad code does
    for other in ("other", "my-custom-category", ""):
        assert classify(pmta_row("smtp;554 5.7.1 Message rejected by rule R17", other))[0].rule == "enhanced:X.7.1"


def test_every_documented_powermta_category_maps_to_a_reason(registry: Registry) -> None:
    """The User's Guide's list of bounce categories (section 11.6), all but "other", each to a reason."""
    [fmt] = [f for p in registry.logs if p.id == "powermta" for f in p.formats if f.id == "powermta/accounting"]
    documented = {"bad-configuration", "bad-connection", "bad-domain", "bad-mailbox", "content-related",
                  "inactive-mailbox", "invalid-sender", "message-expired", "no-answer-from-host", "policy-related",
                  "protocol-errors", "quota-issues", "relaying-issues", "routing-errors", "spam-related",
                  "virus-related"}
    assert {c.name for c in fmt.categories} == documented
    for c in fmt.categories:
        assert registry.reason(c.reason).bounce, c
        [r] = classify(pmta_row("smtp;554 5.7.1 Message rejected by rule R17", c.name))
        assert (r.reason, r.rule) == (c.reason, f"log:powermta/accounting/category/{c.name}")


def test_exchange_message_tracking_rows() -> None:
    assert detect(EXCHANGE) is InputKind.LOG
    results = classify(EXCHANGE)
    assert [(r.recipient, r.reason, r.direction) for r in results] == [
        ("bob@example.org", "userunknown", "outbound"), ("cy@example.org", "delivered", "outbound")]
    assert parse(EXCHANGE)[0].message_id == "msg1@example.net"


def kumo(kind: str, **extra: object) -> str:
    record = {"type": kind, "id": "1d98076abbbc11ed940250ebf67f93bd", "sender": "news@example.net",
              "recipient": "bob@example.org", "queue": "example.org", "site": "mx.example.org", "size": 1047,
              "response": {"code": 550, "enhanced_code": {"class": 5, "subject": 1, "detail": 1},
                           "content": "user unknown", "command": "RCPT TO:<bob@example.org>\r\n"},
              "peer_address": {"name": "mx.example.org", "addr": "192.0.2.8"}, "timestamp": 1772442847}
    record.update(extra)
    return json.dumps(record)


def test_kumomta_bounce_classification_is_read_by_the_same_mechanism() -> None:
    response = {"code": 554, "enhanced_code": {"class": 5, "subject": 7, "detail": 1},
                "content": "Message rejected by rule R17", "command": "DATA\r\n"}
    [r] = classify(kumo("Bounce", response=response, bounce_classification="SpamBlock") + "\n")
    assert (r.reason, r.rule) == ("blocked", "log:kumomta/delivery-record/category/SpamBlock")
    later = {**response, "code": 451, "enhanced_code": {"class": 4, "subject": 7, "detail": 1}}
    [t] = classify(kumo("TransientFailure", response=later, bounce_classification="TooManyRecipients") + "\n")
    assert (t.reason, t.detail, t.permanent) == ("toomanyconn", "too-many-recipients", False)
    # Uncategorized (no classifier configured, or no rule matched) decides nothing
    [u] = classify(kumo("Bounce", response=response, bounce_classification="Uncategorized") + "\n")
    assert u.rule == "enhanced:X.7.1"
    # the reply's own words still come first
    assert classify(kumo("Bounce", bounce_classification="SpamBlock") + "\n")[0].reason == "userunknown"


def test_kumomta_records_one_per_line() -> None:
    log = "\n".join([kumo("Bounce"), kumo("Reception"), kumo("Rejection", queue=""), kumo("Delivery")]) + "\n"
    assert detect(log) is InputKind.JSON
    results = classify(log)
    assert [(r.recipient, r.reason, r.status, r.reply, r.direction) for r in results] == [
        ("bob@example.org", "userunknown", "5.1.1", "550", "outbound"),
        ("bob@example.org", "userunknown", "5.1.1", "550", "inbound"),
        ("bob@example.org", "delivered", "5.1.1", "550", "outbound")]


def test_kumomta_expiration_is_expired() -> None:
    record = kumo("Expiration", response={"code": 551, "enhanced_code": None, "content": "Next delivery time would "
                                          "be at 2026-03-09 which exceeds the expiry time", "command": None})
    [r] = classify(record)
    assert (r.reason, r.direction) == ("expired", "outbound")


def test_haraka_json_and_default_lines() -> None:
    log = ('{"level":"NOTICE","uuid":"6F0B.1.1","origin":"outbound","message":"recipient <bob@example.org> rejected: '
           '550 5.1.1 User unknown"}\n'
           '{"level":"NOTICE","uuid":"7A1C.1","origin":"core","message":"recipient <cy@example.org>","code":"DENY",'
           '"msg":"relaying denied","sender":"x@example.net"}\n'
           '{"level":"INFO","uuid":"7A1C.1","origin":"core","message":"connect ip=192.0.2.7"}\n')
    assert [(r.recipient, r.reason, r.direction) for r in classify(log)] == [
        ("bob@example.org", "userunknown", "outbound"), ("cy@example.org", "norelaying", "inbound")]
    line = ("2026-03-02T09:14:07.123Z [NOTICE] [6F0B.1.1] [outbound] recipient <dee@example.org> deferred: "
            "452 4.2.2 Mailbox full\n")
    [r] = classify(line + line.replace("dee@", "eve@").replace("deferred", "rejected"))[:1]
    assert (r.recipient, r.reason, r.permanent) == ("dee@example.org", "mailboxfull", False)


def test_zonemta_lines_and_remote_log_entries() -> None:
    line = ("info Sender/mx1/12345 id=ab12cd34ef 17a8b2c3d4e000abcd.001 REJECTED[recipient] from=news@example.net "
            "to=bob@example.org src=192.0.2.1 mx=mx.example.org[192.0.2.8] message-id=<msg1@example.net> "
            "(550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown)\n")
    entry = json.dumps({"id": "17a8b2c3d4e000abce", "seq": "001", "action": "DEFERRED", "to": "cy@example.org",
                        "from": "news@example.net", "mx": "mx.example.org", "response": "451 4.7.1 Greylisted"})
    assert [(r.recipient, r.direction, r.permanent) for r in classify(line + line)][:1] == [
        ("bob@example.org", "outbound", True)]
    [r] = classify(entry)
    assert (r.recipient, r.reason, r.remote_mta) == ("cy@example.org", "blocked", "mx.example.org")
