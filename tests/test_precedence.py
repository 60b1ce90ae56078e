"""Pins the decision order of bouncecodes.classify (see its module docstring)."""

from __future__ import annotations

from dataclasses import replace

import bouncecodes
from bouncecodes.classify import decide, matching_word_rules, over_closure, recognise_provider
from bouncecodes.model import Evidence, Kind, Registry, Software, SoftwareMessage


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
    e = Evidence(reply="550", status="5.7.1", diagnostic="mailbox full")
    assert rule_for(registry, e).startswith("phrase:mailboxfull/")


def test_notice_after_diagnostic(registry: Registry) -> None:
    e = Evidence(reply="550", status="5.0.0", diagnostic="no comment", notice="the mailbox full")
    assert rule_for(registry, e).startswith("phrase:mailboxfull/")


def test_broad_enhanced_code_beats_reply_code(registry: Registry) -> None:
    assert rule_for(registry, Evidence(reply="550", status="5.7.1", diagnostic="no comment")) == "enhanced:X.7.1"


def test_subject_when_code_is_unregistered(registry: Registry) -> None:
    assert rule_for(registry, Evidence(reply="550", status="5.7.999", diagnostic="no comment")) == "enhanced:X.7.YYY"


def test_a_failure_is_never_delivered(registry: Registry) -> None:
    # X.1.5 means "destination address valid" (delivered) in class 2; in a refusal it names no cause
    # and the subject decides (Exchange refuses RFC 2606 domains with 5.1.5)
    ok = Evidence(reply="250", status="2.1.5", diagnostic="no comment")
    assert decide(ok, registry, None).reason == "delivered"
    for failed in (replace(ok, reply="550", status="5.1.5"), replace(ok, reply="", status="4.1.5"),
                   replace(ok, reply="554", status="5.3.6")):
        decision = decide(failed, registry, None)
        assert decision.reason != "delivered"
        assert registry.reason(decision.reason).bounce
    assert rule_for(registry, replace(ok, reply="550", status="5.1.5")) == "enhanced:X.1.YYY"
    words = replace(ok, reply="550", status="5.1.5", diagnostic="550 5.1.5 Recipient address reserved by RFC 2606")
    assert decide(words, registry, None).reason == "hostunknown"


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
    e = Evidence(reply="550", diagnostic="550 Recipient unknown: bob@example.org", command="DATA")
    assert rule_for(registry, e) == "reason:userunknown/after-data"
    assert decide(e, registry, None).reason == "filtered"
    assert rule_for(registry, replace(e, command="RCPT")) == "phrase:userunknown/user-unknown"
    assert rule_for(registry, replace(e, command="")) == "phrase:userunknown/user-unknown"
    # a decisive enhanced code is not second-guessed
    assert rule_for(registry, replace(e, status="5.1.1")) == "enhanced:X.1.1"


def test_user_unknown_under_a_mailbox_status_code_is_a_filter_unless_it_answered_rcpt(registry: Registry) -> None:
    e = Evidence(status="5.2.1", reply="550", diagnostic="550 5.2.1 Recipient unknown: bob@example.org")
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
    # a program's message can carry its own: Sendmail's "... Access denied" to MAIL FROM refuses the sender
    denied = Evidence(status="5.7.1", reply="550", diagnostic="550 5.7.1 <bounce@example.net>... Access denied",
                      command="MAIL")
    d = decide(denied, registry, None)
    assert (d.rule, d.reason) == ("software:sendmail/access-denied", "rejected")
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
    assert rule_for(registry, replace(e, action="delayed")) == "software:postfix/connect-failed"
    assert rule_for(registry, replace(e, action="", source="reply")) == "software:postfix/connect-failed"
    assert rule_for(registry, replace(e, status="5.4.1", reply="550")) == "software:postfix/connect-failed"
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
    assert decide(both, registry, None).reason == "mailboxfull"


# -- programs' messages (codes/software/), broad rules and stated overlaps --------------------------------

POSTFIX_UNKNOWN = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table"


def _with_program(registry: Registry, **message: str) -> Registry:
    """The registry with one more program whose one message is given (the compiled cache left behind)."""
    fields = {"id": "software:demo/m", "software": "demo", "text": "…", "where": "reply", "source": "https://example.org/",
              "examples": ("x",), **message}
    match = (fields.pop("match"),)
    demo = Software(id="demo", name="Demo", kind="mta", description="", website="https://example.org/",
                    messages=(SoftwareMessage(**fields, match=match, literals=("",)),))
    return replace(registry, software=(*registry.software, demo), _index={})


def test_a_programs_message_is_tried_before_the_phrase_rules(registry: Registry) -> None:
    text = "554 5.7.1 <bob@example.org>: Relay access denied"
    assert [r.id for r in matching_word_rules(text, registry)] == \
        ["software:postfix/relay-access-denied", "phrase:norelaying/relay-denied"]
    assert rule_for(registry, Evidence(reply="554", status="5.7.1", diagnostic=text)) == "software:postfix/relay-access-denied"
    # ahead of the phrase rules of every reason, not only of its own
    demo = _with_program(registry, match="mailbox full of junk", reason="filtered")
    e = Evidence(reply="550", diagnostic="550 mailbox full of junk")
    assert rule_for(registry, e).startswith("phrase:mailboxfull/")
    assert rule_for(demo, e) == "software:demo/m"


def test_a_decisive_code_gives_way_to_the_program_that_sent_it(registry: Registry) -> None:
    e = Evidence(reply="550", status="5.1.1", diagnostic=POSTFIX_UNKNOWN)
    assert registry.program("postfix") is not None
    assert rule_for(registry, e) == "software:postfix/unknown-local-recipient"
    # another code than the one the program writes with these words: the code decides
    assert rule_for(registry, replace(e, status="5.1.10")) == "enhanced:X.1.10"
    # a program's message of another reason, written with the code, says what the program meant by it
    demo = _with_program(registry, match="mailbox is over quota", reason="mailboxfull", status="5.1.1")
    over = Evidence(reply="550", status="5.1.1", diagnostic="550 5.1.1 mailbox is over quota")
    assert rule_for(demo, over) == "software:demo/m"
    assert rule_for(demo, replace(over, status="5.1.2")) == "enhanced:X.1.2"


def test_a_provider_rule_beats_a_programs_message(registry: Registry) -> None:
    e = Evidence(reply="550", status="5.1.1", diagnostic=POSTFIX_UNKNOWN, remote_mta="gmail-smtp-in.l.google.com")
    assert rule_for(registry, e).startswith("provider:google/")


def test_after_data_reads_a_programs_words_as_a_filter_unless_they_stand_for_its_own_code(registry: Registry) -> None:
    # with the program's own decisive code, its message decides as the code would: not second-guessed
    e = Evidence(reply="550", status="5.1.1", diagnostic=POSTFIX_UNKNOWN, command="DATA")
    assert decide(e, registry, None).rule == "software:postfix/unknown-local-recipient"
    # read from words alone, "user unknown" said after DATA comes from a filter, whoever wrote it
    words = replace(e, status="")
    assert (decide(words, registry, None).rule, decide(words, registry, None).reason) == \
        ("reason:userunknown/after-data", "filtered")
    assert decide(replace(words, command="RCPT"), registry, None).rule == "software:postfix/unknown-local-recipient"
    assert decide(Evidence(reply="550", diagnostic="550 Unknown user", command="DATA"), registry, None).reason == "filtered"


def test_broad_rules_come_after_every_specific_rule(registry: Registry) -> None:
    listed = "554 5.7.1 Service unavailable; your IP 192.0.2.10 is blacklisted"
    found = matching_word_rules(listed, registry)
    assert [r.id for r in found] == ["phrase:blocked/blocklisted", "phrase:systemerror/server-problem"]
    assert found[-1].broad and not found[0].broad
    assert decide(Evidence(reply="554", diagnostic=listed), registry, None).rule == "phrase:blocked/blocklisted"
    # alone, a broad wording still decides
    assert rule_for(registry, Evidence(reply="554", diagnostic="554 Service unavailable")) == "phrase:systemerror/server-problem"
    # a broad rule of a reason tried early gives way to a specific rule of a reason tried later
    policy = "550 Rejected by local policy: sender address rejected"
    closure = over_closure(registry)  # no over list decides this pair: the broad flag does
    assert "rejected" not in closure["policyviolation"] and "policyviolation" not in closure["rejected"]
    assert [r.id for r in matching_word_rules(policy, registry)] == \
        ["phrase:rejected/sender-refused", "phrase:policyviolation/policy"]
    assert rule_for(registry, Evidence(reply="550", diagnostic=policy)) == "phrase:rejected/sender-refused"
    # and broad programs' messages wait with them
    demo = _with_program(registry, match="mailbox unavailable here", reason="systemerror", broad=True)
    unknown = Evidence(reply="550", diagnostic="550 user not found: mailbox unavailable here")
    assert rule_for(demo, unknown).startswith("phrase:userunknown/")


def test_overlaps_are_decided_by_the_over_lists(registry: Registry) -> None:
    text = "554 IB104 Connection refused. 192.0.2.10 is listed on the SBL"
    assert {r.reason for r in matching_word_rules(text, registry)} == {"blocked", "networkerror"}
    assert "networkerror" in registry.reason("blocked").over
    assert decide(Evidence(reply="554", diagnostic=text), registry, None).reason == "blocked"
    # over is read through the reasons in between: mailboxfull over expired over networkerror
    full = "mailbox is full: retry timeout exceeded"
    assert {r.reason for r in matching_word_rules(full, registry)} == {"mailboxfull", "expired", "networkerror"}
    assert "networkerror" not in registry.reason("mailboxfull").over
    assert decide(Evidence(diagnostic=full), registry, None).reason == "mailboxfull"


def test_over_decides_whatever_the_order_the_rules_stand_in(registry: Registry) -> None:
    # a program's message that says the message expired is tried first, but the full mailbox named
    # in the same words is the cause: mailboxfull is over expired
    demo = _with_program(registry, match="retry time limit hit", reason="expired")
    text = "mailbox full: retry time limit hit"
    assert matching_word_rules(text, demo)[0].id == "software:demo/m"
    assert "expired" in over_closure(demo)["mailboxfull"]
    assert decide(Evidence(diagnostic=text), demo, None).rule.startswith("phrase:mailboxfull/")
    # alone, the program's words decide
    assert decide(Evidence(diagnostic="retry time limit hit"), demo, None).rule == "software:demo/m"
    # Exim's own two sentences in one notice: the first tried is the expiry, the cause decides
    exim = "mailbox is full: retry timeout exceeded"
    assert matching_word_rules(exim, registry)[0].id == "software:exim/retry-timeout-exceeded"
    assert decide(Evidence(diagnostic=exim), registry, None).rule == "software:exim/mailbox-full"
    # between reasons that nothing orders, the first in order wins: the program's message
    unordered = _with_program(registry, match="mailbox unavailable here", reason="systemfull")
    both = "550 mailbox unavailable here: no such recipient"
    assert {"userunknown", "systemfull"} <= {r.reason for r in matching_word_rules(both, unordered)}
    assert "systemfull" not in over_closure(unordered)["userunknown"]
    assert "userunknown" not in over_closure(unordered)["systemfull"]
    assert decide(Evidence(reply="550", diagnostic=both), unordered, None).rule == "software:demo/m"


def test_a_programs_message_can_say_what_it_means_in_reply_to_mail_from(registry: Registry) -> None:
    demo = _with_program(registry, match="access refused by the table", reason="blocked", at_mail="rejected")
    e = Evidence(reply="550", diagnostic="550 <alice@example.net>... access refused by the table", command="MAIL")
    d = decide(e, demo, None)
    assert (d.rule, d.reason, d.detail) == ("software:demo/m", "rejected", "blocked")
    assert decide(replace(e, command="RCPT"), demo, None).reason == "blocked"


def test_a_log_action_comes_after_the_servers_words(registry: Registry) -> None:
    e = Evidence(diagnostic="expired, returned to sender", action="expired", source="log:postfix/expired")
    assert "expired" in registry.reason("expired").actions
    assert (decide(e, registry, None).rule, decide(e, registry, None).reason) == ("reason:expired/action", "expired")
    # words that name a cause keep it
    assert decide(replace(e, diagnostic="550 no such user here"), registry, None).reason == "userunknown"
    # an action no reason lists decides nothing
    assert rule_for(registry, replace(e, action="failed")) == "reason:onhold"


def test_a_programs_failure_category_comes_after_the_words_and_before_a_broad_code(registry: Registry) -> None:
    e = Evidence(status="5.7.1", reply="554", diagnostic="554 5.7.1 Message rejected by rule R17", action="failed",
                 category="quota-issues", source="log:powermta/accounting")
    assert (decide(e, registry, None).rule, decide(e, registry, None).reason) == \
        ("log:powermta/accounting/category/quota-issues", "mailboxfull")
    # words that name a cause keep it, and so does a decisive code
    assert decide(replace(e, diagnostic="554 5.7.1 Message contains a virus"), registry, None).reason == "virusdetected"
    assert rule_for(registry, replace(e, status="5.1.1")) == "enhanced:X.1.1"
    # a log line's action listed by a reason comes first (step 5 in order)
    assert rule_for(registry, replace(e, action="expired", status="", reply="")) == "reason:expired/action"
    # the word is looked up in its own format's categories only, and a word not listed decides nothing
    assert rule_for(registry, replace(e, source="log:postfix/delivery")) == "enhanced:X.7.1"
    assert rule_for(registry, replace(e, category="other")) == "enhanced:X.7.1"


def test_an_inbound_refusal_takes_the_same_steps_without_the_sender_s_retries(registry: Registry) -> None:
    # a temporary refusal with no words: a delay warning would make it "expired", a refusal stays what it is
    e = Evidence(status="4.0.0", action="delayed", direction="inbound", source="log:postfix/smtpd-reject")
    assert rule_for(registry, replace(e, direction="outbound")).endswith("/when-delayed")
    assert not rule_for(registry, e).endswith("/when-delayed")
    # a final failure with a transient reason: a sender gives up; a refusal is no giving up
    net = Evidence(status="4.4.1", diagnostic="connect to mx.example.org[192.0.2.1]:25: Connection timed out",
                   action="failed", direction="inbound")
    assert rule_for(registry, net) == "software:postfix/connect-failed"
    assert decide(net, registry, None).reason == "networkerror"
    assert decide(replace(net, direction="outbound"), registry, None).reason == "expired"
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
    # nor from a provider the reader named: the words are the logging server's, not that provider's
    google = registry.provider("google")
    assert recognise_provider(e, registry, google) is None
    assert recognise_provider(replace(e, direction="", remote_mta=""), registry, google) is google
    named = recognise_provider(listed, registry, google)
    assert named is not None and named.id == "spamhaus"
