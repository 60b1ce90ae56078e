"""Mutation fuzzing in the test suite: every crash and hang that ``benchmarks/fuzz.py`` found, each
as a small input written for it, and a fixed-seed slice of the fuzzer over the project's own inputs
(tests/data, the README's log line, the registry's examples), so that no such failure comes back.

Inputs that once made the parser run for minutes are classified under a watchdog that fails the
test after 30 s instead of hanging the suite (they take milliseconds now); no test here measures
speed: ``benchmarks/fuzz.py`` prints the times.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, ModuleType

import pytest

import bouncecodes
from bouncecodes.parse.common import host_of

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def watchdog(seconds: float = 30.0) -> Iterator[None]:
    """Fail (TimeoutError) rather than hang when the block runs longer than ``seconds``."""

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def dsn(*, remote: str = "Remote-MTA: dns; mx.dest.example", reporting: str = "Reporting-MTA: dns; mx.sender.example",
        content_type: str = 'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
        text_charset: str = "us-ascii", subject: str = "Undelivered Mail Returned to Sender") -> str:
    return f"""From: MAILER-DAEMON@mx.sender.example
To: alice@sender.example
Subject: {subject}
MIME-Version: 1.0
{content_type}

--b1
Content-Type: text/plain; charset={text_charset}

<bob@dest.example>: host mx.dest.example[192.0.2.10] said: 550 5.1.1 <bob@dest.example>: User unknown

--b1
Content-Type: message/delivery-status

{reporting}

Final-Recipient: rfc822; bob@dest.example
Action: failed
Status: 5.1.1
{remote}
Diagnostic-Code: smtp; 550 5.1.1 <bob@dest.example>: User unknown

--b1--
"""


# -- the crashes found, by site ------------------------------------------------------------------

# parse/common.py host_of: IndexError on a Remote-MTA or Reporting-MTA holding only its type, and
# on a log's relay or a JSON reportingMTA of the same shape


@pytest.mark.parametrize("value", ["DNS; ", "dns;", ";", " ; ", "dns; []", "dns; <>", "", "   "])
def test_host_of_a_value_without_a_host(value: str) -> None:
    assert host_of(value) == ""


@pytest.mark.parametrize("field", ["Remote-MTA: DNS; ", "Remote-MTA: dns;", "Remote-MTA:;", "Remote-MTA: dns; []"])
def test_a_remote_mta_holding_only_its_type(field: str) -> None:
    (r,) = bouncecodes.classify(dsn(remote=field))
    assert (r.recipient, r.reason, r.status, r.remote_mta) == ("bob@dest.example", "userunknown", "5.1.1", "")


def test_a_reporting_mta_holding_only_its_type() -> None:
    (r,) = bouncecodes.classify(dsn(reporting="Reporting-MTA: dns; "))
    assert (r.recipient, r.reason, r.reporting_mta, r.remote_mta) == ("bob@dest.example", "userunknown", "",
                                                                       "mx.dest.example")


def test_a_log_relay_and_a_json_reporting_mta_holding_only_a_type() -> None:
    line = ("Jan  1 00:00:00 mx postfix/smtp[1]: ABC123DEF: to=<bob@dest.example>, relay=dns;, delay=1, dsn=5.1.1, "
            "status=bounced (host mx.dest.example[192.0.2.10] said: 550 5.1.1 User unknown (in reply to RCPT TO command))")
    (r,) = bouncecodes.classify(line)
    assert (r.recipient, r.reason, r.remote_mta) == ("bob@dest.example", "userunknown", "")
    ses = ('{"notificationType": "Bounce", "bounce": {"bounceType": "Permanent", "reportingMTA": "dns;", '
           '"bouncedRecipients": [{"emailAddress": "bob@dest.example", "status": "5.1.1", '
           '"diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}')
    (r,) = bouncecodes.classify(ses)
    assert (r.recipient, r.reason, r.reporting_mta) == ("bob@dest.example", "userunknown", "")


# parse/message.py _decode: UnicodeError from a charset label naming a codec that raises something
# other than UnicodeDecodeError ("punycode", "idna"), or no text encoding at all ("hex")


@pytest.mark.parametrize("charset", ["punycode", "idna", "hex", "rot13", "base64", "zlib", "undefined", "utf-99",
                                     '"', "x-unknown"])
def test_a_text_part_with_an_unusable_charset(charset: str) -> None:
    (r,) = bouncecodes.classify(dsn(text_charset=charset).encode())
    assert (r.recipient, r.reason) == ("bob@dest.example", "userunknown")
    # the notice alone, its charset as unusable: still read (as UTF-8, else Latin-1)
    notice = ("From: MAILER-DAEMON@mx.sender.example\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
              f"Content-Type: text/plain; charset={charset}\n\n"
              "<bob@dest.example>: host mx.dest.example[192.0.2.10] said: 550 5.1.1 User unknown\n")
    (r,) = bouncecodes.classify(notice.encode())
    assert (r.recipient, r.reply, r.reason) == ("bob@dest.example", "550", "userunknown")


# parse/message.py _header: HeaderParseError from an encoded word whose base64 cannot be decoded


@pytest.mark.parametrize("word", ["=?utf-8?b?VW5kZ?=", "=??b?utf8b?=", "=?iso-2022-jp?B?Gygla?="])
def test_an_encoded_word_with_bad_base64(word: str) -> None:
    (r,) = bouncecodes.classify(dsn(subject=word))
    assert (r.recipient, r.reason) == ("bob@dest.example", "userunknown")
    found = bouncecodes.classify(dsn().replace("To: alice@sender.example", f"To: {word}"))
    assert [x.reason for x in found] == ["userunknown"]


# hangs: the stdlib's parameter parsing on a Content-Type of many ';' (grows with their number
# times the field's length), and the divider pattern of parse/text.py on a long run of '=' followed
# by other text (tried at every split of the run)


def test_a_content_type_with_a_million_semicolons() -> None:
    folded = 'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="b1"' + ";" * 1_000_000
    with watchdog():
        (r,) = bouncecodes.classify(dsn(content_type=folded))
    assert (r.recipient, r.reason) == ("bob@dest.example", "userunknown")


def test_a_long_run_of_divider_marks_followed_by_text() -> None:
    text = "553 5.7.2 <bob@dest.example> blocked\n" + "=" * 50_000 + "@" * 50_000
    with watchdog():
        (r,) = bouncecodes.classify(text)
    assert (r.reply, r.status) == ("553", "5.7.2")


# -- the fuzzer itself, a fixed-seed slice over the project's own inputs ---------------------------


def load_fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bouncecodes_fuzz", ROOT / "benchmarks" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fuzz() -> ModuleType:
    return load_fuzz()


def test_the_fuzzer_is_repeatable_and_mutates(fuzz: ModuleType) -> None:
    sources = fuzz.project_sources()
    names = {s.name.split("/")[0] for s in sources}
    assert {"data", "README", "registry"} <= names, names
    assert any(s.name.endswith("mta.log") for s in sources) and sum(1 for s in sources if s.name.startswith("registry/")) > 100
    first = [fuzz.make_input("project", sources, 7, i) for i in range(300)]
    assert first == [fuzz.make_input("project", sources, 7, i) for i in range(300)]  # the seed decides all
    assert sum(1 for source, data, _ in first if data != source.data) > 280
    kinds = {how.split(":")[0] for _, _, hows in first for how in hows}
    assert len(kinds) >= 15, kinds


def test_the_fuzzer_reports_a_crash_by_site_and_cuts_it_down(fuzz: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the host_of bug back: the fuzzer finds it, names its line, and cuts an input down to a few lines."""
    import importlib

    def old_host_of(value: str) -> str:
        return value.split(";", 1)[-1].strip().strip("[]<>").split()[0] if value.strip() else ""

    monkeypatch.setattr(importlib.import_module("bouncecodes.parse.message"), "host_of", old_host_of)
    sources = [fuzz.Source("dsn", dsn().encode())]
    report = fuzz.run_range("project", sources, 1, range(400))
    # grouped by the line of the package that raised: here, each place that calls host_of
    assert report.crashes and all(site.startswith("IndexError at src/bouncecodes/parse/message.py:")
                                  for site in report.crashes), list(report.crashes)
    crash = max(report.crashes.values(), key=lambda c: c.count)
    small = fuzz.minimise(crash.data, crash.site, budget=10)
    assert len(small) < 80 and b"-MTA:" in small, small


def test_a_fixed_seed_slice_raises_nothing(fuzz: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 mutated inputs from the project's own examples: no exception but InputError, no hang.
    The long lines it adds are shorter than the benchmark's (up to 50,000 characters, not 300,000):
    they take most of the time."""
    monkeypatch.setattr(fuzz, "LONG_SIZES", [1000, 5000, 20_000, 50_000])
    sources = fuzz.project_sources()
    report = fuzz.run_group("project", sources, 13, 5000, jobs=1, hang=30.0)
    assert report.inputs == 5000
    problems = [f"{c.site}: {c.count} input(s), first {c.first[0]}:{c.first[1]} ({c.source}; {'; '.join(c.mutations)}): "
                f"{c.message}" for c in report.crashes.values()]
    assert problems == []
