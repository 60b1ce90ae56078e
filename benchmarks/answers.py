"""The answers commands on a large saved run: records per second and peak memory (medians).

A run of ``--records`` records is made from the README walkthrough's logs (tests/report_demo.py,
classified once): its records repeated with fresh queue ids, recipients and times, written as
JSON Lines into a temporary folder. Then each command runs in its own process, ``--runs`` times:
``summary``, ``filter --final``, ``suppress`` and ``report``, and, for scale, reading and writing
the run again (``filter`` with no filter, into /dev/null). CPU time (user + system; on a shared
machine it moves less than the wall clock, also given) and the process's peak resident memory
(its own, from ``wait4``) are given as medians. The records carry queue ids and times when the
classifier writes them (the provenance fields); without them ``--final`` has nothing to group.

    python benchmarks/answers.py [--records 200000] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.report_demo import write_logs  # noqa: E402

from bouncecodes.cli import main  # noqa: E402


def make_run(folder: Path, records: int) -> Path:
    """A saved run of about ``records`` records."""
    write_logs(folder)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
        main(["classify", "--format", "jsonl", "--jobs", "1", str(folder / "hosts")])
    base = [json.loads(line) for line in buffer.getvalue().splitlines()]
    run = folder / "run.jsonl"
    with run.open("w") as out:
        copy = 0
        written = 0
        while written < records:
            for rec in base:
                rec = dict(rec)
                if rec.get("recipient"):
                    local, _, domain = rec["recipient"].partition("@")
                    rec["recipient"] = f"{local}.{copy}@{domain}"
                if rec.get("queue_id"):
                    rec["queue_id"] = f"{rec['queue_id']}{copy:06d}"
                if rec.get("time"):
                    day = int(rec["time"][8:10]) + copy % 20
                    rec["time"] = f"2026-03-{day:02d}{rec['time'][10:]}"
                out.write(json.dumps(rec) + "\n")
                written += 1
                if written >= records:
                    break
            copy += 1
    return run


def measure(argv: list[str]) -> tuple[float, float, float]:
    """CPU seconds, wall-clock seconds and peak RSS (MB) of one command in its own process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bouncecodes", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{argv} failed with status {status}")
    return usage.ru_utime + usage.ru_stime, elapsed, usage.ru_maxrss / 1024


def main_bench() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = make_run(Path(tmp), args.records)
        size = run.stat().st_size / 1e6
        print(f"run: {args.records:,} records, {size:.0f} MB of JSON Lines")
        commands = {
            "read only (filter)": ["filter", "--format", "jsonl", str(run)],
            "summary": ["summary", "--format", "json", str(run)],
            "filter --final": ["filter", "--final", "--format", "jsonl", str(run)],
            "suppress": ["suppress", str(run)],
            "report": ["report", str(run), "-o", str(Path(tmp) / "report.html")],
        }
        with_queue = sum('"queue_id": ""' not in line and '"queue_id"' in line for line in run.open())
        print(f"records with a queue id: {with_queue:,}")
        print(f"{'command':<20} {'CPU s':>7} {'records/s (CPU)':>16} {'wall s':>7} {'peak MB':>8}")
        for name, argv in commands.items():
            results = [measure(argv) for _ in range(args.runs)]
            cpu = statistics.median(r[0] for r in results)
            wall = statistics.median(r[1] for r in results)
            peak = statistics.median(r[2] for r in results)
            print(f"{name:<20} {cpu:>7.2f} {args.records / cpu:>16,.0f} {wall:>7.2f} {peak:>8.0f}")


if __name__ == "__main__":
    main_bench()
