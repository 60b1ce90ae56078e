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
    assert (rec["file"], rec["path"], rec["recipient"], rec["status"], rec["reply"], rec["reason"], rec["hard"]) == \
        ("one.eml", str(tmp_path / "one.eml"), "rcpt@example.org", "5.1.1", "550", "userunknown", True)


def test_classify_folder_mbox_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_text(DSN)
    (maildir / "cur" / "2.host:2,S").write_text("Subject: hello\nFrom: a@example.com\n\njust a letter\n")
    mbox = tmp_path / "box.mbox"
    mbox.write_text("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + DSN + "\nFrom x@example.com Mon Jan  1 00:00:00 2024\n"
                    + DSN.replace("rcpt@", "other@"))
    code, out, err = run(capsys, "classify", "--format", "json", "-v", str(maildir), str(mbox), str(tmp_path / "missing"))
    data = json.loads(out)
    assert sorted(r["recipient"] for r in data) == ["other@example.org", "rcpt@example.org", "rcpt@example.org"]
    assert code == 1  # one input could not be read
    assert "missing" in err and "no bounce found" in err and "1 unreadable" in err


def test_classify_csv_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.eml").write_text(DSN)
    code, out, _ = run(capsys, "classify", "--format", "csv", str(tmp_path / "a.eml"))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0]["reason"] == "userunknown" and rows[0]["hard"] == "true" and rows[0]["permanent"] == "true"
    code, out, _ = run(capsys, "classify", "--format", "text", str(tmp_path / "a.eml"))
    # Postfix's own sentence with its own code: the program's message stands in for X.1.1
    assert "userunknown" in out and "decided   software:postfix/unknown-local-recipient" in out


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
    serial = run(capsys, "classify", "--format", fmt, "--jobs", "1", "-v", *paths)
    assert serial[0] == 1  # unreadable, missing and refused inputs
    assert "unreadable.eml: cannot read" in serial[2] and "huge.eml: refused" in serial[2]
    assert "missing.eml: no such file" in serial[2] and "noise.eml: unreadable: binary data, not text" in serial[2]
    assert "000-letter.eml: no bounce found" in serial[2]
    assert "79 input(s), 72 result(s), 5 without a bounce, 4 unreadable" in serial[2]
    assert cli.can_fork()
    for jobs in ("2", "3"):
        assert run(capsys, "classify", "--format", fmt, "--jobs", jobs, "-v", *paths) == serial


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
@pytest.mark.parametrize("shared", [False, True])
def test_an_exception_in_a_worker_loses_nothing_else(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, shared: bool) -> None:
    """An unexpected error on one input in a worker comes back as that input's events: the output is
    the serial run's, the input is reported and counted, exit status 3; no worker is left behind."""
    import bouncecodes.cli as cli

    real = cli.parse

    def broken(data: bytes) -> object:
        if b"rcpt17@" in data or b"m7@" in data:
            raise RuntimeError("parser bug")
        return real(data)

    monkeypatch.setattr(cli, "parse", broken)
    if shared:
        monkeypatch.setattr(cli, "SHARED_FILE_BYTES", 0)
    paths = _many_inputs(tmp_path)
    serial = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", *paths)
    assert serial[0] == 3  # failed inputs and unreadable ones: 3 wins
    assert re.search(r"017-dsn\.eml: the classifier failed: RuntimeError: parser bug", serial[2])
    assert re.search(r"long\.mbox#8: the classifier failed: RuntimeError: parser bug", serial[2])
    assert "79 input(s), 71 result(s), 5 without a bounce, 3 unreadable, 2 failed" in serial[2]
    before = _children()
    assert run(capsys, "classify", "--format", "jsonl", "--jobs", "2", *paths) == serial
    assert _children() == before  # every worker was waited for


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
@pytest.mark.parametrize("shared", [False, True])
def test_a_worker_killed_once_is_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch, shared: bool) -> None:
    """A worker killed mid-run (a signal, out of memory) is started again where it stopped: the
    output is still the serial output, and no worker is left behind."""
    import os

    import bouncecodes.cli as cli

    real = cli.parse

    def dying_once(data: bytes) -> object:
        for who in (b"rcpt23@", b"m12@"):
            if who in data:
                try:  # the first time only
                    os.close(os.open(tmp_path / f"killed-{who[:-1].decode()}", os.O_CREAT | os.O_EXCL))
                except FileExistsError:
                    break
                os._exit(9)
        return real(data)

    if shared:
        monkeypatch.setattr(cli, "SHARED_FILE_BYTES", 0)
    paths = _many_inputs(tmp_path)
    serial = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", *paths)
    monkeypatch.setattr(cli, "parse", dying_once)  # in the workers only: this process must live
    before = _children()
    assert run(capsys, "classify", "--format", "jsonl", "--jobs", "2", *paths) == serial
    assert len(list(tmp_path.glob("killed*"))) >= 1  # a worker did die
    assert _children() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
@pytest.mark.parametrize("shared", [False, True])
def test_an_input_that_kills_its_workers_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, shared: bool) -> None:
    """An input that kills every worker that reads it: reported by name and counted as failed, exit
    status 3; every other input is classified as in a serial run; no hang, no worker left behind.
    A file, and (shared) the last message of a large mbox."""
    import os

    import bouncecodes.cli as cli

    real = cli.parse
    dying = os.getpid()  # only workers die; the serial run in this process raises instead
    # unshared, a whole mbox under SHARED_FILE_BYTES is one worker's unit: it would be lost whole
    poison = (b"rcpt23@", b"m29@") if shared else (b"rcpt23@",)

    def killing(data: bytes) -> object:
        if any(p in data for p in poison):
            if os.getpid() != dying:
                os._exit(9)
            raise RuntimeError("kills its worker")
        return real(data)

    monkeypatch.setattr(cli, "parse", killing)
    if shared:
        monkeypatch.setattr(cli, "SHARED_FILE_BYTES", 0)
    paths = _many_inputs(tmp_path)
    serial = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", *paths)
    before = _children()
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", "2", *paths)
    assert (code, out) == serial[:2]
    assert "023-dsn.eml: a worker process died while classifying it" in err
    assert ("long.mbox#30: a worker process died while classifying it" in err) is shared
    assert "the classifier failed" not in err
    assert err.splitlines()[-1] == serial[2].splitlines()[-1]  # the same summary
    assert _children() == before


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

    def group() -> list[str]:
        found = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True, check=False).stdout
        return found.split()

    # Ctrl-C once the workers run (however long starting takes on a busy machine), or at the end
    while len(group()) < 3 and proc.poll() is None:
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:
        pass  # it had already finished
    _, err = proc.communicate(timeout=300)
    assert proc.returncode in (130, -signal.SIGINT, 0)  # 0: it had already finished
    assert "Traceback" not in err
    deadline = time.monotonic() + 300  # a bound on a hang, not a guess: the workers go at once
    while group() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group() == []


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

    def documents(path: str | None, stdin: object, tick: object = None, opened: object = None) -> object:
        yield from real(path, stdin)  # type: ignore[arg-type]
        if path is not None and Path(path).name == "005-dsn.eml":
            try:  # the first worker here sees one message more than the other
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
                yield str(path), 2, DSN.encode()
            except FileExistsError:
                pass

    monkeypatch.setattr(cli, "_documents", documents)
    code = main(["classify", "--format", "jsonl", "--jobs", "2", *_many_inputs(tmp_path)])
    assert code == 1 and "changed while the workers read it" in capsys.readouterr().err


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


# -- one bad input never stops a batch ---------------------------------------------------------------
#
# The poison is a bug this classifier once had (issue #13): host_of() as it was read a Remote-MTA
# or a relay holding only its type ("DNS; ") with `.split()[0]` and raised IndexError. The tests
# put that version back where the parser calls it, so that the inputs that met it fail again: in
# an email's fields, and before the log reader's own relay reader (which gives what it gave).


def _old_host_of(value: str) -> str:
    return value.split(";", 1)[-1].strip().strip("[]<>").split()[0] if value.strip() else ""


POISON = DSN.replace("Remote-MTA: dns; mx.example.org", "Remote-MTA: DNS; ")
LOG_LINE = ("Jan  1 00:00:0{n} mx postfix/smtp[123]: ABC12{n}DEF: to=<{who}@example.org>, relay={relay}, delay=1, "
            "dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 <{who}@example.org>: "
            "User unknown (in reply to RCPT TO command))")


@pytest.fixture()
def old_host_of(monkeypatch: pytest.MonkeyPatch) -> None:
    _poison(monkeypatch)


def _poison(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setattr(importlib.import_module("bouncecodes.parse.message"), "host_of", _old_host_of)
    logs = importlib.import_module("bouncecodes.parse.logs")
    relay = logs._relay

    def old_then_relay(value: str) -> str:
        _old_host_of(value)  # raises where the old code did
        return relay(value)

    monkeypatch.setattr(logs, "_relay", old_then_relay)


def test_the_library_still_raises(old_host_of: None) -> None:
    import bouncecodes

    with pytest.raises(IndexError):
        bouncecodes.classify(POISON)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_folder_with_one_poisoned_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], old_host_of: None,
                                         jobs: str) -> None:
    """Every other file's results, the bad one named on stderr with its error, the summary, and exit
    status 3; the same with worker processes."""
    import bouncecodes.cli as cli

    folder = tmp_path / "bounces"
    folder.mkdir()
    for i in range(30):
        (folder / f"{i:02d}.eml").write_text(DSN.replace("rcpt@", f"rcpt{i}@"))
    clean = run(capsys, "classify", "--format", "jsonl", "--jobs", "1", str(folder))
    assert clean[0] == 0 and len(clean[1].splitlines()) == 30
    (folder / "17-poisoned.eml").write_text(POISON)
    if jobs != "1":
        assert cli.can_fork() and cli._worth_workers(list(folder.iterdir()))
    code, out, err = run(capsys, "classify", "--format", "jsonl", "--jobs", jobs, str(folder))
    assert out == clean[1]  # every other file, in order
    assert f"bouncecodes: {folder / '17-poisoned.eml'}: the classifier failed: IndexError: list index out of range" \
        in err
    assert err.splitlines()[-1] == "bouncecodes: 31 input(s), 30 result(s), 0 without a bounce, 0 unreadable, 1 failed"
    assert code == 3


def test_a_poisoned_message_of_an_mbox(tmp_path: Path, capsys: pytest.CaptureFixture[str], old_host_of: None) -> None:
    box = tmp_path / "box.mbox"
    box.write_text("".join("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + (POISON if i == 2 else DSN) + "\n"
                           for i in range(1, 4)))
    code, out, err = run(capsys, "classify", "--format", "jsonl", str(box))
    assert code == 3 and len(out.splitlines()) == 2
    assert f"{tmp_path / 'box.mbox#2'}: the classifier failed: IndexError" in err
    assert "3 input(s), 2 result(s), 0 without a bounce, 0 unreadable, 1 failed" in err


@pytest.mark.parametrize("stdin", [False, True])
def test_a_log_is_isolated_line_by_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, old_host_of: None, stdin: bool) -> None:
    """In a log, an input is a line: the lines that fail are named by number, the others classified."""
    lines = [LOG_LINE.format(n=n, who=who, relay=relay) for n, who, relay in
             ((1, "ann", "mx.example.org[192.0.2.1]:25"), (2, "bob", "dns;"), (3, "cat", "none"), (4, "dan", "x;"),
              (5, "eve", "mx.example.org[192.0.2.1]:25"))]
    text = "\n".join(lines) + "\n"
    if stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        name, args = "-", ["-"]
    else:
        (tmp_path / "mail.log").write_text(text)
        name, args = str(tmp_path / "mail.log"), [str(tmp_path / "mail.log")]
    code, out, err = run(capsys, "classify", "--format", "jsonl", *args)
    assert [json.loads(x)["recipient"] for x in out.splitlines()] == ["ann@example.org", "cat@example.org",
                                                                        "eve@example.org"]
    assert re.findall(r"^bouncecodes: (.*): the classifier failed: IndexError", err, re.MULTILINE) == \
        [f"{name}:2", f"{name}:4"]
    assert err.splitlines()[-1] == "bouncecodes: 1 input(s), 3 result(s), 0 without a bounce, 0 unreadable, 2 failed"
    assert code == 3


def test_a_log_read_line_by_line_keeps_what_links_its_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines of a log that failed are fed in order to one reader: a failing line between a
    qmail delivery's start and its outcome (or a Message-ID line and its message's outcome) costs
    its own line only; every other record is the one a run without the bug gives (una's recipient
    is only on the line that starts her delivery)."""
    log = tmp_path / "mail.log"
    log.write_text("\n".join([
        "Jan  1 00:00:00 mx postfix/cleanup[9]: ABC121DEF: message-id=<m1@example.org>",
        LOG_LINE.format(n=2, who="bob", relay="dns;"),
        "@400000006a1b2c3d0a1b2c3f starting delivery 7: msg 310 to remote una@example.org",
        LOG_LINE.format(n=1, who="ann", relay="mx.example.org[192.0.2.1]:25"),
        LOG_LINE.format(n=4, who="dan", relay="x;"),
        "@400000006a1b2c3e0a1b2c40 delivery 7: failure: 192.0.2.8_does_not_like_recipient./Remote_host_said:_550_5.1.1"
        "_<una@example.org>:_Recipient_address_rejected:_User_unknown/Giving_up_on_192.0.2.8./",
    ]) + "\n")
    code, out, err = run(capsys, "classify", "--format", "jsonl", str(log))
    clean = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["recipient"] for r in clean] == ["bob@example.org", "ann@example.org",
                                                             "dan@example.org", "una@example.org"]
    _poison(monkeypatch)
    code, out, err = run(capsys, "classify", "--format", "jsonl", str(log))
    assert [json.loads(x) for x in out.splitlines()] == [clean[1], clean[3]]
    assert re.findall(r"^bouncecodes: (.*): the classifier failed: IndexError", err, re.MULTILINE) == \
        [f"{log}:2", f"{log}:5"]
    assert err.splitlines()[-1] == "bouncecodes: 1 input(s), 2 result(s), 0 without a bounce, 0 unreadable, 2 failed"
    assert code == 3
