"""The parser reads bounce-email layouts that the registry describes (codes/software/<id>.yaml, notices)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import bouncecodes
from bouncecodes.build.lint import pattern_problem
from bouncecodes.model import Registry, Software, SoftwareMessage, SoftwareNotice
from bouncecodes.parse import text as text_module
from bouncecodes.parse.formats import formats_of, notice_formats
from bouncecodes.parse.message import BOUNCE_SUBJECT_RE

HEAD = "From: Nobody <nobody@example.net>\nTo: alice@example.net\nSubject: {subject}\nDate: Mon, 2 Mar 2026 09:14:07 +0000\n\n"
RECIPIENT = ("<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 no such user here "
             "(in reply to RCPT TO command)\n")
POSTFIX_OPENING = ("This is the mail system at host mx.example.net.\n\n"
                   "I'm sorry to have to inform you that your message could not\n"
                   "be delivered to one or more recipients.\n\n")


def found(message: str) -> list[tuple[str, str]]:
    return [(r.recipient, r.reason) for r in bouncecodes.classify(message)]


def test_a_notice_is_known_by_the_lines_its_program_writes() -> None:
    plain = HEAD.format(subject="Re: your mail") + "Hello from host mx.example.net.\n\n" + RECIPIENT
    assert found(plain) == []  # nothing says it is a notice: a letter that mentions a reply
    notice = HEAD.format(subject="Re: your mail") + POSTFIX_OPENING + RECIPIENT
    assert found(notice) == [("bob@example.org", "userunknown")]
    # quoted in someone's reply, the same lines make no notice
    quoted = HEAD.format(subject="Re: your mail") + "".join("> " + x + "\n" for x in (POSTFIX_OPENING + RECIPIENT).split("\n"))
    assert found(quoted) == []


def test_a_notice_is_known_by_the_subject_its_program_writes() -> None:
    subject = "Delayed Mail (still being retried)"  # Postfix's delay warning, catalogued in postfix.yaml
    assert BOUNCE_SUBJECT_RE.search(subject) is None  # no generic word of the parser knows it
    assert notice_formats().subject(subject)
    message = HEAD.format(subject=subject) + "Hello from host mx.example.net.\n\n" + RECIPIENT
    assert found(message) == [("bob@example.org", "userunknown")]


def _registry_with_notice(registry: Registry, notice: SoftwareNotice) -> Registry:
    message = SoftwareMessage(id="software:demo/m", software="demo", reason="userunknown", text="…", where="reply",
                              source="https://example.org/", examples=("x",), match=("no such user here",))
    demo = Software(id="demo", name="Demo MTA", kind="mta", description="", website="https://example.org/",
                    messages=(message,), notices=(notice,))
    return replace(registry, software=(*registry.software, demo), _index={})


def test_the_returned_message_starts_after_the_line_its_program_writes(registry: Registry,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    notice = SoftwareNotice(id="failure", kind="failure", source="https://example.org/",
                            subject=("Returned to you: <subject>",), senders=("Demo Postman",),
                            markers=("Demo MTA <version> could not deliver your message",),
                            original=("=== Your message as <hostname> received it ===",))
    demo = formats_of(_registry_with_notice(registry, notice))
    assert demo.subject("Returned to you: quarterly report") and not demo.subject("Returned")
    assert demo.sender('"Demo Postman" <postman@example.net>')
    assert demo.marker("hello\n  Demo MTA 2.1 could not deliver your message\n")
    text = ("Demo MTA 2.1 could not deliver your message to bob@example.org.\n\n"
            "=== Your message as mx.example.net received it ===\n"
            "To: carol@example.org\nSubject: hi\n\nplease write to dave@example.org\n")
    assert demo.original_start(text) == text.index("===")
    monkeypatch.setattr(text_module, "notice_formats", lambda: demo)
    assert text_module.notice_part(text) == text[:text.index("===")]
    # without the catalogued line, the returned message would be read as part of the notice
    monkeypatch.setattr(text_module, "notice_formats", lambda: formats_of(registry))
    assert "dave@example.org" in text_module.notice_part(text)


def test_the_tables_are_linear_time_patterns(registry: Registry) -> None:
    notice = SoftwareNotice(id="failure", kind="failure", source="https://example.org/",
                            subject=("Returned to you: <subject>",), markers=("Demo <version> could not deliver it",),
                            original=("=== <a> as <b> received it ===",))
    for pattern in formats_of(_registry_with_notice(registry, notice)).patterns():
        assert pattern is not None and not pattern_problem(pattern.pattern), pattern.pattern
    assert notice_formats() is notice_formats()  # built once
