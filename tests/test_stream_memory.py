"""A log far over the old 20 MB cap is classified in constant memory (#19): 200 MB of Postfix log,
generated here, read by the command in a child process whose peak RSS is measured. The 1 GB run,
with throughput, is ``benchmarks/stream.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: the log's size, and the peak RSS the command must stay under, below the 100 MB #19 sets for a
#: 1 GB log (the interpreter and the registry take about 30 MB; the reader's context, a message's
#: Message-ID and sender per queue id, grows to its cap of 100,000 entries at about 80 MB, then stays)
SIZE = 200 * 10**6
RSS_LIMIT_MB = 96

MEASURE = r"""
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print(json.dumps({"code": p.returncode, "stderr": p.stderr.decode(),
                  "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def block(messages: int) -> str:
    """Log lines for ``messages`` messages whose queue ids start with '@@@@@' (each block gets its
    own): their Message-ID (a context line kept for the later lines), the queue manager's line, the
    outcome (a bounce every 10th), and lines of no outcome between them."""
    out = []
    for i in range(messages):
        qid, t = f"@@@@@{i:05X}", f"Mar  2 09:{i // 60 % 60:02d}:{i % 60:02d}"
        out.append(f"{t} mx1 postfix/cleanup[{i}]: {qid}: message-id=<{qid}.{i}@example.net>\n")
        out.append(f"{t} mx1 postfix/qmgr[900]: {qid}: from=<news@example.net>, size=2048, nrcpt=1 (queue active)\n")
        for k in range(16):
            out.append(f"{t} mx1 postfix/anvil[{k}]: statistics: max connection rate 1/60s for (smtp:192.0.2.{k})"
                       f" at {t}\n")
        if i % 10 == 0:
            out.append(f"{t} mx1 postfix/smtp[{i}]: {qid}: to=<u{i}@example.org>, relay=mx.example.org[192.0.2.1]:25, "
                       f"delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 "
                       f"5.1.1 User unknown (in reply to RCPT TO command))\n")
        out.append(f"{t} mx1 postfix/qmgr[900]: {qid}: removed\n")
    return "".join(out)


def test_a_200_mb_log_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "mail.log"
    template = block(500)
    blocks = 0
    with path.open("w", encoding="ascii") as out:
        while out.tell() < SIZE:
            out.write(template.replace("@@@@@", f"{blocks:05X}"))
            blocks += 1
    assert path.stat().st_size >= SIZE
    cmd = [sys.executable, "-m", "bouncecodes", "classify", "--format", "jsonl", "--jobs", "1", str(path)]
    proc = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True, timeout=600)
    found = json.loads(proc.stdout)
    assert found["code"] == 0, found["stderr"]
    # every outcome line was read: none refused for the file's size
    assert f"1 input(s), {blocks * 50:,}".replace(",", "") + " result(s)" in found["stderr"].replace(",", "")
    assert found["rss_mb"] < RSS_LIMIT_MB, f"peak RSS {found['rss_mb']:.1f} MB for a {SIZE / 1e6:.0f} MB log"
    print(f"{SIZE / 1e6:.0f} MB log: peak RSS {found['rss_mb']:.1f} MB")
