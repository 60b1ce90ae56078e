"""qmail-send's two lines per delivery (linked by the delivery number, text encoded with '_' and '/')
and OpenSMTPD's mta/mda delivery and failed-command lines."""

from __future__ import annotations

from bouncecodes import classify, parse


def test_a_delivery_number_links_one_start_and_one_outcome() -> None:
    log = ("@400000006a1b2c3d0a1b2c3f starting delivery 7: msg 310 to remote una@example.org\n"
           "@400000006a1b2c3e0a1b2c40 delivery 7: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/\n"
           "@400000006a1b2c3e0a1b2c41 starting delivery 7: msg 311 to local vic@example.org\n"
           "@400000006a1b2c3e0a1b2c42 delivery 7: deferral: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/\n"
           "@400000006a1b2c3e0a1b2c43 delivery 7: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/\n")
    found = parse(log)
    # qmail reuses the number: each start serves one outcome, and an outcome without one has no recipient
    assert [(e.recipient, e.action, e.queue_id) for e in found] == [
        ("una@example.org", "failed", "310"), ("vic@example.org", "delayed", "311"), ("", "failed", "")]
    assert found[0].diagnostic == "Sorry, no mailbox here by that name. (#5.1.1)"


def test_a_link_in_qmail_s_text_keeps_its_slashes() -> None:
    [e] = parse("@400000006a1b2c3e0a1b2c40 delivery 3: failure: 192.0.2.8_does_not_like_recipient./Remote_host_said:"
                "_550_5.7.1_see_https://blocklist.example.org/lookup/")
    assert "https://blocklist.example.org/lookup/" in e.diagnostic


def test_opensmtpd_outcomes_both_sides() -> None:
    log = ('Mar  2 09:14:07 mx1 smtpd[3312]: 8a1b2c3d4e5f6a7b mta delivery evpid=1f2e3d4c5b6a7988 from=<ann@example.net> '
           'to=<bob@example.org> rcpt=<-> source="192.0.2.1" relay="192.0.2.8 (mx.example.org)" delay=2s '
           'result="PermFail" stat="550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown"\n'
           'Mar  2 09:15:07 mx1 smtpd[3312]: 8a1b2c3d4e5f6a7c mta delivery evpid=1f2e3d4c5b6a7989 from=<ann@example.net> '
           'to=<cy@example.org> rcpt=<-> source="192.0.2.1" relay="192.0.2.8" delay=1m result="TempFail" '
           'stat="Connection refused"\n'
           'Mar  2 09:17:07 mx1 smtpd[3314]: 0c1d2e3f4a5b6c7d smtp failed-command command="RCPT TO:<fay@example.org>" '
           'result="550 Invalid recipient: <fay@example.org>"\n'
           'Mar  2 09:18:07 mx1 smtpd[3314]: 0c1d2e3f4a5b6c7e smtp failed-command command="AUTH PLAIN (...)" '
           'result="535 Authentication failed"\n')
    results = classify(log)
    assert [(r.recipient, r.reason, r.permanent, r.direction) for r in results] == [
        ("bob@example.org", "userunknown", True, "outbound"),
        ("cy@example.org", "networkerror", False, "outbound"),
        ("fay@example.org", "userunknown", True, "inbound")]  # a failed login is no message's failure
