"""Speed figures (medians; compare the ratios, machines are noisy):

1. whole-process throughput over the same bounce files: bouncecodes vs Sisimai (Debian's libsisimai-perl);
2. one one-line reply classified in-process (µs);
3. adversarial 1 MB inputs: time to classify or refuse each;
4. peak memory (RSS) while streaming a large generated mbox through the CLI.

    python benchmarks/speed.py [--corpus DIR] [--runs 5] [--mbox-mb 200]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def throughput(corpus: Path, runs: int) -> None:
    files = sorted(str(p) for p in corpus.glob("*.eml"))
    ours = [sys.executable, "-m", "bouncecodes", "classify", "-q", "--format", "jsonl", *files]
    t_ours = wall(ours, runs)
    print(f"throughput: {len(files)} files, median of {runs} runs, whole process")
    print(f"  bouncecodes  {t_ours:7.3f} s  {len(files) / t_ours:8.1f} emails/s")
    if shutil.which("perl") and subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True).returncode == 0:
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:  # the same files, and only those
                os.symlink(f, Path(tmp) / Path(f).name)
            sisimai = ["perl", "-MSisimai", "-e", "my $v = Sisimai->make(shift, delivered => 1); "
                       "print Sisimai->dump(shift) if 0; print scalar(@{$v || []})", tmp]
            t_sis = wall(sisimai, runs)
        print(f"  Sisimai      {t_sis:7.3f} s  {len(files) / t_sis:8.1f} emails/s")
        print(f"  ratio        {t_sis / t_ours:7.2f}x (bouncecodes vs Sisimai)")
    else:
        print("  Sisimai not installed (apt-get install libsisimai-perl): no ratio")


def one_line() -> None:
    import bouncecodes

    line = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
    bouncecodes.classify(line)  # warm: registry loaded, patterns compiled
    n = 2000
    runs = [timeit.timeit(lambda: bouncecodes.classify(line), number=n) / n * 1e6 for _ in range(5)]
    print(f"one-line reply in-process: median {statistics.median(runs):.1f} µs per classify")


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


def mbox_memory(corpus: Path, megabytes: int) -> None:
    files = sorted(corpus.glob("*.eml"))[:50]
    messages = [f.read_bytes().replace(b"\r\n", b"\n") for f in files]
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
                                  stderr=subprocess.PIPE, text=True, check=False)
            dt = time.perf_counter() - t
            rss = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "?"
            print(f"  mbox {mb:5d} MB: {dt:6.1f} s, peak RSS {int(rss) // 1024 if rss.isdigit() else rss} MB")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "sisimai-dev"))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--mbox-mb", type=int, default=200, help="size of the generated mbox (0 to skip)")
    args = p.parse_args()
    corpus = Path(args.corpus)
    one_line()
    adversarial()
    if corpus.is_dir():
        throughput(corpus, args.runs)
        if args.mbox_mb and shutil.which("/usr/bin/time"):
            print("memory while streaming an mbox (peak RSS should not grow with size):")
            mbox_memory(corpus, args.mbox_mb)
    else:
        print(f"no corpus at {corpus}: throughput and mbox figures skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
