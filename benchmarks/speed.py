"""Speed figures (medians; compare the ratios, machines are noisy):

1. start-up: importing the command and loading the registry (ms);
2. in-process cost per bounce file over the corpus, first pass (patterns compiled as met) and again;
3. one one-line reply classified in-process (µs);
4. adversarial 1 MB inputs: time to classify or refuse each;
5. whole-process throughput over the same bounce files, bouncecodes (serial, and with its default
   worker processes) vs Sisimai (Debian's libsisimai-perl), runs interleaved so that all commands see
   the same machine load, ratio from the same runs; then the same on a bigger batch (the files given
   ``--batch`` times);
6. peak memory (RSS) while streaming a generated mbox through the CLI, at a tenth of the size and at
   the full size (``--mbox-mb 1024`` for a 1 GB mbox).

Python is run as installed packages run: with byte-compiled modules (a private
``PYTHONPYCACHEPREFIX``, warmed once), also when the environment sets ``PYTHONDONTWRITEBYTECODE``;
the start-up without byte-code is shown too.

    python benchmarks/speed.py [--corpus DIR] [--runs 5] [--batch 10] [--mbox-mb 200]
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SISIMAI = ["perl", "-MSisimai", "-e",
           "my $v = Sisimai->make(shift, delivered => 1); print scalar(@{$v || []})"]


def python_env(cache: str | None) -> dict[str, str]:
    """The environment for our command: byte-code cached under ``cache``, or never written (None)."""
    env = dict(os.environ)
    if cache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    return env


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
    return time.perf_counter() - t


def interleaved(commands: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """Median time of each command, the commands taking turns (rotating who goes first)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            times[name].append(commands[name]())
    return {name: statistics.median(t) for name, t in times.items()}


def startup(runs: int, cache: str) -> None:
    def import_ms(env: dict[str, str]) -> float:
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import bouncecodes.cli"], env=env,
                             capture_output=True, text=True, check=False).stderr
        m = re.search(r"\|\s*(\d+) \| bouncecodes\.cli$", out, re.MULTILINE)
        return int(m.group(1)) / 1000 if m else float("nan")

    cached = statistics.median(import_ms(python_env(cache)) for _ in range(runs))
    source = statistics.median(import_ms(python_env(None)) for _ in range(runs))
    bare = statistics.median(timed([sys.executable, "-c", "pass"], python_env(cache)) for _ in range(runs)) * 1000
    print("start-up:")
    print(f"  python -c pass             {bare:6.1f} ms")
    print(f"  import bouncecodes.cli     {cached:6.1f} ms (byte-code cached), {source:.1f} ms (compiled from source)")

    from bouncecodes.registry import load_registry

    t = time.perf_counter()
    load_registry()
    print(f"  load_registry()            {(time.perf_counter() - t) * 1000:6.1f} ms")


def per_file(files: list[str]) -> None:
    import bouncecodes
    from bouncecodes.classify import classify_evidence
    from bouncecodes.parse import parse_text
    from bouncecodes.parse.common import to_text

    registry = bouncecodes.load_registry()
    data = [Path(f).read_bytes() for f in files]

    def one_pass() -> float:
        t = time.perf_counter()
        for d in data:
            for e in parse_text(to_text(d)):
                classify_evidence(e, registry)
        return time.perf_counter() - t

    first = one_pass()
    again = statistics.median(one_pass() for _ in range(5))
    print(f"in-process, {len(files)} files: {first / len(files) * 1000:.3f} ms per file on the first pass, "
          f"{again / len(files) * 1000:.3f} ms again (median of 5)")


def one_line() -> None:
    import bouncecodes

    line = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
    bouncecodes.classify(line)  # warm: registry loaded, patterns compiled
    n = 2000
    runs = [timeit.timeit(lambda: bouncecodes.classify(line), number=n) / n * 1e6 for _ in range(5)]
    print(f"one-line reply in-process: median {statistics.median(runs):.1f} µs per classify")


NOTICE_HEAD = (b"From: MAILER-DAEMON@mx.example.org\nTo: ann@example.org\nSubject: Undelivered Mail\n\n"
               b"The following addresses failed:\n\n")


def adversarial() -> None:
    import bouncecodes

    rng = random.Random(7)
    mb = 1024 * 1024
    cases = {
        "random bytes": bytes(rng.getrandbits(8) for _ in range(mb)),
        "digits": b"5" * mb,
        "spaces": b" " * mb,
        "550- lines": b"550-" * (mb // 4),
        "550- no newline": (b"550-5.7.1 " * (mb // 10)),
        "angle brackets": b"<" * mb,
        "at signs": b"@a" * (mb // 2),
        "headers": b"X-H: v\n" * (mb // 7),
        "addresses": b"a@b.cd " * (mb // 7),
        "JSON nesting": b"[" * mb,
        "JSON events": b'{"email": "a@b.cd", "event": "bounce", "reason": "550 x"}\n' * (mb // 58),
        "JSON events, each distinct": b"".join(
            b'{"email": "a%d@b.cd", "event": "bounce", "reason": "550 reason %d"}\n' % (i, i) for i in range(mb // 68)),
        "multipart parts": b"Content-Type: multipart/mixed; boundary=b\n\n" + b"--b\n\nx\n" * (mb // 8),
        # a notice listing a great many recipients (quadratic until 2026-11-28: about 500 s)
        "notice, address list": NOTICE_HEAD + b"".join(b"  user%d@example.org\n" % i for i in range(mb // 24)),
        "notice, each reply distinct": NOTICE_HEAD + b"".join(
            b"<u%d@example%d.org>: host mx%d.example.org[192.0.2.1] said: 55%d 5.%d.%d reason number %d here\n"
            % (i, i, i, i % 10, i % 8, i % 20, i) for i in range(mb // 104)),
    }
    print("adversarial 1 MB inputs (classified or refused):")
    worst = 0.0
    for name, data in cases.items():
        t = time.perf_counter()
        try:
            n = len(bouncecodes.classify(data))
            outcome = f"{n} result(s)"
        except bouncecodes.InputError as exc:
            outcome = f"refused: {exc}"
        dt = time.perf_counter() - t
        worst = max(worst, dt)
        print(f"  {name:16s} {dt * 1000:8.1f} ms  {outcome}")
    print(f"  worst            {worst * 1000:8.1f} ms (target < 1000 ms)")


def throughput(files: list[str], runs: int, batch: int, cache: str) -> None:
    have_sisimai = shutil.which("perl") is not None and \
        subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True, check=False).returncode == 0
    env = python_env(cache)
    ours = [sys.executable, "-m", "bouncecodes", "classify", "-q", "--format", "jsonl"]
    timed(ours + files[:1], env)  # write the byte-code once
    for times in (1, batch):
        paths = files * times
        with tempfile.TemporaryDirectory() as tmp:
            for k in range(times):  # Sisimai reads a folder: the same files, and only those
                for f in files:
                    os.symlink(f, Path(tmp) / f"{k}-{Path(f).name}")
            commands: dict[str, Callable[[], float]] = {
                "bouncecodes --jobs 1": lambda paths=paths: timed([*ours, "--jobs", "1", *paths], env),
                "bouncecodes (default jobs)": lambda paths=paths: timed(ours + paths, env),
            }
            if have_sisimai:
                commands["Sisimai"] = lambda: timed([*SISIMAI, tmp])
            result = interleaved(commands, runs)
        n = len(paths)
        print(f"throughput: {n} files ({len(files)} x {times}), median of {runs} interleaved runs, whole process")
        for name, t in result.items():
            ratio = f"  {result['Sisimai'] / t:5.2f}x Sisimai" if "Sisimai" in result and name != "Sisimai" else ""
            print(f"  {name:27s} {t:7.3f} s  {n / t:8.1f} emails/s{ratio}")
        if not have_sisimai:
            print("  Sisimai not installed (apt-get install libsisimai-perl): no ratio")


def mbox_memory(files: list[str], megabytes: int, cache: str) -> None:
    messages = [Path(f).read_bytes().replace(b"\r\n", b"\n") for f in files]
    print("memory while streaming an mbox (peak RSS should not grow with size):")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.mbox"
        size = 0
        with path.open("wb") as out:
            i = 0
            while size < megabytes * 1024 * 1024:
                m = messages[i % len(messages)]
                chunk = b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n" + m.replace(b"\nFrom ", b"\n>From ") + b"\n\n"
                out.write(chunk)
                size += len(chunk)
                i += 1
        for label, mb in (("small", max(1, megabytes // 10)), ("full", megabytes)):
            target = path if label == "full" else Path(tmp) / "small.mbox"
            if label == "small":
                with path.open("rb") as src, target.open("wb") as dst:
                    dst.write(src.read(mb * 1024 * 1024).rsplit(b"\nFrom ", 1)[0] + b"\n")
            t = time.perf_counter()
            proc = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "bouncecodes", "classify", "-q",
                                   "--format", "jsonl", str(target)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, check=False, env=python_env(cache))
            dt = time.perf_counter() - t
            rss = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "?"
            print(f"  mbox {mb:5d} MB: {dt:6.1f} s ({mb / dt:5.1f} MB/s), "
                  f"peak RSS {int(rss) // 1024 if rss.isdigit() else rss} MB")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "sisimai-dev"))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--batch", type=int, default=10, help="the bigger batch: the corpus files given this many times")
    p.add_argument("--mbox-mb", type=int, default=200, help="size of the generated mbox (0 to skip)")
    args = p.parse_args()
    corpus = Path(args.corpus)
    files = sorted(glob.glob(str(corpus / "*.eml")))
    with tempfile.TemporaryDirectory() as cache:
        startup(args.runs, cache)
        if files:
            per_file(files)
        one_line()
        adversarial()
        if not files:
            print(f"no corpus at {corpus}: throughput and mbox figures skipped")
            return 0
        throughput(files, args.runs, args.batch, cache)
        if args.mbox_mb and shutil.which("/usr/bin/time"):
            mbox_memory(files[:50], args.mbox_mb, cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
