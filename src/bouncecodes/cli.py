"""The ``bouncecodes`` command: classify, lookup, providers, lint, build.

Exit statuses: 0 success; 1 some inputs could not be read, lint found problems, or a worker
process of ``classify`` failed; 2 bad usage, or a code that is malformed or unknown (lookup).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import time
from collections.abc import Callable, Iterator

from . import __version__
from .classify import classify_evidence
from .errors import BounceCodesError, InputError, InputTooLargeError
from .lookup import lookup
from .model import Registry
from .output import FIELDS, record
from .parse import MAX_INPUT, iter_mbox, parse
from .parse.common import to_text
from .parse.detect import InputKind, detect
from .registry import load_registry

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, BinaryIO, TextIO

    Event = tuple[str, Any]

#: Fewer files than this, holding fewer bytes than that, are classified in this process:
#: starting workers would cost more than they save.
PARALLEL_MIN_FILES = 24
PARALLEL_MIN_BYTES = 4 * 1024 * 1024


# -- inputs --------------------------------------------------------------------------------------


class Tally:
    """What a run of ``classify`` counted."""

    __slots__ = ("inputs", "no_bounce", "results", "unreadable")

    def __init__(self) -> None:
        self.inputs = self.results = self.no_bounce = self.unreadable = 0


def _files(paths: list[str], tally: Tally, err: TextIO) -> Iterator[str | None]:
    """Every file named or found under the named folders (None stands for standard input)."""
    for raw in paths or ["-"]:
        if raw == "-":
            yield None
            continue
        # paths as strings (os.path), not pathlib: importing pathlib was a tenth of the start-up
        path = raw
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
                for name in sorted(names):
                    if not name.startswith("."):
                        yield os.path.join(root, name)
        elif os.path.exists(path):
            yield path
        else:
            tally.unreadable += 1
            err.write(f"bouncecodes: {raw}: no such file or folder\n")


def _streamable_mbox(head: bytes) -> bool:
    """Whether a file starting with ``head`` is an mbox that can be read line by line. A file with
    old Mac line ends (CR only) has no lines to stream: it is read whole, and the parser splits it."""
    return head.startswith(b"From ") and b"\n" in head and detect(to_text(head)) is InputKind.MBOX


def _documents(path: str | None, stdin: BinaryIO) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) for each document in a file: the file itself, or each message of an mbox."""
    label = "-" if path is None else os.path.basename(path)
    if path is None:
        data = stdin.read(MAX_INPUT + 1)
        if _streamable_mbox(data[:4096]):
            for i, message in enumerate(iter_mbox(io.BytesIO(data)), 1):
                yield f"-#{i}", message
        else:
            yield label, data
        return
    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(0)
        if _streamable_mbox(head):
            for i, message in enumerate(iter_mbox(fh), 1):
                yield f"{label}#{i}", message
            return
        data = fh.read(MAX_INPUT + 1)
    yield label, data


class Progress:
    """A one-line progress bar on a terminal's stderr; silent elsewhere."""

    def __init__(self, err: TextIO, total: int, enabled: bool) -> None:
        self.err, self.total, self.enabled = err, total, enabled and total > 1
        self.done = 0
        self.last = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.1 or self.done == self.total):
            self.last = now
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.err.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} files")
            self.err.flush()

    def close(self) -> None:
        if self.enabled:
            self.err.write("\n")


def _text(rec: dict[str, Any]) -> str:
    status = rec["status"] + (" (pseudo: no enhanced code was sent)" if rec["status_source"] == "pseudo" else "")
    codes = " ".join(x for x in (rec["reply"], status) if x) or "no code"
    flags = ("permanent" if rec["permanent"] else "temporary") + (", hard: drop the address" if rec["hard"] else "")
    lines = [f"{rec['file']}: {rec['recipient'] or '(recipient unknown)'}"
             + (f" (sent to {rec['original_recipient']})" if rec.get("original_recipient") else ""),
             f"  reason    {rec['reason']}" + (f" ({rec['detail']})" if rec["detail"] else "") + f"  [{codes}; {flags}]"]
    if rec["provider"]:
        lines.append(f"  provider  {rec['provider']}")
    if rec["diagnostic"]:
        diag = rec["diagnostic"]
        lines.append(f"  server    {diag[:200]}{'…' if len(diag) > 200 else ''}")
    lines.append(f"  action    {rec['action']}")
    lines.append(f"  decided   {rec['rule']}")
    return "\n".join(lines)


# -- classify: events ----------------------------------------------------------------------------
#
# Classifying a file gives a list of events per document, applied in order by the process that
# writes: ("out", text for stdout), ("rec", a record, for --format json), ("err", text for stderr),
# ("n", (inputs, results, without a bounce, unreadable)). The serial run and the workers of a
# parallel run make them with the same code, so both print the same.



class _Classifier:
    """Documents → events, for one output format."""

    def __init__(self, fmt: str, quiet: bool, registry: Registry) -> None:
        self.fmt, self.quiet, self.registry = fmt, quiet, registry
        self._csv: tuple[io.StringIO, Any] | None = None

    def _row(self, rec: dict[str, Any]) -> str:
        if self._csv is None:
            import csv

            buffer = io.StringIO()
            self._csv = buffer, csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore")
        buffer, writer = self._csv
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(rec)
        return buffer.getvalue()

    def document(self, label: str, data: bytes) -> list[Event]:
        try:
            if len(data) > MAX_INPUT:
                raise InputTooLargeError(f"over the {MAX_INPUT:,}-byte limit")
            evidence = parse(data)
        except InputError as exc:
            return [("n", (1, 0, 0, 1)), ("err", f"bouncecodes: {label}: refused: {exc}\n")]
        if not evidence:
            return [("n", (1, 0, 1, 0))] + ([] if self.quiet else [("err", f"bouncecodes: {label}: no bounce found\n")])
        events: list[Event] = [("n", (1, len(evidence), 0, 0))]
        if self.fmt == "jsonl":
            import json  # (imported on use: text output, on a terminal, does without it)
        for e in evidence:
            rec = record(label, classify_evidence(e, self.registry))
            if self.fmt == "jsonl":
                events.append(("out", json.dumps(rec, ensure_ascii=False) + "\n"))
            elif self.fmt == "json":
                events.append(("rec", rec))
            elif self.fmt == "csv":
                events.append(("out", self._row(rec)))
            else:
                events.append(("out", _text(rec) + "\n\n"))
        return events

    def file(self, path: str | None, stdin: BinaryIO) -> Iterator[list[Event]]:
        """The events of each document of one file (one list per document: memory stays flat)."""
        for label, data, failed in _file_units(path, stdin):
            yield failed if failed is not None else self.document(label, data)


def _file_units(path: str | None, stdin: BinaryIO) -> Iterator[tuple[str, bytes, list[Event] | None]]:
    """A file's units of work: (label, bytes, None) for each document, then (…, the events of the
    error) when reading failed; a file without any document is one empty unit."""
    empty = True
    try:
        for label, data in _documents(path, stdin):
            empty = False
            yield label, data, None
    except OSError as exc:
        yield "", b"", [("n", (0, 0, 0, 1)), ("err", f"bouncecodes: {path}: cannot read: {exc.strerror or exc}\n")]
        return
    if empty:
        yield "", b"", []


# -- classify: workers ---------------------------------------------------------------------------


def default_jobs() -> int:
    """The CPUs this process may run on."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return int(counter() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked here (not on Windows, macOS, Pyodide or WASI)."""
    return hasattr(os, "fork") and sys.platform not in ("darwin", "emscripten", "wasi", "win32")


class WorkerError(RuntimeError):
    """A worker process failed (its traceback is in the message) or stopped without finishing."""


_END = "end"  # the event that closes a file
_UNIT = "unit"  # heads a unit's events: (_UNIT, (its number, its file's number, whether it is the file's last))
_CRASH = "crash"  # a worker's unexpected exception, as text


def _send(pipe: io.BufferedWriter, events: list[Event]) -> None:
    import marshal

    data = marshal.dumps(events)
    pipe.write(len(data).to_bytes(4, "big") + data)


def _receive(pipe: io.BufferedReader) -> list[Event] | None:
    import marshal

    head = pipe.read(4)
    if len(head) < 4:
        return None
    size = int.from_bytes(head, "big")
    data = pipe.read(size)
    if len(data) < size:
        return None
    events: list[Event] = marshal.loads(data)
    return events


#: Units dealt to each worker in turn.
RUN = 8
#: Files this large are shared message by message (every worker reads them); smaller ones are one
#: unit each, read by the worker whose unit it is only.
SHARED_FILE_BYTES = 1024 * 1024


def _worker(classifier: _Classifier, files: list[str], jobs: int, me: int, pipe: io.BufferedWriter) -> None:
    """A worker's whole life. Units are counted over all files, the same way by every worker: a
    file under ``SHARED_FILE_BYTES`` is one unit; a larger one (an mbox) is one unit per document,
    and every worker reads it. A worker classifies its own units, the ``RUN`` units in every
    ``jobs * RUN``, and sends each as ``[(_UNIT, (unit, file, last unit of the file?)), *events]``."""
    unit = 0
    stdin = io.BytesIO(b"")  # workers never read standard input
    for number, path in enumerate(files):
        try:
            shared = os.stat(path).st_size >= SHARED_FILE_BYTES
        except OSError:
            shared = False
        if not shared:
            if (unit // RUN) % jobs == me:
                events = [e for doc in classifier.file(path, stdin) for e in doc]
                _send(pipe, [(_UNIT, (unit, number, True)), *events])
                if (unit + 1) % RUN == 0:
                    pipe.flush()  # the end of this worker's run: the reader will want it now
            unit += 1
            continue
        units = _file_units(path, stdin)
        current: tuple[str, bytes, list[Event] | None] | None = next(units)
        while current is not None:
            following = next(units, None)  # read ahead: is this the file's last unit?
            if (unit // RUN) % jobs == me:
                label, data, failed = current
                events = failed if failed is not None else classifier.document(label, data)
                _send(pipe, [(_UNIT, (unit, number, following is None)), *events])
                if (unit + 1) % RUN == 0:
                    pipe.flush()
            unit += 1
            current = following
    pipe.flush()


def _parallel(classifier: _Classifier, files: list[str], jobs: int) -> Iterator[list[Event]]:
    """The events of ``files`` classified by ``jobs`` forked workers, in the serial order.

    The units of work (files, and the documents of large files) are dealt out in runs of ``RUN``,
    round-robin; each worker streams its units through its own pipe, and they are taken in
    order, so memory stays flat and the output is the serial output. An end event closes each file."""
    import signal

    readers: list[io.BufferedReader] = []
    pids: list[int] = []
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for w in range(jobs):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                status = 1
                try:
                    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: stop, quietly
                    os.close(read_fd)
                    for r in readers:
                        r.close()
                    with os.fdopen(write_fd, "wb") as pipe:
                        try:
                            _worker(classifier, files, jobs, w, pipe)
                            status = 0
                        except Exception:
                            import traceback

                            _send(pipe, [(_CRASH, traceback.format_exc())])
                except BaseException:
                    pass  # a worker reports through its pipe only, never on the terminal
                finally:
                    os._exit(status)
            os.close(write_fd)
            pids.append(pid)
            readers.append(os.fdopen(read_fd, "rb"))
        unit = 0
        for number, path in enumerate(files):
            last = False
            while not last:
                events = _receive(readers[(unit // RUN) % jobs])
                if events is None:
                    raise WorkerError(f"a worker process stopped unexpectedly, at {path} or a few files after it; "
                                      "run again with --jobs 1")
                kind, value = events[0]
                if kind == _CRASH:
                    raise WorkerError(f"a worker process failed on {path}:\n{value}")
                if kind != _UNIT or tuple(value[:2]) != (unit, number):
                    # the workers disagree on what the files hold: one changed while being read
                    raise WorkerError(f"{path} changed while the workers read it; run again with --jobs 1")
                unit += 1
                last = bool(value[2])
                if len(events) > 1:
                    yield events[1:]
            yield [(_END, 0)]
    finally:
        for r in readers:
            r.close()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except (OSError, ChildProcessError):
                pass


def cmd_classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    fmt = args.format or ("text" if out.isatty() else "jsonl")
    registry = load_registry()
    # The modules and the registry live as long as the process: the garbage collector need not
    # scan them again and again, nor at exit (nor copy them into forked workers by touching them).
    gc.freeze()
    tally = Tally()
    files = list(_files(args.paths, tally, err))
    progress = Progress(err, len(files), err.isatty() and not args.quiet)
    records: list[dict[str, Any]] = []
    if fmt == "csv":
        import csv

        csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore").writeheader()
    classifier = _Classifier(fmt, args.quiet, registry)

    def apply(events: list[Event]) -> None:
        for kind, value in events:
            if kind == "out":
                out.write(value)
            elif kind == "rec":
                records.append(value)
            elif kind == "err":
                err.write(value)
            elif kind == "n":
                tally.inputs += value[0]
                tally.results += value[1]
                tally.no_bounce += value[2]
                tally.unreadable += value[3]

    jobs = args.jobs or default_jobs()
    if jobs > 1 and None not in files and can_fork() and _worth_workers(files):
        _run_parallel(classifier, [f for f in files if f is not None], jobs, apply, progress.step)
    else:
        stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else io.BytesIO(b"")
        for path in files:
            for events in classifier.file(path, stdin):
                apply(events)
            progress.step()
    progress.close()
    if fmt == "json":
        import json

        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
    if not args.quiet and (tally.inputs > 1 or tally.unreadable or tally.no_bounce):
        err.write(f"bouncecodes: {tally.inputs} input(s), {tally.results} result(s), "
                  f"{tally.no_bounce} without a bounce, {tally.unreadable} unreadable\n")
    return 1 if tally.unreadable else 0


def _worth_workers(files: list[str | None]) -> bool:
    """Whether there is enough to read for workers to pay: many files, or many bytes (an mbox)."""
    if len(files) >= PARALLEL_MIN_FILES:
        return True
    size = 0
    for f in files:
        try:
            size += os.stat(f).st_size if f is not None else 0
        except OSError:
            pass
    return size >= PARALLEL_MIN_BYTES


def _run_parallel(classifier: _Classifier, files: list[str], jobs: int, apply: Callable[[list[Event]], None],
                  step: Callable[[], None]) -> None:
    for events in _parallel(classifier, files, jobs):
        if events[0][0] == _END:
            step()
        else:
            apply(events)


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


# -- lookup and providers --------------------------------------------------------------------------


def cmd_lookup(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        found = lookup(" ".join(args.code))
    except BounceCodesError as exc:
        err.write(f"bouncecodes lookup: {exc}\n")
        return 2
    if args.format == "json":
        import json

        json.dump(found.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    registry = load_registry()
    if found.reply:
        r = found.reply
        kind = {2: "success", 3: "intermediate", 4: "transient failure", 5: "permanent failure"}.get(r.klass, "")
        out.write(f"{r.code}  {r.title}\n  class      {r.klass}xx, {kind}\n")
        out.write(f"  meaning    {r.description}\n")
        if r.reason:
            out.write(f"  reason     {r.reason} ({registry.reason(r.reason).title})\n")
        if r.enhanced:
            out.write(f"  sent with  {', '.join(r.enhanced)}\n")
        out.write(f"  do         {r.action}\n")
        if r.references:
            out.write(f"  defined in {'; '.join(x.label for x in r.references)}\n")
        out.write("\n")
    tokens = [t for t in args.code for t in t.split() if "." in t]
    asked = tokens[0].upper() if tokens else ""
    if found.pseudo is not None:
        p = found.pseudo
        out.write(f"{asked}  pseudo status of {p.id} ({p.title})\n"
                  f"  meaning    no server sends it: Sisimai, and bouncecodes when a bounce carries no enhanced\n"
                  f"             code, report it for the reason {p.id}\n  do         {p.action}\n\n")
    if asked and found.enhanced and found.enhanced[0].code != asked and found.enhanced[0].kind.value != "code":
        out.write(f"{asked} is not in the IANA registry; its subject and class say:\n\n")
    for e in found.enhanced:
        out.write(f"{e.code}  {e.title}" + ("  (deprecated)" if e.deprecated else "") + f"\n  kind       {e.kind.value}\n")
        out.write(f"  meaning    {e.description}\n")
        if e.reason:
            out.write(f"  reason     {e.reason} ({registry.reason(e.reason).title})\n")
        if e.basic:
            out.write(f"  sent with  {', '.join(e.basic)}\n")
        out.write(f"  do         {e.action}\n")
        if e.references:
            out.write(f"  defined in {'; '.join(x.label for x in e.references)}\n")
        out.write("\n")
    return 0


def cmd_providers(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    registry = load_registry()
    rows: list[dict[str, Any]] = [
        {"id": p.id, "name": p.name, "rules": len(p.rules), "hosts": list(p.hosts), "tokens": list(p.tokens)}
        for p in registry.providers]
    if args.format == "json":
        import json

        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        out.write(f"{r['id']:<{width}}  {r['rules']:>3} rules  {r['name']}\n")
    out.write(f"{len(rows)} providers, {sum(r['rules'] for r in rows)} rules\n")
    return 0


# -- build-time commands (import PyYAML and jsonschema) --------------------------------------------


def _codes_dir(args: argparse.Namespace) -> Path:
    from pathlib import Path

    from .build import find_codes_dir

    return Path(args.codes) if args.codes else find_codes_dir()


def cmd_lint(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from .build.fix import fix_codes
        from .build.lint import lint_codes
    except ImportError as exc:
        err.write(f"bouncecodes lint needs the build extras: pip install 'bouncecodes[build]' ({exc})\n")
        return 2
    codes = _codes_dir(args)
    if args.fix:
        for rel in fix_codes(codes):
            err.write(f"fixed {rel}\n")
    problems = lint_codes(codes)
    for p in problems:
        out.write(p.format() + "\n")
    files = {p.file for p in problems}
    if problems:
        out.write(f"{len(problems)} problem(s) in {len(files)} file(s)\n")
        return 1
    out.write("codes/: no problems\n")
    return 0


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from .build.compile import BuildError, write_registry_json

    codes = _codes_dir(args)
    target = Path(args.out) if args.out else Path(__file__).with_name("registry.json")
    try:
        registry = write_registry_json(codes, target)
    except BuildError as exc:
        for p in exc.problems:
            out.write(p.format() + "\n")
        out.write(f"{len(exc.problems)} problem(s); registry.json not written\n")
        return 1
    load_registry.cache_clear()
    err.write(f"wrote {target}: {len(registry.reply)} reply codes, {len(registry.enhanced)} enhanced entries, "
              f"{len(registry.reasons)} reasons, {len(registry.phrases)} phrase rules, {len(registry.providers)} providers\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bouncecodes", description="SMTP reply codes, enhanced status codes and bounces, explained.")
    p.add_argument("--version", action="version", version=f"bouncecodes {__version__}")
    # prog given: argparse would otherwise lay out a usage line to find it, importing shutil (2 ms)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", prog="bouncecodes")

    c = sub.add_parser("classify", help="explain bounces: files, folders (maildir, .eml trees), mbox, logs or stdin")
    c.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; '-' or nothing reads standard input")
    c.add_argument("--format", choices=["text", "json", "jsonl", "csv"], help="text on a terminal, else jsonl")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no per-input notes on stderr")
    c.add_argument("-j", "--jobs", type=_jobs, metavar="N",
                   help="worker processes for many files or a large mbox (default: the number of CPUs; 1: none)")
    c.set_defaults(func=cmd_classify)

    lk = sub.add_parser("lookup", help="what the registry knows about a code (550, 5.7.26, X.1.1, '550 5.1.1')")
    lk.add_argument("code", nargs="+")
    lk.add_argument("--format", choices=["text", "json"], default="text")
    lk.set_defaults(func=cmd_lookup)

    pr = sub.add_parser("providers", help="list the providers the classifier recognises")
    pr.add_argument("--format", choices=["text", "json"], default="text")
    pr.set_defaults(func=cmd_providers)

    li = sub.add_parser("lint", help="check codes/ (schema and lint rules); needs the build extras")
    li.add_argument("--fix", action="store_true", help="rewrite key order and formatting first")
    li.add_argument("--codes", help="the codes/ folder (default: found from the working directory)")
    li.set_defaults(func=cmd_lint)

    b = sub.add_parser("build", help="compile codes/ into registry.json; needs the build extras")
    b.add_argument("--codes", help="the codes/ folder (default: found from the working directory)")
    b.add_argument("--out", help="where to write (default: inside the installed package)")
    b.set_defaults(func=cmd_build)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args, sys.stdout, sys.stderr))
    except BrokenPipeError:
        return 0
    except WorkerError as exc:
        sys.stderr.write(f"bouncecodes: {exc}\n")
        return 1
    except BounceCodesError as exc:
        sys.stderr.write(f"bouncecodes: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
