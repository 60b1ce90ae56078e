"""Evidence from mail programs' logs, read with the formats the registry describes (``codes/logs/``).

No program's layout is written here: each format of ``codes/logs/<program>.yaml`` gives a pattern
(or CSV columns, or JSON keys) whose fields have names from a fixed vocabulary, and what the
program's state words mean. This module holds what every log has in common:

- a generic reader of the line's start: a time stamp (RFC 3164 ``Mar  2 09:14:07``, ISO 8601 or
  RFC 3339, RFC 5424's ``<34>1 2026-…``, TAI64N ``@4000…``), then a syslog header
  (``host program[pid]:``); a format that names a syslog tag is matched after a header with that
  tag, or, when the line has none, right after the time stamp;
- a cheap prefilter: a format is tried only on a line that holds its ``literals`` (the texts
  every match of its pattern holds, derived at build time); formats are grouped by the longest;
- the first format in registry order that matches reads the line; a line no format matches is
  read only if it holds a failure reply and an address (other programs' logs);
- context lines (qmail's ``starting delivery``, Postfix cleanup's ``message-id=``) are kept under
  their key for the later lines of the same program with the same key, a bounded number of them;
- a CSV header line (PowerMTA's accounting file, Exchange's ``#Fields:``) switches to reading its
  rows by column name; a line holding a JSON object is read by key.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Evidence, Kind, LogFormat, Registry, replace
from ..registry import load_registry
from .common import (
    ENHANCED_RE,
    addresses,
    clean_address,
    find_codes,
    has_code,
    squash,
    strip_diagnostic_type,
)
from .reply import parse_reply
from .text import find_command

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

__all__ = ["STAMP_RE", "LogReader", "known_log", "looks_like_log", "parse_log", "read_json_record"]

#: Lines longer than this are not read (no log line of a mail program is this long).
MAX_LINE = 20_000
#: Context lines kept at most (the oldest are forgotten first): memory stays flat on any log.
MAX_CONTEXTS = 100_000

# the time stamp a known program's line starts with (group 1), and the space after it
ENVELOPE_STAMP_RE = re.compile(
    r"(?:<\d{1,3}>)?("
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d| [+-]\d{4})?"  # ISO 8601, RFC 3339, Exim
    r"|[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d{1,9})?(?: \d{4})?"  # RFC 3164
    r"|@[0-9a-f]{24}"  # TAI64N (daemontools' multilog)
    r")(?: |$)")
# RFC 5424 after its PRI: version, time, host, app, procid, msgid, structured data
RFC5424_RE = re.compile(r"<\d{1,3}>1 (\S{1,64}) (\S{1,255}) (\S{1,48}) \S{1,128} \S{1,32} (?:-|\[[^\n]{0,2000}?\]) ?")
# a syslog header after the time stamp: "host program[pid]: ", "program[pid]: ", "host program: "
HEADER_RE = re.compile(r"(?:[^\s:\[\]]{1,255} )?([^\s:\[\]]{1,64})(?:\[\d{1,10}\])?: ")
# both, optional each: group 1 the time stamp, group 2 the tag
ENVELOPE_RE = re.compile(r"(?P<stamp>" + ENVELOPE_STAMP_RE.pattern + r")?(?:" + HEADER_RE.pattern + r")?")

# the time stamp a log line starts with, perhaps in brackets: a time of day after a few characters of
# date ("Jun 10 18:33:32", "2026-06-10T18:33:32", "[10/Jun/2026 18:33:32]", RFC 5424's "<34>1 2026-…"),
# with no ':' before it (so never a header field such as "Date: Mon, 10 Jun 2026 18:33:32"); used to
# tell that an input of unknown programs is a log
STAMP_RE = re.compile(r"[\[<(]?(?:\d{1,3}>\d{1,2} )?[\w/ .,+-]{0,24}?(?<![0-9])\d\d:\d\d:\d\d")

# in a line of a program we have no format for: the recipient's field, and fields naming others
LOG_TO_RE = re.compile(r"\b(?:to|rcpt|recipient)=\"?<?([^<>\s,;\"]{1,64}@[^<>\s,;\"]{1,255})")
LOG_NOT_RCPT_RE = re.compile(r"\b(?:from|sender|set_id|sasl_username|user|us)=(?:\"[^\"\n]{0,400}\"|<[^<>\n]{0,320}>|[^\s,;]{0,320})")

# a local user named without a domain (Sendmail's "to=root"), kept as written
LOCAL_USER_RE = re.compile(r"[A-Za-z0-9][\w.+-]{0,63}")
SMTP_COMMANDS = frozenset({"CONN", "HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "VRFY", "ETRN",
                           "EXPN", "QUIT"})


class _Format:
    """One format of the registry; its patterns are compiled when a line first needs them (a line
    that holds the format's texts, a JSON record of its keys): telling an email from a log tries
    the formats on the email's first lines, and most hold no format's texts."""

    __slots__ = ("also", "commands", "fields", "fmt", "header", "index", "match", "pattern", "ready", "source", "states",
                 "tag")

    def __init__(self, fmt: LogFormat, index: int) -> None:
        self.fmt, self.index = fmt, index
        self.source = f"log:{fmt.id}"
        self.also = fmt.literals[1:]  # the other texts a line must hold, beside the one it is grouped by
        self.tag = fmt.tag or None  # the pattern of the program's syslog tag (compiled by re's own cache)
        self.pattern: Any = None
        self.fields: list[tuple[str, Any]] = list(fmt.fields)  # a line format's: compiled by compile()
        self.ready = False
        self.states = dict(fmt.states)
        self.commands = dict(fmt.commands)
        self.header = frozenset(fmt.header)
        self.match = list(fmt.match)

    def compile(self) -> _Format:
        """The format with its patterns compiled (once)."""
        if not self.ready:
            fmt = self.fmt
            self.pattern = re.compile(fmt.pattern) if fmt.pattern else None
            if fmt.layout == "line":
                self.fields = [(name, re.compile(paths[0])) for name, paths in fmt.fields]
            self.ready = True
        return self


class _Formats:
    """The log formats of one registry, prepared once: line formats grouped by prefilter text."""

    def __init__(self, registry: Registry) -> None:
        formats = [f for p in registry.logs for f in p.formats]
        compiled = [_Format(f, i) for i, f in enumerate(formats)]
        self.lines = [c for c in compiled if c.fmt.layout == "line"]
        self.csv = [c for c in compiled if c.fmt.layout == "csv"]
        self.json = [c for c in compiled if c.fmt.layout == "json"]
        # (text, formats): a line is tried with the formats of every text it holds, in registry order
        self.groups = _grouped(self.lines)
        self.json_keys = tuple(dict.fromkeys(f'"{c.match[0][0].split(".")[0]}"' for c in self.json if c.match))
        # what a CSV header line starts with: its prefix, else its first column
        self.csv_starts = tuple(dict.fromkeys(c.fmt.header_prefix or c.fmt.header[0] for c in self.csv))
        self._by_tag: dict[str, tuple[list[tuple[str, list[_Format]]], bool]] = {}
        # every format's tag pattern in one: a word that none of them matches (the word before the
        # first ': ' of a reply, "<bob@example.org>") is told apart in one call, not one per format
        tags = sorted({c.tag for c in self.lines if c.tag})
        self.any_tag = "|".join(f"(?:{t})" for t in tags)  # compiled on first use (by re's cache)

    def groups_for(self, tag: str | None) -> tuple[list[tuple[str, list[_Format]]], bool]:
        """The groups to try on a line with this syslog tag, and whether the tag is theirs: the
        formats of the program whose tag it is (and those that name no tag), or all of them when no
        program's tag matches (no syslog header, or what looked like one is the start of the
        message: "NOQUEUE: reject: …")."""
        if tag is None:
            return self.groups, False
        found = self._by_tag.get(tag)
        if found is None:
            if not self.any_tag or re.fullmatch(self.any_tag, tag) is None:
                return self.groups, False  # no program's tag (what the loop below finds then)
            own = [c for c in self.lines if c.tag is not None and re.fullmatch(c.tag, tag)]
            found = (_grouped([c for c in self.lines if c.tag is None or c in own]), True) if own else (self.groups, False)
            if len(self._by_tag) < 10_000:  # tags are few; a queue id taken for one is not kept
                self._by_tag[tag] = found
        return found


def _grouped(formats: list[_Format]) -> list[tuple[str, list[_Format]]]:
    groups: dict[str, list[_Format]] = {}
    for c in formats:
        groups.setdefault(c.fmt.literals[0] if c.fmt.literals else "", []).append(c)
    return list(groups.items())


def _formats(registry: Registry) -> _Formats:
    cache: dict[str, Any] = registry._index
    found = cache.get("logs")
    if found is None:
        found = cache["logs"] = _Formats(registry)
    return found  # type: ignore[no-any-return]


def _registry(registry: Registry | None) -> Registry:
    return registry if registry is not None else load_registry()


def _envelope(line: str) -> tuple[str, str | None, int, int]:
    """(time stamp as written, syslog tag or None, where the message starts after the header, where
    it starts after the time stamp alone)."""
    if line[:1] == "<" and (m5 := RFC5424_RE.match(line)) is not None:
        return m5.group(1), m5.group(3), m5.end(), m5.end()
    m = ENVELOPE_RE.match(line)
    if m is None:  # cannot happen: every part is optional
        return "", None, 0, 0
    after_stamp = m.end("stamp") if m.group("stamp") is not None else 0
    return m.group(2) or "", m.group(3), m.end(), after_stamp


# an address as log lines mostly write it: the quick way through clean_address
PLAIN_ADDRESS_RE = re.compile(r"<?([A-Za-z0-9][\w.+-]{0,63})@([A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){1,8})>?")


def _address(raw: str) -> str:
    m = PLAIN_ADDRESS_RE.fullmatch(raw)
    if m is not None:
        return f"{m.group(1)}@{m.group(2).lower()}"
    return clean_address(raw, dotless=True)


def _recipient(raw: str) -> str:
    raw = raw.strip().strip('"')
    address = _address(raw)
    if address:
        return address
    local = raw.strip("<>").strip()
    return local if LOCAL_USER_RE.fullmatch(local) else ""


def _decode(text: str, how: str) -> str:
    if how == "qmail-logsafe":  # '_' stands for a space (or any unsafe byte), '/' for a line end
        spaced = text.replace("_", " ")
        return spaced if "://" in spaced else spaced.replace("/", " ")
    return text


REPLY_CODE_RE = re.compile(r"[245]\d\d")


def _tidy(text: str, decode: str) -> str:
    """A field's words, decoded, on one line with single spaces."""
    if decode:
        text = _decode(text, decode)
    return squash(text) if "  " in text or "\t" in text or "\n" in text or text[:1] == " " or text[-1:] == " " else text


def _command(c: _Format, values: dict[str, str], text: str) -> str:
    """The SMTP command the outcome answered: the command field as the format maps it, or its first
    word when that is a command ("RCPT TO:<bob@…>"), or what the text says ("in reply to RCPT TO")."""
    word = values.get("command", "").strip()
    if word:
        mapped = c.commands.get(word)
        if mapped:
            return mapped
        first = re.split(r"[\s:]", word, maxsplit=1)[0].upper()
        if first in SMTP_COMMANDS:
            return first
        mapped = c.commands.get(first)
        if mapped:
            return mapped
    return find_command(text) if text else ""


RELAY_HOST_RE = re.compile(r"[^\[\s:\"]{1,255}")


def _relay(value: str) -> str:
    """The host name of a relay field ("mx.example.org[192.0.2.1]:25", "mx.example.org. [192.0.2.1]");
    '' for a transport name ("local", "none", "dovecot")."""
    m = RELAY_HOST_RE.match(value.strip().strip('"'))
    host = m.group(0).rstrip(".").lower() if m else ""
    return host if "." in host else ""


class LogReader:
    """Reads a log line by line, keeping what links lines (context lines, a CSV header) between
    calls; memory stays flat. ``line()`` gives the evidence of one line."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = _registry(registry)
        self.formats = _formats(self.registry)
        # oldest first: the oldest is forgotten in O(1) (a dict's first key, after many deletions
        # at its front, takes ever longer to find)
        self.contexts: OrderedDict[tuple[str, str, str], dict[str, str]] = OrderedDict()
        self.csv: tuple[_Format, dict[str, int]] | None = None
        self.last = ""  # the id of the format that read the last line ('' if none did)

    # -- one line -------------------------------------------------------------------------------
    def line(self, line: str, offset: int = 0) -> list[Evidence]:
        """The evidence of one line (without its line end) that starts at ``offset`` in the text."""
        self.last = ""
        if not line or len(line) > MAX_LINE or line.isspace():
            return []
        if self.formats.csv_starts and line.startswith(self.formats.csv_starts):
            header = self._csv_header(line)
            if header is not None:
                self.csv = header
                return []
        if self.csv is not None:
            return [] if line[:1] == "#" else self._csv_row(line, offset)
        matched = self._match(line)
        if matched is not None:
            c, values, stamp, spans = matched
            return self._result(c, values, stamp, line, offset, spans)
        found = self._json_line(line, offset)
        if found is not None:
            return found
        return _generic(line, offset)

    def _match(self, line: str) -> tuple[_Format, dict[str, str], str, dict[str, tuple[int, int]]] | None:
        """The first line format that reads ``line``: (format, fields, time stamp, spans of fields)."""
        # which program's formats to try: the tag read the quick way, from the text before the first
        # ": " ("… mx1 postfix/smtpd[812]"); the time stamp and header are read properly only for a
        # line that holds a format's texts
        colon = line.find(": ", 0, 400)
        hint: str | None = None
        if colon > 0:
            head = line[line.rfind(" ", 0, colon) + 1:colon]
            bracket = head.find("[")
            hint = head[:bracket] if bracket > 0 else head
        groups, own = self.formats.groups_for(hint)
        candidates: list[_Format] = []
        for literal, group in groups:
            if literal in line:
                for c in group:
                    for x in c.also:
                        if x not in line:
                            break
                    else:
                        candidates.append(c)
        if not candidates:
            return None
        if len(candidates) > 1:
            candidates.sort(key=lambda c: c.index)
        stamp, tag, after_header, after_stamp = _envelope(line)
        if tag != hint:
            own = self.formats.groups_for(tag)[1]
        for c in candidates:
            if not c.ready:
                c.compile()
            # the message starts after the syslog header when the tag is the program's own (or the
            # format names none); else after the time stamp (what looked like a header is the
            # message's start, or the line is another program's)
            if tag is None or (own and c.tag is not None):
                starts: tuple[int, ...] = (after_header,)
            elif c.tag is None:
                starts = (after_header, after_stamp)
            else:
                starts = (after_stamp,)
            for start in starts:
                m = c.pattern.match(line, start)
                if m is None:
                    continue
                values = {k: v for k, v in m.groupdict().items() if v}
                spans: dict[str, tuple[int, int]] = {k: m.span(k) for k in ("text", "reply") if k in values}
                for name, pattern in c.fields:
                    if name not in values:
                        f = pattern.search(line, start)
                        if f is not None and f.group(1):
                            values[name] = f.group(1)
                            spans[name] = f.span(1)
                return c, values, stamp, spans
        return None

    # -- results --------------------------------------------------------------------------------
    def _result(self, c: _Format, values: dict[str, str], stamp: str, line: str, offset: int,
                spans: dict[str, tuple[int, int]]) -> list[Evidence]:
        fmt = c.fmt
        self.last = fmt.id
        if fmt.key:
            key = (fmt.program, fmt.key, values.get(fmt.key, ""))
            if fmt.context:
                if key[2]:
                    kept = {k: v for k, v in values.items() if k != fmt.key}
                    if stamp:
                        kept.setdefault("timestamp", stamp)
                    # several context lines of one key add up (a message's id, then its sender)
                    self.contexts[key] = {**self.contexts.pop(key, {}), **kept}
                    if len(self.contexts) > MAX_CONTEXTS:
                        self.contexts.popitem(last=False)
                return []
            kept = self.contexts.pop(key, {}) if fmt.once else self.contexts.get(key, {})
            if kept:
                values = {**{k: v for k, v in kept.items() if k != "timestamp"}, **values}
        elif fmt.context:
            return []
        if fmt.states or fmt.otherwise:
            action = c.states.get(values.get("state", ""), fmt.otherwise)
        else:
            action = fmt.action
        if not action or action == "none":
            return []
        raw = values.get("reply") or values.get("text", "")
        which = "reply" if values.get("reply") else "text"
        if spans.get(which):
            start, end = spans[which]
            span = (offset + start, offset + end)
        else:
            at = line.find(raw) if raw else -1
            span = (offset + at, offset + at + len(raw)) if at >= 0 else (0, 0)
        return self.evidence(fmt, values, stamp or values.get("timestamp", ""), action, span, c)

    def evidence(self, fmt: LogFormat, values: dict[str, str], stamp: str, action: str,
                 span: tuple[int, int] = (0, 0), c: _Format | None = None) -> list[Evidence]:
        """The evidence for the fields a format read, one per recipient."""
        if c is None:
            c = _Format(fmt, 0)
        get = values.get
        text = _tidy(get("text", ""), fmt.decode)
        reply_text = _tidy(get("reply", ""), "")
        if fmt.layout != "line":
            text, reply_text = strip_diagnostic_type(text), strip_diagnostic_type(reply_text)
        diagnostic, notice = (reply_text, text) if reply_text else (text, "")
        reply, status = find_codes(diagnostic) if diagnostic else ("", "")
        if not reply and not status and notice:
            reply, status = find_codes(notice)
        if "status" in values:
            given = ENHANCED_RE.match(values["status"].strip())  # "5.1.1", "5.1.1 (bad destination …)"
            if given is not None:
                status = ".".join(given.groups())
        if "code" in values:
            code = values["code"].strip()
            if REPLY_CODE_RE.fullmatch(code):
                reply = code
        raw = get("recipient", "")
        if fmt.separator or "\n" in raw:
            parts = [p for part in (raw.split(fmt.separator) if fmt.separator else [raw]) for p in part.split("\n")]
            recipients = list(dict.fromkeys(r for r in map(_recipient, parts) if r))
        else:
            one = _recipient(raw) if raw else ""
            recipients = [one] if one else []
        original = _recipient(values["orig_to"]) if "orig_to" in values else ""
        if not recipients and original:
            recipients = [original]  # a pipe or a file delivered for this address
        common: dict[str, Any] = {
            "status": status, "reply": reply, "diagnostic": diagnostic, "notice": notice,
            "kind": Kind.DELIVERED if action == "delivered" else Kind.FAILURE, "action": action,
            "remote_mta": _relay(values["relay"]) if "relay" in values and fmt.direction == "outbound" else "",
            # the command a refusal answered (a delivery answered them all)
            "command": _command(c, values, diagnostic or notice) if action != "delivered" else "",
            "source": c.source, "span": span,
            "direction": fmt.direction, "timestamp": stamp.strip(), "queue_id": get("queue_id", "").strip(),
            "message_id": get("message_id", "").strip().strip("<>"),
            "sender": _address(values["sender"].strip()) if "sender" in values else "",
            "category": get("category", "").strip() if fmt.categories else ""}
        return [Evidence(recipient=r, original_recipient=original if original and original.lower() != r.lower() else "",
                         **common) for r in recipients or [""]]

    # -- CSV ------------------------------------------------------------------------------------
    def _csv_header(self, line: str) -> tuple[_Format, dict[str, int]] | None:
        for c in self.formats.csv:
            prefix = c.fmt.header_prefix
            if not line.startswith(prefix) or not all(h in line for h in c.fmt.header):
                continue
            import csv  # (imported on use, as json: most logs are lines)

            names = [x.strip() for x in next(csv.reader([line[len(prefix):]]), [])]
            if c.header <= set(names):
                return c, {n: i for i, n in enumerate(names)}
        return None

    def _csv_row(self, line: str, offset: int) -> list[Evidence]:
        assert self.csv is not None
        c, columns = self.csv
        import csv

        row = next(csv.reader([line]), [])
        values = {}
        for name, paths in c.fields:
            i = columns.get(paths[0])
            if i is not None and i < len(row) and row[i].strip():
                values[name] = row[i]
        return self._result(c, values, "", line, offset, {})

    # -- JSON -----------------------------------------------------------------------------------
    def _json_line(self, line: str, offset: int) -> list[Evidence] | None:
        if not self.formats.json or "{" not in line:
            return None
        start = line.find("{")
        if line.rstrip()[-1:] != "}" or not any(k in line for k in self.formats.json_keys):
            return None
        import json

        try:
            obj = json.loads(line[start:], strict=False)
        except (ValueError, RecursionError):
            return None
        if not isinstance(obj, dict):
            return None
        stamp = _envelope(line)[0] if start else ""
        return self.json_record(obj, line, offset, stamp)

    def json_record(self, obj: dict[str, Any], line: str = "", offset: int = 0, stamp: str = "") -> list[Evidence] | None:
        """The evidence of one JSON log record, or None when no JSON format reads it."""
        for c in self.formats.json:
            values = _json_values(obj, c)
            if values is not None:
                return self._result(c, values, stamp, line, offset, {})
        return None


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        items = [str(v) for v in value[:1000] if isinstance(v, (str, int))]
        return "\n".join(items) if items else None
    return None


def _json_values(obj: dict[str, Any], c: _Format) -> dict[str, str] | None:
    for path, allowed in c.match:
        value = _get(obj, path)
        if value is None or (allowed and _scalar(value) not in allowed):
            return None
    values: dict[str, str] = {}
    for name, paths in c.fields:
        found = [_scalar(_get(obj, p)) for p in paths]
        if all(x is not None for x in found) and any(found):
            values[name] = ".".join(x for x in found if x is not None)
    if c.fmt.pattern:
        m = c.compile().pattern.match(_scalar(_get(obj, c.fmt.pattern_key)) or "")
        if m is None:
            return None
        values.update({k: v for k, v in m.groupdict().items() if v and not values.get(k)})
    return values


def read_json_record(obj: dict[str, Any], registry: Registry | None = None) -> list[Evidence] | None:
    """The evidence of a JSON log record of a known program (KumoMTA, ZoneMTA, Haraka …), or None
    when no format of the registry reads it."""
    return LogReader(registry).json_record(obj)


# -- lines of programs we have no format for ---------------------------------------------------


def _generic(line: str, offset: int) -> list[Evidence]:
    """A line of no format we know: read only with a server reply in it and an address (never as
    one bounce's prose), and only when the reply is not a success."""
    if "@" not in line or not has_code(line):  # no address, or no reply: nothing to read
        return []
    out = []
    for e in parse_reply(line):
        to = LOG_TO_RE.search(line)
        others = addresses(LOG_NOT_RCPT_RE.sub(" ", line))
        recipient = clean_address(to.group(1)) if to else (others[0] if others else "")
        if recipient and (e.status or e.reply)[:1] != "2":  # a success reply reports no failure
            start = offset + len(line) - len(line.lstrip())
            out.append(replace(e, recipient=recipient, span=(start, offset + len(line.rstrip()))))
    return out


# -- whole texts ----------------------------------------------------------------------------------


def _lines(text: str) -> Iterator[tuple[str, int]]:
    offset = 0
    for line in text.split("\n"):
        yield line, offset
        offset += len(line) + 1


def parse_log(text: str | Iterable[str], registry: Registry | None = None) -> list[Evidence]:
    """Evidence for every line of a log that reports a failure (or a delivery): a whole text, or
    its lines one by one (without line ends)."""
    reader = LogReader(registry)
    out: list[Evidence] = []
    pairs = _lines(text) if isinstance(text, str) else _offsets(text)
    for number, (line, offset) in enumerate(pairs, 1):
        found = reader.line(line, offset)
        if found:  # each piece says the number of its line
            out.extend(replace(e, line=number) for e in found)
    return out


def _offsets(lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    offset = 0
    for line in lines:
        yield line, offset
        offset += len(line) + 1


def known_log(text: str, registry: Registry | None = None) -> bool:
    """Whether ``text`` holds a line that a known program's format reads (or a CSV log's header)."""
    head = text[:200_000]
    reader = LogReader(registry)
    firsts = head[:20_000].split("\n", 100)[:100]
    for first in firsts:  # a log's first lines mostly tell
        if reader._match(first) is not None:
            return True
    # the lines that start before ``tried`` were read whole above (all but a last one cut off at
    # 20,000 characters): the search below counts them, but does not read them again
    tried = sum(len(x) + 1 for x in firsts)
    if tried - 1 < len(head) and head[tried - 1] != "\n":
        tried -= len(firsts[-1]) + 1
    every_line_read = tried >= len(head)  # (a short text, a reply: the search below would read none)
    for c in reader.formats.csv:
        if all(h in head for h in c.fmt.header):
            for line, _ in _lines(head[:20_000]):
                if reader._csv_header(line) is not None:
                    return True
    for literal, _group in () if every_line_read else reader.formats.groups:
        at = head.find(literal)
        tries = 0
        while at >= 0 and tries < 50:
            tries += 1
            start = head.rfind("\n", 0, at) + 1
            end = head.find("\n", at)
            end = len(head) if end < 0 else end
            if start >= tried and reader._match(head[start:end]) is not None:
                return True
            at = head.find(literal, end)
    return False


def looks_like_log(text: str, registry: Registry | None = None) -> bool:
    """Whether ``text`` is log lines: a line of a known program's format, or lines that mostly start
    with a time stamp (a log of another kind, read line by line, never as a bounce's prose)."""
    if known_log(text, registry):
        return True
    if "\n" not in text.strip():
        return False  # one line: a reply, not a log (two stamped lines at least make one)
    lines = [x for x in text[:20_000].split("\n", 50)[:50] if x.strip()]
    stamped = sum(1 for x in lines if STAMP_RE.match(x))
    return stamped >= 2 and stamped * 5 >= len(lines) * 3
