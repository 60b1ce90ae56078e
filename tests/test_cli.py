"""The command line: lookup, classify over files, folders, mbox and stdin, formats and exit statuses."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bouncecodes.cli import main

DSN = """From: MAILER-DAEMON@mx.example.net
To: sender@example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system at host mx.example.net.

<rcpt@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <rcpt@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command)

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; rcpt@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <rcpt@example.org>: Recipient address rejected: User unknown

--b1--
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lookup_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "550")
    assert code == 0 and out.startswith("550  ") and "RFC 5321" in out


@pytest.mark.parametrize("query", ["550", "5.7.26", "4.2.2", "X.1.1", "550 5.1.1", "5.XXX.YYY", "x.1.yyy"])
def test_lookup_json(capsys: pytest.CaptureFixture[str], query: str) -> None:
    code, out, _ = run(capsys, "lookup", *query.split(), "--format", "json")
    data = json.loads(out)
    assert code == 0 and (data["reply"] or data["enhanced"])


@pytest.mark.parametrize("query,words", [("55", "is not a code"), ("5.1", "is not a code"), ("hello", "is not a code"),
                                         ("599", "not in the registry"), ("5.9.1", "not in the enhanced")])
def test_lookup_errors(capsys: pytest.CaptureFixture[str], query: str, words: str) -> None:
    code, out, err = run(capsys, "lookup", query)
    assert code == 2 and out == "" and words in err


def test_unregistered_enhanced_code_falls_back_to_subject(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "5.7.606")
    assert code == 0 and "not in the IANA registry" in out and "X.7.YYY" in out


def test_classify_jsonl_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "one.eml").write_text(DSN)
    code, out, _ = run(capsys, "classify", "--format", "jsonl", str(tmp_path / "one.eml"))
    rec = json.loads(out.splitlines()[0])
    assert code == 0
    assert {"file", "recipient", "status", "reply", "reason", "hard", "permanent", "detail", "action", "provider",
            "rule", "diagnostic"} <= set(rec)
    assert (rec["file"], rec["recipient"], rec["status"], rec["reply"], rec["reason"], rec["hard"]) == \
        ("one.eml", "rcpt@example.org", "5.1.1", "550", "userunknown", True)


def test_classify_folder_mbox_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_text(DSN)
    (maildir / "cur" / "2.host:2,S").write_text("Subject: hello\nFrom: a@example.com\n\njust a letter\n")
    mbox = tmp_path / "box.mbox"
    mbox.write_text("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + DSN + "\nFrom x@example.com Mon Jan  1 00:00:00 2024\n"
                    + DSN.replace("rcpt@", "other@"))
    code, out, err = run(capsys, "classify", "--format", "json", str(maildir), str(mbox), str(tmp_path / "missing"))
    data = json.loads(out)
    assert sorted(r["recipient"] for r in data) == ["other@example.org", "rcpt@example.org", "rcpt@example.org"]
    assert code == 1  # one input could not be read
    assert "missing" in err and "no bounce found" in err and "1 unreadable" in err


def test_classify_csv_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.eml").write_text(DSN)
    code, out, _ = run(capsys, "classify", "--format", "csv", str(tmp_path / "a.eml"))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0]["reason"] == "userunknown" and rows[0]["hard"] == "True"
    code, out, _ = run(capsys, "classify", "--format", "text", str(tmp_path / "a.eml"))
    assert "userunknown" in out and "decided   enhanced:X.1.1" in out


def test_classify_stdin_log_line() -> None:
    line = ("Jan  1 00:00:00 mx postfix/smtp[123]: ABC123DEF: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, "
            "delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 "
            "<bob@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))\n")
    out = subprocess.run([sys.executable, "-m", "bouncecodes", "classify", "--format", "jsonl"], input=line,
                         capture_output=True, text=True, check=False)
    rec = json.loads(out.stdout)
    assert out.returncode == 0 and rec["recipient"] == "bob@example.org" and rec["reason"] == "userunknown"
    assert rec["file"] == "-"


def test_too_large_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import bouncecodes.cli as cli

    monkeypatch.setattr(cli, "MAX_INPUT", 1000)
    (tmp_path / "big.eml").write_text(DSN * 3)
    code, _, err = run(capsys, "classify", str(tmp_path / "big.eml"))
    assert code == 1 and "refused" in err


def test_providers_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "providers")
    assert code == 0 and "google" in out and out.strip().endswith("rules")


# -- --jobs: worker processes give the serial output -----------------------------------------------

FAILED_LOG_MBOX = "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + DSN + "\nFrom x@example.com Mon Jan  1 00:00:00 2024\n" \
    + DSN.replace("rcpt@", "third@")


def _children() -> set[int]:
    """This process's child processes, zombies included (Linux /proc)."""
    import os

    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                found.add(int(entry.name))
    return found


def _many_inputs(tmp_path: Path) -> list[str]:
    """Enough files for the parallel path: DSNs, letters without a bounce, an mbox, random bytes,
    an oversized file, a file that cannot be read and a missing one."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(40):
        (folder / f"{i:03d}-dsn.eml").write_text(DSN.replace("rcpt@", f"rcpt{i}@"))
    for i in range(5):
        (folder / f"{i:03d}-letter.eml").write_text("Subject: hello\nFrom: a@example.com\n\njust a letter\n")
    (folder / "box.mbox").write_text(FAILED_LOG_MBOX)
    (folder / "empty.mbox").write_text("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n\n")  # no message at all
    (folder / "long.mbox").write_text("".join("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"
                                              + DSN.replace("rcpt@", f"m{i}@") + "\n" for i in range(30)))
    (folder / "noise.eml").write_bytes(bytes(range(256)) * 8)
    (folder / "huge.eml").write_text(DSN + "x" * 3000)
    (folder / "unreadable.eml").symlink_to("/proc/self/mem")  # opens, then fails to read
    return [str(folder), str(tmp_path / "missing.eml")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers and /proc/self/mem: Linux")
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "text"])
@pytest.mark.parametrize("shared", [False, True])
def test_jobs_give_the_serial_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch, fmt: str, shared: bool) -> None:
    """Files dealt whole to the workers, or (shared) every file read by every worker and its
    messages dealt out: the same output as the serial run."""
    import bouncecodes.cli as cli

    monkeypatch.setattr(cli, "MAX_INPUT", 2500)  # huge.eml is over it: refused
    if shared:
        monkeypatch.setattr(cli, "SHARED_FILE_BYTES", 0)
    paths = _many_inputs(tmp_path)
    serial = run(capsys, "classify", "--format", fmt, "--jobs", "1", *paths)
    assert serial[0] == 1  # unreadable, missing and refused inputs
    assert "unreadable.eml: cannot read" in serial[2] and "huge.eml: refused" in serial[2]
    assert "missing.eml: no such file" in serial[2] and "noise.eml: no bounce found" in serial[2]
    assert "79 input(s), 72 result(s), 6 without a bounce, 3 unreadable" in serial[2]
    assert cli.can_fork()
    for jobs in ("2", "3"):
        assert run(capsys, "classify", "--format", fmt, "--jobs", jobs, *paths) == serial


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_jobs_share_the_messages_of_one_mbox(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """One large mbox: its messages are dealt to the workers, the output is the serial output."""
    import bouncecodes.cli as cli

    box = tmp_path / "big.mbox"
    box.write_text("".join("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + DSN.replace("rcpt@", f"m{i}@") + "\n"
                           + ("From a@example.com Mon Jan  1 00:00:00 2024\nSubject: hi\n\nhello\n\n" if i % 7 == 0 else "")
                           for i in range(60)))
    serial = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(box))
    assert serial[0] == 0 and len(serial[1].splitlines()) == 60
    monkeypatch.setattr(cli, "PARALLEL_MIN_BYTES", 1000)
    monkeypatch.setattr(cli, "SHARED_FILE_BYTES", 1000)
    started: list[int] = []
    real = cli._parallel

    def counting(classifier: object, files: list[Path], jobs: int) -> object:
        started.append(jobs)
        return real(classifier, files, jobs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_parallel", counting)
    for jobs in ("2", "3"):
        assert run(capsys, "classify", "--format", "jsonl", "--jobs", jobs, str(box)) == serial
    assert started == [2, 3]


def test_jobs_are_not_used_for_few_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import bouncecodes.cli as cli

    def no_workers(*args: object) -> None:
        raise AssertionError("workers started")

    monkeypatch.setattr(cli, "_run_parallel", no_workers)
    (tmp_path / "a.eml").write_text(DSN)
    code, out, _ = run(capsys, "classify", "--format", "jsonl", "--jobs", "4", str(tmp_path / "a.eml"))
    assert code == 0 and json.loads(out)["recipient"] == "rcpt@example.org"


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["classify", "--jobs", value])
    assert exc.value.code == 2 and "--jobs" in capsys.readouterr().err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_a_failing_worker_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected error in a worker stops the run, exit status 1, with the worker's traceback on
    stderr (a serial run would stop there too); no worker is left behind."""

    import bouncecodes.cli as cli

    def broken(data: bytes) -> list[object]:
        if b"rcpt17@" in data:
            raise RuntimeError("parser bug")
        return []

    monkeypatch.setattr(cli, "parse", broken)
    paths = _many_inputs(tmp_path)
    before = _children()
    code = main(["classify", "--format", "jsonl", "--jobs", "2", *paths])
    err = capsys.readouterr().err
    assert code == 1 and re.search("(?s)worker process failed on .*017-dsn.eml.*RuntimeError: parser bug", err)
    assert _children() == before  # every worker was waited for


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_ctrl_c_stops_the_workers(tmp_path: Path) -> None:
    """SIGINT (Ctrl-C) to the process group: exit status 130, no traceback, no worker left."""
    import os
    import signal
    import time

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        (folder / f"{i:04d}.eml").write_text(DSN)
    proc = subprocess.Popen([sys.executable, "-m", "bouncecodes", "classify", "-q", "--jobs", "2", *[str(folder)] * 10],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(0.6)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (130, -signal.SIGINT, 0)  # 0: it had already finished
    assert "Traceback" not in err
    time.sleep(0.2)
    left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True, check=False).stdout
    assert left.strip() == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_a_file_changing_under_the_workers_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Every worker reads every large file: if one sees a message more (an mbox written to during
    the run), the run stops with exit status 1 rather than print results out of order."""
    import os

    import bouncecodes.cli as cli

    monkeypatch.setattr(cli, "SHARED_FILE_BYTES", 0)  # every file is "large"

    marker = tmp_path / "marker"
    real = cli._documents

    def documents(path: str | None, stdin: object) -> object:
        yield from real(path, stdin)  # type: ignore[arg-type]
        if path is not None and Path(path).name == "005-dsn.eml":
            try:  # the first worker here sees one message more than the other
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
                yield "005-dsn.eml#2", DSN.encode()
            except FileExistsError:
                pass

    monkeypatch.setattr(cli, "_documents", documents)
    code = main(["classify", "--format", "jsonl", "--jobs", "2", *_many_inputs(tmp_path)])
    assert code == 1 and "changed while the workers read it" in capsys.readouterr().err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_a_worker_that_dies_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (out of memory, a signal): exit status 1 and a message naming the
    file, no hang, no worker left behind."""
    import os

    import bouncecodes.cli as cli

    real = cli.parse

    def dying(data: bytes) -> object:
        if b"rcpt23@" in data:
            os._exit(9)
        return real(data)

    monkeypatch.setattr(cli, "parse", dying)
    paths = _many_inputs(tmp_path)
    before = _children()
    code = main(["classify", "--format", "jsonl", "--jobs", "2", *paths])
    out, err = capsys.readouterr()
    assert code == 1 and "worker process stopped unexpectedly, at " in err
    assert out.count("\n") >= 8  # what came before was printed
    assert _children() == before


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_mbox_with_any_line_ends(tmp_path: Path, capsys: pytest.CaptureFixture[str], line_end: str) -> None:
    text = ("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + DSN + "\nFrom x@example.com Mon Jan  1 00:00:00 2024\n"
            + DSN.replace("rcpt@", "other@"))
    mbox = tmp_path / "box.mbox"
    mbox.write_bytes(text.replace("\n", line_end).encode())
    code, out, _ = run(capsys, "classify", "--format", "json", "--jobs", "1", str(mbox))
    assert code == 0
    assert sorted(r["recipient"] for r in json.loads(out)) == ["other@example.org", "rcpt@example.org"]


def test_lookup_of_a_pseudo_code_names_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "5.0.911")
    assert code == 0 and out.startswith("5.0.911  pseudo status of userunknown")
    code, out, _ = run(capsys, "lookup", "--format", "json", "4.0.947")
    assert code == 0 and json.loads(out)["pseudo"]["id"] == "expired"
