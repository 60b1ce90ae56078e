"""Mutation fuzzing over real inputs: damage real bounces and the project's own examples one way at a
time, classify each, and report what raised and what was slow.

Two groups of sources:

- corpus: every file of the folders given (default: the dev corpus, ../shared/corpus/sisimai-dev);
- project: the registry's examples (one-line replies), the README's log line, and every file under
  tests/data (bounces, logs and notices written for this project's tests).

Input number ``i`` of a group is its source ``i mod (number of sources)`` with one to three
mutations drawn by a generator seeded with (seed, group, i): any run is repeatable, and one input
can be made again on its own (``--only GROUP:I``). The mutations: header values blanked, cut, or
reduced to their type (``dns;``, ``rfc822;``, ``smtp;``); headers duplicated and reordered; MIME
boundaries broken or missing; wrong transfer encodings, invalid charset labels, bad base64; the
input cut at a random offset; NUL and lone CR bytes inserted, CRLF line ends; ``message/rfc822``
parts doubled or unwrapped; very long lines; lines cut, spliced (with a line of another source),
joined, doubled and swapped.

Each mutated input goes through ``bouncecodes.classify()``; :class:`bouncecodes.InputError` is an
answer, any other exception a crash. Crashes are grouped by the line that raised (the innermost frame
inside the package); each group is shown with its first input's mutations and that input cut down by
delta debugging to the smallest text that still raises the same way. An input still running after
``--hang`` seconds is stopped and counted as a crash too.

    python benchmarks/fuzz.py [FOLDER ...] [--inputs 200000] [--project-inputs 20000] [--seed 1]
                              [--jobs N] [--only corpus:17]

It prints, per group and in all: inputs, inputs per second, crashes, and the slowest input with its
time and mutations.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
DEV_CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai-dev"

# -- sources -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str
    data: bytes


def folder_sources(folders: Iterable[Path]) -> list[Source]:
    """Every file under the folders (hidden ones apart), in a stable order."""
    out = []
    for folder in folders:
        base = folder if folder.is_dir() else folder.parent
        paths = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else [folder]
        for p in paths:
            if not any(part.startswith(".") for part in p.relative_to(base).parts):
                out.append(Source(f"{base.name}/{p.relative_to(base)}", p.read_bytes()))
    return out


def registry_examples() -> list[str]:
    """Every example text of the registry (replies and notices the entries are shown with)."""
    from bouncecodes.registry import load_registry

    registry = load_registry()
    found: list[str] = []
    for p in registry.phrases:
        found.extend(p.examples)
    for provider in registry.providers:
        for r in provider.rules:
            found.extend(r.examples)
    return list(dict.fromkeys(found))


def readme_lines() -> list[str]:
    """The input lines the README shows (``echo '…' | bouncecodes classify``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"echo '([^'\n]+)'", text)


def project_sources() -> list[Source]:
    """The project's own inputs: tests/data, the README's log line, the registry's examples."""
    out = folder_sources([ROOT / "tests" / "data"])
    out += [Source(f"README/{i}", line.encode()) for i, line in enumerate(readme_lines())]
    out += [Source(f"registry/{i}", ex.encode()) for i, ex in enumerate(registry_examples())]
    return out


# -- mutations -----------------------------------------------------------------------------------
#
# Each takes the generator, the input and the group's sources (for splicing), and gives the
# mutated input and a short description, or None when it does not apply to this input.

Mutation = Callable[[random.Random, bytes, list[Source]], "tuple[bytes, str] | None"]

HEADER_RE = re.compile(rb"^([A-Za-z][A-Za-z0-9_-]{0,60}):[ \t]*([^\r\n]*)", re.MULTILINE)
BOUNDARY_PARAM_RE = re.compile(rb'boundary\s*=\s*"?([^";\r\n]*)"?', re.IGNORECASE)
CTE_RE = re.compile(rb"^(Content-Transfer-Encoding:[ \t]*)([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
CTYPE_RE = re.compile(rb"^Content-Type:[ \t]*[^\r\n]*", re.IGNORECASE | re.MULTILINE)
CHARSET_RE = re.compile(rb'(charset\s*=\s*)("[^"\r\n]*"|[^;\s]*)', re.IGNORECASE)
BASE64_LINE_RE = re.compile(rb"^[A-Za-z0-9+/]{16,}={0,2}\r?$", re.MULTILINE)
RFC822_RE = re.compile(rb"^Content-Type:[ \t]*message/(?:rfc822|global)[^\r\n]*", re.IGNORECASE | re.MULTILINE)
TYPES = (b"dns;", b"rfc822;", b"smtp;", b"DNS; ", b"rfc822; ", b"x-unix;", b"utf-8;", b";")
ENCODINGS = (b"base64", b"quoted-printable", b"7bit", b"8bit", b"binary", b"x-uuencode", b"bogus", b"BASE64",
             b"", b"quoted-printable; x", b"base64 base64")
CHARSETS = (b"utf-99", b"x-unknown", b'""', b'"', b"utf-16", b"utf-32", b"utf-7", b"iso-2022-jp", b"unicode-1-1-utf-7",
            b"cp65001", b"\x00", b"utf-8\xff", b"us-ascii'en'", b"a" * 300, b"iso-8859-1*", b"idna", b"punycode",
            b"rot13", b"hex", b"base64", b"zlib", b"uu")
#: the lengths of the long lines added (the test suite's slice uses shorter ones: they cost the most)
LONG_SIZES = [1000, 10_000, 100_000, 300_000]
LONG_UNITS = (b"x", b"550 ", b"a@b.example ", b"=", b" ", b"-", b"<", b"5.1.1 ", b"\t", b";", b"=?utf-8?b?", b"@")


def _headers(data: bytes) -> list[re.Match[bytes]]:
    return list(HEADER_RE.finditer(data))


def _pick(rng: random.Random, items: list[re.Match[bytes]]) -> re.Match[bytes] | None:
    return rng.choice(items) if items else None


def _replace(data: bytes, start: int, end: int, new: bytes) -> bytes:
    return data[:start] + new + data[end:]


def header_blank(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    m = _pick(rng, _headers(data))
    if m is None:
        return None
    return _replace(data, m.start(2), m.end(2), b""), f"{m.group(1).decode()} blanked"


def header_cut(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    m = _pick(rng, [h for h in _headers(data) if len(h.group(2)) > 1])
    if m is None:
        return None
    at = rng.randrange(len(m.group(2)))
    return _replace(data, m.start(2) + at, m.end(2), b""), f"{m.group(1).decode()} cut at {at}"


def header_type_only(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    """A value reduced to its type: "dns; mx.example.org" → "dns; "."""
    headers = _headers(data)
    typed = [h for h in headers if b";" in h.group(2)]
    m = _pick(rng, typed if typed and rng.random() < 0.7 else headers)
    if m is None:
        return None
    value = m.group(2)
    new = value[: value.index(b";") + 1] + rng.choice((b"", b" ", b"  ")) if b";" in value else rng.choice(TYPES)
    return _replace(data, m.start(2), m.end(2), new), f"{m.group(1).decode()} reduced to {new.decode('latin-1')!r}"


def header_duplicate(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    m = _pick(rng, _headers(data))
    if m is None:
        return None
    line = m.group(0)
    end = data.find(b"\n", m.end())
    end = len(data) if end < 0 else end + 1
    eol = b"\r\n" if line.endswith(b"\r") or data[m.end():m.end() + 2] == b"\r\n" else b"\n"
    copy = line if rng.random() < 0.5 else line[: m.start(2) - m.start()] + rng.choice((b"", b"x", b"dns; other.example"))
    return data[:end] + copy + eol + data[end:], f"{m.group(1).decode()} duplicated"


def header_reorder(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    """Two header lines of one block swapped (the lines only; continuation lines stay)."""
    headers = _headers(data)
    pairs = [(a, b) for a, b in itertools.pairwise(headers)
             if data[a.end():b.start()].strip(b"\r") == b"\n"]  # adjacent lines
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    return data[:a.start()] + b.group(0) + data[a.end():b.start()] + a.group(0) + data[b.end():], \
        f"{a.group(1).decode()} and {b.group(1).decode()} swapped"


def boundary_break(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    declared = [m for m in BOUNDARY_PARAM_RE.finditer(data) if m.group(1)]
    if not declared:
        return None
    m = rng.choice(declared)
    b = m.group(1)
    lines = [x for x in re.finditer(rb"^--" + re.escape(b) + rb"(?:--)?[ \t]*\r?$", data, re.MULTILINE)]
    how = rng.randrange(7)
    if how == 0 or not lines:
        return _replace(data, m.start(1), m.end(1), b + b"-changed"), "declared boundary changed"
    if how == 1:
        return _replace(data, m.start(), m.end(), b""), "boundary parameter removed"
    if how == 2:
        return _replace(data, m.start(1), m.end(1), b""), "boundary parameter emptied"
    line = rng.choice(lines)
    if how == 3:
        return _replace(data, line.start(), line.end(), b""), "a delimiter line removed"
    if how == 4:
        closing = [x for x in lines if x.group(0).rstrip().endswith(b"--")]
        if closing:
            x = closing[-1]
            return _replace(data, x.start(), x.end(), b""), "closing delimiter removed"
        return _replace(data, line.start(), line.end(), line.group(0).rstrip(b"\r") + b"--"), "delimiter made closing"
    if how == 5:
        at = line.start() + rng.randrange(1, max(2, len(line.group(0))))
        return _replace(data, at, at, rng.choice((b" ", b"x", b"\t", b"-"))), "a delimiter line damaged"
    cut = line.start() + rng.randrange(len(line.group(0)) + 1)
    return _replace(data, cut, line.end(), b""), "a delimiter line cut"


def transfer_encoding(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    """A wrong Content-Transfer-Encoding: changed where there is one, else added after a Content-Type."""
    new = rng.choice(ENCODINGS)
    found = list(CTE_RE.finditer(data))
    if found and rng.random() < 0.7:
        m = rng.choice(found)
        return _replace(data, m.start(2), m.end(2), new), f"transfer encoding {m.group(2)[:20]!r} → {new!r}"
    types = list(CTYPE_RE.finditer(data))
    if not types:
        return None
    m = rng.choice(types)
    eol = b"\r\n" if m.group(0).endswith(b"\r") else b"\n"
    at = data.find(b"\n", m.end())
    at = len(data) if at < 0 else at + 1
    return data[:at] + b"Content-Transfer-Encoding: " + new + eol + data[at:], f"transfer encoding {new!r} added"


def charset_invalid(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    new = rng.choice(CHARSETS)
    found = list(CHARSET_RE.finditer(data))
    if found and rng.random() < 0.8:
        m = rng.choice(found)
        return _replace(data, m.start(2), m.end(2), new), f"charset {m.group(2)[:20]!r} → {new[:20]!r}"
    types = [m for m in CTYPE_RE.finditer(data) if b"charset" not in m.group(0).lower()]
    if not types:
        return None
    m = rng.choice(types)
    end = m.end() - (1 if m.group(0).endswith(b"\r") else 0)
    return _replace(data, end, end, b"; charset=" + new), f"charset {new[:20]!r} added"


def bad_base64(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    lines = list(BASE64_LINE_RE.finditer(data))
    if not lines:
        return None
    m = rng.choice(lines)
    line = m.group(0).rstrip(b"\r")
    how = rng.randrange(5)
    if how == 0:
        at = rng.randrange(len(line))
        new = line[:at] + rng.choice((b"!", b"*", b"\xff", b"=", b"==", b" ", b"-", b"_")) + line[at:]
    elif how == 1:
        new = line[: rng.randrange(1, len(line))]
    elif how == 2:
        new = line + b"="
    elif how == 3:
        new = line.rstrip(b"=") + b"A"
    else:
        return data[: m.start()], "cut inside base64"
    return _replace(data, m.start(), m.start() + len(line), new), "base64 damaged"


def truncate(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    if len(data) < 2:
        return None
    at = rng.randrange(1, len(data))
    return data[:at], f"cut at {at} of {len(data)}"


def insert_bytes(what: bytes) -> Mutation:
    def mutate(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
        n = rng.choice((1, 1, 2, 5, 50))
        out = bytearray(data)
        for _i in range(n):
            at = rng.randrange(len(out) + 1)
            if rng.random() < 0.3 and at < len(out):
                out[at:at + 1] = what  # replacing a byte
            else:
                out[at:at] = what
        return bytes(out), f"{n} × {what!r} inserted"

    mutate.__name__ = f"insert_{what.hex()}"
    return mutate


def crlf(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    if b"\n" not in data:
        return None
    if b"\r\n" in data:
        return data.replace(b"\r\n", b"\n"), "CRLF → LF"
    return data.replace(b"\n", b"\r\n" if rng.random() < 0.7 else b"\r"), "line ends changed"


def _rfc822_part(rng: random.Random, data: bytes) -> tuple[int, int] | None:
    """The span of a message/rfc822 part: from its Content-Type line to the next delimiter line or the end."""
    found = list(RFC822_RE.finditer(data))
    if not found:
        return None
    m = rng.choice(found)
    nxt = re.compile(rb"^--[!-~]{1,200}\r?$", re.MULTILINE).search(data, m.end())
    return m.start(), nxt.start() if nxt else len(data)


def rfc822_double(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    span = _rfc822_part(rng, data)
    if span is None:
        return None
    start, end = span
    # the part again, with its delimiter: from the delimiter line before it to its end
    before = data.rfind(b"\n--", 0, start)
    head = before + 1 if before >= 0 else start
    part = data[head:end]
    if rng.random() < 0.5:
        return data[:end] + part + data[end:], "message/rfc822 part doubled"
    # nested: the part inside itself
    blank = data.find(b"\n\n", start, end)
    if blank < 0:
        return None
    return data[: blank + 2] + data[start:end] + b"\n" + data[blank + 2:], "message/rfc822 part nested in itself"


def rfc822_unwrap(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    span = _rfc822_part(rng, data)
    if span is None:
        return None
    start, end = span
    how = rng.randrange(3)
    if how == 0:  # the part's headers gone: the inner message's headers become the part's
        blank = re.compile(rb"\r?\n\r?\n").search(data, start, end)
        if blank is None:
            return None
        return data[:start] + data[blank.end():], "message/rfc822 part headers removed"
    if how == 1:
        line_end = data.find(b"\n", start)
        line_end = len(data) if line_end < 0 else line_end
        return _replace(data, start, line_end, b"Content-Type: text/plain"), "message/rfc822 declared text/plain"
    blank = re.compile(rb"\r?\n\r?\n").search(data, start, end)
    if blank is None:
        return None
    return data[blank.end():end], "only the message/rfc822 part's content left"


def long_line(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    unit = rng.choice(LONG_UNITS)
    size = rng.choice(LONG_SIZES)
    text = unit * (size // len(unit))
    ends = [m.end() for m in re.finditer(rb"\n", data)] or [len(data)]
    at = rng.choice(ends)
    if rng.random() < 0.5:  # a line of its own
        return data[:at] + text + b"\n" + data[at:], f"line of {len(text):,} × {unit!r} added"
    end = data.find(b"\n", at)
    end = len(data) if end < 0 else end
    return data[:end] + text + data[end:], f"line made {len(text):,} bytes longer ({unit!r})"


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def line_cut(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    if len(lines[i]) < 2:
        return None
    at = rng.randrange(1, len(lines[i]))
    lines[i] = lines[i][:at]
    return b"\n".join(lines), f"line {i + 1} cut at {at}"


def line_splice(rng: random.Random, data: bytes, sources: list[Source]) -> tuple[bytes, str] | None:
    """A line's start joined to the end of another line, of this input or of another source."""
    lines = _lines(data)
    i = rng.randrange(len(lines))
    donor = rng.choice(sources).data if sources and rng.random() < 0.5 else data
    other = _lines(donor)
    j = rng.randrange(len(other))
    a = rng.randrange(len(lines[i]) + 1)
    b = rng.randrange(len(other[j]) + 1)
    lines[i] = lines[i][:a] + other[j][b:]
    return b"\n".join(lines), f"line {i + 1} spliced with the end of another line"


def line_shuffle(rng: random.Random, data: bytes, _: list[Source]) -> tuple[bytes, str] | None:
    lines = _lines(data)
    if len(lines) < 2:
        return None
    i = rng.randrange(len(lines) - 1)
    how = rng.randrange(3)
    if how == 0:
        lines[i:i + 2] = [lines[i] + lines[i + 1]]
        return b"\n".join(lines), f"lines {i + 1} and {i + 2} joined"
    if how == 1:
        lines.insert(i, lines[i])
        return b"\n".join(lines), f"line {i + 1} doubled"
    j = rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines), f"lines {i + 1} and {j + 1} swapped"


MUTATIONS: list[Mutation] = [
    header_blank, header_cut, header_type_only, header_type_only, header_duplicate, header_reorder,
    boundary_break, boundary_break, transfer_encoding, charset_invalid, bad_base64, truncate, truncate,
    insert_bytes(b"\x00"), insert_bytes(b"\r"), crlf, rfc822_double, rfc822_unwrap, long_line,
    line_cut, line_splice, line_shuffle,
]


def mutate(rng: random.Random, data: bytes, sources: list[Source]) -> tuple[bytes, list[str]]:
    """One to three mutations that apply to ``data``, drawn by ``rng``."""
    done: list[str] = []
    wanted = rng.choice((1, 1, 1, 2, 2, 3))
    for _ in range(wanted * 6):
        if len(done) == wanted:
            break
        m = rng.choice(MUTATIONS)
        out = m(rng, data, sources)
        if out is not None:
            data = out[0]
            done.append(f"{m.__name__}: {out[1]}")
    return data, done


def make_input(group: str, sources: list[Source], seed: int, i: int) -> tuple[Source, bytes, list[str]]:
    source = sources[i % len(sources)]
    rng = random.Random(f"{seed}:{group}:{i}")
    data, how = mutate(rng, source.data, sources)
    return source, data, how


# -- running -------------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised in the classifier by the alarm: an input still running after the time allowed."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


PACKAGE = ROOT / "src" / "bouncecodes"


def crash_site(exc: BaseException) -> str:
    """Where ``exc`` was raised: its type and the innermost frame inside the package."""
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if Path(f.filename).resolve().is_relative_to(PACKAGE.resolve())]
    where = inside[-1] if inside else (frames[-1] if frames else None)
    if where is None:
        return type(exc).__name__
    try:
        name = Path(where.filename).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        name = Path(where.filename).name
    if isinstance(exc, Hang):
        return f"hang at {name}:{where.lineno} ({where.name})"
    return f"{type(exc).__name__} at {name}:{where.lineno} ({where.name})"


def classify_once(data: bytes, hang: float) -> tuple[float, BaseException | None]:
    """(CPU seconds, the exception) for one input: None when it gave results or an InputError.

    CPU time, not wall time: on a machine shared with other work the wall clock measures the load."""
    import bouncecodes

    if hang > 0:
        signal.setitimer(signal.ITIMER_REAL, hang)
    start = time.process_time()
    try:
        bouncecodes.classify(data)
        error: BaseException | None = None
    except bouncecodes.InputError:
        error = None
    except (Exception, Hang) as exc:  # a crash
        error = exc
    finally:
        if hang > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return time.process_time() - start, error


@dataclass
class Crash:
    site: str
    message: str
    count: int = 0
    first: tuple[str, int] = ("", 0)  # (group, input number)
    source: str = ""
    mutations: list[str] = field(default_factory=list)
    data: bytes = b""


@dataclass
class Report:
    inputs: int = 0
    seconds: float = 0.0  # wall time of the run
    cpu: float = 0.0  # CPU time spent classifying
    crashes: dict[str, Crash] = field(default_factory=dict)
    slowest: float = 0.0
    slowest_input: tuple[str, int] = ("", 0)
    slowest_source: str = ""
    slowest_mutations: list[str] = field(default_factory=list)
    over_1s: int = 0
    #: the slowest few: (CPU seconds, group, input number, source, mutations)
    slow: list[tuple[float, str, int, str, list[str]]] = field(default_factory=list)

    def note_slow(self, entry: tuple[float, str, int, str, list[str]], keep: int = 5) -> None:
        if len(self.slow) < keep or entry[0] > self.slow[-1][0]:
            self.slow = sorted([*self.slow, entry], key=lambda x: -x[0])[:keep]

    def add(self, other: Report) -> None:
        self.inputs += other.inputs
        self.seconds += other.seconds
        self.cpu += other.cpu
        self.over_1s += other.over_1s
        for site, c in other.crashes.items():
            mine = self.crashes.get(site)
            if mine is None:
                self.crashes[site] = c
            else:
                mine.count += c.count
                if (c.first[0], c.first[1]) < (mine.first[0], mine.first[1]):
                    mine.first, mine.source, mine.mutations, mine.data = c.first, c.source, c.mutations, c.data
        if other.slowest > self.slowest:
            self.slowest, self.slowest_input = other.slowest, other.slowest_input
            self.slowest_source, self.slowest_mutations = other.slowest_source, other.slowest_mutations
        for entry in other.slow:
            self.note_slow(entry)


def run_range(group: str, sources: list[Source], seed: int, numbers: Iterable[int], hang: float = 10.0) -> Report:
    """Classify inputs ``numbers`` of ``group``; the report of what raised and what was slow."""
    report = Report()
    old = signal.signal(signal.SIGALRM, _on_alarm) if hang > 0 else None
    try:
        for i in numbers:
            source, data, how = make_input(group, sources, seed, i)
            seconds, error = classify_once(data, hang)
            report.inputs += 1
            report.cpu += seconds
            if seconds > 1.0:
                report.over_1s += 1
            if seconds > report.slowest:
                report.slowest, report.slowest_input = seconds, (group, i)
                report.slowest_source, report.slowest_mutations = source.name, how
            report.note_slow((seconds, group, i, source.name, how))
            if error is not None:
                site = crash_site(error)
                crash = report.crashes.get(site)
                if crash is None:
                    crash = report.crashes[site] = Crash(site, f"{type(error).__name__}: {error}"[:300], 0, (group, i),
                                                         source.name, how, data)
                crash.count += 1
    finally:
        if old is not None:
            signal.signal(signal.SIGALRM, old)
    return report


def _chunk(args: tuple[str, list[Source], int, int, int, float]) -> Report:
    group, sources, seed, start, stop, hang = args
    report = run_range(group, sources, seed, range(start, stop), hang)
    for c in report.crashes.values():
        c.data = c.data[:200_000]  # what goes back through the pipe stays small
    return report


def run_group(group: str, sources: list[Source], seed: int, count: int, jobs: int = 1, hang: float = 10.0) -> Report:
    """``count`` inputs of ``group`` (in ``jobs`` forked processes when more than one), timed."""
    started = time.perf_counter()
    if jobs <= 1 or count < 1000:
        report = run_range(group, sources, seed, range(count), hang)
    else:
        import multiprocessing

        step = 2000
        tasks = [(group, sources, seed, s, min(s + step, count), hang) for s in range(0, count, step)]
        report = Report()
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for part in pool.imap_unordered(_chunk, tasks):
                report.add(part)
    report.seconds = time.perf_counter() - started  # wall time
    return report


# -- the smallest input that still raises --------------------------------------------------------


def minimise(data: bytes, site: str, budget: float = 20.0, hang: float = 10.0) -> bytes:
    """``data`` cut down (delta debugging: chunks of lines, then of bytes) to a small input that still
    raises at ``site``; stops after ``budget`` seconds with what it has."""
    deadline = time.monotonic() + budget
    old = signal.signal(signal.SIGALRM, _on_alarm) if hang > 0 else None

    def raises(candidate: bytes) -> bool:
        _, error = classify_once(candidate, hang)
        return error is not None and crash_site(error) == site

    def reduce(units: list[bytes], joiner: bytes) -> list[bytes]:
        n = 2
        while len(units) >= 2 and time.monotonic() < deadline:
            size = max(1, len(units) // n)
            removed = False
            for start in range(0, len(units), size):
                if time.monotonic() >= deadline:
                    break
                rest = units[:start] + units[start + size:]
                if rest and raises(joiner.join(rest)):
                    units = rest
                    n = max(n - 1, 2)
                    removed = True
                    break
            if not removed:
                if size == 1:
                    break
                n = min(len(units), n * 2)
        return units

    try:
        if not raises(data):
            return data
        lines = reduce(data.split(b"\n"), b"\n")
        # each line on its own: its first or its second half dropped while it still raises
        for k in range(len(lines)):
            while len(lines[k]) > 1 and time.monotonic() < deadline:
                half = len(lines[k]) // 2
                for shorter in (lines[k][:half], lines[k][half:]):
                    if raises(b"\n".join([*lines[:k], shorter, *lines[k + 1:]])):
                        lines[k] = shorter
                        break
                else:
                    break
        data = b"\n".join(lines)
        if len(data) <= 4000:
            data = b"".join(reduce([data[i:i + 1] for i in range(len(data))], b""))
        return data
    finally:
        if old is not None:
            signal.signal(signal.SIGALRM, old)


# -- the command -----------------------------------------------------------------------------------


def _show(data: bytes, limit: int = 600) -> str:
    text = data.decode("utf-8", "backslashreplace")
    if len(text) > limit:
        text = text[:limit] + f"… ({len(data):,} bytes)"
    return "\n".join("      | " + line for line in text.split("\n"))


def print_report(name: str, sources: int, report: Report, minimise_budget: float) -> None:
    rate = report.inputs / report.seconds if report.seconds else 0.0
    print(f"{name}: {report.inputs:,} inputs from {sources} sources in {report.seconds:.1f} s, "
          f"{rate:,.0f} inputs/s ({report.cpu / max(report.inputs, 1) * 1000:.2f} ms CPU each); crashes: {sum(c.count for c in report.crashes.values())} inputs, "
          f"{len(report.crashes)} site(s); over 1 s: {report.over_1s}")
    for seconds, group, i, source, how in report.slow:
        print(f"  slow: {seconds:.3f} s CPU, {group}:{i} ({source}; {'; '.join(how)})")
    for crash in sorted(report.crashes.values(), key=lambda c: -c.count):
        print(f"  crash: {crash.site}: {crash.count} input(s)")
        print(f"    {crash.message}")
        print(f"    first: {crash.first[0]}:{crash.first[1]} ({crash.source}; {'; '.join(crash.mutations)})")
        if minimise_budget > 0:
            small = minimise(crash.data, crash.site, minimise_budget)
            print(f"    smallest input found that still raises there ({len(small):,} bytes):")
            print(_show(small))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folders", nargs="*", type=Path, help=f"folders of bounces (default: {DEV_CORPUS})")
    p.add_argument("--inputs", type=int, default=200_000, help="mutated inputs from the folders (default 200,000)")
    p.add_argument("--project-inputs", type=int, default=20_000,
                   help="mutated inputs from the project's own examples (default 20,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    p.add_argument("--hang", type=float, default=10.0, help="seconds after which an input counts as a hang")
    p.add_argument("--minimise", type=float, default=20.0, help="seconds spent cutting down each crash (0: none)")
    p.add_argument("--only", metavar="GROUP:I", help="make input I of GROUP (corpus or project), classify it, "
                   "print its mutations and traceback; --write FILE saves it")
    p.add_argument("--write", type=Path, help="with --only: where to write the mutated input")
    p.add_argument("--long-lines", default=",".join(map(str, LONG_SIZES)), metavar="N,N,…",
                   help="the lengths of the long lines the mutations add (default %(default)s)")
    p.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = p.parse_args(argv)
    LONG_SIZES[:] = [int(n) for n in args.long_lines.split(",")]

    folders = args.folders or [DEV_CORPUS]
    groups: dict[str, list[Source]] = {}
    if args.inputs > 0 or (args.only or "").startswith("corpus:"):
        missing = [f for f in folders if not f.exists()]
        if missing:
            print(f"fuzz: no such folder: {', '.join(map(str, missing))}", file=sys.stderr)
            return 2
        groups["corpus"] = folder_sources(folders)
    groups["project"] = project_sources()

    if args.only:
        group, _, number = args.only.partition(":")
        source, data, how = make_input(group, groups[group], args.seed, int(number))
        print(f"{group}:{number}: {source.name}; {'; '.join(how)} ({len(data):,} bytes)")
        if args.write:
            args.write.write_bytes(data)
        import bouncecodes

        start = time.perf_counter()
        try:
            bouncecodes.classify(data)
        except bouncecodes.InputError as exc:
            print(f"refused: {exc}")
        except Exception:
            traceback.print_exc()
            return 1
        print(f"classified in {time.perf_counter() - start:.3f} s")
        return 0

    import bouncecodes

    bouncecodes.classify("550 5.1.1 <warm@example.org>: user unknown")  # registry loaded outside the timings
    print(f"seed {args.seed}, {args.jobs} process(es), hang after {args.hang:g} s")
    total = Report()
    figures: dict[str, object] = {"seed": args.seed}
    for group, count in (("corpus", args.inputs), ("project", args.project_inputs)):
        if count <= 0 or group not in groups:
            continue
        report = run_group(group, groups[group], args.seed, count, args.jobs, args.hang)
        print_report(group, len(groups[group]), report, args.minimise)
        total.add(report)
        figures[group] = {"inputs": report.inputs, "seconds": round(report.seconds, 1),
                          "per_second": round(report.inputs / report.seconds) if report.seconds else 0,
                          "crash_inputs": sum(c.count for c in report.crashes.values()),
                          "crash_sites": sorted(report.crashes), "slowest_cpu_s": round(report.slowest, 3),
                          "over_1s": report.over_1s}
    print(f"in all: {total.inputs:,} inputs, {total.inputs / total.seconds:,.0f} inputs/s, "
          f"{sum(c.count for c in total.crashes.values())} crashes at {len(total.crashes)} site(s), "
          f"slowest {total.slowest:.3f} s CPU, {total.over_1s} over 1 s")
    if args.json:
        print(json.dumps(figures))
    return 1 if total.crashes else 0


def iter_inputs(group: str, sources: list[Source], seed: int, count: int) -> Iterator[tuple[Source, bytes, list[str]]]:
    """The mutated inputs of a group, in order (for tests and other tools)."""
    for i in range(count):
        yield make_input(group, sources, seed, i)


if __name__ == "__main__":
    sys.exit(main())
