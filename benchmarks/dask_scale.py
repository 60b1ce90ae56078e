"""Scaling on Dask: ``bouncecodes classify --scheduler`` with 1, 2 and 4 worker processes against
the single-process command, on the same generated set of rotated logs.

The logs are a busy Postfix relay's (see logs.py), one folder per host, ``--files`` files in all
adding up to ``--size`` (each host's file is a copy of one generated log: its queue ids are kept
apart by its folder, as the final outcomes keep two hosts' apart). They are written to a temporary
folder and deleted at the end. A local cluster is started for each worker count (``dask scheduler``
and ``dask worker --nworkers N --nthreads 1``, bound to 127.0.0.1, stopped by their process ids);
each run writes its JSON Lines to a file, and every run's output must be byte for byte the
single-process run's.

Printed: for each run, wall-clock seconds, MB/s, log lines/s and lines/s per worker; the CPU
seconds of the workers, of the scheduler and of the command itself (on a shared machine CPU time
moves less than wall-clock time), and the log lines per CPU second of a worker (the per-core rate);
the scheduler's cost, as the 1-worker run's time over the single-process run's; the fixed cost of a
run (a one-line log through the cluster); the machine's core count and load average. Workers are
warmed first (registry loaded, patterns compiled), as on a cluster that has run before.

    python benchmarks/dask_scale.py [--size 2G] [--files 16] [--workers 1,2,4] [--runs 1]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream import size_of, write_log

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_logs(folder: Path, size: int, files: int) -> tuple[int, int]:
    """``files`` logs adding up to about ``size`` bytes, under ``folder/mxNN/``; (bytes, lines)."""
    one = folder / "mx00" / "mail.log"
    one.parent.mkdir(parents=True)
    lines = write_log(one, size // files)
    for i in range(1, files):
        copy = folder / f"mx{i:02d}" / "mail.log"
        copy.parent.mkdir(parents=True)
        shutil.copyfile(one, copy)
    return one.stat().st_size * files, lines * files


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(command: list[str], out: Path) -> tuple[float, str, float]:
    """Wall-clock seconds, the output's digest, and the command's own CPU seconds."""
    start, cpu = time.perf_counter(), _children_cpu()
    with out.open("wb") as sink:
        done = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return wall, hashlib.sha256(out.read_bytes()).hexdigest(), cpu


class Cluster:
    """A scheduler and ``workers`` single-threaded worker processes on 127.0.0.1."""

    def __init__(self, workers: int, scratch: Path) -> None:
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        log = (scratch / f"cluster-{workers}.log").open("wb")
        self.procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                        str(self.port), "--dashboard-address", "127.0.0.1:0"],
                                       stdout=log, stderr=log, start_new_session=True)]
        self.procs.append(subprocess.Popen([str(BIN / "dask"), "worker", self.address, "--host", "127.0.0.1",
                                            "--nworkers", str(workers), "--nthreads", "1", "--dashboard-address", "127.0.0.1:0",
                                            "--local-directory", str(scratch / "dask-worker-space")],
                                           stdout=log, stderr=log, start_new_session=True))
        from distributed import Client

        self.client = Client(self.address, timeout="60s")
        self.client.wait_for_workers(workers, timeout=120)

    def warm(self, log: Path) -> None:
        """Every worker loads the registry and compiles the log reader's patterns (a cold worker pays
        this once, about as much as the command's start-up)."""
        from bouncecodes.dask import Part, _classify_part

        self.client.run(_classify_part, Part((str(log),)))

    def cpu(self) -> tuple[float, float]:
        """CPU seconds the workers and the scheduler have used so far."""
        workers = sum(self.client.run(time.process_time).values())
        return workers, float(self.client.run_on_scheduler(time.process_time))

    def stop(self) -> None:
        self.client.close()
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: the nanny's worker processes too
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="2G", help="bytes of logs in all (K, M, G: powers of 1000)")
    ap.add_argument("--files", type=int, default=16, help="log files (one per host folder)")
    ap.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    ap.add_argument("--runs", type=int, default=1, help="runs of each (the median is given)")
    args = ap.parse_args()
    counts = [int(x) for x in args.workers.split(",") if x]
    cli = str(BIN / "bouncecodes")
    with tempfile.TemporaryDirectory(prefix="bouncecodes-dask-") as tmp:
        scratch = Path(tmp)
        logs = scratch / "logs"
        t = time.perf_counter()
        size, lines = make_logs(logs, size_of(args.size), args.files)
        print(f"logs: {args.files} files, {size / 1e6:,.0f} MB, {lines:,} lines (made in {time.perf_counter() - t:.0f} s)")
        print(f"machine: {os.cpu_count()} cores; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        out = scratch / "out.jsonl"

        print("run                          wall s     MB/s     lines/s   lines/s/worker   CPU s: workers  "
              "scheduler  command   lines per worker CPU s   load")

        def report(name: str, walls: list[float], workers: int, cpus: list[tuple[float, float, float]]) -> float:
            wall = statistics.median(walls)
            work, sched, command = (statistics.median(c[i] for c in cpus) for i in range(3))
            print(f"{name:26s} {wall:8.1f} {size / 1e6 / wall:8.1f} {lines / wall:11,.0f} {lines / wall / workers:14,.0f}"
                  f"   {work:14.1f} {sched:10.1f} {command:8.1f}   {lines / (work or command):20,.0f}"
                  f"   {os.getloadavg()[0]:.2f}")
            return wall

        walls, want, cpus = [], "", []
        for _ in range(args.runs):
            wall, want, cpu = _timed([cli, "classify", "--format", "jsonl", "--quiet", str(logs)], out)
            walls.append(wall)
            cpus.append((0.0, 0.0, cpu))
        single = report("single process (classify)", walls, 1, cpus)
        results: dict[int, float] = {}
        tiny = scratch / "tiny" / "mail.log"
        tiny.parent.mkdir()
        tiny.write_text(logs.joinpath("mx00", "mail.log").read_text(encoding="utf-8").split("\n", 1)[0] + "\n",
                        encoding="utf-8")
        for n in counts:
            cluster = Cluster(n, scratch)
            try:
                cluster.warm(tiny)
                walls, cpus = [], []
                for _ in range(args.runs):
                    work, sched = cluster.cpu()
                    wall, digest, cpu = _timed([cli, "classify", "--scheduler", cluster.address, "--format", "jsonl",
                                                "--quiet", str(logs)], out)
                    work2, sched2 = cluster.cpu()
                    if digest != want:
                        raise SystemExit(f"{n} worker(s): the output differs from the single-process run's")
                    walls.append(wall)
                    cpus.append((work2 - work, sched2 - sched, cpu))
                results[n] = report(f"dask, {n} worker(s)", walls, n, cpus)
                if n == counts[0]:
                    fixed = statistics.median(_timed([cli, "classify", "--scheduler", cluster.address, "--format",
                                                      "jsonl", "--quiet", str(tiny.parent)], out)[0] for _ in range(3))
                    alone = statistics.median(_timed([cli, "classify", "--format", "jsonl", "--quiet",
                                                      str(tiny.parent)], out)[0] for _ in range(3))
                    print(f"fixed cost of a run: {fixed:.2f} s through the cluster, {alone:.2f} s in one process "
                          "(one log line)")
            finally:
                cluster.stop()
        if 1 in results:
            print(f"the scheduler's cost: 1 worker takes {results[1] / single:.2f}× the single process's time")
        for n, wall in results.items():
            print(f"speed-up with {n} worker(s): {single / wall:.2f}× the single process")
        print(f"every run's output was the single-process run's, byte for byte; load average after: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
