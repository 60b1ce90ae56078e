"""``bouncecodes classify`` as an operator runs it: logs of any size read line by line, compressed
input known by its bytes, where each record came from, and what stderr says (#19)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import bouncecodes.cli as cli
from bouncecodes.output import iso_time

from .test_cli import DSN, run

STAMP = "Mar  2 09:14:{:02d}"


def delivery(n: int, rcpt: str, status: str = "bounced", dsn: str = "5.1.1", reply: str = "550 5.1.1 User unknown",
             qid: str = "", orig: str = "") -> str:
    qid = qid or f"Q{n:08X}"
    orig_to = f"orig_to=<{orig}>, " if orig else ""
    return (f"{STAMP.format(n % 60)} mx1 postfix/smtp[{2000 + n}]: {qid}: to=<{rcpt}>, {orig_to}relay=mx.example.org"
            f"[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn={dsn}, status={status} (host mx.example.org[192.0.2.1] "
            f"said: {reply} (in reply to RCPT TO command))")


def noise(n: int) -> str:
    return f"{STAMP.format(n % 60)} mx1 postfix/anvil[{n}]: statistics: max connection rate 1/60s for (smtp:192.0.2.{n % 250})"


def log_text(lines: int, every: int = 10) -> str:
    """A Postfix log: a bounce every ``every`` lines (on line 1, every+1, …), noise between."""
    return "".join((delivery(n, f"user{n}@example.org") if n % every == 0 else noise(n)) + "\n" for n in range(lines))


def records(out: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in out.splitlines()]


# -- size: the cap is per line, not per file ------------------------------------------------------


def test_a_log_over_the_size_limit_is_read_line_by_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "MAX_INPUT", 2000)  # the log is 20 times that; each line is under it
    path = tmp_path / "mail.log"
    path.write_text(log_text(400))
    assert path.stat().st_size > 20 * 2000
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(path))
    got = records(out)
    assert code == 0, err
    assert [r["recipient"] for r in got] == [f"user{n}@example.org" for n in range(0, 400, 10)]
    assert [r["line"] for r in got] == list(range(1, 401, 10))
    assert "1 input(s), 40 result(s)" in err


def test_a_line_over_the_limit_is_refused_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import bouncecodes.inputs as inputs

    lines = [delivery(1, "a@example.org"), "x" * 5000, delivery(2, "b@example.org")]
    stream = io.BytesIO("\n".join(lines).encode())
    got = list(inputs.read_lines(stream, limit=4000))
    assert got == [lines[0], None, lines[2]]  # the long line is skipped without being held


def test_a_log_line_over_the_limit_is_reported_and_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "MAX_INPUT", 2000)
    path = tmp_path / "mail.log"
    path.write_text(log_text(30) + "y" * 3000 + "\n" + delivery(99, "late@example.org") + "\n")
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(path))
    assert code == 1
    assert f"{path}:31: refused: a line over the 2,000-byte limit" in err and "1 unreadable" in err
    assert records(out)[-1]["recipient"] == "late@example.org" and records(out)[-1]["line"] == 32


def test_json_lines_are_streamed_one_event_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "MAX_INPUT", 1000)
    event = {"event": "bounce", "email": "", "reason": "550 5.1.1 The email account that you tried to reach does not exist",
             "status": "5.1.1", "type": "bounce"}
    lines = [json.dumps({**event, "email": f"u{i}@example.org"}) for i in range(40)]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 1000 * 4
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(path))
    got = records(out)
    assert code == 0, err
    assert [(r["recipient"], r["line"], r["reason"]) for r in got] == \
        [(f"u{i}@example.org", i + 1, "userunknown") for i in range(40)]


# -- compressed input -----------------------------------------------------------------------------

COMPRESSORS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_compressed_logs_and_emails_are_read_by_their_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    text = log_text(50)
    plain = tmp_path / "mail.log"
    plain.write_text(text)
    want = records(run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(plain))[1])
    packed = tmp_path / "mail.log.1"  # no .gz: known by its first bytes
    packed.write_bytes(COMPRESSORS[kind](text.encode()))
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(packed))
    assert code == 0, err
    assert [{**r, "file": "", "path": ""} for r in records(out)] == [{**r, "file": "", "path": ""} for r in want]
    assert len(want) == 5 and records(out)[0]["path"] == str(packed) and records(out)[0]["file"] == packed.name
    # an email, compressed, on standard input
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(COMPRESSORS[kind](DSN.encode()))))
    code, out, err = run(capsys, "classify", "--format", "jsonl", "-")
    assert code == 0 and [(r["file"], r["recipient"], r["reason"]) for r in records(out)] == \
        [("-", "rcpt@example.org", "userunknown")]


def test_a_compressed_log_on_standard_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(log_text(30).encode()))))
    code, out, _err = run(capsys, "classify", "--format", "jsonl", "-")
    assert code == 0 and [(r["file"], r["line"]) for r in records(out)] == [("-", 1), ("-", 11), ("-", 21)]


def test_a_truncated_archive_is_reported_with_what_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = gzip.compress(log_text(3000, every=100).encode())
    path = tmp_path / "mail.log.2.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(path))
    assert code == 1
    assert f"{path}: cannot read after line" in err and "1 unreadable" in err
    assert 5 < len(records(out)) < 30  # what came before the cut is kept


@pytest.mark.parametrize(("data", "words"), [
    (b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 4, "zstd-compressed data"),
    (b"PK\x03\x04" + bytes(200), "a ZIP archive"),
    (bytes(range(256)) * 8, "binary data, not text"),
    (gzip.compress(bytes(range(256)) * 8), "binary data, not text (in gzip data)"),
])
def test_bytes_of_no_known_kind_are_unreadable_not_no_bounce(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             data: bytes, words: str) -> None:
    path = tmp_path / "mail.log.1.zst"
    path.write_bytes(data)
    code, out, err = run(capsys, "classify", "--format", "jsonl", "-v", str(path))
    assert code == 1 and out == ""
    assert f"{path}: unreadable: {words}" in err
    assert "0 without a bounce, 1 unreadable" in err and "no bounce found" not in err


# -- provenance -------------------------------------------------------------------------------------


def test_records_say_where_they_came_from(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for host in ("mx1", "mx2"):
        folder = tmp_path / "hosts" / host
        folder.mkdir(parents=True)
        (folder / "mail.log").write_text(
            f"Mar  2 09:14:00 {host} postfix/cleanup[10]: 7C1D2E3F4A: message-id=<m1@example.net>\n"
            + noise(1) + "\n"
            + delivery(2, "ann@example.org", qid="7C1D2E3F4A", orig="sales@example.org") + "\n")
        os.utime(folder / "mail.log", (datetime(2027, 1, 5).timestamp(),) * 2)  # a log of last year's March
    (tmp_path / "box.mbox").write_text("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + DSN
                                       + "\nFrom x@example.com Mon Jan  1 00:00:00 2024\n" + DSN.replace("rcpt@", "other@"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", "hosts", "box.mbox")
    got = records(out)
    assert code == 0, err
    logs = [{k: r[k] for k in ("file", "path", "line", "message", "timestamp", "time", "queue_id", "message_id",
                               "original_recipient", "recipient")} for r in got[:2]]
    assert logs == [{"file": "mail.log", "path": f"hosts/{h}/mail.log", "line": 3, "message": None, "timestamp": "Mar  2 09:14:02",
                     "time": "2026-03-02T09:14:02", "queue_id": "7C1D2E3F4A", "message_id": "m1@example.net",
                     "original_recipient": "sales@example.org", "recipient": "ann@example.org"} for h in ("mx1", "mx2")]
    assert [(r["file"], r["message"], r["line"], r["recipient"]) for r in got[2:]] == \
        [("box.mbox", 1, None, "rcpt@example.org"), ("box.mbox", 2, None, "other@example.org")]
    # CSV: a column each, the same values; text: the line and what the log gave
    code, out, _ = run(capsys, "classify", "--format", "csv", "--jobs", "1", "hosts")
    import csv

    rows = list(csv.DictReader(io.StringIO(out)))
    assert (rows[1]["path"], rows[1]["line"], rows[1]["message"], rows[1]["time"], rows[1]["hard"]) == \
        ("hosts/mx2/mail.log", "3", "", "2026-03-02T09:14:02", "true")
    code, out, _ = run(capsys, "classify", "--format", "text", "--jobs", "1", "hosts", "box.mbox")
    assert "hosts/mx1/mail.log:3: ann@example.org (sent to sales@example.org)" in out
    assert "  logged    2026-03-02T09:14:02, queue id 7C1D2E3F4A, <m1@example.net>" in out
    assert "box.mbox#2: other@example.org" in out


def test_every_log_format_that_writes_the_original_recipient_fills_it(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Postfix orig_to=, Exim's <address>, OpenSMTPD's rcpt=, PowerMTA's orcpt column."""
    lines = {
        "postfix": delivery(7, "ann@example.org", orig="sales@example.org"),
        "exim": "2026-03-02 09:14:07 1uXyZa-000123-AB ** ann@example.org <sales@example.org> R=dnslookup "
                "T=remote_smtp H=mx.example.org [192.0.2.8]: SMTP error from remote mail server after RCPT "
                "TO:<ann@example.org>: 550 5.1.1 User unknown",
        "opensmtpd": "Mar  2 09:14:07 mx1 smtpd[812]: 2a3b4c5d6e7f8091 mta delivery evpid=2a3b4c5d6e7f8091 "
                     "from=<news@example.net> to=<ann@example.org> rcpt=<sales@example.org> source=\"192.0.2.1\" "
                     "relay=\"192.0.2.8 (mx.example.org)\" delay=1s result=\"PermFail\" stat=\"550 5.1.1 User unknown\"",
        "powermta": "type,timeLogged,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,jobId\n"
                    "b,2026-03-02 09:14:07+0000,news@example.net,ann@example.org,rfc822;sales@example.org,failed,"
                    "5.1.1 (bad destination mailbox address),smtp;550 5.1.1 User unknown,mx.example.org (192.0.2.8),j1",
    }
    for program, text in lines.items():
        path = tmp_path / f"{program}.log"
        path.write_text(text + "\n")
        code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(path))
        got = records(out)
        assert code == 0 and len(got) == 1, (program, err)
        assert (got[0]["recipient"], got[0]["original_recipient"]) == ("ann@example.org", "sales@example.org"), program
        assert got[0]["time"].startswith("2026-03-02T09:14:07") and got[0]["line"], program


@pytest.mark.parametrize(("stamp", "reference", "want"), [
    ("Mar  2 09:14:07", datetime(2026, 12, 7), "2026-03-02T09:14:07"),
    ("Dec 31 23:59:59", datetime(2027, 1, 2), "2026-12-31T23:59:59"),  # a rotated log read in January
    ("Jan  2 10:00:00", datetime(2027, 1, 1, 12), "2027-01-02T10:00:00"),  # within a day ahead: clocks differ
    ("Feb 29 10:00:00", datetime(2027, 3, 1), "2024-02-29T10:00:00"),
    ("Mar  2 09:14:07.123456 2025", None, "2025-03-02T09:14:07.123456"),
    ("2026-03-02T09:14:07.123Z", None, "2026-03-02T09:14:07.123Z"),
    ("2026-03-02 09:14:07 +0200", None, "2026-03-02T09:14:07+02:00"),
    ("2026-03-02 09:14:07+0000", None, "2026-03-02T09:14:07+00:00"),
    ("1772442847", None, "2026-03-02T09:14:07Z"),
    ("@4000000069a554e900000000", None, "2026-03-02T09:14:07Z"),
    ("yesterday", None, ""),
    ("Feb 30 10:00:00", None, ""),
    ("Apr 31 10:00:00", None, ""),
])
def test_time_stamps_as_iso_8601(stamp: str, reference: datetime | None, want: str) -> None:
    assert iso_time(stamp, reference) == want


# -- stderr: progress, -v, -q, the summary, the hint ------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_by_bytes_within_one_large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.Progress, "BYTES_FROM", 10_000)
    monkeypatch.setattr(cli, "TICK_LINES", 50)
    path = tmp_path / "mail.log"
    path.write_text(log_text(2000))
    err = Terminal()
    args = cli.parser().parse_args(["classify", "--format", "jsonl", "--jobs", "1", str(path)])
    monkeypatch.setattr(cli.time, "monotonic", iter(range(0, 10**6, 1)).__next__)  # every tick draws
    assert cli.cmd_classify(args, io.StringIO(), err) == 0
    bars = [x for x in err.getvalue().split("\r") if x.startswith("[")]
    size = path.stat().st_size / 1e6
    assert len(bars) >= 10 and all(f"/{size:,.1f} MB" in b for b in bars)
    done = [float(b.split("] ")[1].split("/")[0]) for b in bars]
    assert done == sorted(done) and done[0] < size / 2
    assert "bouncecodes: 1 input(s), 200 result(s), 0 without a bounce, 0 unreadable, 0 failed\n" in err.getvalue()  # (the summary tables follow on a terminal)
    quiet = Terminal()  # -q: no bar; the summary stays
    args = cli.parser().parse_args(["classify", "-q", "--format", "jsonl", "--jobs", "1", str(path)])
    assert cli.cmd_classify(args, io.StringIO(), quiet) == 0
    # no bar; the count line, then the summary tables (#19: they go to stderr, -q or not)
    assert quiet.getvalue().startswith("bouncecodes: 1 input(s), 200 result(s), 0 without a bounce, 0 unreadable, 0 failed\n")
    assert "\r" not in quiet.getvalue() and "200 hard" in quiet.getvalue()


def test_inputs_without_a_bounce_are_named_only_with_v(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.eml").write_text("Subject: hello\nFrom: a@example.com\n\njust a letter\n")
    (tmp_path / "b.eml").write_text(DSN)
    code, _, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(tmp_path))
    assert code == 0 and "no bounce found" not in err
    assert err == "bouncecodes: 2 input(s), 1 result(s), 1 without a bounce, 0 unreadable, 0 failed\n"
    code, _, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", "-q", str(tmp_path))
    assert err == "bouncecodes: 2 input(s), 1 result(s), 1 without a bounce, 0 unreadable, 0 failed\n"
    code, _, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", "-v", str(tmp_path))
    assert f"bouncecodes: {tmp_path / 'a.eml'}: no bounce found\n" in err


def test_a_hint_when_standard_input_is_a_terminal(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty(io.BytesIO(b"550 5.1.1 <bob@example.org>: user unknown\n")))
    code, out, err = run(capsys, "classify", "--format", "jsonl")
    assert code == 0 and records(out)[0]["reason"] == "userunknown"
    assert err.startswith("bouncecodes: reading a bounce, log lines or a reply from standard input")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"550 5.1.1 <bob@example.org>: user unknown\n")))
    assert "reading a bounce" not in run(capsys, "classify", "--format", "jsonl")[2]  # a pipe: no hint


# -- output formats ---------------------------------------------------------------------------------


def test_json_is_the_indented_array_written_as_it_comes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mail.log"
    path.write_text(log_text(40) + "Mar  2 09:15:00 mx1 postfix/smtp[1]: Q1: to=<ü@example.org>, relay=none, delay=1, "
                    "delays=0/0/0/1, dsn=5.4.4, status=bounced (Host or domain name not found. \"quoted\" \\ text)\n")
    code, out, _ = run(capsys, "classify", "--format", "json", "--jobs", "1", str(path))
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    assert out == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    (tmp_path / "empty.txt").write_text("nothing here\n")
    assert run(capsys, "classify", "--format", "json", str(tmp_path / "empty.txt"))[1] == "[]\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_a_large_log_among_many_files_is_streamed_with_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "SHARED_FILE_BYTES", 20_000)
    monkeypatch.setattr(cli, "MAX_INPUT", 30_000)  # the log is over it: it must be streamed
    for i in range(30):
        (tmp_path / f"{i:02d}.eml").write_text(DSN.replace("rcpt@", f"r{i}@"))
    (tmp_path / "15.log").write_text(log_text(600))
    (tmp_path / "16.log.gz").write_bytes(gzip.compress(log_text(100).encode()))
    serial = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(tmp_path))
    assert serial[0] == 0 and "32 input(s), 100 result(s)" in serial[2]
    assert run(capsys, "classify", "--format", "jsonl", "--jobs", "2", str(tmp_path)) == serial


# -- mailq ------------------------------------------------------------------------------------------


def showq(entries: list[tuple[str, str, list[tuple[str, str]]]], long_ids: bool = False) -> str:
    """Text as Postfix's mailq writes it (showq_compat.c): per message its line, then each
    recipient, a "(reason)" line above it whenever the reason changes, right-aligned to column 76."""
    heading, row, sender_row = (("----Queue ID-----", "--Size--", "---Arrival Time----", "--Sender/Recipient------"),
                                "{:<17} {:>8} {:<19} {}", "{:<17} {:>8} {:>19.19} {}") if long_ids else \
        (("-Queue ID-", "--Size--", "----Arrival Time----", "-Sender/Recipient-------"),
         "{:<11} {:>7} {:<20} {}", "{:<11} {:>7} {:>20.20} {}")
    out = [row.format(*heading)]
    for qid, sender, recipients in entries:
        out.append(sender_row.format(qid, 2048, "Mon Dec  7 10:00:00 2026", sender))
        saved = ""
        for rcpt, why in recipients:
            if why != saved:
                saved = why
                shown = why or "reason unavailable"
                out.append(" " * max(76 - len(shown), 0) + f"({shown})")
            out.append(row.format("", "", "", rcpt))
        out.append("")
    out.append(f"-- 6 Kbytes in {len(entries)} Requests.")
    return "\n".join(out) + "\n"


GREY = "host mx.example.org[192.0.2.1] said: 450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted " \
       "(in reply to RCPT TO command)"
FULL = "host mx.example.net[192.0.2.2] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)"
TIMEOUT = "connect to mx.example.com[192.0.2.9]:25: Connection timed out"


@pytest.mark.parametrize("long_ids", [False, True])
def test_mailq_attaches_each_reason_to_the_recipients_below_it(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch, long_ids: bool) -> None:
    text = showq([("3F2A81C0B4*", "news@example.net", [("bob@example.org", GREY), ("bo2@example.org", GREY),
                                                          ("ann@example.com", TIMEOUT), ("dee@example.com", "")]),
                  ("7C1D2E3F4A!", "news@example.net", [("cy@example.net", FULL)]),
                  ("8D2E3F4A5B", "MAILER-DAEMON", [("eve@example.org", "Short")])], long_ids)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, err = run(capsys, "classify", "--format", "jsonl", "-")
    got = [(r["recipient"], r["reply"], r["status"], r["queue_id"], r["diagnostic"]) for r in records(out)]
    assert code == 0, err
    assert got == [("bob@example.org", "450", "4.2.0", "3F2A81C0B4", GREY),
                   ("bo2@example.org", "450", "4.2.0", "3F2A81C0B4", GREY),
                   ("ann@example.com", "", records(out)[2]["status"], "3F2A81C0B4", TIMEOUT),
                   ("cy@example.net", "452", "4.2.2", "7C1D2E3F4A", FULL),
                   ("eve@example.org", "", records(out)[4]["status"], "8D2E3F4A5B", "Short")]
    reasons = [r["reason"] for r in records(out)]
    assert reasons[:4] == ["blocked", "blocked", "networkerror", "mailboxfull"]
    assert records(out)[0]["sender"] == "news@example.net" and records(out)[0]["timestamp"] == "Mon Dec  7 10:00:00"


def test_sendmail_mailq(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("\t\t/var/spool/mqueue (2 requests)\n"
            "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------\n"
            "u8JGfJsl006421     1234 Tue Sep 19 16:41 <news@example.net>\n"
            "                 (Deferred: 451 4.7.1 Please try again later)\n"
            "\t\t\t\t\t <bob@example.org>\n"
            "\t\t\t\t\t <cy@example.org>\n"
            "u8JGfKsl006422     2048 Tue Sep 19 16:42 <news@example.net>\n"
            "                 (Deferred: Connection refused by mx.example.com.)\n"
            "\t\t\t\t\t <ann@example.com>\n"
            "\t\tTotal requests: 2\n")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, err = run(capsys, "classify", "--format", "jsonl", "-")
    got = [(r["recipient"], r["reply"], r["queue_id"]) for r in records(out)]
    assert code == 0 and got == [("bob@example.org", "451", "u8JGfJsl006421"), ("cy@example.org", "451", "u8JGfJsl006421"),
                                 ("ann@example.com", "", "u8JGfKsl006422")], err


def test_several_bare_log_lines_are_read_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Lines pasted without their syslog time stamp and host, of several programs: each one read,
    with its line number."""
    text = (
        "postfix/smtp[2207]: 7C1D2E3F4A: to=<ann@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, "
        "delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown "
        "(in reply to RCPT TO command))\n"
        "8D2E3F4A5B: to=<bob@example.net>, relay=mx.example.net[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, "
        "status=deferred (host mx.example.net[192.0.2.2] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))\n"
        "NOQUEUE: reject: RCPT from client.example.net[192.0.2.7]: 550 5.1.1 <mo@example.org>: Recipient address "
        "rejected: User unknown in local recipient table; from=<ned@example.net> to=<mo@example.org> proto=ESMTP "
        "helo=<client.example.net>\n"
        "1uXyZa-000123-AB ** cy@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.8]: SMTP error from "
        "remote mail server after RCPT TO:<cy@example.org>: 550 5.1.1 User unknown\n")
    path = tmp_path / "pasted.txt"
    path.write_text(text)
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(path))
    got = [(r["line"], r["recipient"], r["reason"], r["direction"], r["queue_id"]) for r in records(out)]
    assert code == 0 and got == [(1, "ann@example.org", "userunknown", "outbound", "7C1D2E3F4A"),
                                 (2, "bob@example.net", "mailboxfull", "outbound", "8D2E3F4A5B"),
                                 (3, "mo@example.org", "userunknown", "inbound", ""),
                                 (4, "cy@example.org", "userunknown", "outbound", "1uXyZa-000123-AB")], err
