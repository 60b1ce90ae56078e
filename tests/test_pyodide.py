"""Golden test: the runtime archive under Pyodide (in Node, no browser) classifies exactly as CPython does.

The in-browser checker runs ``bouncecodes-<hash>.zip`` on Pyodide. Here that same archive is built,
loaded by ``tests/pyodide/run.mjs`` through ``loadPyodide`` from ``node_modules/pyodide`` and fed the
golden set: every file under ``tests/data/`` (as bytes) plus the inline inputs below. Each input's
``[r.to_dict() for r in classify(x)]`` (or its exception) must be identical on both.

Needs Node.js and ``npm ci`` (``make setup`` runs it); without them this test fails, it never skips.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

import bouncecodes
from bouncecodes.build.checker import build_runtime_zip, build_stdlib_zip, pyodide_version

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
NODE_MODULES = ROOT / "node_modules"
RUNNER = ROOT / "tests" / "pyodide" / "run.mjs"
MARKER = "BOUNCECODES-RESULT "
PINNED = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["pyodide"]

DSN_WEIRD_RECIPIENT = (
    "From: MAILER-DAEMON@mx.example.net\n"
    "To: <<@>>\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B0"\n'
    "\n"
    "--B0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "I'm sorry to have to inform you that your message could not be delivered.\n"
    "\n"
    "--B0\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "\n"
    'Final-Recipient: rfc822; "a b"@example.org\n'
    "Original-Recipient: rfc822;\"a b\"@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.example.org\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <\"a b\"@example.org>: Recipient address rejected: User unknown\n"
    "\n"
    "--B0--\n"
)

#: (id, input) — one-line and multi-line replies, MTA log lines, odd addresses, a DSN, non-UTF-8 bytes.
INLINE: list[tuple[str, str | bytes]] = [
    ("reply-550-5.1.1", "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table"),
    ("reply-452-4.2.2", "452 4.2.2 The email account that you tried to reach is over quota."),
    ("reply-421-4.7.0", "421 4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail."),
    ("reply-554-5.7.1-spamhaus", "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org"),
    ("reply-no-enhanced", "550 Requested action not taken: mailbox unavailable"),
    ("reply-bare-enhanced", "5.2.2 mailbox full"),
    (
        "reply-550-5.7.26-multiline",
        "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires\n"
        "550-5.7.26 all senders to authenticate with either SPF or DKIM.\n"
        "550-5.7.26\n"
        "550-5.7.26  Authentication results:\n"
        "550-5.7.26  DKIM = did not pass\n"
        "550-5.7.26  SPF [example.com] with ip: [192.0.2.10] = did not pass\n"
        "550-5.7.26\n"
        "550-5.7.26  For instructions on setting up authentication, go to\n"
        "550 5.7.26  https://support.google.com/mail/answer/81126#authentication x1si.123 - gsmtp",
    ),
    (
        "reply-550-5.7.26-crlf",
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\r\n"
        "550-5.7.26 DMARC policy. Please contact the administrator of example.com domain.\r\n"
        "550 5.7.26 https://support.google.com/mail/answer/2451690 - gsmtp\r\n",
    ),
    (
        "log-postfix",
        "Jan  1 00:00:00 mx postfix/smtp[123]: ABC123DEF: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, "
        "delay=0.5, delays=0.1/0/0.2/0.2, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: "
        "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
    ),
    (
        "log-postfix-deferred",
        "Mar 14 09:26:53 relay postfix/smtp[4711]: 3F2A1C0042: to=<carol@example.net>, relay=none, delay=30, "
        "delays=0.01/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.net[192.0.2.7]:25: Connection timed out)",
    ),
    (
        "log-postfix-two-recipients",
        "Jan  1 00:00:01 mx postfix/smtp[124]: AAA111: to=<frank@example.org>, relay=mx.example.org[192.0.2.1]:25, "
        "dsn=5.2.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.2.1 The email account that you tried "
        "to reach is disabled. (in reply to RCPT TO command))\n"
        "Jan  1 00:00:02 mx postfix/smtp[124]: AAA111: to=<grace@example.org>, relay=mx.example.org[192.0.2.1]:25, "
        "dsn=4.2.2, status=deferred (host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))\n",
    ),
    (
        "log-exim",
        "2024-01-02 03:04:05 1rABCd-000123-EF ** dave@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.3]: "
        "SMTP error from remote mail server after RCPT TO:<dave@example.com>: 550 5.1.1 <dave@example.com>: user unknown",
    ),
    (
        "log-sendmail",
        "Jan  2 03:04:05 host sendmail[12345]: x0A1B2C3D4E5F6: to=<erin@example.com>, delay=00:00:01, xdelay=00:00:01, "
        "mailer=esmtp, pri=120000, relay=mx.example.com. [192.0.2.4], dsn=5.2.2, stat=User unknown",
    ),
    ("malformed-address", "To: <<@>>\n\n550 5.1.1 <<@>>: Recipient address rejected"),
    ("malformed-address-reply", "550 5.1.1 <<@>>... User unknown"),
    ("dsn-weird-final-recipient", DSN_WEIRD_RECIPIENT),
    ("bytes-latin1", "550 5.1.1 <jos\xe9@example.org>: Benutzer unbekannt \xfc\xe4\xf6".encode("latin-1")),
    ("bytes-invalid-utf8", b"554 5.7.1 \xff\xfe\x80 rejected \xc3\x28 <x@example.org>\r\n"),
    ("bytes-utf8", "550 5.1.1 <zoë@exämple.org>: 用户不存在".encode()),
    ("empty", ""),
    ("no-bounce", "Hello, this is just a note with no reply code in it."),
]


def golden_inputs() -> list[tuple[str, str | bytes]]:
    files = sorted(p for p in DATA.rglob("*") if p.is_file()) if DATA.is_dir() else []
    return [(f"data/{p.relative_to(DATA).as_posix()}", p.read_bytes()) for p in files] + INLINE


def encode(data: str | bytes) -> dict[str, str]:
    if isinstance(data, bytes):
        return {"base64": base64.b64encode(data).decode("ascii")}
    return {"text": data}


def cpython_outcome(data: str | bytes) -> dict[str, Any]:
    try:
        out: dict[str, Any] = {"results": [r.to_dict() for r in bouncecodes.classify(data)]}
    except Exception as exc:
        out = {"error": f"{type(exc).__name__}: {exc}"}
    same: dict[str, Any] = json.loads(json.dumps(out, ensure_ascii=False, sort_keys=True))  # the same JSON round trip
    return same


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (`node`) is not on PATH: the Pyodide golden test needs it (Debian: apt-get install nodejs npm).")
    if not (NODE_MODULES / "pyodide" / "pyodide.mjs").is_file():
        pytest.fail(f"{NODE_MODULES / 'pyodide'} is missing: run `npm ci` at the repository root (`make setup` does).")
    installed = pyodide_version(NODE_MODULES)
    if installed != PINNED:
        pytest.fail(f"node_modules has pyodide {installed} but package.json pins {PINNED}: run `npm ci`.")
    return node


def run_pyodide(node: str, runtime_zip: Path, inputs: list[str | bytes], extra: list[str]) -> dict[str, Any]:
    payload = json.dumps([encode(x) for x in inputs])
    cmd = [node, str(RUNNER), "--zip", str(runtime_zip), *extra]
    proc = subprocess.run(cmd, input=payload, capture_output=True, text=True, encoding="utf-8", timeout=120,
                          cwd=ROOT, env={**os.environ, "NODE_NO_WARNINGS": "1"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if proc.returncode != 0 or len(lines) != 1:
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(lines[0][len(MARKER):])
    assert len(found["outcomes"]) == len(inputs)
    return found


@pytest.fixture(scope="module")
def checker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("checker")


@pytest.fixture(scope="module")
def runtime_zip(checker_dir: Path) -> Path:
    return build_runtime_zip(checker_dir)


@pytest.fixture(scope="module")
def stdlib_zip(runtime_zip: Path, checker_dir: Path) -> Path:
    return build_stdlib_zip(checker_dir, NODE_MODULES, runtime_zip, node=require_node())


@pytest.mark.parametrize("stdlib", ["full", "trimmed"])
def test_pyodide_matches_cpython(stdlib: str, runtime_zip: Path, request: pytest.FixtureRequest) -> None:
    """``full``: Pyodide's own python_stdlib.zip; ``trimmed``: the byte-compiled one of build_stdlib_zip."""
    node = require_node()
    extra: list[str] = []
    if stdlib == "trimmed":
        extra = ["--stdlib-url", str(request.getfixturevalue("stdlib_zip"))]
    cases = golden_inputs()
    inputs = [data for _, data in cases]
    started = time.perf_counter()
    found = run_pyodide(node, runtime_zip, inputs, extra)
    elapsed = time.perf_counter() - started
    assert found["python"].startswith("3.14."), found["python"]
    assert found["email_module"].endswith(".pyc" if stdlib == "trimmed" else ".py"), found["email_module"]
    got = found["outcomes"]
    want = [cpython_outcome(data) for data in inputs]
    mismatched = [name for (name, _), g, w in zip(cases, got, want, strict=True) if g != w]
    for (name, _), g, w in zip(cases, got, want, strict=True):
        assert g == w, f"{name}: Pyodide and CPython disagree ({len(mismatched)} of {len(cases)} inputs do: {mismatched})"
    # the golden set is not vacuous: most inputs find at least one recipient
    assert sum(bool(w.get("results")) for w in want) >= len(INLINE) // 2
    print(f"pyodide golden ({stdlib} stdlib): {len(cases)} inputs in {elapsed:.1f}s, "
          f"Python {sys.version.split()[0]} vs Pyodide {PINNED}")


def test_runtime_zip_is_deterministic(runtime_zip: Path, tmp_path: Path) -> None:
    again = build_runtime_zip(tmp_path)
    assert again.name == runtime_zip.name and again.read_bytes() == runtime_zip.read_bytes()
    with zipfile.ZipFile(again) as archive:
        names = archive.namelist()
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    assert names == sorted(names) and "bouncecodes/registry.json" in names and "bouncecodes/__init__.py" in names
    assert not [n for n in names if n.startswith(("bouncecodes/build/", "bouncecodes/site/")) or "__pycache__" in n]


def test_stdlib_zip_contents(stdlib_zip: Path) -> None:
    """Sourceless .pyc only, with what the runtime needs and all of email/ and encodings/.

    (Its bytes are deterministic too, but checking that costs a second Pyodide build: ~4 s.)"""
    assert stdlib_zip.name.startswith("python_stdlib-")
    with zipfile.ZipFile(stdlib_zip) as archive:
        names = set(archive.namelist())
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    assert {"email/message.pyc", "email/mime/text.pyc", "encodings/utf_8.pyc", "encodings/cp1252.pyc",
            "json/__init__.pyc", "html/__init__.pyc", "importlib/resources/__init__.pyc", "pyodide/__init__.pyc"} <= names
    assert not [n for n in names if not n.endswith(".pyc")]
    assert not [n for n in names if n.startswith(("unittest/", "sqlite3/", "xml/", "tomllib/"))]  # trimmed indeed


def test_checker_worker_protocol(runtime_zip: Path, stdlib_zip: Path, tmp_path: Path) -> None:
    """overrides/checker/worker.js, driven in Node as the page drives it, answers as CPython does."""
    node = require_node()
    texts = [data for _, data in golden_inputs() if isinstance(data, str)]
    cmd = [node, str(ROOT / "tests" / "pyodide" / "worker_harness.mjs"), "--zip", str(runtime_zip),
           "--stdlib-url", str(stdlib_zip)]
    proc = subprocess.run(cmd, input=json.dumps(texts), capture_output=True, text=True, encoding="utf-8",
                          timeout=120, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BOUNCECODES-WORKER ")]
    if proc.returncode != 0 or len(lines) != 1:
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    messages = json.loads(lines[0].split(" ", 1)[1])["messages"]
    states = [m["state"] for m in messages if m.get("type") == "state"]
    assert states == ["loading", "loading", "loading", "ready"], messages[:5]  # three steps, then ready
    answers = {m["id"]: m for m in messages if "id" in m}
    assert sorted(answers) == list(range(len(texts)))
    cli = cli_records(texts, tmp_path)
    for i, text in enumerate(texts):
        want = cpython_outcome(text)
        got = {k: v for k, v in answers[i].items() if k != "id"}
        if "error" in want:
            assert "error" in got, (text[:80], got)
            continue
        assert got["results"] == want["results"], text[:80]
        # the page's JSON is the CLI's, for the same text read from standard input ("-")
        assert json.loads(got["json"]) == [{**r, "file": "-", "path": "-"} for r in cli.get(f"t{i:03}.txt", [])], text[:80]
        assert len(got["pages"]) == len(got["results"])
        assert got.get("text", text) == text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def run_worker(node: str, runtime_zip: Path, stdlib_zip: Path, items: list[Any]) -> list[dict[str, Any]]:
    """Every message overrides/checker/worker.js posts for ``items`` (see worker_harness.mjs)."""
    cmd = [node, str(ROOT / "tests" / "pyodide" / "worker_harness.mjs"), "--zip", str(runtime_zip),
           "--stdlib-url", str(stdlib_zip)]
    proc = subprocess.run(cmd, input=json.dumps(items), capture_output=True, text=True, encoding="utf-8",
                          timeout=180, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BOUNCECODES-WORKER ")]
    if proc.returncode != 0 or len(lines) != 1:
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    return json.loads(lines[0].split(" ", 1)[1])["messages"]  # type: ignore[no-any-return]


def test_checker_decides_every_provider_example_as_lint_does(runtime_zip: Path, stdlib_zip: Path) -> None:
    """The checker's "Whose server refused it?" field: each provider example, with its provider's id
    (or, for every fifth, a host suffix the page suggests), is decided by its own rule, as lint and
    `bouncecodes classify --provider` decide it (tests/test_examples.py); the ready state carries the
    suggestions; an unknown name answers an error that names close ones."""
    from bouncecodes.build.examples import provider_example_rule
    from bouncecodes.classify import provider_names

    registry = bouncecodes.load_registry()
    cases = []
    for p in registry.providers:
        for r in p.rules:
            for n, example in enumerate(r.examples):
                name = p.hosts[0] if p.hosts and n % 5 == 4 else p.id
                cases.append((r.id, {"text": example, "provider": name}))
    assert len(cases) >= 300
    items = [item for _, item in cases] + [{"text": "550 5.7.1 blocked", "provider": "gmial"}]
    messages = run_worker(require_node(), runtime_zip, stdlib_zip, items)
    ready = [m for m in messages if m.get("state") == "ready"]
    assert len(ready) == 1 and [tuple(x) for x in ready[0]["providers"]] == provider_names(registry)
    answers = {m["id"]: m for m in messages if "id" in m}
    wrong = []
    for i, (rule_id, item) in enumerate(cases):
        rules = [r["rule"] for r in answers[i].get("results", [])]
        lint = provider_example_rule(registry, rule_id.split(":")[1].split("/")[0], item["text"])
        if rules != [rule_id] or lint != rule_id:
            wrong.append((rule_id, item["provider"], rules, lint))
    assert not wrong, f"{len(wrong)} of {len(cases)}: {wrong[:5]}"
    unknown = answers[len(cases)]
    assert unknown["kind"] == "UnknownProviderError" and "did you mean gmail?" in unknown["error"]


def cli_records(texts: list[str], folder: Path) -> dict[str, list[dict[str, Any]]]:
    """``bouncecodes classify --format jsonl`` over the texts saved as files: the records by file name."""
    for i, text in enumerate(texts):
        (folder / f"t{i:03}.txt").write_bytes(text.encode("utf-8"))
    proc = subprocess.run([sys.executable, "-m", "bouncecodes", "classify", "--format", "jsonl", "--quiet", str(folder)],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    records: dict[str, list[dict[str, Any]]] = {}
    for line in proc.stdout.splitlines():
        record = json.loads(line)
        records.setdefault(record["file"], []).append(record)  # "file" is the name, "path" the path as given
    return records
