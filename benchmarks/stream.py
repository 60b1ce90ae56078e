"""Throughput and peak memory of ``bouncecodes classify`` on large Postfix logs, plain and gzipped.

A log of the size asked is generated in a temporary folder (``benchmarks/logs.py``'s Postfix relay,
block after block, each with its own queue ids), then classified by the command as an operator runs
it (``classify --format jsonl -q --jobs 1 FILE > /dev/null``), once per run, in a child process of
a fresh Python whose only child it is: the child's peak RSS is ``resource.getrusage(RUSAGE_CHILDREN)``
there. Printed: lines, MB, wall seconds, lines/s and MB/s (of the uncompressed log), CPU seconds, the
same rates per CPU second (they move less on a shared machine) and peak RSS (medians over the
runs).

    python benchmarks/stream.py [--size 100M] [--size 1G] [--runs 1] [--gzip] [--dir DIR]
                                [--pythonpath SRC]  # another checkout's src/, to compare

``--pythonpath`` runs another tree (for example the code before line-by-line reading, which refuses
a file over 20 MB: compare it at ``--size 20M``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from logs import postfix_log

# runs the command and reports its wall time, CPU time and peak RSS (KiB on Linux)
MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "rss_kib": r.ru_maxrss, "code": p.returncode,
                  "stderr": p.stderr.decode()[-500:]}))
"""


def size_of(text: str) -> int:
    units = {"K": 10**3, "M": 10**6, "G": 10**9}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)


def write_log(path: Path, size: int) -> int:
    """A Postfix log of about ``size`` bytes at ``path``; its number of lines."""
    written = lines = 0
    block = 0
    with path.open("w", encoding="utf-8") as out:
        while written < size:
            text = postfix_log(20_000, seed=block)  # its own queue ids: the reader's contexts grow as in a real log
            if written + len(text) > size:
                text = text[: max(text.rfind("\n", 0, size - written) + 1, 0)] or text[: text.find("\n") + 1]
            out.write(text)
            written += len(text)
            lines += text.count("\n")
            block += 1
    return lines


def measure(path: Path, runs: int, pythonpath: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = [sys.executable, "-m", "bouncecodes", "classify", "--format", "jsonl", "-q", "--jobs", "1", str(path)]
    found = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env, check=True)
        result = json.loads(proc.stdout)
        if result["code"] not in (0,):
            print(f"  exit status {result['code']}: {result['stderr'].strip()}")
        found.append(result)
    return {k: statistics.median(r[k] for r in found) for k in ("wall", "cpu", "rss_kib")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", action="append", help="log size: 20M, 100M, 1G (repeatable; default 100M)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--gzip", action="store_true", help="also the same log gzipped")
    ap.add_argument("--dir", help="where to write the logs (default: a temporary folder, removed after)")
    ap.add_argument("--pythonpath", help="run the bouncecodes found there (another checkout's src/)")
    args = ap.parse_args()
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bouncecodes-stream-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        print(f"{'input':<24} {'lines':>11} {'MB':>8} {'wall s':>8} {'lines/s':>9} {'MB/s':>6} {'CPU s':>7} "
              f"{'lines/CPU s':>11} {'MB/CPU s':>8} {'peak RSS':>10}")
        for size in [size_of(s) for s in args.size or ["100M"]]:
            path = folder / f"mail-{size // 10**6}M.log"
            lines = write_log(path, size)
            mb = path.stat().st_size / 1e6
            inputs = [path]
            if args.gzip:
                packed = path.with_name(path.name + ".gz")
                with path.open("rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                inputs.append(packed)
            for item in inputs:
                m = measure(item, args.runs, args.pythonpath)
                print(f"{item.name:<24} {lines:>11,} {mb:>8,.1f} {m['wall']:>8.1f} {lines / m['wall']:>9,.0f} "
                      f"{mb / m['wall']:>6.2f} {m['cpu']:>7.1f} {lines / m['cpu']:>11,.0f} {mb / m['cpu']:>8.2f} "
                      f"{m['rss_kib'] / 1024:>7.1f} MB", flush=True)
            for item in inputs:
                item.unlink()
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
