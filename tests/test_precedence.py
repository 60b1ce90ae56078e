"""Pins the decision order of bouncecodes.classify (see its module docstring)."""

from __future__ import annotations

from dataclasses import replace

import bouncecodes
from bouncecodes.classify import decide, recognise_provider
from bouncecodes.model import Evidence, Kind, Registry


def rule_for(registry: Registry, evidence: Evidence) -> str:
    return decide(evidence, registry, recognise_provider(evidence, registry)).rule


def test_structure_first(registry: Registry) -> None:
    e = Evidence(status="5.1.1", reply="550", diagnostic="user unknown", kind=Kind.FEEDBACK, feedback_type="abuse")
    assert rule_for(registry, e) == "reason:feedback"
    assert rule_for(registry, replace(e, kind=Kind.AUTOREPLY)) == "reason:vacation"
    assert rule_for(registry, replace(e, kind=Kind.DELIVERED)) == "reason:delivered"


def test_provider_rule_beats_enhanced_code(registry: Registry) -> None:
    text = ("550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all "
            "senders to authenticate with either SPF or DKIM. gsmtp")
    e = Evidence(reply="550", status="5.7.26", diagnostic=text, remote_mta="gmail-smtp-in.l.google.com")
    assert rule_for(registry, e).startswith("provider:google/")
    unknown_host = replace(e, remote_mta="mx.example.net", diagnostic=text.replace("gsmtp", "").replace("Gmail", "We"))
    assert rule_for(registry, unknown_host) == "enhanced:X.7.26"


def test_provider_reuse_of_registered_code(registry: Registry) -> None:
    # Google's 5.7.30 is a DKIM failure; the registry's X.7.30 is REQUIRETLS.
    text = "550 5.7.30 This message does not pass DKIM authentication. gsmtp"
    e = Evidence(reply="550", status="5.7.30", diagnostic=text, remote_mta="mx.google.com")
    assert rule_for(registry, e).startswith("provider:google/")
    assert rule_for(registry, replace(e, remote_mta="mx.example.net", diagnostic="550 5.7.30 REQUIRETLS needed")) \
        == "enhanced:X.7.30"


def test_decisive_enhanced_code_beats_phrase(registry: Registry) -> None:
    e = Evidence(reply="550", status="5.1.1", diagnostic="this account has been disabled")
    assert rule_for(registry, e) == "enhanced:X.1.1"


def test_phrase_beats_broad_enhanced_code(registry: Registry) -> None:
    e = Evidence(reply="550", status="5.7.1", diagnostic="mailbox is full")
    assert rule_for(registry, e).startswith("phrase:mailboxfull/")


def test_notice_after_diagnostic(registry: Registry) -> None:
    e = Evidence(reply="550", status="5.0.0", diagnostic="no comment", notice="the mailbox is full")
    assert rule_for(registry, e).startswith("phrase:mailboxfull/")


def test_broad_enhanced_code_beats_reply_code(registry: Registry) -> None:
    assert rule_for(registry, Evidence(reply="550", status="5.7.1", diagnostic="no comment")) == "enhanced:X.7.1"


def test_subject_when_code_is_unregistered(registry: Registry) -> None:
    assert rule_for(registry, Evidence(reply="550", status="5.7.999", diagnostic="no comment")) == "enhanced:X.7.YYY"


def test_reply_code_then_class(registry: Registry) -> None:
    assert rule_for(registry, Evidence(reply="552", diagnostic="no comment")) == "reply:552"
    assert rule_for(registry, Evidence(status="4.9.9", diagnostic="no comment")) == "enhanced:4.XXX.YYY"


def test_nothing_known(registry: Registry) -> None:
    # no code and no recognised words: on hold; a code that names no cause: undefined
    assert rule_for(registry, Evidence(diagnostic="no comment")) == "reason:onhold"
    assert rule_for(registry, Evidence(status="5.0.0", diagnostic="no comment")) == "enhanced:X.0.0"
    assert decide(Evidence(status="5.0.0", diagnostic="no comment"), registry, None).reason == "undefined"


def test_permanent_and_hard() -> None:
    r = bouncecodes.classify("550 5.1.1 <bob@example.org>: user unknown")[0]
    assert (r.reason, r.permanent, r.hard) == ("userunknown", True, True)
    t = bouncecodes.classify("452 4.2.2 mailbox full")[0]
    assert (t.reason, t.permanent, t.hard) == ("mailboxfull", False, False)
    n = bouncecodes.classify("556 5.1.10 Recipient address has null MX")[0]
    assert (n.reason, n.permanent, n.hard) == ("notaccept", True, True)


def test_diagnostic_type_comes_after_the_servers_words(registry: Registry) -> None:
    local = Evidence(status="4.3.0", diagnostic="temporary failure", diagnostic_type="x-unix")
    assert rule_for(registry, local) == "reason:mailererror/diagnostic-type"
    # the server's words still win; an smtp type decides nothing by itself
    assert rule_for(registry, replace(local, diagnostic="Quota exceeded for this mailbox")).startswith("phrase:mailboxfull/")
    assert rule_for(registry, replace(local, diagnostic_type="smtp")) == "enhanced:X.3.0"


def test_user_unknown_after_data_is_a_filter(registry: Registry) -> None:
    e = Evidence(reply="550", diagnostic="550 Unknown user bob@example.org", command="DATA")
    assert rule_for(registry, e) == "reason:userunknown/after-data"
    assert decide(e, registry, None).reason == "filtered"
    assert rule_for(registry, replace(e, command="RCPT")) == "phrase:userunknown/user-unknown"
    assert rule_for(registry, replace(e, command="")) == "phrase:userunknown/user-unknown"
    # a decisive enhanced code is not second-guessed
    assert rule_for(registry, replace(e, status="5.1.1")) == "enhanced:X.1.1"


def test_user_unknown_under_a_mailbox_status_code_is_a_filter_unless_it_answered_rcpt(registry: Registry) -> None:
    e = Evidence(status="5.2.1", reply="550", diagnostic="550 5.2.1 <bob@example.org>... User Unknown")
    d = decide(e, registry, None)
    assert (d.rule, d.reason) == ("reason:userunknown/mailbox-status", "filtered")
    # at RCPT TO the mailbox was looked up: the words stand
    assert rule_for(registry, replace(e, command="RCPT")) == "phrase:userunknown/user-unknown"
    # a code of another subject says nothing about the mailbox existing
    assert rule_for(registry, replace(e, status="5.0.0")) == "phrase:userunknown/user-unknown"
    # words of another reason are left alone
    assert rule_for(registry, replace(e, diagnostic="550 5.2.1 mailbox disabled")).startswith("phrase:suspend/")


def test_a_reply_to_mail_from_is_about_the_sender(registry: Registry) -> None:
    e = Evidence(status="5.1.0", reply="553", diagnostic="553 5.1.0 bounce@example.net does not exist", command="MAIL")
    d = decide(e, registry, None)
    assert (d.rule, d.reason) == ("reason:userunknown/at-mail", "rejected")
    assert rule_for(registry, replace(e, command="RCPT")) == "enhanced:X.1.0"
    # a phrase rule can carry its own: Sendmail's "... Access denied" to MAIL FROM refuses the sender
    denied = Evidence(status="5.7.1", reply="550", diagnostic="550 5.7.1 <bounce@example.net>... Access denied",
                      command="MAIL")
    d = decide(denied, registry, None)
    assert (d.rule, d.reason) == ("phrase:securityerror/access-denied", "rejected")
    assert decide(replace(denied, command="RCPT"), registry, None).reason == "securityerror"
    # other reasons keep theirs: an authentication demand to MAIL FROM is still one
    auth = Evidence(reply="550", diagnostic="550 Unauthenticated senders not allowed", command="MAIL")
    assert decide(auth, registry, None).reason == "securityerror"


def test_an_unexplained_refusal_of_the_connection_is_a_block(registry: Registry) -> None:
    e = Evidence(status="5.0.0", reply="550", diagnostic="550 Rejected", command="EHLO")
    d = decide(e, registry, None)
    assert (d.rule, d.reason) == ("reason:undefined/at-connect", "blocked")
    assert rule_for(registry, replace(e, command="CONN")) == "reason:undefined/at-connect"
    assert rule_for(registry, replace(e, command="RCPT")) == "enhanced:X.0.0"
    # with no code at all
    assert rule_for(registry, Evidence(diagnostic="go away", command="CONN")) == "reason:onhold/at-connect"


def test_a_delay_warning_without_a_cause_is_expired(registry: Registry) -> None:
    e = Evidence(diagnostic="Message will be retried for 2 more day(s)", action="delayed", source="text")
    d = decide(e, registry, None)
    assert (d.rule, d.reason) == ("reason:onhold/when-delayed", "expired")
    assert rule_for(registry, replace(e, action="failed")) == "reason:onhold"
    # the same for a code that names no cause
    assert rule_for(registry, replace(e, status="4.0.0")) == "reason:undefined/when-delayed"
    # a delay warning that names its cause in words keeps it; one with only a code does not
    assert decide(replace(e, diagnostic="connect to mx.example.org: Connection timed out"), registry, None).reason \
        == "networkerror"
    coded = replace(e, status="4.4.1", diagnostic="Message delayed", source="dsn")
    assert (decide(coded, registry, None).rule, decide(coded, registry, None).reason) == \
        ("reason:networkerror/when-delayed", "expired")
    assert rule_for(registry, replace(coded, diagnostic="connect to mx.example.org: No route to host")) == \
        "phrase:networkerror/connection-failed"


def test_a_given_up_network_failure_is_expired(registry: Registry) -> None:
    e = Evidence(status="4.4.1", diagnostic="connect to mx.example.org[192.0.2.1]:25: Connection timed out",
                 action="failed", source="dsn")
    d = decide(e, registry, None)
    assert (d.rule, d.reason, d.detail) == ("reason:networkerror/given-up", "expired", "networkerror")
    # a delay warning, a bare reply, or a 5xx refusal is not a sender giving up
    assert rule_for(registry, replace(e, action="delayed")) == "phrase:networkerror/connection-failed"
    assert rule_for(registry, replace(e, action="", source="reply")) == "phrase:networkerror/connection-failed"
    assert rule_for(registry, replace(e, status="5.4.1", reply="550")) == "phrase:networkerror/connection-failed"
    # a human-readable bounce without an Action field is final unless it says it will retry
    assert rule_for(registry, replace(e, status="", action="", source="text")) == "reason:networkerror/given-up"
    # a mail loop fails at once: it is not a message that ran out of time
    loop = replace(e, status="4.4.6", diagnostic="")
    assert "loop" in registry.reason("networkerror").given_up_except
    assert (decide(loop, registry, None).rule, decide(loop, registry, None).detail) == ("enhanced:X.4.6", "loop")
    hops = replace(e, status="", diagnostic="554 Too many hops 26 (25 max)", source="text", action="")
    assert decide(hops, registry, None).reason == "networkerror"


def test_a_decisive_code_yields_only_to_the_reasons_it_lists(registry: Registry) -> None:
    over_quota = Evidence(status="5.1.1", reply="552", diagnostic="552 sorry, mailbox is over quota temporarily (#5.1.1)")
    assert rule_for(registry, over_quota).startswith("phrase:mailboxfull/")
    assert "mailboxfull" in registry.enhanced_entry("5.1.1").yields_to  # type: ignore[union-attr]
    # a phrase of a reason not listed does not override it
    spam = replace(over_quota, diagnostic="550 5.1.1 message looks like spam")
    assert rule_for(registry, spam) == "enhanced:X.1.1"
    # words that the message is too big name a cause the server's generic 5.1.1 does not
    too_big = replace(over_quota, diagnostic="552 RCPT TO:<bob@example.org> max message size exceeded")
    assert rule_for(registry, too_big).startswith("phrase:mesgtoobig/")
    # only the listed reasons' rules are looked at: an earlier rule of another reason hides none
    both = replace(over_quota, diagnostic="550 5.1.1 looks like spam, and the mailbox is full")
    assert rule_for(registry, both).startswith("phrase:mailboxfull/")


def test_a_log_action_comes_after_the_servers_words(registry: Registry) -> None:
    e = Evidence(diagnostic="expired, returned to sender", action="expired", source="log:postfix/expired")
    assert "expired" in registry.reason("expired").actions
    assert (decide(e, registry, None).rule, decide(e, registry, None).reason) == ("reason:expired/action", "expired")
    # words that name a cause keep it
    assert decide(replace(e, diagnostic="550 no such user here"), registry, None).reason == "userunknown"
    # an action no reason lists decides nothing
    assert rule_for(registry, replace(e, action="failed")) == "reason:onhold"


def test_an_inbound_refusal_takes_the_same_steps_without_the_sender_s_retries(registry: Registry) -> None:
    # a temporary refusal with no words: a delay warning would make it "expired", a refusal stays what it is
    e = Evidence(status="4.0.0", action="delayed", direction="inbound", source="log:postfix/smtpd-reject")
    assert rule_for(registry, replace(e, direction="outbound")).endswith("/when-delayed")
    assert not rule_for(registry, e).endswith("/when-delayed")
    # a final failure with a transient reason: a sender gives up; a refusal is no giving up
    net = Evidence(status="4.4.1", diagnostic="connect to mx.example.org[192.0.2.1]:25: Connection timed out",
                   action="failed", direction="inbound")
    assert rule_for(registry, net) == "phrase:networkerror/connection-failed"
    # the command still refines it: a refusal of the connection with no known cause blocks the client
    assert decide(Evidence(action="failed", direction="inbound", command="CONN"), registry, None).reason == "blocked"


def test_an_inbound_refusal_s_provider_comes_from_its_words_only(registry: Registry) -> None:
    e = Evidence(reply="550", status="5.7.1", diagnostic="<a@gmail.com>: Relay access denied", direction="inbound",
                 recipient="a@gmail.com", remote_mta="gmail-smtp-in.l.google.com")
    assert recognise_provider(e, registry) is None
    assert recognise_provider(replace(e, direction="outbound"), registry) is not None
    listed = replace(e, diagnostic="Service unavailable; Client host [192.0.2.4] blocked using zen.spamhaus.org")
    provider = recognise_provider(listed, registry)
    assert provider is not None and provider.id == "spamhaus"
