"""The classifier mapped over a Dask cluster: a fleet's logs and bounce archives in, the records of
``bouncecodes classify --format jsonl`` out, as a Dask DataFrame or Parquet (the ``dask`` extra:
``pip install 'bouncecodes[dask]'``). Nothing here classifies: each partition goes through the
command's own reading and classifying (:class:`bouncecodes.cli._Classifier`), so a record has the
same fields and values as the single-process run's, ``file`` (the file's name) and ``path`` (the
path or URL as given), ``line`` and ``message`` included.

What a partition is:

- **a log** (plain or compressed), or JSON Lines: one whole file. A log is read by one
  :class:`~bouncecodes.parse.logs.LogReader`, which links a line to earlier ones of the same queue id
  (Postfix cleanup's ``message-id=``, qmail's ``starting delivery``), and a CSV log's rows to its
  header: cut in two, the second half would lose them. So a log is never split, and a fleet's
  parallelism is its many files (rotated logs, one folder per host); a compressed file cannot be
  split anyway. Line numbers are then the file's own.
- **an mbox** larger than ``blocksize`` (uncompressed): split into byte ranges that start at a
  message's ``From`` line (one that follows an empty line, as :func:`~bouncecodes.parse.iter_mbox`
  splits), so a message is never cut; the messages of each range are counted first, so that each
  message keeps its number in the file (``message``).
- **other files**: one over a megabyte is a partition alone; smaller ones (a maildir's messages,
  ``.eml`` files, small logs) are grouped, as many whole files as add up to about ``blocksize``
  bytes (at most ``files_per_partition``), each read on its own.

The summaries run on the cluster too: :func:`summary` (counts by reason, domain, provider and
direction) merges per-partition :class:`~bouncecodes.answers.Summary` objects; :func:`suppression_list`
and :func:`final_outcomes` shuffle the records they need by address, or by host and queue id, and
run :mod:`bouncecodes.answers` on each group of partitions in the run's order.

Inputs are local paths (files and folders, walked as ``classify`` walks them) or fsspec URLs
(``s3://bucket/logs/``, ``file:///var/log/mail/*.gz``): the workers open them, so they must see the
same paths (a shared or object file system) and have bouncecodes installed.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, BinaryIO

import dask.dataframe as dd
import pandas as pd
from dask.base import compute
from dask.delayed import Delayed, delayed

from . import answers
from .cli import Tally, _Classifier, _files, _mtime, _streamable_mbox
from .inputs import binary_kind, decompress, read_start
from .output import FIELDS
from .parse import iter_mbox
from .registry import load_registry

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DEFAULT_BLOCKSIZE", "FINAL_META", "META", "Part", "classify", "connect", "events", "final_outcomes", "inputs", "partitions",
           "records", "summary", "suppression_list", "to_parquet"]

#: Bytes per partition: the size an mbox is split at, and what small files are grouped up to.
DEFAULT_BLOCKSIZE = 64 * 1024 * 1024
#: A file this large is a partition of its own (a log's worth of work); smaller ones are grouped.
ALONE = 1024 * 1024
#: Small files (a maildir's) per partition at most.
FILES_PER_PARTITION = 2000

#: The columns of the records' DataFrame: the fields of ``classify --format jsonl``, in its order.
META = pd.DataFrame({f: pd.Series([], dtype="bool" if f in ("hard", "permanent") else "Int64" if f in ("line", "message")
                                  else "string") for f in FIELDS})

#: The columns of :func:`final_outcomes`: the records' and the fields a final outcome adds.
FINAL_META = META.assign(outcome=pd.Series([], dtype="string"), attempts=pd.Series([], dtype="Int64"),
                         first_seen=pd.Series([], dtype="string"), last_seen=pd.Series([], dtype="string"),
                         deferred_reason=pd.Series([], dtype="string"))

Event = tuple[str, Any]


# -- what is read ----------------------------------------------------------------------------------


def _is_url(path: str) -> bool:
    return "://" in path


def inputs(paths: Sequence[str], missing: Callable[[str], None] | None = None) -> list[str]:
    """The files that ``paths`` name, in the order ``classify`` reads them: a local folder is walked
    as the command walks it (no dot files, no maildir ``tmp``); a URL (``proto://…``, globs allowed)
    is expanded by fsspec, a folder of it to every file under it. A path that names nothing is
    given to ``missing`` (``classify`` names it on stderr), or raises FileNotFoundError."""
    found: list[str] = []
    tally = Tally()

    class _Err(io.StringIO):
        def write(self, text: str) -> int:
            if missing is None:
                raise FileNotFoundError(text.strip())
            missing(text)
            return len(text)

    for path in paths:
        if not _is_url(path):
            found.extend(f for f in _files([path], tally, _Err()) if f is not None)
            continue
        import fsspec

        fs, _, expanded = fsspec.core.get_fs_token_paths(path)
        if not expanded:
            _Err().write(f"bouncecodes: {path}: no such file or folder\n")
        for one in sorted(expanded):
            names = sorted(fs.find(one)) if fs.isdir(one) else [one]
            root = len(one.rstrip("/").split("/"))
            for name in names:
                below = name.rstrip("/").split("/")[root:]  # as classify walks a folder: no dot names, no tmp/
                if any(p.startswith(".") for p in below) or "tmp" in below[:-1]:
                    continue
                found.append(fs.unstrip_protocol(name))
    return found


def _open(path: str) -> BinaryIO:
    if _is_url(path):
        import fsspec

        return fsspec.open(path, "rb").open()  # type: ignore[no-any-return]
    return open(path, "rb")


def _size(path: str) -> int:
    if _is_url(path):
        import fsspec

        fs, local = fsspec.core.url_to_fs(path)
        return int(fs.size(local) or 0)
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _reference(path: str) -> datetime | None:
    """The file's time (a syslog stamp without a year is placed before it), as ``classify`` takes it."""
    if not _is_url(path):
        return _mtime(path)
    try:
        import fsspec

        fs, local = fsspec.core.url_to_fs(path)
        moment = fs.modified(local)
    except Exception:
        return None
    return datetime.fromtimestamp(moment.timestamp()) if moment.tzinfo is not None else moment  # type: ignore[no-any-return]


# -- partitions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One partition: whole ``files``, or the byte range ``start``–``end`` of one mbox (``files``
    holds it alone; its messages are numbered after those of the ranges before it)."""

    files: tuple[str, ...]
    start: int = 0
    end: int = -1  # -1: whole files

    @property
    def block(self) -> bool:
        return self.end >= 0


# a From line after an empty line (LF or CRLF): where iter_mbox starts a message
_SEPARATOR_RE = re.compile(rb"\n\r?\nFrom ")


def _splittable_mbox(path: str) -> bool:
    """Whether ``path`` is an uncompressed mbox that ``classify`` reads message by message."""
    try:
        with _open(path) as raw:
            stream, compression = decompress(raw)
            if compression:
                return False
            head, _ = read_start(stream, 4096)
    except Exception:
        return False
    return not binary_kind(head) and _streamable_mbox(head)


def _separator_at_or_after(path: str, pos: int, size: int) -> int:
    """Where the first message of an mbox starts at or after byte ``pos`` (``size`` if none does)."""
    window = 1 << 20
    with _open(path) as raw:
        at = max(0, pos - 3)  # the empty line before a From line at ``pos``
        while at < size:
            raw.seek(at)
            data = raw.read(window + 8)
            if not data:
                break
            for m in _SEPARATOR_RE.finditer(data):
                start = at + m.end() - 5
                if start >= pos:
                    return start
            at += window
    return size


def partitions(paths: Sequence[str], blocksize: int = DEFAULT_BLOCKSIZE,
               files_per_partition: int = FILES_PER_PARTITION,
               missing: Callable[[str], None] | None = None) -> list[Part]:
    """The partitions of the files ``paths`` name (see the module's text), in reading order."""
    parts: list[Part] = []
    group: list[str] = []
    group_bytes = 0

    def flush() -> None:
        nonlocal group, group_bytes
        if group:
            parts.append(Part(tuple(group)))
        group, group_bytes = [], 0

    for path in inputs(paths, missing):
        size = _size(path)
        if size > blocksize and _splittable_mbox(path):
            flush()
            edges = [0]
            for nominal in range(blocksize, size, blocksize):
                edge = _separator_at_or_after(path, max(nominal, edges[-1] + 1), size)
                if edge >= size:
                    break
                if edge > edges[-1]:
                    edges.append(edge)
            edges.append(size)
            parts.extend(Part((path,), a, b) for a, b in itertools.pairwise(edges))
            continue
        if size >= min(blocksize, ALONE):  # a log, or any large file: alone
            flush()
            parts.append(Part((path,)))
            continue
        if group and (group_bytes + size > blocksize or len(group) >= files_per_partition):
            flush()
        group.append(path)
        group_bytes += size
    flush()
    return parts


# -- classifying a partition -----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _classifier(provider: str, direction: str, verbose: bool) -> _Classifier:
    """The command's classifier, writing JSON Lines: a record travels as its line of text (no
    object for the garbage collector to walk, nothing to pickle but a string)."""
    from .classify import find_provider

    registry = load_registry()
    found = _Classifier("jsonl", True, registry, find_provider(provider, registry) if provider else None, direction,
                        verbose=verbose)
    import gc

    gc.freeze()  # as the command does: the registry lives as long as the worker, the collector skips it
    return found


def _block_messages(part: Part) -> Iterator[bytes]:
    """The messages of an mbox's byte range, split as :func:`iter_mbox` splits the whole file."""
    path = part.files[0]
    with _open(path) as raw:
        raw.seek(part.start)
        data = raw.read(part.end - part.start)
    lines: Iterable[bytes] = io.BytesIO(data)
    if part.end < _size(path):
        lines = itertools.chain(lines, [b"From \n"])  # the next range's From line ends the last message
    yield from iter_mbox(lines)


def _count(part: Part) -> int:
    """How many messages an mbox's byte range holds."""
    return sum(1 for _ in _block_messages(part))


class _Events:
    """A partition's events, the JSON lines between two other events joined into one text: what
    the worker sends is a few long strings, not a tuple per record (sending 40,000 records as tuples
    cost a third of the classifying, as one text almost nothing)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.texts: list[str] = []

    def extend(self, events: Iterable[Event]) -> None:
        for kind, value in events:
            if kind == "out":
                self.texts.append(value)
                continue
            self._flush()
            self.events.append((kind, value))

    def _flush(self) -> None:
        if self.texts:
            self.events.append(("out", "".join(self.texts)))
            self.texts = []

    def done(self) -> list[Event]:
        self._flush()
        return self.events


def _classify_part(part: Part, before: int = 0, provider: str = "", direction: str = "",
                   verbose: bool = False) -> list[Event]:
    """The events of one partition, as ``classify`` makes them: ("out", JSON lines of records),
    ("err", text for stderr), ("n", the counts of the run's closing line) and ("end", 0) after each
    file. ``before``: the messages of the mbox before this byte range."""
    classifier = _classifier(provider, direction, verbose)
    out = _Events()
    if part.block:
        path = part.files[0]
        reference = _reference(path)
        for number, message in enumerate(_block_messages(part), before + 1):
            out.extend(classifier.document(path, message, number, reference))
        return out.done()
    stdin = io.BytesIO(b"")
    for path in part.files:
        try:
            opened = _open(path) if _is_url(path) else None
        except OSError as exc:
            out.extend([("n", (0, 0, 0, 1, 0)), ("err", f"bouncecodes: {path}: cannot read: {exc.strerror or exc}\n"),
                        ("end", 0)])
            continue
        reference = _reference(path) if opened is not None else None
        for chunk in classifier.file(path, stdin, opened, reference):
            out.extend(chunk)
        out.extend([("end", 0)])
    return out.done()


def _delayed_events(parts: Sequence[Part], provider: str = "", direction: str = "",
                    verbose: bool = False) -> list[Delayed]:
    """One delayed list of events per partition; an mbox's ranges wait for the counts of the ranges
    before them (cheap: messages split, not parsed)."""
    out: list[Delayed] = []
    counts: dict[str, list[Delayed]] = {}
    for part in parts:
        before: Any = 0
        if part.block:
            earlier = counts.setdefault(part.files[0], [])
            before = delayed(sum, pure=True)(list(earlier)) if earlier else 0
            earlier.append(delayed(_count, pure=True)(part))
        out.append(delayed(_classify_part, pure=True)(part, before, provider, direction, verbose))
    return out


@lru_cache(maxsize=1)
def _schema() -> Any:
    import pyarrow as pa

    kinds = {"bool": pa.bool_(), "Int64": pa.int64(), "string": pa.string()}
    return pa.schema([(f, kinds[str(META.dtypes[f])]) for f in FIELDS])


def _frame(part_events: list[Event]) -> pd.DataFrame:
    """A partition's records (its JSON lines) as a DataFrame with the columns of :data:`META`,
    read by Arrow's JSON reader with the columns' types given (nothing is guessed)."""
    text = "".join(value for kind, value in part_events if kind == "out")
    if not text:
        return META.copy()
    import pyarrow.json as pj

    table = pj.read_json(io.BytesIO(text.encode("utf-8")),
                         parse_options=pj.ParseOptions(explicit_schema=_schema(), unexpected_field_behavior="error"),
                         read_options=pj.ReadOptions(block_size=max(1 << 20, len(text) + 1)))
    return table.select(FIELDS).to_pandas(types_mapper=pd.ArrowDtype).astype(META.dtypes.to_dict())


def classify(paths: str | Sequence[str], blocksize: int = DEFAULT_BLOCKSIZE, *, provider: str = "",
             direction: str = "", files_per_partition: int = FILES_PER_PARTITION) -> dd.DataFrame:
    """The records of ``bouncecodes classify --format jsonl`` on ``paths`` (local files and folders,
    or fsspec URLs), as a lazy Dask DataFrame in the command's order: one column per field
    (:data:`META`), a partition per :class:`Part`. ``provider``, ``direction``: as the command's
    ``--provider`` and ``--direction``. Run it with the scheduler in effect (a
    ``distributed.Client``, else Dask's default)."""
    parts = partitions([paths] if isinstance(paths, str) else paths, blocksize, files_per_partition)
    frames = [delayed(_frame, pure=True)(e) for e in _delayed_events(parts, provider, direction)]
    if not frames:
        return dd.from_pandas(META.copy(), npartitions=1)
    return dd.from_delayed(frames, meta=META, verify_meta=False)


def to_parquet(records_df: dd.DataFrame, path: str, **options: Any) -> None:
    """Write the records as Parquet (a folder, local or an fsspec URL the workers can write)."""
    records_df.to_parquet(path, write_index=False, **options)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame's records as ``classify`` writes them: None for no line or message number; the
    fields of a final outcome (:data:`FINAL_META`) only where they are set."""
    columns = FIELDS + [f for f in answers.FINAL_FIELDS if f in frame.columns]
    out = []
    for row in frame[columns].itertuples(index=False, name=None):
        rec = dict(zip(columns, row, strict=True))
        if len(columns) > len(FIELDS) and rec["outcome"] is pd.NA:
            for key in answers.FINAL_FIELDS:
                del rec[key]
        for key, value in rec.items():
            if value is pd.NA or value is None or (isinstance(value, float) and value != value):
                rec[key] = None
            elif key in ("line", "message", "attempts"):
                rec[key] = int(value)
            elif key in ("hard", "permanent"):
                rec[key] = bool(value)
            else:
                rec[key] = str(value)
        out.append(rec)
    return out


def records(frame: pd.DataFrame | dd.DataFrame) -> list[dict[str, Any]]:
    """The records of a (computed or Dask) DataFrame of :func:`classify` or read back from Parquet,
    as the dicts ``classify --format jsonl`` writes."""
    if isinstance(frame, dd.DataFrame):
        frame = frame.compute()
    return _rows(frame)


def connect(scheduler: str, timeout: str = "20s") -> Client:
    """A client of the cluster whose scheduler is at ``scheduler`` (``tcp://host:8786``)."""
    from distributed import Client

    return Client(scheduler, timeout=timeout)


def events(client: Client, paths: Sequence[str], *, blocksize: int = DEFAULT_BLOCKSIZE, provider: str = "",
           direction: str = "", verbose: bool = False, parquet: str = "",
           missing: Callable[[str], None] | None = None) -> Iterator[list[Event]]:
    """``classify --scheduler``: each partition's events (a record as its JSON line), in the command's order,
    computed on ``client``'s cluster; with ``parquet``, the records are written there as well by the
    workers (before the first events are given)."""
    parts = partitions(paths, blocksize, missing=missing)
    if not parts:
        return
    futures = client.compute(_delayed_events(parts, provider, direction, verbose))
    if parquet:
        frames = [delayed(_frame, pure=True)(f) for f in futures]
        to_parquet(dd.from_delayed(frames, meta=META, verify_meta=False), parquet)
    for future in futures:
        yield future.result()
        future.release()


# -- summaries -------------------------------------------------------------------------------------


def _summary_part(frame: pd.DataFrame, now: datetime | None) -> answers.Summary:
    found = answers.Summary(load_registry(), now)
    for rec in _rows(frame):
        found.add(rec)
    return found.plain()


def _merged(a: answers.Summary, b: answers.Summary) -> answers.Summary:
    a.merge(b)
    return a


def summary(records_df: dd.DataFrame, now: datetime | None = None) -> answers.Summary:
    """``bouncecodes summary`` of the records, computed where they are: a summary per partition,
    merged pairwise in the run's order (so the first and last time stamps are those one pass finds).
    Its ``to_dict()`` and ``text()`` are the command's."""
    level: list[Any] = [delayed(_summary_part, pure=True)(p, now) for p in records_df.to_delayed()]
    while len(level) > 1:
        level = [delayed(_merged, pure=True)(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    found: answers.Summary = level[0].compute()
    merged = answers.Summary(load_registry(), now)
    merged.merge(found)
    return merged


_SEQ = "_seq"
_KEY = "_key"


def _keyed(frame: pd.DataFrame, number: int, key: Callable[[dict[str, Any]], str | None],
           spread: bool) -> pd.DataFrame:
    """The rows of a partition that ``key`` keeps, with their key and their place in the run
    (partition, row): what the shuffle sends, and how each group's rows are put back in order. A row
    whose key is None is left out, or with ``spread`` given a key of its own (it goes to any
    partition, alone)."""
    keep: list[int] = []
    keys: list[str] = []
    for i, rec in enumerate(_rows(frame)):
        k = key(rec)
        if k is None and spread:
            k = f"\1{number}:{i}"
        if k is not None:
            keep.append(i)
            keys.append(k)
    out = frame.iloc[keep].copy()
    out[_SEQ] = pd.Series([(number << 32) + i for i in keep], index=out.index, dtype="int64")
    out[_KEY] = pd.Series(keys, index=out.index, dtype="string")
    return out


def _shuffled(records_df: dd.DataFrame, key: Callable[[dict[str, Any]], str | None],
              npartitions: int | None, spread: bool = False) -> dd.DataFrame:
    meta = META.assign(**{_SEQ: pd.Series([], dtype="int64"), _KEY: pd.Series([], dtype="string")})
    keyed = dd.from_delayed([delayed(_keyed, pure=True)(p, i, key, spread)
                             for i, p in enumerate(records_df.to_delayed())],
                            meta=meta, verify_meta=False)
    return keyed.shuffle(on=_KEY, npartitions=npartitions or records_df.npartitions)


def _in_order(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return _rows(frame.sort_values(_SEQ, kind="stable"))


def _address_key(rec: dict[str, Any]) -> str | None:
    """The address a record counts for in the suppression list (:func:`answers.suppression_key`),
    or None for a record it leaves out."""
    key = answers.suppression_key(rec)
    return f"{key[0]}@{key[1]}" if key else None


def _suppress_part(frame: pd.DataFrame, now: datetime | None) -> list[dict[str, Any]]:
    return answers.suppression_list(_in_order(frame), now)


def suppression_list(records_df: dd.DataFrame, now: datetime | None = None,
                     npartitions: int | None = None) -> list[dict[str, Any]]:
    """``bouncecodes suppress``: the addresses whose last outcome is a hard failure. The hard
    failures and deliveries (nothing else counts) are shuffled by address, each partition's in the
    run's order; each address's entries are then in one partition, where
    :func:`answers.suppression_list` decides them. The list is small: it is gathered and sorted as
    the command sorts it."""
    shuffled = _shuffled(records_df, _address_key, npartitions)
    parts = [delayed(_suppress_part, pure=True)(p, now) for p in shuffled.to_delayed()]
    found = [entry for part in compute(*parts) for entry in part]
    found.sort(key=answers.suppression_order)
    return found


def _queue_key(rec: dict[str, Any]) -> str | None:
    """What a record's final outcome is grouped under (host and queue id), or None: no queue id."""
    queue_id = rec.get("queue_id") or ""
    return f"{answers.host_of(rec)}\0{queue_id}" if queue_id else None


def _final_part(frame: pd.DataFrame, now: datetime | None) -> pd.DataFrame:
    found = list(answers.final_outcomes(_in_order(frame), now))
    if not found:
        return FINAL_META.copy()
    return pd.DataFrame.from_records(found, columns=list(FINAL_META.columns)).astype(FINAL_META.dtypes.to_dict())


def final_outcomes(records_df: dd.DataFrame, now: datetime | None = None,
                   npartitions: int | None = None) -> dd.DataFrame:
    """``classify --final``: one record per message and recipient, with its ``outcome``,
    ``attempts``, ``first_seen``, ``last_seen`` and ``deferred_reason``. The records with a queue
    id are shuffled by host and queue id (each message's attempts meet in one partition, in the
    run's order) and :func:`answers.final_outcomes` decides each; the others are shuffled too, each
    alone, and go through as they are (their final fields empty). A Dask DataFrame with the columns
    of :data:`FINAL_META`: the same records as the single-process run (:func:`records` gives them as
    its dicts), in another order."""
    shuffled = _shuffled(records_df, _queue_key, npartitions, spread=True)
    return shuffled.map_partitions(_final_part, now, meta=FINAL_META)
