"""A lean reader of email messages: the fast path of :mod:`bouncecodes.parse.message`.

:func:`read` gives what ``email.message_from_string(text)`` gives (the parser's default policy,
compat32), for the parts of a message a bounce needs: header fields, unfolded as compat32 unfolds
them; the MIME tree (multipart boundaries, ``message/*`` parts, the header blocks of a
``message/delivery-status`` part); content types and their parameters; payloads decoded from
base64 and quoted-printable with :mod:`binascii`. Its :class:`Message` has the methods
message.py calls, with compat32's results. :func:`decode_words` decodes RFC 2047 encoded words as
``str(make_header(decode_header(value)))`` does.

Both decline what they are not sure to read as the standard library does (lone surrogates,
carriage returns, RFC 2231 parameters, quoting with backslashes, uuencoded parts, a charset whose
name the ``email`` package maps to another codec, a "From " line ending a header block, deep
nesting …): the ``email`` package then reads the whole text, as it did before. The reader keeps
no state between calls; standard library only (it runs under Pyodide too).

Where compat32 itself differs between Python versions this reader reads as CPython 3.11 does,
except where the difference could change the evidence: a Content-Transfer-Encoding with white
space around it (decoded from 3.14 on, not before) is declined. The one difference kept is a
folded field whose first line is empty: 3.11 keeps the line break at the start of its value,
3.14 strips it; every value message.py reads is squashed or stripped before use.
``tests/test_mime.py`` runs both readers over the test and dev corpora and thousands of mutated
messages and requires the same evidence from each.
"""

from __future__ import annotations

import binascii

from .. import lazyre as re  # re, its module-level patterns compiled on first use

__all__ = ["Message", "decode_words", "is_message", "read"]

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any, Protocol

    class MessageLike(Protocol):
        """What message.py reads of a message: this module's :class:`Message` and the ``email``
        package's (compat32) both have it."""

        def get(self, name: str, failobj: Any = None) -> Any: ...
        def get_all(self, name: str, failobj: Any = None) -> Any: ...
        def items(self) -> list[tuple[str, Any]]: ...
        def __contains__(self, name: str) -> bool: ...
        def get_content_type(self) -> str: ...
        def get_content_maintype(self) -> str: ...
        def get_param(self, param: str, failobj: Any = None, header: str = "content-type", unquote: bool = True) -> Any: ...
        def get_content_charset(self, failobj: Any = None) -> Any: ...
        def is_multipart(self) -> bool: ...
        def get_payload(self, i: int | None = None, decode: bool = False) -> Any: ...

#: Tests switch the fast path off to compare with the ``email`` package.
LEAN = True

# a header block: lines of a field (a name of printable characters but ':', then ':'), lines
# continuing one (white space first), or an mbox "From " line; any other line ends the block
_HEADER_BLOCK_RE = re.compile(r"(?:(?:From |[!-9;-~]*:|[ \t])[^\n]*(?:\n|\Z))*")
# a field of a header block: its name, and its value as compat32 keeps it (the first line's after
# the ':' and its leading white space, then the lines continuing it, line ends but the last kept)
_FIELD_RE = re.compile(r"^([!-9;-~]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE)
_UU = ("x-uuencode", "uuencode", "uue", "x-uue")
#: nested parts deeper than this are left to the ``email`` package
MAX_DEPTH = 200


class Declined(Exception):
    """The text holds something this reader leaves to the ``email`` package."""


def _unquote(value: str) -> str:
    """A parameter value without its double quotes or angle brackets (as ``email.utils.unquote``;
    values with backslashes never get here)."""
    if len(value) > 1 and ((value[0] == value[-1] == '"') or (value[0] == "<" and value[-1] == ">")):
        return value[1:-1]
    return value


def _decode_base64(data: bytes) -> bytes:
    """A base64 body as compat32 decodes it: strictly with the padding it lacks, else skipping
    what is not base64, else with more padding, else as it is."""
    missing = b"==="[: 4 - len(data) % 4] if len(data) % 4 else b""
    try:
        return binascii.a2b_base64(data + missing, strict_mode=True)
    except binascii.Error:
        pass
    for attempt in (data, data + b"=="):
        try:
            return binascii.a2b_base64(attempt)
        except binascii.Error:
            continue
    return data


class Message:
    """One part of a message, with the methods of ``email.message.Message`` (compat32) that
    message.py calls. Header values are strings as compat32 keeps them; the payload is a string,
    or a list of parts (multipart, ``message/*``, a delivery-status part's header blocks)."""

    __slots__ = ("_ctype", "_default_type", "_first", "_headers", "_params", "_payload")

    def __init__(self, default_type: str = "text/plain") -> None:
        self._headers: list[tuple[str, str]] = []
        self._first: dict[str, str] = {}  # lower-case name -> the first value
        self._payload: Any = None
        self._default_type = default_type
        self._params: list[tuple[str, str]] | None = None  # of the Content-Type field, read with it
        self._ctype: str | None = None  # the content type, once asked (the fields never change)

    # -- header fields ------------------------------------------------------------------------

    def get(self, name: str, failobj: Any = None) -> Any:
        return self._first.get(name.lower(), failobj)

    def get_all(self, name: str, failobj: Any = None) -> Any:
        name = name.lower()
        found = [v for k, v in self._headers if k.lower() == name]
        return found or failobj

    def items(self) -> list[tuple[str, Any]]:
        return list(self._headers)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._first

    # -- content type and parameters ----------------------------------------------------------

    def get_default_type(self) -> str:
        return self._default_type

    def get_content_type(self) -> str:
        ctype = self._ctype
        if ctype is None:
            value = self._first.get("content-type")
            if value is None:
                ctype = self._default_type
            else:
                ctype = value.partition(";")[0].strip().lower()
                if ctype.count("/") != 1:
                    ctype = "text/plain"
            self._ctype = ctype
        return ctype

    def get_content_maintype(self) -> str:
        return self.get_content_type().split("/")[0]

    def get_param(self, param: str, failobj: Any = None, header: str = "content-type", unquote: bool = True) -> Any:
        header = header.lower()
        value = self._first.get(header)
        if value is None:
            return failobj
        if header != "content-type":
            params = _params(value)
        elif self._params is None:
            params = self._params = _params(value)
        else:
            params = self._params
        wanted = param.lower()
        for name, val in params:
            if name.lower() == wanted:
                return _unquote(val) if unquote else val
        return failobj

    def get_boundary(self, failobj: Any = None) -> Any:
        missing = object()
        boundary = self.get_param("boundary", missing)
        if boundary is missing:
            return failobj
        return _unquote(boundary).rstrip()

    def get_content_charset(self, failobj: Any = None) -> Any:
        charset = self.get_param("charset", None)
        if charset is None:
            return failobj
        return charset.lower() if charset.isascii() else failobj

    # -- payload ------------------------------------------------------------------------------

    def is_multipart(self) -> bool:
        return isinstance(self._payload, list)

    def get_payload(self, i: int | None = None, decode: bool = False) -> Any:
        payload = self._payload
        if isinstance(payload, list):
            if decode:
                return None
            return payload if i is None else payload[i]
        if i is not None:
            raise TypeError(f"Expected list, got {type(payload)}")
        if not decode or not isinstance(payload, str):
            return payload
        cte = str(self._first.get("content-transfer-encoding", "")).lower()
        try:
            data = payload.encode("ascii")
        except UnicodeError:
            data = payload.encode("raw-unicode-escape")
        if cte == "quoted-printable":
            return binascii.a2b_qp(data)
        if cte == "base64":
            return _decode_base64(b"".join(data.splitlines()))
        return data


def _params(value: str) -> list[tuple[str, str]]:
    """A Content-Type value's parameters as compat32 reads them, (name, value) with the value
    still quoted; the first is the type itself. Raises :class:`Declined` for what compat32 reads
    differently across versions or through RFC 2231: a ';' inside quotes, a backslash, ``name*=``."""
    if "\\" in value:
        raise Declined("backslash in a parameter")
    found: list[tuple[str, str]] = []
    for i, piece in enumerate(value.split(";")):
        if piece.count('"') % 2:
            raise Declined("a ';' inside quotes")
        name, eq, val = piece.partition("=")
        if not eq:
            found.append((piece.strip(), ""))
            continue
        name = name.strip().lower()
        if i and "*" in name:
            raise Declined("RFC 2231 parameter")
        found.append((name, val.strip()))
    return found


def is_message(obj: object) -> bool:
    """Whether an item of a payload list is a message (of either reader)."""
    return not isinstance(obj, (str, bytes))


class _Reader:
    """One text read into a tree of :class:`Message`, as compat32's feed parser reads it.

    The feed parser reads line by line, and a line that matches the boundary of any enclosing
    multipart (or, inside a delivery-status part, a blank line) ends the part being read. Here
    each part is read within a region of the text, [start, end): the caller cuts the region at the
    first such line, so a part never reads past it."""

    def __init__(self, text: str) -> None:
        if "\r" in text:
            raise Declined("carriage return")  # a line end of its own to the feed parser
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise Declined("lone surrogate") from None
        self.text = text
        self.last: Message | None = None  # the part created last (the feed parser's _last)

    def message(self) -> Message:
        return self.part(0, len(self.text), "text/plain", 0)

    def _headers(self, msg: Message, start: int, end: int) -> int:
        """Read the header block at ``start`` into ``msg``; where the body starts."""
        text = self.text
        stop = _HEADER_BLOCK_RE.match(text, start, end).end()  # type: ignore[union-attr]  # (it matches '')
        body = stop + 1 if stop < end and text[stop] == "\n" else stop  # past the blank line, if it is one
        if stop > start:
            last = text.rfind("\n", start, stop - 1) + 1  # the block's last line
            if last > start and text.startswith("From ", last, stop):
                # compat32 gives a "From " line ending the block back to the body, after the blank
                # line it has read
                raise Declined("From line ending a header block")
            # (name, value): mbox "From " lines, lines without a name and the lines continuing
            # either are no field (and lines continuing nothing: the block's first ones)
            fields = _FIELD_RE.findall(text, start, stop)
            msg._headers = fields
            msg._first = {name.lower(): value for name, value in reversed(fields)}
        return body

    def part(self, start: int, end: int, default_type: str, depth: int) -> Message:
        """The part whose text is [start, end)."""
        if depth > MAX_DEPTH:
            raise Declined("deep nesting")
        msg = Message(default_type)
        self.last = msg
        body = self._headers(msg, start, end)
        content_type = msg._first.get("content-type")
        if content_type is not None and ('"' in content_type or "\\" in content_type or "*" in content_type):
            msg._params = _params(content_type)  # read now: a value declined is declined here (else on use)
        cte = msg._first.get("content-transfer-encoding")
        if cte is not None and (cte != cte.strip() or cte.lower() in _UU):
            raise Declined("transfer encoding")
        ctype = msg.get_content_type()
        if ctype == "message/delivery-status":
            msg._payload = self._blocks(body, end, depth)
        elif ctype.startswith("message/"):
            msg._payload = [self.part(body, end, "text/plain", depth + 1)]
        elif ctype.startswith("multipart/"):
            self._multipart(msg, body, end, ctype, depth)
        else:
            msg._payload = self.text[body:end]
        return msg

    def _blocks(self, pos: int, end: int, depth: int) -> list[Message]:
        """The header blocks of a delivery-status part, each up to a blank line."""
        text = self.text
        blocks: list[Message] = []
        while True:
            if pos < end and text[pos] == "\n":
                stop = pos
            else:
                i = text.find("\n\n", pos, end)
                stop = end if i < 0 else i + 1
            blocks.append(self.part(pos, stop, "text/plain", depth + 1))
            pos = stop + 1  # past the blank line
            if pos >= end:
                return blocks

    def _boundary_line(self, i: int, end: int, sep: str) -> tuple[int, int, bool] | None:
        """(start, end, closing?) of the line at ``i``, which starts with ``sep``, when it is a
        boundary line: ``sep``, perhaps '--', perhaps spaces or tabs, and nothing else."""
        text = self.text
        n = i + len(sep)
        nl = text.find("\n", n, end)
        stop = end if nl < 0 else nl + 1
        tail = text[n:stop].rstrip("\n")
        closing = tail.startswith("--")
        if (tail[2:] if closing else tail).strip(" \t"):
            return None
        return i, stop, closing

    def _boundary(self, pos: int, end: int, sep: str) -> tuple[int, int, bool] | None:
        """The first boundary line at or after ``pos`` (a line start), or None."""
        text = self.text
        i = text.find(sep, pos, end)
        while i >= 0:
            if i == pos or text[i - 1] == "\n":
                found = self._boundary_line(i, end, sep)
                if found is not None:
                    return found
            i = text.find(sep, i + 1, end)
        return None

    def _multipart(self, msg: Message, body: int, end: int, ctype: str, depth: int) -> None:
        boundary = msg.get_boundary()
        if boundary is None:
            msg._payload = self.text[body:end]  # no boundary: the body is all there is
            return
        sep = "--" + boundary
        first = self._boundary(body, end, sep)
        if first is None or first[2]:
            # the first boundary never comes (or only the closing one): the text up to there
            msg._payload = self.text[body:first[0] if first else end]
            return
        child_type = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
        parts: list[Message] = []
        msg._payload = parts
        pos = first[1]
        while True:
            # boundary lines right after a boundary line are skipped, a closing one too
            while pos < end and self.text.startswith(sep, pos):
                again = self._boundary_line(pos, end, sep)
                if again is None:
                    break
                pos = again[1]
            following = self._boundary(pos, end, sep)
            stop = following[0] if following else end
            parts.append(self.part(pos, stop, child_type, depth + 1))
            last = self.last
            if last is not None and last.get_content_maintype() != "multipart":
                payload = last._payload
                if isinstance(payload, str) and payload.endswith("\n"):
                    last._payload = payload[:-1]  # the line end before a boundary belongs to it
            self.last = msg
            if following is None or following[2]:
                return
            pos = following[1]


def read(text: str) -> MessageLike:
    """``text`` (line ends '\\n') as a message tree: the lean reader's, or when it declines the
    ``email`` package's (compat32)."""
    if LEAN:
        try:
            return _Reader(text).message()
        except Declined:
            pass
    import email

    return email.message_from_string(text)  # type: ignore[return-value]  # the same methods, typed apart


# -- RFC 2047 encoded words -----------------------------------------------------------------------

# an encoded word: charset, encoding, text (each as short as can be)
_WORD_RE = re.compile(r"=\?([^?]*?)\?([qQbB])\?(.*?)\?=", re.MULTILINE)
_QP_ESCAPE_RE = re.compile(r"=[a-fA-F0-9]{2}", re.ASCII)
# charsets that the email package decodes and re-encodes with the codec of their own name
_PLAIN_CHARSETS = frozenset(
    ["us-ascii", "utf-8", "iso-2022-jp", "koi8-r", "viscii"]
    + [f"iso-8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)]
    + [f"windows-{n}" for n in range(1250, 1259)])
# what str.splitlines() cuts at besides '\n' (non-ASCII text is left to the email package)
_OTHER_LINE_ENDS_RE = re.compile("[\r\x0b\x0c\x1c\x1d\x1e]")


class _Undecodable(Exception):
    """The email package would give up on this value: it stays as it is."""


def decode_words(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded, as
    ``str(email.header.make_header(email.header.decode_header(value)))`` gives it; the value as it
    is when that fails (a charset Python does not know, text that is not in its charset, broken
    base64)."""
    if "=?" not in value:
        return value
    if LEAN and value.isascii() and _OTHER_LINE_ENDS_RE.search(value) is None:
        try:
            found = _decode_words(value)
        except _Undecodable:
            return value
        if found is not None:
            return found
    from email.errors import MessageError
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError, MessageError):
        return value


def _decode_words(value: str) -> str | None:
    """:func:`decode_words` for an ASCII value whose charsets are all plain; None otherwise."""
    if _WORD_RE.search(value) is None:
        return value
    # (text, encoding, charset), encoding and charset None for text between encoded words
    words: list[tuple[str, str | None, str | None]] = []
    for line in value.split("\n"):
        parts = _WORD_RE.split(line)
        plain = parts[0].lstrip()
        if plain:
            words.append((plain, None, None))
        for k in range(1, len(parts), 4):
            words.append((parts[k + 2], parts[k + 1].lower(), parts[k].lower()))
            if parts[k + 3]:
                words.append((parts[k + 3], None, None))
    # white space between two encoded words is dropped
    drop = [n - 1 for n in range(2, len(words))
            if words[n][1] and words[n - 2][1] and words[n - 1][0].isspace()]
    for n in reversed(drop):
        del words[n]
    # decoded, and runs of one charset joined (plain words with a space)
    runs: list[tuple[bytes, str | None]] = []
    for text, encoding, charset in words:
        if encoding is None:
            data = text.encode("latin-1")
        elif encoding == "q":
            data = _QP_ESCAPE_RE.sub(lambda m: chr(int(m.group(0)[1:], 16)), text.replace("_", " ")).encode("latin-1")
        else:
            if len(text) % 4:
                text += "==="[: 4 - len(text) % 4]
            try:
                data = binascii.a2b_base64(text.encode("ascii")) if text else b""
            except binascii.Error:
                raise _Undecodable from None
        if runs and runs[-1][1] == charset:
            joined = runs[-1][0] + (b" " if charset is None else b"") + data
            runs[-1] = (joined, charset)
        else:
            runs.append((data, charset))
    # each run as text in its charset; runs of one charset (plain text is us-ascii) joined by a space
    chunks: list[tuple[str, str]] = []
    for data, charset in runs:
        name = charset or "us-ascii"
        if name not in _PLAIN_CHARSETS:
            return None
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            raise _Undecodable from None
        try:
            text.encode(name)
        except UnicodeEncodeError:
            if name != "us-ascii":
                raise _Undecodable from None
            name = "utf-8"
        if chunks and chunks[-1][1] == name:
            chunks[-1] = (chunks[-1][0] + " " + text, name)
        else:
            chunks.append((text, name))
    # a space where encoded text meets plain text without one
    out: list[str] = []
    last_charset: str | None = None
    last_space = False
    for text, name in chunks:
        this: str | None = name
        if out:
            space = bool(text) and _blank(text[0])
            if last_charset not in (None, "us-ascii"):
                if name == "us-ascii" and not space:
                    out.append(" ")
                    this = None
            elif name != "us-ascii" and not last_space:
                out.append(" ")
        last_space = bool(text) and _blank(text[-1])
        last_charset = this
        out.append(text)
    return "".join(out)


def _blank(char: str) -> bool:
    return char.isspace() or char in ("(", ")", "\\")
