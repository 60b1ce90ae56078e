"""One coherent answer per verdict: the badges (``permanent``, ``hard``) and the advice never
disagree, over every example the registry holds (phrase rules, provider rules, programs' messages,
log lines) and every code it defines (enhanced codes in both classes, reply codes), each read in the
three states a message can be in: a bare reply, still queued (a delay warning), returned (a final
failure notice).

What the fields promise (codes/README.md, "What a verdict promises"):

- ``permanent``: this message will not be retried (a 5xx refusal, or a report that it was returned);
- ``hard``: drop the address; where it is false, the advice never tells to stop mailing it (it may say
  when to drop it, as a condition about later bounces);
- ``action``: for a permanent verdict, never advice to retry the message or to wait for the queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bouncecodes import classify
from bouncecodes.classify import classify_evidence
from bouncecodes.model import Evidence, Result
from bouncecodes.parse.common import find_codes, squash
from bouncecodes.parse.logs import LogReader
from bouncecodes.registry import load_registry

REGISTRY = load_registry()

#: advice to retry this message or to rely on the queue doing it
RETRY_ADVICE = re.compile(
    r"(?:^|[.;:]\s*|\b(?:and|then|or|just)\s+)retry\b"
    r"|\btry\s+(?:it\s+|again|later)"
    r"|\blet\s+(?:it|(?:your|the)\s+(?:own\s+)?(?:server|queue|mta|sending\s+server|mail\s+server))\b"
    r"|\bkeep(?:s)?\s+retrying"
    r"|\b(?:later|next|another)\s+(?:retry|attempt)\b"
    r"|\bthe\s+queue\b"
    r"|\b(?:server|it)\s+retries\b(?!\s+(?:4xx|temporar))"
    r"|\baccepted\s+(?:later|on\s+a\s+later|once)",
    re.IGNORECASE)
#: a sentence that tells to stop mailing the address, unconditionally (it begins with the verb)
_ADDRESS = r"(?:the|this|that)\s+(?:address|recipient|mailbox|person|contact)\b"
STOP_MAILING = re.compile(
    r"(?:^|[.;:!]\s+|\band\s+)(?:stop\s+(?:mailing|sending\s+to)\s+(?:it\b|" + _ADDRESS + ")"
    r"|stop\s+mailing\b|(?:remove|drop|suppress|unsubscribe)\s+(?:" + _ADDRESS + r"|it\s+from)"
    r"|treat\s+(?:it|" + _ADDRESS + r")\s+as\s+(?:dead|gone|unreachable|invalid|abandoned))",
    re.IGNORECASE)


def problems(r: Result, state: str) -> list[str]:
    found = []
    if not r.hard and STOP_MAILING.search(r.action):
        found.append(f"hard is false but the advice ({r.advice_from}) says to stop mailing: {r.action!r}")
    if r.permanent and RETRY_ADVICE.search(r.action):
        found.append(f"permanent, yet the advice ({r.advice_from}) asks to retry: {r.action!r}")
    if state in ("returned", "expired") and not r.permanent and r.reason not in ("feedback", "vacation", "delivered"):
        found.append("a returned message is not permanent")
    if state == "queued" and r.permanent and (r.status or r.reply)[:1] != "5":
        found.append("a message still queued is permanent")
    return found


def _states(text: str) -> Iterator[tuple[str, Evidence]]:
    words = squash(text)
    reply, status = find_codes(words)
    base = Evidence(reply=reply, status=status, diagnostic=words, source="reply", recipient="bob@example.org")
    yield "reply", base
    yield "queued", Evidence(**{**base.__dict__, "action": "delayed", "source": "dsn"})
    yield "returned", Evidence(**{**base.__dict__, "action": "failed", "source": "dsn"})
    yield "expired", Evidence(**{**base.__dict__, "action": "expired", "source": "dsn"})


def _examples() -> Iterator[tuple[str, str, str]]:
    """(entry id, provider id or '', text) for every example and code."""
    for p in REGISTRY.phrases:
        for ex in p.examples:
            yield p.id, "", ex
    for s in REGISTRY.software:
        for m in s.messages:
            for ex in m.examples:
                yield m.id, "", ex
    for pv in REGISTRY.providers:
        for rule in pv.rules:
            for ex in rule.examples:
                yield rule.id, pv.id, ex
    for e in REGISTRY.enhanced:
        if e.kind.value == "code":
            for klass in "45":
                yield e.id, "", f"{klass}{(e.basic or ['50'])[0][1:]} {klass}{e.code[1:]} refused"
    for c in REGISTRY.reply:
        if c.code[0] in "45":
            yield c.id, "", f"{c.code} refused"


EXAMPLES = list(_examples())


def test_the_examples_cover_every_kind() -> None:
    kinds = {x[0].split(":", 1)[0] for x in EXAMPLES}
    assert kinds == {"phrase", "software", "provider", "enhanced", "reply"}


@pytest.mark.parametrize("state", ["reply", "queued", "returned", "expired"])
def test_every_registry_example_gives_a_coherent_answer(state: str) -> None:
    wrong = []
    for entry, provider_id, text in EXAMPLES:
        named = REGISTRY.provider(provider_id) if provider_id else None
        for name, evidence in _states(text):
            if name == state:
                r = classify_evidence(evidence, REGISTRY, provider=named)
                wrong += [f"{entry}: {text[:70]!r}: {p}" for p in problems(r, state)]
    assert not wrong, f"{len(wrong)} incoherent verdict(s):\n" + "\n".join(wrong[:60])


def test_every_log_example_gives_a_coherent_answer() -> None:
    wrong = []
    for program in REGISTRY.logs:
        for fmt in program.formats:
            for ex in fmt.examples:
                reader = LogReader(REGISTRY)
                for line in ex.log.split("\n"):
                    for evidence in reader.line(line, 0):
                        r = classify_evidence(evidence, REGISTRY)
                        state = "reply" if evidence.direction == "inbound" else {
                            "delayed": "queued", "failed": "returned", "expired": "returned"}.get(evidence.action, "reply")
                        wrong += [f"{fmt.id}: {line[:70]!r}: {p}" for p in problems(r, state)]
    assert not wrong, "\n".join(wrong)


def test_the_lexicon_finds_what_it_is_for() -> None:
    for advice in ("Retry later.", "Let your server retry.", "The message is accepted later.", "Nothing to change; let the queue retry.",
                   "Check the links, then retry.", "Try again in an hour.", "It is accepted on a later attempt."):
        assert RETRY_ADVICE.search(advice), advice
    for advice in ("Retrying will not help.", "Send it again tomorrow.",
                   "Check that your server retries 4xx replies for some hours."):
        assert not RETRY_ADVICE.search(advice), advice
    for advice in ("Stop mailing the address unless told otherwise.", "Check it; remove the address.",
                   "Look at it and stop sending to it."):
        assert STOP_MAILING.search(advice), advice
    for advice in ("If later messages bounce the same way, remove the address.", "Do not stop mailing it.",
                   "Remove the attachment and send it again.", "Stop sending to Yahoo from this IP."):
        assert not STOP_MAILING.search(advice), advice


# -- the cases of issue 18 ----------------------------------------------------------------------


def test_a_full_mailbox_refused_for_good_is_permanent_without_advice_to_retry() -> None:
    [r] = classify("552 5.2.2 <bob@example.org>: Mailbox full")
    assert r.reason == "mailboxfull" and r.permanent and not r.hard
    assert not RETRY_ADVICE.search(r.action), r.action
    [r] = classify("452 4.2.2 <bob@example.org>: Mailbox full")
    assert not r.permanent and RETRY_ADVICE.search(r.action), r.action


def test_a_disabled_account_keeps_the_address_and_says_so() -> None:
    for provider, reply in (
            ("gmail.com", "550 5.2.1 The email account that you tried to reach is disabled. x - gsmtp"),
            ("yahoo.com", "554 delivery error: dd This mailbox is disabled (554.30). - mta1.mail.bf1.yahoo.com")):
        [r] = classify(reply, provider=provider)
        # Gmail's rule gives its own advice; Yahoo's wording is left to the general rules and the
        # reason's advice: either way the verdict keeps the address
        assert r.reason == "suspend" and r.advice_from.startswith(("provider:google/", "reason:suspend")), r
        assert r.hard is False and not STOP_MAILING.search(r.action), r.action


def test_a_deferral_in_a_returned_bounce_does_not_promise_a_retry() -> None:
    bounce = ("From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail Returned to Sender\n"
              "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
              "Content-Type: text/plain\n\nI could not deliver your message.\n--b\n"
              "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
              "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 4.7.0\n"
              "Diagnostic-Code: smtp; 421 4.7.0 Try again later, closing connection\n--b--\n")
    [r] = classify(bounce)
    assert r.permanent, r
    assert not RETRY_ADVICE.search(r.action), (r.advice_from, r.action)


def test_greylisting_gets_its_own_advice_not_a_block_list() -> None:
    line = ("Dec  7 10:00:00 mx postfix/smtp[123]: ABC123: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, "
            "delay=1, delays=0/0/0/1, dsn=4.2.0, status=deferred (host mx.example.org[192.0.2.1] said: 450 4.2.0 "
            "<bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/"
            "example.org.html (in reply to RCPT TO command))")
    [r] = classify(line)
    assert (r.reason, r.detail, r.advice_from) == ("blocked", "greylisting", "detail:blocked/greylisting")
    assert not r.permanent and not r.hard
    assert "blocklist" not in r.action.lower() and "not count this as a bounce" in r.action
    blocked = REGISTRY.reason("blocked")
    detail = blocked.detail("greylisting")
    assert detail is not None and "greylist" not in blocked.action.lower()


def test_advice_comes_from_the_most_specific_entry_that_decided() -> None:
    # a provider rule with advice of its own
    [r] = classify("550 5.2.1 The email account that you tried to reach is disabled. x - gsmtp", provider="gmail.com")
    assert r.advice_from == "provider:google/5.2.1-account-disabled"
    # a deferral rule of a provider, once the message is returned: its detail's or reason's advice
    rule = next(x for x in REGISTRY.provider("yahoo").rules if x.id == "provider:yahoo/tss04")  # type: ignore[union-attr]
    assert rule.action_queued and not rule.action
    # a code with a detail (X.7.23: SPF), then a bare reason
    [r] = classify("550 5.7.23 The message was rejected because of Sender Policy Framework violation")
    assert (r.reason, r.advice_from) == ("authfailure", "detail:authfailure/spf"), r
    [r] = classify("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown")
    assert r.advice_from == "reason:userunknown"
