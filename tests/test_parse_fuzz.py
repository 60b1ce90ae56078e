"""parse() on arbitrary input: it returns a list of Evidence or raises InputError, nothing else,
and stays fast on large pathological inputs."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bouncecodes import InputError
from bouncecodes.model import Evidence
from bouncecodes.parse import parse

HEAD = "From: MAILER-DAEMON@x.example\nTo: a@b.example\nSubject: Undelivered Mail\n"
# fragments that steer inputs into the interesting paths of the parser
PIECES = [
    "550", "550-", "550 5.1.1 ", "<<< ", ">>> RCPT To:<", "@", "<", ">", "...", ": ", "\n", "\r\n", "\r", " ",
    "user@example.com", "Final-Recipient: rfc822; ", "Status: 5.1.1\n", "Diagnostic-Code: smtp; ",
    "Content-Type: multipart/report; boundary=\"b\"\n", "--b\n", "Content-Type: message/delivery-status\n\n",
    "Remote host said: ", "host mx.example.com [192.0.2.1] said: ", "\x1b$B", "\x1b(B", "=?utf-8?b?", "{",
    '"notificationType":"Bounce"', '"bouncedRecipients":[{"emailAddress":', "}", "[", "----- ", "X-Failed-Recipients: ",
]


def check(data: str | bytes) -> None:
    try:
        found = parse(data)
    except InputError:
        return
    assert isinstance(found, list)
    assert all(isinstance(e, Evidence) for e in found)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text(text: str) -> None:
    check(text)
    check(HEAD + "\n" + text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes(data: bytes) -> None:
    check(data)
    check(HEAD.encode() + b"\n" + data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=80))
def test_bounce_like_fragments(pieces: list[str]) -> None:
    text = "".join(pieces)
    check(text)
    check(HEAD + "\n" + text)
    check(HEAD + "Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\n" + text + "\n--b--\n")


def test_not_text_or_bytes() -> None:
    with pytest.raises(InputError):
        parse(12345)  # type: ignore[arg-type]


MB = 1024 * 1024


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(MB),
        b"1234567890" * (MB // 10),
        b" " * MB,
        b"550-" * (MB // 4),
        b"<" * MB,
        b"@" * MB,
        (HEAD + "\n" + "-" * MB).encode(),
        (HEAD + "\n" + "550-" * (MB // 4)).encode(),
        (HEAD + "\n" + "x@" * (MB // 2)).encode(),
        (HEAD + "\n" + "a 550 " * (MB // 6)).encode(),
        (HEAD + "\n" + ">>> RCPT TO:<a@b.cc>\n<<< 550 x\n" * (MB // 30)).encode(),
        (HEAD + "\n" + '{"notificationType":' + "[" * MB).encode(),
    ],
    ids=["random", "digits", "spaces", "550-", "lt", "at", "dashes", "email-550-", "email-at", "email-550",
         "transcript", "json"],
)
def test_large_inputs_are_fast(data: bytes) -> None:
    """No work that grows faster than the input: 1 MB in well under a second of this process's CPU
    time (CPU time, not the wall clock, which on a busy machine measures the other processes too;
    benchmarks/speed.py prints the times)."""
    start = time.process_time()
    check(data)
    assert time.process_time() - start < 1.0
