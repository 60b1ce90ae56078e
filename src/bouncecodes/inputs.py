"""Opening what ``bouncecodes classify`` reads: compressed inputs known by their first bytes, and
the kind of what they hold, told from its start so that line-oriented input (a log, JSON Lines)
is read as it is classified, in constant memory, however large it is.

Standard library only (the runtime also runs in the browser): gzip, bzip2 and xz are read with
:mod:`gzip`, :mod:`bz2` and :mod:`lzma`; other compressed or binary data is named, never read as
text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from .parse import is_binary
from .parse.common import MAX_INPUT, to_text
from .parse.detect import InputKind, detect

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import BinaryIO

__all__ = ["HEAD", "Broken", "Chained", "again", "binary_kind", "decompress", "decompression_error", "line_kind", "read_head", "read_lines", "read_start"]

#: How much of an input's (decompressed) start is looked at to tell what it is: as much as the
#: parser's own detection looks at (the first 200,000 characters for a log).
HEAD = 256 * 1024

# the first bytes of a compressed stream → the module that reads it
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"))
# first bytes of binary data that is not read: what to call it
_BINARY = ((b"\x28\xb5\x2f\xfd", "zstd-compressed data"), (b"\x1f\x9d", "compress (.Z) data"),
           (b"\x04\x22\x4d\x18", "LZ4-compressed data"), (b"PK\x03\x04", "a ZIP archive"),
           (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"Rar!\x1a\x07", "a RAR archive"),
           (b"%PDF-", "a PDF document"),
           (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (an Outlook .msg, an old Office file)"))


class Chained(io.RawIOBase):
    """``head`` (bytes already read), then the rest of ``stream``: a stream that cannot seek back
    (standard input, a decompressor) read again from its start."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self.head, self.at, self.stream = head, 0, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self.at < len(self.head):
            n = min(len(view), len(self.head) - self.at)
            view[:n] = self.head[self.at:self.at + n]
            self.at += n
            if self.at == len(self.head):
                self.head = b""
                self.at = 0
            return n
        data = self.stream.read(len(view))
        n = len(data)
        view[:n] = data
        return n


def read_head(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes (fewer only at the end: a pipe may give less at a time)."""
    parts, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def decompression_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a decompressor's: data cut short (EOFError) or corrupt."""
    return isinstance(exc, EOFError) or type(exc).__module__ in ("zlib", "lzma", "_lzma", "gzip", "bz2", "_bz2")


class Broken(io.RawIOBase):
    """A stream that raises, when read, the error its decompressor gave."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        raise self.error


def read_start(stream: BinaryIO, size: int) -> tuple[bytes, BinaryIO]:
    """The first ``size`` bytes of ``stream`` (fewer at its end), and the stream to read from its
    start on. Compressed data that breaks within them gives what came before, then the error."""
    parts: list[bytes] = []
    got = 0
    try:
        while got < size:
            chunk = stream.read(min(size - got, 8192))  # small reads: what comes before an error is kept
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
    except Exception as exc:
        if not (decompression_error(exc) or isinstance(exc, OSError)) or not parts:
            raise
        head = b"".join(parts)
        return head, io.BufferedReader(Chained(head, Broken(exc)), buffer_size=1 << 16)  # type: ignore[arg-type,return-value]
    head = b"".join(parts)
    return head, again(stream, head)


def decompress(raw: BinaryIO) -> tuple[BinaryIO, str]:
    """``raw`` as it reads, and the name of the compression it was found in ('' for none): gzip,
    bzip2 and xz are known by their first bytes, whatever the file is called."""
    if raw.seekable():
        head = read_head(raw, 6)
        raw.seek(0)
        base = raw
    else:  # standard input: what was read is read again through Chained
        head = read_head(raw, 6)
        base = io.BufferedReader(Chained(head, raw), buffer_size=1 << 16)  # type: ignore[assignment]
    kind = next((name for magic, name in _COMPRESSED if head.startswith(magic)), "")
    if not kind and head[:3] == b"BZh" and head[3:4] and head[3:4] in b"123456789":
        kind = "bzip2"
    if kind == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=base, mode="rb"), kind  # type: ignore[return-value]
    if kind == "bzip2":
        import bz2

        return bz2.BZ2File(base), kind  # type: ignore[return-value]
    if kind == "xz":
        import lzma

        return lzma.LZMAFile(base), kind  # type: ignore[return-value]
    return base, ""


def again(stream: BinaryIO, head: bytes) -> BinaryIO:
    """``stream`` from its start, ``head`` having been read from it: sought back where it can be."""
    try:
        if stream.seekable():
            stream.seek(0)
            return stream
    except (OSError, ValueError):
        pass
    return io.BufferedReader(Chained(head, stream), buffer_size=1 << 16)  # type: ignore[return-value]


def binary_kind(head: bytes) -> str:
    """What binary data starting with ``head`` is ('binary data, not text' when no magic says);
    '' when it is text."""
    for magic, name in _BINARY:
        if head.startswith(magic):
            return name
    return "binary data, not text" if is_binary(head) else ""


def line_kind(head: bytes, at_end: bool) -> str:
    """'log' or 'jsonl' when an input starting with ``head`` is read line by line, else '' (it is
    read whole: an email, a reply, one JSON document). ``at_end``: ``head`` is the whole input."""
    if b"\n" not in head or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return ""  # no line ends to split at (old Mac CR-only text is read whole), or UTF-16
    if not at_end:
        head = head[:head.rfind(b"\n") + 1]  # whole lines only
    text = to_text(head)
    kind = detect(text.lstrip())
    if kind is InputKind.LOG:
        return "log"
    if kind is InputKind.JSON:
        lines = [x for x in text.split("\n", 3)[:3] if x.strip()]
        if len(lines) >= 2 and all(x.lstrip()[:1] == "{" for x in lines[:2]):
            import json  # (on use: most inputs are no JSON)

            try:
                first = json.loads(lines[0], strict=False)
            except (ValueError, RecursionError):
                return ""
            return "jsonl" if isinstance(first, dict) else ""
    return ""


def read_lines(stream: BinaryIO, limit: int = MAX_INPUT) -> Iterator[str | None]:
    """The lines of ``stream`` as text without their line ends (any: LF, CRLF, CR), one at a time;
    None for a line over ``limit`` characters (skipped to its end without holding it). UTF-8; a
    line that is not is read as Latin-1, as :func:`~bouncecodes.parse.common.to_text` reads a text."""
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline=None)  # type: ignore[arg-type]
    readline = text.readline
    first = True
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) > limit and line[-1] != "\n":
            while line and line[-1] != "\n":
                line = readline(1 << 20)
            yield None
            continue
        if line[-1] == "\n":
            line = line[:-1]
        if not line.isascii():
            if first and line[:1] == "\ufeff":
                line = line[1:]
            try:
                line.encode("utf-8")
            except UnicodeEncodeError:  # bytes that are no UTF-8: the line is Latin-1
                line = line.encode("utf-8", "surrogateescape").decode("latin-1")
        first = False
        yield line
