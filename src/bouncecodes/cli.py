"""The ``bouncecodes`` command: classify, lookup, providers, lint, build.

Exit statuses: 0 success; 1 some inputs could not be read, or lint found problems;
2 bad usage, or a code that is malformed or unknown (lookup).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .classify import classify_evidence
from .errors import BounceCodesError, InputError, InputTooLargeError
from .lookup import lookup
from .model import Result
from .parse import MAX_INPUT, iter_mbox, parse_text
from .parse.common import to_text
from .parse.detect import InputKind, detect
from .registry import load_registry

FIELDS = ["file", "recipient", "status", "reply", "reason", "hard", "permanent", "detail", "action", "provider",
          "rule", "diagnostic", "status_source"]


# -- inputs --------------------------------------------------------------------------------------


@dataclass
class Tally:
    inputs: int = 0
    results: int = 0
    no_bounce: int = 0
    unreadable: int = 0
    messages: list[str] = field(default_factory=list)


def _files(paths: list[str], tally: Tally, err: TextIO) -> Iterator[Path | None]:
    """Every file named or found under the named folders (None stands for standard input)."""
    for raw in paths or ["-"]:
        if raw == "-":
            yield None
            continue
        path = Path(raw)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
                for name in sorted(names):
                    if not name.startswith("."):
                        yield Path(root) / name
        elif path.exists():
            yield path
        else:
            tally.unreadable += 1
            err.write(f"bouncecodes: {raw}: no such file or folder\n")


def _documents(path: Path | None, stdin: io.BufferedReader) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) for each document in a file: the file itself, or each message of an mbox."""
    label = "-" if path is None else path.name
    if path is None:
        data = stdin.read(MAX_INPUT + 1)
        if data.startswith(b"From ") and detect(to_text(data[:4096])) is InputKind.MBOX:
            for i, message in enumerate(iter_mbox(io.BytesIO(data)), 1):
                yield f"-#{i}", message
        else:
            yield label, data
        return
    with path.open("rb") as fh:
        head = fh.read(4096)
        fh.seek(0)
        if head.startswith(b"From ") and detect(to_text(head)) is InputKind.MBOX:
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


def _record(label: str, r: Result) -> dict[str, Any]:
    return {"file": label.split("#", 1)[0], "recipient": r.recipient, "status": r.status, "reply": r.reply,
            "reason": r.reason, "hard": r.hard, "permanent": r.permanent, "detail": r.detail, "action": r.action,
            "provider": r.provider, "rule": r.rule, "diagnostic": r.diagnostic, "status_source": r.status_source}


def _text(rec: dict[str, Any]) -> str:
    status = rec["status"] + (" (pseudo: no enhanced code was sent)" if rec["status_source"] == "pseudo" else "")
    codes = " ".join(x for x in (rec["reply"], status) if x) or "no code"
    flags = ("permanent" if rec["permanent"] else "temporary") + (", hard: drop the address" if rec["hard"] else "")
    lines = [f"{rec['file']}: {rec['recipient'] or '(recipient unknown)'}",
             f"  reason    {rec['reason']}" + (f" ({rec['detail']})" if rec["detail"] else "") + f"  [{codes}; {flags}]"]
    if rec["provider"]:
        lines.append(f"  provider  {rec['provider']}")
    if rec["diagnostic"]:
        diag = rec["diagnostic"]
        lines.append(f"  server    {diag[:200]}{'…' if len(diag) > 200 else ''}")
    lines.append(f"  action    {rec['action']}")
    lines.append(f"  decided   {rec['rule']}")
    return "\n".join(lines)


def cmd_classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    fmt = args.format or ("text" if out.isatty() else "jsonl")
    registry = load_registry()
    tally = Tally()
    files = list(_files(args.paths, tally, err))
    progress = Progress(err, len(files), err.isatty() and not args.quiet)
    records: list[dict[str, Any]] = []
    writer: csv.DictWriter[str] | None = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
    stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else io.BytesIO(b"")
    for path in files:
        try:
            for label, data in _documents(path, stdin):  # type: ignore[arg-type]
                tally.inputs += 1
                try:
                    if len(data) > MAX_INPUT:
                        raise InputTooLargeError(f"over the {MAX_INPUT:,}-byte limit")
                    evidence = parse_text(to_text(data))
                except InputError as exc:
                    tally.unreadable += 1
                    err.write(f"bouncecodes: {label}: refused: {exc}\n")
                    continue
                if not evidence:
                    tally.no_bounce += 1
                    if not args.quiet:
                        err.write(f"bouncecodes: {label}: no bounce found\n")
                    continue
                for e in evidence:
                    rec = _record(label, classify_evidence(e, registry))
                    tally.results += 1
                    if fmt == "jsonl":
                        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    elif fmt == "json":
                        records.append(rec)
                    elif writer is not None:
                        writer.writerow(rec)
                    else:
                        out.write(_text(rec) + "\n\n")
        except OSError as exc:
            tally.unreadable += 1
            err.write(f"bouncecodes: {path}: cannot read: {exc.strerror or exc}\n")
        progress.step()
    progress.close()
    if fmt == "json":
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
    if not args.quiet and (tally.inputs > 1 or tally.unreadable or tally.no_bounce):
        err.write(f"bouncecodes: {tally.inputs} input(s), {tally.results} result(s), "
                  f"{tally.no_bounce} without a bounce, {tally.unreadable} unreadable\n")
    return 1 if tally.unreadable else 0


# -- lookup and providers --------------------------------------------------------------------------


def cmd_lookup(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        found = lookup(" ".join(args.code))
    except BounceCodesError as exc:
        err.write(f"bouncecodes lookup: {exc}\n")
        return 2
    if args.format == "json":
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
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("classify", help="explain bounces: files, folders (maildir, .eml trees), mbox, logs or stdin")
    c.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; '-' or nothing reads standard input")
    c.add_argument("--format", choices=["text", "json", "jsonl", "csv"], help="text on a terminal, else jsonl")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no per-input notes on stderr")
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
    except BounceCodesError as exc:
        sys.stderr.write(f"bouncecodes: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
