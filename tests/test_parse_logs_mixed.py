"""One log holding several programs' lines, both sides; the direction in every output format and the
CLI's filter on it; what a non-log input's results say."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bouncecodes import classify
from bouncecodes.cli import main
from bouncecodes.output import FIELDS, record

MIXED = """\
Mar  2 09:14:07 mx1 postfix/smtpd[812]: NOQUEUE: reject: RCPT from c.example.net[192.0.2.7]: 550 5.1.1 <mo@example.org>: Recipient address rejected: User unknown; from=<ned@example.net> to=<mo@example.org> proto=ESMTP helo=<c>
Mar  2 09:14:08 mx1 postfix/smtp[813]: 4F2A1B3C5D: to=<pat@example.com>, relay=mx.example.com[192.0.2.8]:25, delay=1, delays=0/0/0/1, dsn=5.2.2, status=bounced (host mx.example.com[192.0.2.8] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))
Mar  2 09:14:09 mx2 sm-mta[4410]: 622AJ6kL004410: ruleset=check_rcpt, arg1=<fay@example.net>, relay=c.example.net [192.0.2.7], reject=550 5.7.1 <fay@example.net>... Relaying denied
Mar  2 09:14:10 mx3 exim[99]: 2026-03-02 09:14:10 1vAbCd-000123-Xy ** bob@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.8]: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 No such user
Mar  2 09:14:11 mx4 qmail: 1772442851.102345 starting delivery 12: msg 4411 to remote vic@example.org
Mar  2 09:14:12 mx4 qmail: 1772442852.551002 delivery 12: failure: Sorry,_I_couldn't_find_any_host_named_example.invalid._(#5.1.2)/
Mar  2 09:14:13 mx5 smtpd[3314]: 0c1d2e3f4a5b6c7d smtp failed-command command="RCPT TO:<gus@example.org>" result="550 Invalid recipient: <gus@example.org>"
Mar  2 09:14:14 mx6 relayd[77]: delivery to <hal@example.org> failed: 550 5.1.1 mailbox unknown
Mar  2 09:14:15 mx1 postfix/smtpd[812]: disconnect from c.example.net[192.0.2.7] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4
"""

WANT = [("mo@example.org", "userunknown", "inbound"), ("pat@example.com", "mailboxfull", "outbound"),
        ("fay@example.net", "norelaying", "inbound"), ("bob@example.org", "userunknown", "outbound"),
        ("vic@example.org", "hostunknown", "outbound"), ("gus@example.org", "userunknown", "inbound"),
        ("hal@example.org", "userunknown", "")]  # a program we have no format for: its direction is not known


def test_a_log_of_several_programs() -> None:
    assert [(r.recipient, r.reason, r.direction) for r in classify(MIXED)] == WANT


def test_every_result_keeps_where_its_line_came_from() -> None:
    results = classify(MIXED)
    assert [r.source for r in results] == [
        "log:postfix/smtpd-reject", "log:postfix/delivery", "log:sendmail/ruleset-rcpt", "log:exim/failure",
        "log:qmail/delivery", "log:opensmtpd/failed-rcpt", "reply"]
    lines = MIXED.split("\n")
    starts = [sum(len(x) + 1 for x in lines[:i]) for i in range(len(lines))]
    for r in results:  # the span is within one line, and that line is the result's
        start, end = r.span
        assert start < end and "\n" not in MIXED[start:end]
        line = lines[max(i for i, s in enumerate(starts) if s <= start)]
        assert r.recipient in line or "delivery 12" in line


@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_the_cli_filters_on_the_direction(tmp_path: Path, capsys: pytest.CaptureFixture[str], direction: str) -> None:
    path = tmp_path / "mail.log"
    path.write_text(MIXED)
    assert main(["classify", "--format", "jsonl", "--jobs", "1", "--direction", direction, str(path)]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["recipient"], r["reason"], r["direction"]) for r in rows] == [w for w in WANT if w[2] == direction]


def test_direction_in_every_output_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert FIELDS.index("direction") == FIELDS.index("original_recipient") + 1
    path = tmp_path / "mail.log"
    path.write_text(MIXED)
    main(["classify", "--format", "csv", "--jobs", "1", str(path)])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["direction"] for r in rows] == [w[2] for w in WANT]
    main(["classify", "--format", "json", "--jobs", "1", str(path)])
    assert [r["direction"] for r in json.loads(capsys.readouterr().out)] == [w[2] for w in WANT]
    main(["classify", "--format", "text", "--jobs", "1", str(path)])
    text = capsys.readouterr().out
    assert text.count("direction inbound (a refusal your server gave)") == 3
    assert text.count("direction outbound (a delivery that failed)") == 3


def test_what_other_inputs_say_of_their_direction() -> None:
    bounce = ("From: MAILER-DAEMON@example.net\nTo: a@example.org\nSubject: Undelivered Mail Returned to Sender\n\n"
              "<b@example.org>: host mx.example.org[192.0.2.8] said: 550 5.1.1 no such user\n")
    assert [r.direction for r in classify(bounce)] == ["outbound"]  # a bounce reports a delivery that failed
    assert [r.direction for r in classify("550 5.1.1 <b@example.org>: no such user")] == [""]  # whose reply? unknown
    ses = json.dumps({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent", "bouncedRecipients": [
        {"emailAddress": "c@example.org", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 no such user"}]}})
    assert [r.direction for r in classify(ses)] == ["outbound"]
    assert record("x", classify(bounce)[0])["direction"] == "outbound"


def test_a_log_read_line_by_line_gives_what_the_whole_text_gives() -> None:
    from bouncecodes.parse.logs import LogReader, parse_log

    assert parse_log(MIXED.split("\n")) == parse_log(MIXED)
    reader = LogReader()
    offset = 0
    streamed = []
    for line in MIXED.split("\n"):  # the reader keeps what links lines (qmail's delivery 12) between calls
        streamed += reader.line(line, offset)
        offset += len(line) + 1
    whole = parse_log(MIXED)
    assert streamed == [replace(e, line=0) for e in whole]
    lines = MIXED.split("\n")
    # each piece says its own line: the outcome's (qmail names the recipient on an earlier line)
    assert [e.line for e in whole] == sorted(e.line for e in whole) and all(e.line and (e.recipient.split("@")[0] in lines[e.line - 1] or "delivery" in lines[e.line - 1])
            for e in whole)


def test_the_lines_kept_for_later_lines_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from bouncecodes.parse import logs

    monkeypatch.setattr(logs, "MAX_CONTEXTS", 10)
    reader = logs.LogReader()
    for n in range(50):
        reader.line(f"@400000006a1b2c3d0a1b2c3f starting delivery {n}: msg {n} to remote u{n}@example.org")
    assert len(reader.contexts) == 10
    # the oldest went first: delivery 49's start is kept, delivery 0's is not
    [late] = reader.line("@400000006a1b2c3d0a1b2c40 delivery 49: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/")
    [early] = reader.line("@400000006a1b2c3d0a1b2c41 delivery 0: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/")
    assert (late.recipient, early.recipient) == ("u49@example.org", "")
