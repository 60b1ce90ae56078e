"""The answers commands as an operator runs them: `classify` with --final, the filters and
--summary; `summary`, `filter`, `suppress` and `report` on a saved run (a file or standard input)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bouncecodes.cli import main

from .test_answers import rec

#: a Postfix log: one recipient deferred, then bounced; one greylisted, then delivered; a refusal
LOG = """\
Mar  1 08:00:00 mx1 postfix/smtp[123]: 3F2A81C0B4: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
Mar  1 09:00:00 mx1 postfix/smtp[123]: 3F2A81C0B4: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))
Mar  1 09:10:00 mx1 postfix/smtp[123]: 4A1B2C3D4E: to=<Eve@Example.NET>, relay=mx.example.net[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred (host mx.example.net[192.0.2.2] said: 451 4.7.1 Greylisted, please try again later (in reply to RCPT TO command))
Mar  1 09:20:00 mx1 postfix/smtp[123]: 4A1B2C3D4E: to=<Eve@Example.NET>, relay=mx.example.net[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture()
def log(tmp_path: Path) -> Path:
    path = tmp_path / "mail.log"
    path.write_text(LOG)
    return path


@pytest.fixture()
def saved(tmp_path: Path) -> Path:
    """A saved run whose records carry the provenance fields (queue id, time)."""
    records = [
        rec("bob@example.org", reason="mailboxfull", queue_id="Q1", time="2026-03-01T08:00:00"),
        rec("bob@example.org", queue_id="Q1", time="2026-03-01T09:00:00"),
        rec("eve@example.net", reason="blocked", detail="greylisting", queue_id="Q2", time="2026-03-01T09:10:00"),
        rec("eve@example.net", reason="delivered", hard=False, queue_id="Q2", time="2026-03-01T09:20:00"),
        rec("amy@example.net", original_recipient="Amy.Alias@Example.COM", reply="550", status="5.1.1",
            time="2026-03-02T10:00:00"),
        rec("sam@gmail.com", reason="blocked", detail="spamhaus", provider="google"),
    ]
    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_classify_filters_and_summary(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--failures", str(log))
    assert code == 0
    assert [r["reason"] for r in jsonl(out)] == ["mailboxfull", "userunknown", "blocked"]
    code, out, _ = run(capsys, "classify", "--format", "jsonl", "--hard", str(log))
    assert [r["recipient"] for r in jsonl(out)] == ["bob@example.org"]
    code, out, _ = run(capsys, "classify", "--format", "jsonl", "--domain", "EXAMPLE.net", "--reason", "blocked",
                       str(log))
    assert [(r["recipient"], r["detail"]) for r in jsonl(out)] == [("Eve@example.net", "greylisting")]
    code, out, err = run(capsys, "classify", "--format", "jsonl", "-q", "--summary-format", "json", str(log))
    assert len(jsonl(out)) == 4
    summary = json.loads(err.strip().splitlines()[-1])  # with -q too, on stderr
    assert (summary["records"], summary["failures"], summary["hard"], summary["delivered"]) == (4, 3, 1, 1)
    code, out, err = run(capsys, "classify", "--format", "text", "--summary", "--summary-format", "text", str(log))
    assert "reason       failures" in err and "userunknown" in err and "reason    userunknown" in out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_classify_summary_on_a_terminal(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for argv, shown in (([], True), (["-q"], True), (["--no-summary"], False)):
        err, out = Terminal(), io.StringIO()
        monkeypatch.setattr(sys, "stderr", err)
        monkeypatch.setattr(sys, "stdout", out)
        assert main(["classify", "--format", "jsonl", *argv, str(log)]) == 0
        assert len(jsonl(out.getvalue())) == 4
        assert ("recipient domain  failures" in err.getvalue()) is shown, argv
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main(["classify", "--format", "jsonl", "--hard", str(log)]) == 0  # one record: no table
    assert "failures" not in err.getvalue()


def test_classify_formats_through_the_hook(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    _, plain, _ = run(capsys, "classify", "--format", "json", str(log))
    _, hooked, _ = run(capsys, "classify", "--format", "json", "--summary", str(log))
    assert json.loads(hooked) == json.loads(plain)
    _, out, _ = run(capsys, "classify", "--format", "csv", "--failures", str(log))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["reason"] for r in rows] == ["mailboxfull", "userunknown", "blocked"]
    assert rows[1]["hard"] == "true" and rows[0]["hard"] == "false"
    _, out, _ = run(capsys, "classify", "--format", "csv", "--final", str(log))
    header = out.splitlines()[0].split(",")
    assert header[-5:] == ["outcome", "attempts", "first_seen", "last_seen", "deferred_reason"]
    _, out, _ = run(capsys, "classify", "--format", "csv", "--hard", "--reason", "blocked", str(log))
    assert out.splitlines() == [out.splitlines()[0]] and out.startswith("file,recipient,")  # the header alone


def test_classify_final_collapses_the_attempts_of_a_log(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    _, final, _ = run(capsys, "classify", "--format", "jsonl", "--final", str(log))
    assert [(r["recipient"].lower(), r["outcome"], r["attempts"]) for r in jsonl(final)] == [
        ("bob@example.org", "bounced", 2), ("eve@example.net", "delivered", 2)]


def test_classify_final_keeps_two_hosts_apart_when_they_reuse_a_queue_id(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path) -> None:
    # mx1: bob deferred in the rotated (gzipped) log, bounced in the current one; mx2 numbers its
    # queue on its own and reuses 3F2A81C0B4 for bob: deferred, then delivered
    lines = LOG.splitlines(keepends=True)
    mx1, mx2 = tmp_path / "hosts" / "mx1", tmp_path / "hosts" / "mx2"
    mx1.mkdir(parents=True)
    mx2.mkdir(parents=True)
    (mx1 / "mail.log.1.gz").write_bytes(gzip.compress(lines[0].encode()))
    (mx1 / "mail.log").write_text(lines[1])
    (mx2 / "mail.log").write_text(lines[0].replace("mx1", "mx2").replace("08:00", "08:30")
                                  + lines[3].replace("mx1", "mx2").replace("4A1B2C3D4E", "3F2A81C0B4")
                                  .replace("Eve@Example.NET", "bob@example.org"))
    code, out, _ = run(capsys, "classify", "--format", "jsonl", "--final", "--jobs", "1", str(tmp_path / "hosts"))
    assert code == 0
    got = sorted((Path(r["path"]).parent.name, r["queue_id"], r["outcome"], r["attempts"]) for r in jsonl(out))
    assert got == [("mx1", "3F2A81C0B4", "bounced", 2), ("mx2", "3F2A81C0B4", "delivered", 2)]


def test_unknown_reason_is_bad_usage(capsys: pytest.CaptureFixture[str], log: Path, saved: Path) -> None:
    code, _, err = run(capsys, "classify", "--reason", "mailboxful", str(log))
    assert code == 2 and "unknown reason 'mailboxful'; did you mean mailboxfull" in err
    code, _, err = run(capsys, "summary", "--reason", "nosuch", str(saved))
    assert code == 2 and "unknown reason 'nosuch'" in err


def test_filter_final(capsys: pytest.CaptureFixture[str], saved: Path) -> None:
    code, out, _ = run(capsys, "filter", "--final", "--format", "jsonl", str(saved))
    assert code == 0
    got = {(r["recipient"], r.get("outcome"), r.get("attempts")) for r in jsonl(out)}
    assert got == {("bob@example.org", "bounced", 2), ("eve@example.net", "delivered", 2),
                   ("amy@example.net", None, None), ("sam@gmail.com", None, None)}
    code, out, _ = run(capsys, "filter", "--final", "--failures", "--format", "jsonl", str(saved))
    assert "eve@example.net" not in out and len(jsonl(out)) == 3


def test_summary_of_a_saved_run(capsys: pytest.CaptureFixture[str], saved: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "summary", "--format", "text", str(saved))
    assert code == 0
    assert out.startswith("6 record(s): 5 failure(s) (2 hard, 3 soft), 1 delivered, 0 other")
    assert "from 2026-03-01T08:00:00 to 2026-03-02T10:00:00" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO(saved.read_text()))
    code, out, _ = run(capsys, "summary", "--final", "--hard")  # not to a terminal: JSON
    data = json.loads(out)
    assert (data["records"], data["hard"]) == (2, 2)
    assert [r["key"] for r in data["by_domain"]] == ["example.net", "example.org"]


def test_suppress(capsys: pytest.CaptureFixture[str], saved: Path) -> None:
    code, out, err = run(capsys, "suppress", str(saved))
    assert code == 0
    assert out == "Amy.Alias@example.com\nbob@example.org\n"
    assert "2 address(es) to remove" in err
    code, out, _ = run(capsys, "suppress", "--format", "csv", str(saved))
    assert list(csv.reader(io.StringIO(out))) == [
        ["address", "reason", "last_seen", "code"],
        ["Amy.Alias@example.com", "userunknown", "2026-03-02T10:00:00", "5.1.1"],
        ["bob@example.org", "userunknown", "2026-03-01T09:00:00", "5.1.1"]]
    code, out, _ = run(capsys, "suppress", "--domain", "example.org", str(saved))
    assert out == "bob@example.org\n"


def test_classify_piped_into_suppress(capsys: pytest.CaptureFixture[str], log: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _, out, _ = run(capsys, "classify", "--format", "jsonl", str(log))
    monkeypatch.setattr(sys, "stdin", io.StringIO(out))
    code, out, _ = run(capsys, "suppress", "-")
    assert (code, out) == (0, "bob@example.org\n")


def test_a_run_that_is_no_run(capsys: pytest.CaptureFixture[str], log: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, "summary", str(log))
    assert code == 1 and f"{log}:1: not a JSON record" in err
    code, _, err = run(capsys, "suppress", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "missing.jsonl" in err


def test_report_writes_one_page(capsys: pytest.CaptureFixture[str], saved: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    monkeypatch.setenv("SITE_URL", "https://codes.example/sub/")
    code, _, err = run(capsys, "report", str(saved), "-o", str(target))
    assert code == 0 and f"wrote {target}" in err
    page = target.read_text()
    assert '<a href="https://codes.example/sub/reasons/userunknown/">' in page
    code, out, _ = run(capsys, "report", str(saved), "-o", "-", "--site-url", "https://other.example")
    assert '<a href="https://other.example/reasons/userunknown/">' in out
    assert "https://codes.example" not in out
