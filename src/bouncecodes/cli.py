"""The ``bouncecodes`` command: classify, lookup, providers, lint, build.

Exit statuses: 0 success; 1 some inputs could not be read, lint found problems, or a worker
process of ``classify`` failed; 2 bad usage, or a code that is malformed or unknown (lookup);
3 (``classify``) the classifier failed on some inputs, all others were classified: each is named on
stderr with the error (3 wins over 1 when both happen; the summary line counts both).

``classify`` isolates its inputs: one file, one message of an mbox, one line of a log. An
unexpected exception while parsing or classifying one (a bug) is reported on stderr, named
(``path``, ``path#N`` for the Nth message of an mbox, ``path:LINE`` for a line of a log), with
the exception's type and message, counted as failed, and the run goes on. With ``--jobs``, a
worker process that dies is started again where it stopped; an input that kills two workers in a
row is reported as failed in the same way.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from . import __version__, cli_options
from .classify import classify_evidence, find_provider, provider_reply
from .errors import BounceCodesError, InputError, InputTooLargeError, UnknownProviderError
from .inputs import HEAD, binary_kind, decompress, decompression_error, line_kind, read_head, read_lines, read_start
from .lookup import lookup
from .model import Evidence, Provider, Registry, replace
from .output import FIELDS, record
from .parse import MAX_INPUT, iter_mbox, parse
from .parse.common import to_text
from .parse.detect import InputKind, detect
from .parse.logs import LogReader
from .parse.notify import parse_json
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

    __slots__ = ("failed", "inputs", "no_bounce", "results", "unreadable")

    def __init__(self) -> None:
        self.inputs = self.results = self.no_bounce = self.unreadable = self.failed = 0


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


class Unreadable(Exception):
    """An input whose bytes are no kind we read (binary data, an archive, a compression we lack)."""


class Lines:
    """A line-oriented input (a log, JSON Lines), read line by line as it is classified."""

    __slots__ = ("kind", "raw", "size", "stream")

    def __init__(self, kind: str, stream: BinaryIO, raw: BinaryIO, size: int) -> None:
        self.kind, self.stream, self.raw, self.size = kind, stream, raw, size


#: (bytes read, of how many) while a file is read: the progress bar's by bytes
Tick = Callable[[int, int], None]


def _mtime(path: str | None) -> datetime | None:
    """When a file was last written (the time a syslog stamp without a year is placed before); None
    for standard input (now)."""
    if path is None:
        return None
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime)
    except (OSError, ValueError, OverflowError):
        return None


def _documents(path: str | None, stdin: BinaryIO, tick: Tick | None = None,
               opened: BinaryIO | None = None) -> Iterator[tuple[str, int, bytes | Lines]]:
    """(name, message number, content) for each document of a file or of standard input: each
    message of an mbox (numbered from 1), a line-oriented input as :class:`Lines` (read as it is
    classified), or the whole file (number 0). Compressed input (gzip, bzip2, xz) is read through
    its decompressor, known by its first bytes; binary data raises :class:`Unreadable`. ``opened``:
    the file ``path`` names, opened already (a file of another file system, :mod:`bouncecodes.dask`);
    it is closed here as a file opened here is."""
    name = "-" if path is None else str(path)
    raw: BinaryIO = stdin if path is None else opened if opened is not None else open(path, "rb")
    try:
        size = 0 if path is None or opened is not None else os.fstat(raw.fileno()).st_size
        stream, compression = decompress(raw)
        head, whole = read_start(stream, HEAD)
        what = binary_kind(head[:4096])
        if what:
            raise Unreadable(f"{what}{f' (in {compression} data)' if compression else ''}"
                             f"{'' if what.endswith(', not text') else ', not text'}")
        if _streamable_mbox(head[:4096]):
            for i, message in enumerate(iter_mbox(whole), 1):
                yield name, i, message
                if tick is not None and size:
                    tick(raw.tell(), size)
            return
        kind = line_kind(head, len(head) < HEAD)
        if kind:
            yield name, 0, Lines(kind, whole, raw, size)
            return
        rest = MAX_INPUT + 1 - len(head)  # a document is read whole, up to the limit (and refused above it)
        yield name, 0, head + whole.read(rest) if len(head) == HEAD and rest > 0 else head
    finally:
        if path is not None:
            raw.close()


def _directed(evidence: list[Evidence]) -> list[Evidence]:
    """As :func:`bouncecodes.parse.parse_text` says it: what is not a bare reply reports a delivery
    that failed (outbound) when it does not say its direction."""
    return [e if e.direction or e.source == "reply" else replace(e, direction="outbound") for e in evidence]


class Progress:
    """A one-line progress bar on a terminal's stderr, silent elsewhere: files done of how many, and
    within a large file (not standard input: its size is unknown), the megabytes read of its size
    (of the compressed file, for a compressed one)."""

    #: files smaller than this show no bar of their own
    BYTES_FROM = 4 * 1024 * 1024

    def __init__(self, err: TextIO, total: int, enabled: bool) -> None:
        self.err, self.total, self.enabled = err, total, enabled
        self.done = 0
        self.last = 0.0
        self.shown = False

    def _draw(self, fraction: float, words: str, final: bool = False) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and not final:
            return
        self.last = now
        width = 30
        filled = int(width * min(max(fraction, 0.0), 1.0))
        self.err.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {words}\033[K")
        self.err.flush()
        self.shown = True

    def step(self) -> None:
        self.done += 1
        if self.enabled and self.total > 1:
            self._draw(self.done / max(self.total, 1), f"{self.done}/{self.total} files", self.done == self.total)

    def bytes(self, done: int, size: int) -> None:
        """Within one file: ``done`` bytes read of ``size``."""
        if self.enabled and size >= self.BYTES_FROM:
            files = f", file {self.done + 1}/{self.total}" if self.total > 1 else ""
            self._draw(done / size, f"{done / 1e6:,.1f}/{size / 1e6:,.1f} MB{files}")

    def close(self) -> None:
        if self.shown:
            self.err.write("\n")


def _text(rec: dict[str, Any]) -> str:
    status = rec["status"] + (" (pseudo: no enhanced code was sent)" if rec["status_source"] == "pseudo" else "")
    codes = " ".join(x for x in (rec["reply"], status) if x) or "no code"
    flags = ("permanent" if rec["permanent"] else "temporary") + (", hard: drop the address" if rec["hard"] else "")
    where = (rec.get("path") or rec["file"]) + (f":{rec['line']}" if rec.get("line") else f"#{rec['message']}" if rec.get("message") else "")
    lines = [f"{where}: {rec['recipient'] or '(recipient unknown)'}"
             + (f" (sent to {rec['original_recipient']})" if rec.get("original_recipient") else ""),
             f"  reason    {rec['reason']}" + (f" ({rec['detail']})" if rec["detail"] else "") + f"  [{codes}; {flags}]"]
    if rec["provider"]:
        lines.append(f"  provider  {rec['provider']}")
    if rec.get("direction"):
        lines.append(f"  direction {rec['direction']}"
                     + (" (a refusal your server gave)" if rec["direction"] == "inbound" else " (a delivery that failed)"
                        if rec["reason"] != "delivered" else ""))
    if rec["diagnostic"]:
        diag = rec["diagnostic"]
        lines.append(f"  server    {diag[:200]}{'…' if len(diag) > 200 else ''}")
    lines.append(f"  action    {rec['action']}")
    lines.append(f"  decided   {rec['rule']}")
    seen = [x for x in (rec.get("time") or rec.get("timestamp"), rec.get("queue_id") and f"queue id {rec['queue_id']}",
                        rec.get("message_id") and f"<{rec['message_id']}>") if x]
    if seen:
        lines.append(f"  logged    {', '.join(seen)}")
    return "\n".join(lines)


# -- classify: events ----------------------------------------------------------------------------
#
# Classifying a file gives a list of events per document, applied in order by the process that
# writes: ("out", text for stdout), ("rec", a record, for --format json), ("err", text for stderr),
# ("n", (inputs, results, without a bounce, unreadable, failed)). The serial run and the workers of
# a parallel run make them with the same code, so both print the same.



def _where(name: str, message: int = 0) -> str:
    """How a document is named on stderr: its file's path as given ('#N' for the Nth message of an mbox)."""
    return f"{name}#{message}" if message else name


def _failure(where: str, exc: BaseException) -> Event:
    """The report of an input the classifier failed on: named, with the exception's type and message."""
    message = " ".join(str(exc).split())
    if len(message) > 300:
        message = message[:300] + "…"
    return ("err", f"bouncecodes: {where}: the classifier failed: {type(exc).__name__}"
                   f"{': ' + message if message else ''} (a bug in bouncecodes: please report it with this input)\n")


#: A line-oriented input's events are handed on every so many events (memory stays flat)
CHUNK = 512
#: and its progress told every so many lines
TICK_LINES = 4096


class _Classifier:
    """Documents → events, for one output format."""

    def __init__(self, fmt: str, quiet: bool, registry: Registry, provider: Provider | None = None,
                 direction: str = "", verbose: bool = False) -> None:
        self.fmt, self.quiet, self.registry = fmt, quiet, registry
        self.verbose = verbose  # -v: name each input without a bounce on stderr
        self.provider = provider  # --provider: whose server answered, for input that does not say it
        self.direction = direction  # --direction: only results of this direction are written ('' for all)
        self.tick: Tick | None = None  # the progress bar's, by bytes within a file
        self._csv: tuple[io.StringIO, Any] | None = None

    def _row(self, rec: dict[str, Any]) -> str:
        if self._csv is None:
            import csv

            buffer = io.StringIO()
            self._csv = buffer, csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore")
        buffer, writer = self._csv
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in rec.items()})
        return buffer.getvalue()

    def _emit(self, rec: dict[str, Any]) -> Event:
        if self.fmt == "jsonl":
            import json  # (imported on use: text output, on a terminal, does without it)

            return ("out", json.dumps(rec, ensure_ascii=False) + "\n")
        if self.fmt == "json":
            return ("rec", _json_item(rec))
        if self.fmt == "csv":
            return ("out", self._row(rec))
        return ("out", _text(rec) + "\n\n")

    def _none(self, where: str) -> list[Event]:
        return [("n", (1, 0, 1, 0, 0))] + ([("err", f"bouncecodes: {where}: no bounce found\n")] if self.verbose else [])

    def document(self, name: str, data: bytes, message: int = 0, reference: datetime | None = None) -> list[Event]:
        """The events of one document (a file, or the ``message``th message of an mbox) of the input
        ``name``. An unexpected exception is reported and counted, never raised: in a log, line by
        line (see :meth:`log_lines`)."""
        where = _where(name, message)
        try:
            if len(data) > MAX_INPUT:
                raise InputTooLargeError(f"over the {MAX_INPUT:,}-byte limit")
            evidence = parse(data)
            if not evidence and self.provider is not None:
                evidence = provider_reply(data, self.provider, self.registry)
            if evidence:
                found = self._records(name, evidence, message=message, reference=reference)
                return [("n", (1, len(found), 0, 0, 0)), *found]
        except InputError as exc:
            return [("n", (1, 0, 0, 1, 0)), ("err", f"bouncecodes: {where}: refused: {exc}\n")]
        except Exception as exc:  # a bug: this input is reported, the run goes on
            return self.log_lines(name, data, reference) or [("n", (1, 0, 0, 0, 1)), _failure(where, exc)]
        return self._none(where)

    def _records(self, name: str, evidence: list[Evidence], *, message: int = 0, line: int = 0,
                 reference: datetime | None = None) -> list[Event]:
        """The output events of the evidence found in one input (of ``--direction``'s only)."""
        if self.direction:
            evidence = [e for e in evidence if e.direction == self.direction]
        return [self._emit(record(name, classify_evidence(e, self.registry, provider=self.provider), line=line,
                                  message=message, reference=reference)) for e in evidence]

    def log_lines(self, name: str, data: bytes, reference: datetime | None = None) -> list[Event] | None:
        """A log that made the classifier fail, read again one line at a time: its lines are fed in
        order to one :class:`~bouncecodes.parse.logs.LogReader` (which keeps what links lines: a
        qmail delivery's start, a message's Message-ID line); a line that raises is reported as
        ``name:LINE`` and the reader goes on with the next, the other lines are classified. None
        when ``data`` is no log, or when no line fails on its own (the document is then reported
        whole)."""
        try:
            text = to_text(data)
            if detect(text.lstrip(), self.registry) is not InputKind.LOG:
                return None
        except Exception:
            return None
        reader = LogReader(self.registry)
        events: list[Event] = []
        results = failed = offset = 0
        for number, line in enumerate(text.split("\n"), 1):
            try:
                found = self._records(name, reader.line(line, offset), line=number, reference=reference)
            except Exception as exc:
                failed += 1
                events.append(_failure(f"{name}:{number}", exc))
            else:
                results += len(found)
                events.extend(found)
            offset += len(line) + 1
        if not failed:
            return None
        return [("n", (1, results, 0, 0, failed)), *events]

    def lines(self, name: str, source: Lines, reference: datetime | None = None) -> Iterator[list[Event]]:
        """The events of a line-oriented input (a log, JSON Lines), read line by line as it is
        classified, in lists of about ``CHUNK`` events: memory stays flat whatever its size. Each
        line is isolated: one the classifier fails on is reported as ``name:LINE``, one over the
        size limit is refused, and the reading goes on; data that stops decompressing ends it,
        reported (what was read stays)."""
        reader = LogReader(self.registry) if source.kind == "log" else None
        read = reader.line if reader is not None else None
        events: list[Event] = []
        results = failed = unreadable = 0
        total = 0  # results of the whole input
        evidence_seen = False
        number = 0
        tick = self.tick if source.size else None
        try:
            for number, line in enumerate(read_lines(source.stream, MAX_INPUT), 1):
                if line is None:
                    unreadable += 1
                    events.append(("err", f"bouncecodes: {name}:{number}: refused: a line over the "
                                          f"{MAX_INPUT:,}-byte limit\n"))
                    continue
                try:
                    if read is not None:
                        evidence = read(line)  # (spans are not written: no offsets are counted)
                    else:
                        evidence = (parse_json(line) or []) if line.strip() else []
                    if evidence:
                        evidence_seen = True
                        found = self._records(name, _directed(evidence), line=number, reference=reference)
                        results += len(found)
                        events.extend(found)
                        if len(events) >= CHUNK:
                            total += results
                            yield [("n", (0, results, 0, 0, failed)), *events]
                            events, results, failed = [], 0, 0
                except Exception as exc:  # a bug: this line is reported, the reading goes on
                    failed += 1
                    events.append(_failure(f"{name}:{number}", exc))
                if tick is not None and number % TICK_LINES == 0:
                    tick(source.raw.tell(), source.size)
        except Exception as exc:
            if not (decompression_error(exc) or isinstance(exc, OSError)):
                raise
            unreadable += 1
            why = " ".join(str(exc).split()) or type(exc).__name__
            events.append(("err", f"bouncecodes: {name}: cannot read after line {number:,}: {why}\n"))
        total += results
        done: list[Event] = [("n", (1, results, 0, unreadable, failed)), *events]
        if not total and not evidence_seen and not failed and not unreadable:
            done = self._none(name) + events
        yield done

    def file(self, path: str | None, stdin: BinaryIO, opened: BinaryIO | None = None,
             reference: datetime | None = None) -> Iterator[list[Event]]:
        """The events of each document of one file (lists of events: memory stays flat); ``opened``
        and ``reference``: the file opened already, and its time, for a file of another file system."""
        if opened is None:
            reference = _mtime(path)
        for name, message, data, failed in _file_units(path, stdin, self.tick, opened):
            if failed is not None:
                yield failed
            elif isinstance(data, Lines):
                yield from self.lines(name, data, reference)
            else:
                yield self.document(name, data, message, reference)


def _json_item(rec: dict[str, Any]) -> str:
    """One record as an item of the array ``--format json`` prints (as ``json.dump(records,
    indent=2)`` would), made by the C encoder: a record's values are scalars, so two separators
    give the indentation."""
    import json

    body = json.dumps(rec, ensure_ascii=False, separators=(",\n    ", ": "))
    return "  {\n    " + body[1:-1] + "\n  }"


def _file_units(path: str | None, stdin: BinaryIO, tick: Tick | None = None, opened: BinaryIO | None = None
                ) -> Iterator[tuple[str, int, bytes | Lines, list[Event] | None]]:
    """A file's units of work: (name, message number, content, None) for each document, then (…,
    the events of the error) when reading failed; a file without any document is one empty unit."""
    empty = True
    name = "-" if path is None else str(path)
    try:
        for name, message, data in _documents(path, stdin, tick, opened):
            empty = False
            yield name, message, data, None
    except Unreadable as exc:
        yield name, 0, b"", [("n", (1, 0, 0, 1, 0)), ("err", f"bouncecodes: {name}: unreadable: {exc}\n")]
        return
    except OSError as exc:
        yield name, 0, b"", [("n", (0, 0, 0, 1, 0)), ("err", f"bouncecodes: {name}: cannot read: {exc.strerror or exc}\n")]
        return
    except Exception as exc:  # data that stops decompressing, or a bug while splitting the file into messages
        if decompression_error(exc):
            why = " ".join(str(exc).split()) or type(exc).__name__
            yield name, 0, b"", [("n", (0 if not empty else 1, 0, 0, 1, 0)),
                                 ("err", f"bouncecodes: {name}: cannot read: {why}\n")]
            return
        yield name, 0, b"", [("n", (1, 0, 0, 0, 1)), _failure(name, exc)]
        return
    if empty:
        yield name, 0, b"", []


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
_START = "start"  # a careful worker's word before a unit: (_START, (its number, how it is named on stderr))
_DONE = "done"  # a worker's last word: (_DONE, the number of units of all the files)
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


def _worker(classifier: _Classifier, files: list[str], jobs: int, me: int, pipe: io.BufferedWriter,
            start: int = 0, careful: bool = False) -> None:
    """A worker's whole life. Units are counted over all files, the same way by every worker: a
    file under ``SHARED_FILE_BYTES`` is one unit; a larger one (an mbox) is one unit per document,
    and every worker reads it. A worker classifies its own units from unit ``start`` on, the ``RUN``
    units in every ``jobs * RUN``, and sends each as ``[(_UNIT, (unit, file, last unit of the
    file?)), *events]``, then ``[(_DONE, units)]``. A ``careful`` worker (one started again after
    another died) names each unit before classifying it and sends each at once, so that if it dies
    too, the unit that killed it is known."""
    unit = 0
    stdin = io.BytesIO(b"")  # workers never read standard input

    def mine() -> bool:
        return unit >= start and (unit // RUN) % jobs == me

    def announce(where: str) -> None:
        if careful:
            _send(pipe, [(_START, (unit, where))])
            pipe.flush()

    def deliver(header: tuple[int, int, bool], events: list[Event]) -> None:
        _send(pipe, [(_UNIT, header), *events])
        if careful or (unit + 1) % RUN == 0:
            pipe.flush()  # the end of this worker's run: the reader will want it now

    for number, path in enumerate(files):
        try:
            shared = os.stat(path).st_size >= SHARED_FILE_BYTES
        except OSError:
            shared = False
        if not shared:
            if mine():
                announce(str(path))
                deliver((unit, number, True), [e for doc in classifier.file(path, stdin) for e in doc])
            unit += 1
            continue
        reference = _mtime(path)
        units = _file_units(path, stdin)
        current: tuple[str, int, bytes | Lines, list[Event] | None] | None = next(units)
        while current is not None:
            name, message, data, failed = current
            if isinstance(data, Lines):  # a log: one unit, read through before its file is closed
                if mine():
                    announce(name)
                    deliver((unit, number, True), [e for chunk in classifier.lines(name, data, reference)
                                                   for e in chunk])
                next(units, None)
                unit += 1
                break
            following = next(units, None)  # read ahead: is this the file's last unit?
            if mine():
                announce(_where(name, message))
                deliver((unit, number, following is None),
                        failed if failed is not None else classifier.document(name, data, message, reference))
            unit += 1
            current = following
    _send(pipe, [(_DONE, unit)])
    pipe.flush()


def _parallel(classifier: _Classifier, files: list[str], jobs: int) -> Iterator[list[Event]]:
    """The events of ``files`` classified by ``jobs`` forked workers, in the serial order.

    The units of work (files, and the documents of large files) are dealt out in runs of ``RUN``,
    round-robin; each worker streams its units through its own pipe, and they are taken in
    order, so memory stays flat and the output is the serial output. An end event closes each file.

    A worker that dies (a signal, out of memory) is started again, carefully, at the unit it owed;
    if that one dies too before sending it, the unit is reported as failed and a third starts after
    it: nothing else is lost."""
    import signal

    readers: dict[int, io.BufferedReader] = {}
    pids: dict[int, int] = {}

    def spawn(w: int, start: int = 0, careful: bool = False) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: stop, quietly
                os.close(read_fd)
                for r in readers.values():
                    r.close()
                with os.fdopen(write_fd, "wb") as pipe:
                    try:
                        _worker(classifier, files, jobs, w, pipe, start, careful)
                        status = 0
                    except Exception:
                        import traceback

                        _send(pipe, [(_CRASH, traceback.format_exc())])
            except BaseException:
                pass  # a worker reports through its pipe only, never on the terminal
            finally:
                os._exit(status)
        os.close(write_fd)
        pids[w] = pid
        readers[w] = os.fdopen(read_fd, "rb")

    def stop(w: int) -> None:
        reader, pid = readers.pop(w, None), pids.pop(w, None)
        if reader is not None:
            reader.close()
        if pid is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except (OSError, ChildProcessError):
                pass

    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for w in range(jobs):
            spawn(w)
        unit = number = 0  # the unit awaited, and the file it belongs to
        open_end = False  # whether the file may have ended with the unit before (one lost with its worker)
        retried: dict[int, int] = {}  # a worker started again → the unit it was started at
        named = ""  # how a careful worker named the unit awaited
        while True:
            w = (unit // RUN) % jobs
            events = _receive(readers[w])
            if events is None:  # the worker died before sending this unit
                if retried.get(w) == unit:  # for the second time: this unit kills its worker
                    where = named or str(files[min(number, len(files) - 1)])
                    yield [("n", (1, 0, 0, 0, 1)),
                           ("err", f"bouncecodes: {where}: a worker process died while classifying it "
                                   "(a bug in bouncecodes: please report it with this input)\n")]
                    unit += 1
                    open_end = True  # was it its file's last unit? The next one tells
                stop(w)
                spawn(w, unit, careful=True)
                retried[w] = unit
                named = ""
                continue
            kind, value = events[0]
            if kind == _START and value[0] == unit:
                named = str(value[1])
                continue
            if kind == _CRASH:
                raise WorkerError(f"a worker process failed on {files[min(number, len(files) - 1)]}:\n{value}")
            if kind == _DONE and value == unit:  # no unit left: every file is done
                if open_end:
                    yield [(_END, 0)]
                return
            if kind == _UNIT and open_end and tuple(value[:2]) == (unit, number + 1):
                yield [(_END, 0)]  # the lost unit was the last of its file
                number += 1
            open_end = False
            if kind != _UNIT or tuple(value[:2]) != (unit, number):
                # the workers disagree on what the files hold: one changed while being read
                path = files[min(number, len(files) - 1)]
                raise WorkerError(f"{path} changed while the workers read it; run again with --jobs 1")
            unit += 1
            named = ""
            if len(events) > 1:
                yield events[1:]
            if value[2]:
                yield [(_END, 0)]
                number += 1
    finally:
        for w in list(readers):
            stop(w)


def cmd_classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if cli_options.hook_wanted(args, err):  # --final, the filters, the summary: see cli_answers
        from . import cli_answers

        return cli_answers.classify_answered(args, out, err, cmd_classify)
    fmt = args.format or ("text" if out.isatty() else "jsonl")
    if getattr(args, "parquet", None) and not getattr(args, "scheduler", None):
        err.write("bouncecodes classify: --parquet needs --scheduler (the workers of a Dask cluster write it)\n")
        return 2
    registry = load_registry()
    provider = _named_provider(args.provider, registry) if args.provider else None  # unknown: exit 2
    # The modules and the registry live as long as the process: the garbage collector need not
    # scan them again and again, nor at exit (nor copy them into forked workers by touching them).
    gc.freeze()
    tally = Tally()
    files = [] if getattr(args, "scheduler", None) else list(_files(args.paths, tally, err))
    if not args.paths and not args.quiet and _stdin_is_terminal():
        err.write("bouncecodes: reading a bounce, log lines or a reply from standard input: paste it, then press "
                  "Ctrl-D (Ctrl-Z, Enter on Windows); `bouncecodes classify FILE…` reads files and folders\n")
        err.flush()
    progress = Progress(err, len(files), err.isatty() and not args.quiet)
    items = 0  # --format json: the records written so far
    if fmt == "csv":
        import csv

        csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore").writeheader()
    classifier = _Classifier(fmt, args.quiet, registry, provider, args.direction or "", verbose=args.verbose)
    classifier.tick = progress.bytes

    def apply(events: list[Event]) -> None:
        nonlocal items
        for kind, value in events:
            if kind == "out":
                out.write(value)
            elif kind == "rec":  # an item of the JSON array, written as it comes
                out.write(",\n" + value if items else "[\n" + value)
                items += 1
            elif kind == "err":
                if progress.shown:
                    err.write("\r\033[K")
                err.write(value)
            elif kind == "n":
                tally.inputs += value[0]
                tally.results += value[1]
                tally.no_bounce += value[2]
                tally.unreadable += value[3]
                tally.failed += value[4]

    if getattr(args, "scheduler", None):
        code = _on_cluster(args, classifier, provider, apply, progress, err)
        if code:
            return code
        files = []  # read by the cluster
    jobs = args.jobs or default_jobs()
    stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else io.BytesIO(b"")
    parallel = jobs > 1 and None not in files and can_fork()
    for streamed, segment in _segments(files, parallel):
        if not streamed and parallel and _worth_workers(segment):
            _run_parallel(classifier, [f for f in segment if f is not None], jobs, apply, progress.step)
            continue
        for path in segment:
            for events in classifier.file(path, stdin):
                apply(events)
            progress.step()
    progress.close()
    if fmt == "json":
        out.write("\n]\n" if items else "[]\n")
    err.write(f"bouncecodes: {tally.inputs} input(s), {tally.results} result(s), "
              f"{tally.no_bounce} without a bounce, {tally.unreadable} unreadable, {tally.failed} failed\n")
    return 3 if tally.failed else 1 if tally.unreadable else 0


def _on_cluster(args: argparse.Namespace, writer: _Classifier, provider: Provider | None,
                apply: Callable[[list[Event]], None], progress: Progress, err: TextIO) -> int:
    """``--scheduler``: the files classified by the workers of a Dask cluster, their events applied
    here in the order of the serial run (the records made text, CSV or JSON here)."""
    if not args.paths or "-" in args.paths:
        err.write("bouncecodes classify: --scheduler reads files and folders (the workers open them), "
                  "not standard input\n")
        return 2
    import json

    try:
        from .dask import connect, events
    except ImportError as exc:
        err.write(f"bouncecodes classify: --scheduler needs the dask extra: pip install 'bouncecodes[dask]' ({exc})\n")
        return 2
    missing: list[str] = []
    try:
        with connect(args.scheduler) as client:
            for part in events(client, args.paths, provider=provider.id if provider else "",
                               direction=args.direction or "", verbose=args.verbose, parquet=args.parquet or "",
                               missing=missing.append):
                for text in missing:
                    apply([("n", (0, 0, 0, 1, 0)), ("err", text)])
                missing.clear()
                for kind, value in part:
                    if kind == "end":
                        progress.step()
                    elif kind == "out" and writer.fmt != "jsonl":  # JSON lines, made text, CSV or JSON here
                        apply([writer._emit(json.loads(line)) for line in value.split("\n") if line])
                    else:
                        apply([(kind, value)])
    except OSError as exc:  # the scheduler cannot be reached
        err.write(f"bouncecodes classify: the Dask scheduler at {args.scheduler}: {exc}\n")
        return 1
    for text in missing:
        apply([("n", (0, 0, 0, 1, 0)), ("err", text)])
    return 0


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _segments(files: list[str | None], parallel: bool) -> Iterator[tuple[bool, list[str | None]]]:
    """The files in order, in runs: (True, [a file]) for a large or compressed file that is read
    line by line (a log: read in this process as it is classified, since a worker would hand its
    results on only at its end), (False, [files…]) for the others, which workers may share."""
    if not parallel:
        yield False, files
        return
    run: list[str | None] = []
    for path in files:
        if path is not None and _streamed_here(path):
            if run:
                yield False, run
                run = []
            yield True, [path]
        else:
            run.append(path)
    if run:
        yield False, run


def _streamed_here(path: str) -> bool:
    """Whether ``path`` is a log or JSON Lines that is large (or compressed, so perhaps large once read)."""
    try:
        with open(path, "rb") as raw:
            stream, compression = decompress(raw)
            if not compression and os.fstat(raw.fileno()).st_size < SHARED_FILE_BYTES:
                return False
            head = read_head(stream, HEAD)
            return bool(line_kind(head, len(head) < HEAD))
    except Exception:  # unreadable: the file's own reading reports it
        return False


def _named_provider(name: str, registry: Registry) -> Provider | None:
    """``--provider``: the provider meant; unknown, the error names close ones, and a provider file
    of a checkout that is not compiled yet."""
    try:
        return find_provider(name, registry)
    except UnknownProviderError as exc:
        from pathlib import Path

        here = Path.cwd()
        for folder in (here, *here.parents):
            source = folder / "codes" / "providers" / f"{name.strip().lower()}.yaml"
            if source.is_file():
                raise UnknownProviderError(f"{exc} ({source} is not compiled yet: run `bouncecodes build`)") from None
        raise


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
              f"{len(registry.reasons)} reasons, {len(registry.phrases)} phrase rules, {len(registry.providers)} providers, "
              f"{sum(len(s.messages) for s in registry.software)} programs' messages, "
              f"{sum(len(p.formats) for p in registry.logs)} log formats of {len(registry.logs)} programs\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bouncecodes", description="SMTP reply codes, enhanced status codes and bounces, explained.")
    p.add_argument("--version", action="version", version=f"bouncecodes {__version__}")
    # prog given: argparse would otherwise lay out a usage line to find it, importing shutil (2 ms)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", prog="bouncecodes")

    c = sub.add_parser("classify", help="explain bounces: files, folders (maildir, .eml trees), mbox, logs or stdin")
    c.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; '-' or nothing reads standard input")
    c.add_argument("--format", choices=["text", "json", "jsonl", "csv"], help="text on a terminal, else jsonl")
    c.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bar and no hint on stderr (errors and the closing summary stay)")
    c.add_argument("-v", "--verbose", action="store_true", help="also name on stderr each input without a bounce")
    c.add_argument("-p", "--provider", metavar="NAME",
                   help="whose server answered, for input that does not say it (a bare reply): a provider id, a host "
                        "of its servers or a recipient domain, e.g. google, gmail.com (see `bouncecodes providers`)")
    c.add_argument("--direction", choices=["inbound", "outbound"],
                   help="only results of this direction: inbound (refusals your server gave, from its log), "
                        "outbound (deliveries that failed: bounces, and your server's delivery log lines)")
    c.add_argument("-j", "--jobs", type=_jobs, metavar="N",
                   help="worker processes for many files or a large mbox (default: the number of CPUs; 1: none)")
    c.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786): the workers read "
                        "the paths (local paths they see, or fsspec URLs); needs the dask extra")
    c.add_argument("--parquet", metavar="DIR",
                   help="with --scheduler: the workers also write the records as Parquet into DIR (a folder or URL "
                        "they can write)")
    cli_options.add_classify_options(c)
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

    cli_options.add_commands(sub)  # summary, filter, suppress, report
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
