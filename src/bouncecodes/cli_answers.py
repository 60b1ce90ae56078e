"""The commands that answer questions about a run: ``summary``, ``suppress``, ``filter`` and
``report``, and the options of ``classify`` that do the same on a run in progress (``--final``,
the filters, ``--summary``).

They read a run's records (JSON Lines, or the JSON list of ``--format json``) from files or
standard input, so one ``classify`` of a day's logs, saved once, answers every question without
reading the logs again; the logic is :mod:`bouncecodes.answers`. ``report`` needs Jinja2 (the
``report`` extra); the rest is standard library only. Their options and subcommands are declared
in :mod:`bouncecodes.cli_options`, which the command line imports at start; this module is
imported only when one of them runs.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO, cast

from .answers import FINAL_FIELDS, Filters, FinalOutcomes, RecordError, Summary, read_records, suppression_list
from .cli_options import DEFAULT_SITE_URL
from .errors import BounceCodesError
from .model import Registry
from .output import FIELDS
from .registry import load_registry

Record = dict[str, Any]

class UsageError(BounceCodesError):
    """Bad usage of an answers option (an unknown reason): exit status 2."""


def _listed(values: list[str]) -> frozenset[str]:
    return frozenset(v.strip().lower() for value in values for v in value.split(",") if v.strip())


def filters_of(args: argparse.Namespace, registry: Registry) -> Filters:
    """The filters the options ask for; an unknown reason is bad usage (the close ones are named)."""
    reasons = _listed(args.reason)
    known = [r.id for r in registry.reasons]
    for reason in sorted(reasons):
        if reason not in known:
            close = difflib.get_close_matches(reason, known, n=3)
            raise UsageError(f"unknown reason {reason!r}" + (f"; did you mean {', '.join(close)}?" if close else
                                                             f"; the reasons are {', '.join(known)}"))
    domains = frozenset(d.strip(".").removeprefix("@") for d in _listed(args.domain))
    return Filters(failures=args.failures, hard=args.hard, reasons=reasons, domains=domains, registry=registry)


class Answers:
    """A stream of records through ``--final`` and the filters, counted by a summary: records go in
    with :meth:`take` (those ready come out at once), the rest come out of :meth:`finish`."""

    def __init__(self, filters: Filters, final: bool, registry: Registry) -> None:
        self.filters = filters
        self.finals = FinalOutcomes() if final else None
        self.summary = Summary(registry)

    def _out(self, records: Iterable[Record]) -> list[Record]:
        kept = [r for r in records if self.filters.keep(r)]
        for r in kept:
            self.summary.add(r)
        return kept

    def take(self, rec: Record) -> list[Record]:
        if self.finals is not None:
            passed = self.finals.add(rec)
            return self._out([passed] if passed is not None else [])
        return self._out([rec])

    def finish(self) -> Iterator[Record]:
        if self.finals is not None:
            for rec in self.finals.finish():
                yield from self._out([rec])

    def all(self, records: Iterable[Record]) -> Iterator[Record]:
        for rec in records:
            yield from self.take(rec)
        yield from self.finish()


# -- writing records -----------------------------------------------------------------------------------


class RecordWriter:
    """Records in one of ``classify``'s formats (text, json, jsonl, csv). CSV has the record fields
    and, with ``--final``, the final outcome's; its booleans are ``true`` and ``false``."""

    def __init__(self, fmt: str, out: TextIO, final: bool = False) -> None:
        self.fmt, self.out = fmt, out
        self.items = 0  # --format json: the records written so far (the list is written as it comes)
        self._csv: Any = None
        self._fields = FIELDS + (FINAL_FIELDS if final else [])

    def write(self, rec: Record) -> None:
        if self.fmt == "jsonl":
            self.out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            item = "\n".join("  " + line for line in json.dumps(rec, ensure_ascii=False, indent=2).split("\n"))
            self.out.write((",\n" if self.items else "[\n") + item)
            self.items += 1
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = csv.DictWriter(self.out, fieldnames=self._fields, extrasaction="ignore")
                self._csv.writeheader()
            self._csv.writerow({k: ("true" if v is True else "false" if v is False else "" if v is None else v)
                                for k, v in rec.items()})
        else:
            from .cli import _text

            extra = ""
            if rec.get("outcome"):
                extra = (f"\n  outcome   {rec['outcome']} after {rec.get('attempts', 1)} attempt(s)"
                         + (f", from {rec['first_seen']} to {rec['last_seen']}" if rec.get("first_seen") else ""))
            self.out.write(_text(rec) + extra + "\n\n")

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.items else "[]\n")
        elif self.fmt == "csv" and self._csv is None:
            csv.DictWriter(self.out, fieldnames=self._fields).writeheader()


def write_summary(summary: Summary, fmt: str, err: TextIO, top: int = 10) -> None:
    if fmt == "json":
        err.write(json.dumps(summary.to_dict(), ensure_ascii=False) + "\n")
    else:
        err.write(summary.text(top))


# -- the hook into classify ------------------------------------------------------------------------------


class ClassifyHook:
    """What ``classify`` does with its records when an answers option is given, or when a summary
    is due on a terminal: they pass through :class:`Answers` and are written by a
    :class:`RecordWriter`; the summary goes to stderr."""

    def __init__(self, args: argparse.Namespace, fmt: str, registry: Registry, out: TextIO, err: TextIO) -> None:
        self.answers = Answers(filters_of(args, registry), args.final, registry)
        self.writer = RecordWriter(fmt, out, args.final)
        self.asked = bool(args.summary) or args.summary_format is not None  # else: on a terminal, if it says something
        self.summary = self.asked or (args.summary is None and err.isatty())
        self.summary_format = args.summary_format or ("text" if err.isatty() else "json")
        self.err = err

    def take(self, rec: Record) -> None:
        for r in self.answers.take(rec):
            self.writer.write(r)

    def close(self) -> None:
        for r in self.answers.finish():
            self.writer.write(r)
        self.writer.close()
        if self.summary and (self.asked or self.answers.summary.records >= 2):
            write_summary(self.answers.summary, self.summary_format, self.err)


class _RecordSink(io.TextIOBase):
    """Where ``classify`` writes its JSON Lines when the hook is on: each line, a record, goes to
    ``take`` as it comes."""

    def __init__(self, take: Callable[[Record], None]) -> None:
        super().__init__()
        self.take = take
        self.pending = ""

    def write(self, text: str) -> int:
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        for line in lines:
            if line:
                self.take(json.loads(line))
        return len(text)

    def isatty(self) -> bool:
        return False


def classify_answered(args: argparse.Namespace, out: TextIO, err: TextIO,
                      classify: Callable[[argparse.Namespace, TextIO, TextIO], int]) -> int:
    """``classify`` with the answers options: the command runs as it always does, writing JSON
    Lines into a :class:`_RecordSink`, and its records go through the hook. Kept outside
    ``cmd_classify`` so that the command and the answers change apart."""
    hook = ClassifyHook(args, args.format or ("text" if out.isatty() else "jsonl"), load_registry(), out, err)
    plain = argparse.Namespace(**vars(args))
    plain.format, plain.summary, plain.summary_format, plain.final = "jsonl", False, None, False
    plain.failures, plain.hard, plain.reason, plain.domain = False, False, [], []
    sink = _RecordSink(hook.take)
    code = classify(plain, cast(TextIO, sink), err)
    hook.close()
    return code


# -- reading saved runs ------------------------------------------------------------------------------------


def _runs(paths: list[str], err: TextIO) -> Iterator[Record]:
    """The records of the saved runs named (standard input for '-' or none)."""
    for raw in paths or ["-"]:
        if raw == "-":
            if sys.stdin.isatty():
                err.write("bouncecodes: reading records from standard input (JSON Lines of `bouncecodes classify`); "
                          "end with Ctrl-D\n")
            yield from read_records(sys.stdin, "-")
            continue
        with Path(raw).open(encoding="utf-8") as fh:
            yield from read_records(fh, raw)


def guarded(func: Any) -> Any:
    """A command on saved runs: an unreadable or malformed run is reported, exit status 1."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        try:
            return int(func(args, out, err))
        except RecordError as exc:
            err.write(f"bouncecodes {args.command}: {exc}\n")
            return 1
        except BrokenPipeError:
            raise  # the reader stopped (| head): main() ends quietly
        except OSError as exc:
            err.write(f"bouncecodes {args.command}: {exc.filename or ''}: {exc.strerror or exc}\n")
            return 1
    return run


def _records(args: argparse.Namespace, registry: Registry, err: TextIO) -> tuple[Answers, Iterator[Record]]:
    final = getattr(args, "final", False)
    answers = Answers(filters_of(args, registry), final, registry)
    return answers, answers.all(_runs(args.runs, err))


def cmd_summary(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    registry = load_registry()
    answers, records = _records(args, registry, err)
    for _ in records:
        pass
    write_summary(answers.summary, args.format or ("text" if out.isatty() else "json"), out, args.top)
    return 0


def cmd_filter(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    registry = load_registry()
    _, records = _records(args, registry, err)
    writer = RecordWriter(args.format or ("text" if out.isatty() else "jsonl"), out, args.final)
    for rec in records:
        writer.write(rec)
    writer.close()
    return 0


def cmd_suppress(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    registry = load_registry()
    args.final = False
    _, records = _records(args, registry, err)
    entries = suppression_list(records)
    if args.format == "csv":
        writer = csv.DictWriter(out, fieldnames=["address", "reason", "last_seen", "code"], extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(entries)
    else:
        for entry in entries:
            out.write(entry["address"] + "\n")
    err.write(f"bouncecodes suppress: {len(entries)} address(es) to remove\n")
    return 0


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from .report import render_report
    except ImportError as exc:
        err.write(f"bouncecodes report needs the report extra: pip install 'bouncecodes[report]' ({exc})\n")
        return 2
    registry = load_registry()
    _, records = _records(args, registry, err)
    site_url = args.site_url if args.site_url is not None else os.environ.get("SITE_URL") or DEFAULT_SITE_URL
    html = render_report(records, registry, site_url=site_url, title=args.title)
    if args.output == "-":
        out.write(html)
    else:
        Path(args.output).write_text(html, encoding="utf-8")
        err.write(f"bouncecodes report: wrote {args.output}\n")
    return 0
