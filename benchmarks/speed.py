"""Speed figures: the table of issue #15 in one run, with ratios to Sisimai 5.1.0 from paired runs.

The table's rows:

1. steady state: every mail of a corpus folder given ``--copies`` times under other names (a folder
   of copies), classified by the whole ``bouncecodes classify`` process with its default settings,
   and by Sisimai 5.1.0 (``Sisimai->rise``) over the same folder;
2. the same with ``--jobs 1`` (one core);
3. one bounce at the terminal, whole process: ``bouncecodes classify --format text x.eml`` (what a
   terminal gets) and Sisimai on the same file, over a few files of the corpus;
4. one-line replies in-process: the median cost (CPU time) of ``bouncecodes.classify(text)`` over
   every example text of the registry (phrase rules and provider rules);
5. 1 MB inputs built to be slow, among them notices and exports naming tens of thousands of
   recipients: the time to classify (or refuse) each, wall and CPU;
6. the checker's first and repeat visit: ``benchmarks/checker_load.py`` run on a built site, when
   ``--checker-site`` names one.

Whole-process rows run the commands in turns, the order rotating, so that every command meets the
same machine load; a ratio is the median of the ratios of the runs made together (Sisimai's time
over ours: above 1 we are faster). Times are medians. Each is given in wall time and in CPU time
(user and system, of the command and its worker processes): on a busy machine the CPU time ratio of
single-process runs varies least. The machine's CPU count and load average are
printed with the figures: on a shared machine, read the ratios rather than the times. Further
figures follow the table: start-up (``python -X importtime``, the registry load), the in-process
cost per bounce file, and memory while streaming a large mbox (``--mbox-mb``).

Python runs as installed packages run: with byte-code compiled once (a private
``PYTHONPYCACHEPREFIX``), also when the environment sets ``PYTHONDONTWRITEBYTECODE``.

Sisimai 5.1.0 runs from its source: the ``lib/`` folder of the repository sisimai/p5-sisimai at
the tag v5.1.0 (``git clone --depth 1 --branch v5.1.0 https://github.com/sisimai/p5-sisimai``),
given with ``--sisimai-lib DIR`` or the ``SISIMAI_LIB`` environment variable; it needs Perl and the
Perl modules JSON and Class::Accessor::Lite (Debian: ``libjson-perl``,
``libclass-accessor-lite-perl``). Without it the Sisimai columns are left out.

    python benchmarks/speed.py [--corpus DIR] [--copies 10] [--runs 5] [--sisimai-lib DIR]
                               [--checker-site DIR] [--mbox-mb 200] [--only ROW ...]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SISIMAI_SCRIPT = "my $v = Sisimai->rise(shift, delivered => 1); print scalar(@{$v || []}), \"\\n\""
ROWS = ("steady", "single", "replies", "large", "checker", "startup", "files", "mbox")


# -- running commands -----------------------------------------------------------------------------


def command() -> list[str]:
    """How our command is run: its console script beside this Python, else ``python -m bouncecodes``."""
    script = Path(sys.executable).with_name("bouncecodes")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bouncecodes"]


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


#: CPU time (user + system) of the last command run by :func:`timed`, its worker processes included
LAST_CPU = [0.0]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one run of ``cmd`` (its output thrown away); raises when it fails. Its CPU time
    is left in ``LAST_CPU[0]``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=env)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if proc.returncode not in (0, 1):  # 1: some inputs unreadable or without a bounce, still a run
        raise RuntimeError(f"{cmd[:4]}… failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def paired(commands: dict[str, Callable[[], float]], runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each command's wall times and CPU times over ``runs`` rounds; in each round every command
    runs once, the order rotating from round to round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            times[name].append(commands[name]())
            cpu[name].append(LAST_CPU[0])
    return times, cpu


def ratio(theirs: list[float], ours: list[float]) -> float:
    """The median over the rounds of their time over ours."""
    return statistics.median(t / o for t, o in zip(theirs, ours, strict=True))


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"


def sisimai_command(lib: str | None) -> list[str] | None:
    """The command that runs Sisimai 5.1.0 on a file or folder (appended), or None when it cannot run."""
    if not lib or shutil.which("perl") is None:
        return None
    cmd = ["perl", "-I", lib, "-MSisimai", "-e", SISIMAI_SCRIPT]
    check = subprocess.run(["perl", "-I", lib, "-MSisimai", "-e", "print Sisimai->version"], capture_output=True,
                           text=True, check=False)
    if check.returncode != 0:
        print(f"Sisimai does not run from {lib}: {check.stderr.strip()[:300]}")
        return None
    if not check.stdout.startswith("5.1.0"):
        print(f"note: Sisimai {check.stdout.strip()} at {lib}, not 5.1.0")
    return cmd


# -- the table's rows -----------------------------------------------------------------------------


def steady_state(files: list[Path], copies: int, runs: int, cache: str, sisimai: list[str] | None) -> None:
    ours = [*command(), "classify", "--format", "jsonl"]
    env = python_env(cache)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mails"
        folder.mkdir()
        for k in range(copies):
            for f in files:
                shutil.copyfile(f, folder / f"{k:02d}-{f.name}")
        n = len(files) * copies
        timed([*ours, str(folder)], env)  # byte-code written, the files in the page cache
        commands: dict[str, Callable[[], float]] = {
            "default": lambda: timed([*ours, str(folder)], env),
            "--jobs 1": lambda: timed([*ours, "--jobs", "1", str(folder)], env),
        }
        if sisimai:
            commands["Sisimai"] = lambda: timed([*sisimai, str(folder)])
        times, cpu = paired(commands, runs)
    print(f"steady state: {n:,} mails ({len(files)} x {copies} copies), whole process, median of {runs} paired runs"
          " (wall time; then CPU time, all processes)")
    for name, label in (("default", "bouncecodes, default settings"), ("--jobs 1", "bouncecodes --jobs 1"),
                        ("Sisimai", "Sisimai 5.1.0")):
        if name not in times:
            continue
        t, c = statistics.median(times[name]), statistics.median(cpu[name])
        versus = (f"  {ratio(times['Sisimai'], times[name]):5.2f}x Sisimai (CPU {ratio(cpu['Sisimai'], cpu[name]):.2f}x)"
                  if "Sisimai" in times and name != "Sisimai" else "")
        print(f"  {label:31s} {t:7.2f} s  {n / t:8,.0f} mails/s  CPU {c:6.2f} s{versus}")


def single_bounce(files: list[Path], runs: int, cache: str, sisimai: list[str] | None) -> None:
    ours = [*command(), "classify", "--format", "text"]
    env = python_env(cache)
    picked = files[:: max(1, len(files) // 5)][:5]
    timed([*ours, str(picked[0])], env)
    ours_all: list[float] = []
    theirs_all: list[float] = []
    ours_cpu: list[float] = []
    theirs_cpu: list[float] = []
    for f in picked:
        commands: dict[str, Callable[[], float]] = {"ours": lambda f=f: timed([*ours, str(f)], env)}
        if sisimai:
            commands["Sisimai"] = lambda f=f: timed([*sisimai, str(f)])
        times, cpu = paired(commands, runs)
        ours_all += times["ours"]
        theirs_all += times.get("Sisimai", [])
        ours_cpu += cpu["ours"]
        theirs_cpu += cpu.get("Sisimai", [])
    print(f"one bounce at the terminal, whole process ({len(picked)} files x {runs} paired runs, --format text)")
    print(f"  bouncecodes classify x.eml      {statistics.median(ours_all) * 1000:7.1f} ms"
          f"  (quartiles {_quartiles(ours_all)}), CPU {statistics.median(ours_cpu) * 1000:.1f} ms")
    if theirs_all:
        print(f"  Sisimai 5.1.0                   {statistics.median(theirs_all) * 1000:7.1f} ms"
              f"  (quartiles {_quartiles(theirs_all)}), CPU {statistics.median(theirs_cpu) * 1000:.1f} ms;"
              f"  {ratio(theirs_all, ours_all):.2f}x Sisimai (CPU {ratio(theirs_cpu, ours_cpu):.2f}x)")


def _quartiles(times: list[float]) -> str:
    q = statistics.quantiles(times, n=4) if len(times) > 1 else times * 3
    return f"{q[0] * 1000:.1f}–{q[2] * 1000:.1f} ms"


def one_line_replies(rounds: int = 5) -> None:
    import bouncecodes

    registry = bouncecodes.load_registry()
    texts = [ex for rule in registry.phrases for ex in rule.examples] + \
        [ex for p in registry.providers for r in p.rules for ex in r.examples]
    for text in texts:  # warm: the registry loaded, the patterns these texts meet compiled
        bouncecodes.classify(text)
    per_text = []
    clock = time.process_time  # CPU time: on a shared machine, what other work does to wall time is left out
    for text in texts:
        best = []
        for _ in range(rounds):
            t = clock()
            for _ in range(10):
                bouncecodes.classify(text)
            best.append((clock() - t) / 10)
        per_text.append(statistics.median(best))
    q = statistics.quantiles(per_text, n=10)
    print(f"one-line replies in-process, every example of the registry ({len(texts)} texts): median "
          f"{statistics.median(per_text) * 1e6:.1f} µs of CPU per classify (90th percentile {q[8] * 1e6:.1f} µs)")


NOTICE_HEAD = (b"From: MAILER-DAEMON@mx.example.org\nTo: ann@example.org\nSubject: Undelivered Mail\n\n"
               b"The following addresses failed:\n\n")


def large_inputs() -> None:
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
        "header lines": b"X-H: v\n" * (mb // 7),
        "addresses": b"a@b.cd " * (mb // 7),
        "JSON nesting": b"[" * mb,
        "email, 'a 550' x 170k": NOTICE_HEAD + b"a 550 " * (mb // 6),
        "multipart parts": b"Content-Type: multipart/mixed; boundary=b\n\n" + b"--b\n\nx\n" * (mb // 8),
        "JSON events, one reply": b'{"email": "a@b.cd", "event": "bounce", "reason": "550 x"}\n' * (mb // 58),
        "JSON events, each distinct": b"".join(
            b'{"email": "a%d@b.cd", "event": "bounce", "reason": "550 reason %d"}\n' % (i, i) for i in range(mb // 68)),
        "notice, address list": NOTICE_HEAD + b"".join(b"  user%d@example.org\n" % i for i in range(mb // 24)),
        "notice, each reply distinct": NOTICE_HEAD + b"".join(
            b"<u%d@example%d.org>: host mx%d.example.org[192.0.2.1] said: 55%d 5.%d.%d reason number %d here\n"
            % (i, i, i, i % 10, i % 8, i % 20, i) for i in range(mb // 104)),
    }
    print("1 MB inputs, in-process (classified, or refused): wall time, and the process's CPU time")
    worst = worst_cpu = 0.0
    for name, data in cases.items():
        t, c = time.perf_counter(), time.process_time()
        try:
            outcome = f"{len(bouncecodes.classify(data)):,} result(s)"
        except bouncecodes.InputError as exc:
            outcome = f"refused: {exc}"
        dt, dc = time.perf_counter() - t, time.process_time() - c
        worst, worst_cpu = max(worst, dt), max(worst_cpu, dc)
        print(f"  {name:28s} {dt * 1000:8.1f} ms  (CPU {dc * 1000:7.1f} ms)  {outcome}")
    print(f"  {'worst':28s} {worst * 1000:8.1f} ms  (CPU {worst_cpu * 1000:7.1f} ms)")


def checker(site: str, runs: int) -> None:
    """benchmarks/checker_load.py's figures for a built site."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "checker_load.py"), "--site", site,
                           "--runs", str(runs)], capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    print("checker (benchmarks/checker_load.py):" if proc.returncode == 0 else
          f"checker: benchmarks/checker_load.py failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    for line in lines:
        print("  " + line.strip())


# -- further figures ------------------------------------------------------------------------------


def startup(runs: int, cache: str) -> None:
    def import_ms(env: dict[str, str]) -> float:
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import bouncecodes.cli"], env=env,
                             capture_output=True, text=True, check=False).stderr
        m = re.search(r"\|\s*(\d+) \| bouncecodes\.cli$", out, re.MULTILINE)
        return int(m.group(1)) / 1000 if m else float("nan")

    import_ms(python_env(cache))
    cached = statistics.median(import_ms(python_env(cache)) for _ in range(runs))
    source = statistics.median(import_ms(python_env(None)) for _ in range(runs))
    bare = statistics.median(timed([sys.executable, "-c", "pass"], python_env(cache)) for _ in range(runs)) * 1000
    load = subprocess.run([sys.executable, "-c", "import time, bouncecodes.registry as r; t = time.perf_counter(); "
                           "r.load_registry(); print(time.perf_counter() - t)"], env=python_env(cache),
                          capture_output=True, text=True, check=False).stdout
    print("start-up (medians)")
    print(f"  python -c pass                  {bare:6.1f} ms")
    print(f"  import bouncecodes.cli          {cached:6.1f} ms (byte-code cached), {source:.1f} ms (compiled from source)")
    print(f"  load_registry(), a new process  {float(load or 'nan') * 1000:6.1f} ms")


def per_file(files: list[Path]) -> None:
    import bouncecodes

    bouncecodes.load_registry()
    data = [f.read_bytes() for f in files]

    def one_pass() -> float:
        t = time.perf_counter()
        for d in data:
            bouncecodes.classify(d)
        return time.perf_counter() - t

    first = one_pass()
    again = statistics.median(one_pass() for _ in range(5))
    print(f"in-process, {len(files)} files: {first / len(files) * 1000:.3f} ms per file on the first pass, "
          f"{again / len(files) * 1000:.3f} ms again (median of 5)")


def mbox_memory(files: list[Path], megabytes: int, cache: str) -> None:
    messages = [f.read_bytes().replace(b"\r\n", b"\n") for f in files]
    print("memory while streaming an mbox (peak RSS should not grow with size)")
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
    p.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "sisimai-dev"),
                   help="a folder of bounce files (default: ../shared/corpus/sisimai-dev)")
    p.add_argument("--copies", type=int, default=10, help="copies of each corpus file in the steady-state folder")
    p.add_argument("--runs", type=int, default=5, help="paired runs per whole-process figure")
    p.add_argument("--sisimai-lib", default=os.environ.get("SISIMAI_LIB"),
                   help="the lib/ folder of Sisimai 5.1.0's source (default: $SISIMAI_LIB)")
    p.add_argument("--checker-site", help="a built site: run benchmarks/checker_load.py on it")
    p.add_argument("--mbox-mb", type=int, default=200, help="size of the generated mbox (0: skip)")
    p.add_argument("--only", nargs="+", choices=ROWS, help="only these figures")
    args = p.parse_args()
    rows = set(args.only or ROWS)
    files = sorted(f for f in Path(args.corpus).glob("*") if f.is_file() and not f.name.startswith(".")
                   and f.suffix not in (".json", ".md")) if Path(args.corpus).is_dir() else []
    files = [f for f in files if f.name not in ("LICENSE",)]
    sisimai = sisimai_command(args.sisimai_lib)
    print(f"bouncecodes speed, {time.strftime('%Y-%m-%d %H:%M')}, Python {sys.version.split()[0]}, {machine()}")
    if not sisimai:
        print("Sisimai 5.1.0 not given (--sisimai-lib or SISIMAI_LIB): no ratios")
    if not files:
        print(f"no corpus at {args.corpus}: steady-state, one-bounce, per-file and mbox figures left out")
    with tempfile.TemporaryDirectory() as cache:
        if "steady" in rows and files:
            steady_state(files, args.copies, args.runs, cache, sisimai)
        if "single" in rows and files:
            single_bounce(files, args.runs, cache, sisimai)
        if "replies" in rows:
            one_line_replies()
        if "large" in rows:
            large_inputs()
        if "checker" in rows and args.checker_site:
            checker(args.checker_site, args.runs)
        if "startup" in rows:
            startup(args.runs, cache)
        if "files" in rows and files:
            per_file(files)
        if "mbox" in rows and files and args.mbox_mb and shutil.which("/usr/bin/time"):
            mbox_memory(files[:50], args.mbox_mb, cache)
    print(f"done, {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
