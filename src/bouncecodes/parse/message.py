"""Evidence from a whole email: RFC 3464 DSNs, RFC 5965 feedback reports, automatic replies,
and human-readable bounces of any MTA (through :mod:`bouncecodes.parse.text`)."""

from __future__ import annotations

from .. import lazyre as re  # re, its module-level patterns compiled on first use
from ..model import Evidence, Kind, replace
from .common import (
    ENHANCED_RE,
    addresses,
    clean_address,
    decode_iso2022,
    find_codes,
    find_codes_ex,
    host_of,
    squash,
    strip_diagnostic_type,
    tidy_reply,
)
from .formats import Feedback, notice_formats
from .mime import decode_words, is_message, read
from .notify import looks_like_notification, parse_notification
from .text import (
    MAX_DIAGNOSTIC,
    Blocks,
    alias_origin,
    bare_recipients,
    block_evidence,
    evidence_from_notice,
    find_command,
    notice_part,
    reply_lines,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

    from .mime import MessageLike as Message

# Every message here is read by parse/mime.py's lean reader, or when it declines by the email package
# with its default policy, compat32, which keeps header values as they are: both give the same.

# Generic words of a bounce's From and Subject lines, in any program's notice; what one program writes
# is in its catalogue (codes/software/<id>.yaml, notices) and read through parse.formats
BOUNCE_SENDER_RE = re.compile(r"mailer-daemon|post_?master|mail delivery|mail ?administrator|mailer_daemon|"
                              r"delivery (?:status|subsystem)|bounce|daemon@|mdaemon|returned|system administrator",
                              re.IGNORECASE)
BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|undelivered|delivery (?:status|fail|notification|report|problem|error)|returned (?:mail|to sender)|"
    r"failure notice|non.?deliver|could not be delivered|not delivered|mail system error|delivery has failed|"
    r"failed delivery|delivery failure|rejected|bounce|warning: could not|mail delivery|nicht zustellbar|"
    r"unzustellbar|non remis|no se puede entregar|error sending|permanent error|message blocked|"
    r"problem delivering|mail failure|returned message|unable to deliver|message you sent|"
    r"\u30a8\u30e9\u30fc\u901a\u77e5|\u914d\u4fe1(?:\u30a8\u30e9\u30fc|\u5931\u6557|\u4e0d\u80fd)|"
    r"\u4e0d\u9054|\u9001\u4fe1(?:\u30a8\u30e9\u30fc|\u5931\u6557)|\u8fd4\u9001|"
    r"\u672a\u9001\u9054|\u9000\u4fe1|\u65e0\u6cd5\u6295\u9012",
    re.IGNORECASE)
AUTOREPLY_SUBJECT_RE = re.compile(
    r"out of (?:the )?office|auto(?:matic)?[ -]?(?:reply|response|antwort)|vacation|abwesen|absence|"
    r"away from (?:my|the) (?:office|desk)|r[ée]ponse automatique|risposta automatica|respuesta autom", re.IGNORECASE)
HTML_TAG_RE = re.compile(r"<(?:[^<>\"']|\"[^\"]*\"|'[^']*'){0,2000}>")
HTML_BREAK_RE = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d)\b[^<>]{0,200}>", re.IGNORECASE)


# A Content-Type or Content-Disposition field (with its continuation lines) is cut after this many
# characters before the message is read (by either reader: they then read the same text; the email
# package is the one that needs it): it splits parameters in time that grows with their
# number times the field's length (150,000 ';' took seconds), and no real field comes near this
# length. Only a long text with many ';' is looked at: the cost stays small below that.
MAX_PARAMETER_FIELD = 4000
MANY_SEMICOLONS = 200
PARAMETER_FIELD_RE = re.compile(r"^content-(?:type|disposition)[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*",
                                re.IGNORECASE | re.MULTILINE)


def _cut_field(m: re.Match[str]) -> str:
    return m.group(0)[:MAX_PARAMETER_FIELD]


def _message(text: str) -> Message:
    """``text`` read as a message tree (:func:`bouncecodes.parse.mime.read`), its over-long
    parameter fields cut first."""
    if len(text) > MAX_PARAMETER_FIELD and text.count(";") > MANY_SEMICOLONS:
        text = PARAMETER_FIELD_RE.sub(_cut_field, text)
    return read(text)


JAPANESE_CHARSETS = frozenset({"iso-2022-jp", "euc-jp", "shift-jis", "cp932", "iso-2022-jp-2", "iso-2022-jp-3",
                               "euc-jis-2004", "shift-jis-2004", "windows-31j", "sjis", "x-sjis", "ms932"})
#: what Japanese text is tried as when its declared charset does not decode it
JAPANESE_TRIES = ("iso-2022-jp", "euc-jp", "cp932")


def _decode(part: Message) -> str:
    """A text part's content as str, whatever its transfer encoding and charset."""
    raw = part.get_payload()
    if isinstance(raw, str) and not raw.isascii() and \
            str(part.get("content-transfer-encoding", "")).strip().lower() in ("", "7bit", "8bit", "binary"):
        # An unencoded body is already text here (the input was decoded as a whole), and compat32's
        # get_payload(decode=True) would turn its non-ASCII characters into '\\uXXXX' escapes.
        try:
            payload: object = raw.encode("latin-1")  # the input was read as Latin-1: the original bytes
        except UnicodeEncodeError:
            return decode_iso2022(raw)  # real text already
    else:
        payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return raw if isinstance(raw, str) else ""
    charset = (part.get_content_charset() or "utf-8").strip().strip('"').lower()
    # Japanese notices often declare one Japanese charset and hold another (EUC-JP or Shift_JIS
    # bytes under "ISO-2022-JP"): the others of the family are tried before Latin-1
    family = JAPANESE_TRIES if charset.replace("_", "-") in JAPANESE_CHARSETS else ()
    for cs in (charset, "utf-8", *family, "latin-1"):
        try:
            return decode_iso2022(payload.decode(cs))
        except (LookupError, ValueError):
            # an unknown label, a codec that is no text encoding ("hex"), or bytes it cannot read:
            # UnicodeDecodeError, but also a bare UnicodeError ("punycode", "idna") or ValueError
            continue
    return payload.decode("latin-1", "replace")  # pragma: no cover - latin-1 never fails


def _html_to_text(html: str) -> str:
    import html as html_mod

    return html_mod.unescape(HTML_TAG_RE.sub(" ", HTML_BREAK_RE.sub("\n", html)))


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:
        text = decode_words(text)
    return squash(decode_iso2022(text))


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status (or feedback-report) part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [p for p in payload if is_message(p)]
        # compat32 keeps the first block's fields in the first sub-message; an empty payload line
        # between blocks makes the rest sub-messages.
        return blocks
    if isinstance(payload, str):
        text = _decode(part) if part.get("content-transfer-encoding") else payload
        return [_message(chunk.strip() + "\n")
                for chunk in re.split(r"\n\s*\n", text.replace("\r", "")) if chunk.strip()]
    return []


def _blocks_from_text(text: str) -> list[Message]:
    return [_message(chunk.strip() + "\n")
            for chunk in re.split(r"\n\s*\n", text) if ":" in chunk]


class Parts:
    """What a walk over the MIME tree found."""

    def __init__(self) -> None:
        self.status: list[Message] = []
        self.feedback: list[Message] = []
        self.texts: list[str] = []
        self.original: Message | None = None
        self.original_headers: str = ""
        self._original_fields: list[tuple[str, str]] | None = None

    def original_fields(self) -> list[tuple[str, str]]:
        """The returned message's header fields (lower-case name, value), from its message/rfc822
        part or else its text/rfc822-headers part; read once."""
        if self._original_fields is None:
            source = self.original
            if source is None and self.original_headers:
                source = _message(self.original_headers.lstrip("\r\n"))
            self._original_fields = [(k.lower(), str(v)) for k, v in source.items()] if source is not None else []
        return self._original_fields


def _walk(msg: Message) -> Parts:
    found = Parts()
    stack: list[tuple[Message, bool]] = [(msg, False)]
    while stack:
        part, inside_original = stack.pop(0)
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            found.status.extend(_field_blocks(part))
            continue
        if ctype == "message/feedback-report":
            found.feedback.extend(_field_blocks(part))
            continue
        if ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and is_message(inner[0]) and found.original is None:
                found.original = inner[0]
            elif isinstance(inner, str) and found.original is None:
                found.original = _message(inner)
            continue
        if ctype in ("text/rfc822-headers", "text/rfc822-header", "message/rfc822-headers"):
            if not found.original_headers:
                found.original_headers = _decode(part)
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [(p, inside_original) for p in payload if is_message(p)]
            continue
        maintype = ctype.split("/")[0]  # what part.get_content_maintype() gives, without reading the header again
        if maintype == "multipart":
            # a multipart without its boundary: its body is all there is to read
            if not inside_original:
                found.texts.append(_decode(part))
            continue
        if inside_original:
            continue
        if ctype == "text/plain" or (maintype == "text" and ctype != "text/html"):
            text = _decode(part)
            if is_arf_fields(text):
                # a feedback report's machine-readable part sent as text/plain, or untyped (which is
                # text/plain too), or a report that is the message's whole body
                found.feedback.extend(_blocks_from_text(text.replace("\r", "")))
            else:
                found.texts.append(text)
        elif ctype == "text/html":
            found.texts.append(_html_to_text(_decode(part)))
    return found


# RFC 5965 section 3.1: a feedback report's fields, of which Feedback-Type, User-Agent and Version
# are required; the part holds fields only, as a message's header does
ARF_FIRST_LINE_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]")
ARF_TYPE_RE = re.compile(r"^feedback-type:[ \t]{0,8}[A-Za-z]", re.IGNORECASE | re.MULTILINE)
ARF_OTHER_RE = re.compile(r"^(?:user-agent|version):", re.IGNORECASE | re.MULTILINE)


def is_arf_fields(text: str) -> bool:
    """Whether a text part is the fields of an RFC 5965 feedback report (whatever its part was
    labelled): it starts with a field, and holds Feedback-Type with User-Agent or Version."""
    head = text[:4096].lstrip()
    return ARF_FIRST_LINE_RE.match(head) is not None and ARF_TYPE_RE.search(head) is not None \
        and ARF_OTHER_RE.search(head) is not None


def _original_recipients(parts: Parts) -> list[str]:
    return addresses("\n".join(v for k, v in parts.original_fields() if k in ("to", "cc")))


ENVELOPE_FOR_RE = re.compile(r"\bfor\s{1,8}<?([^\s<>;]{1,320}@[^\s<>;]{1,255})>?\s{0,8}(?:;|$)", re.IGNORECASE)
LIST_HEADERS = ("list-post", "x-beenthere")


def _failed_recipients_of_original(parts: Parts) -> list[str]:
    """For a notice that names no recipient: where the returned message was going. The envelope
    recipient of its latest Received field ("… for <bob@example.org>; date") first, then its To and
    Cc, without the address of a mailing list it came through (List-Post, X-BeenThere): a list's
    copy is addressed to the list, not to the member whose server refused it."""
    fields = parts.original_fields()
    found = (ENVELOPE_FOR_RE.search(squash(v)) for k, v in fields if k == "received")
    m = next((x for x in found if x), None)
    envelope = addresses(m.group(1)) if m else []
    lists = {a.lower() for k, v in fields if k in LIST_HEADERS for a in addresses(v)}
    return [a for a in dict.fromkeys(envelope + _original_recipients(parts)) if a.lower() not in lists]


def _original_sender(parts: Parts) -> list[str]:
    return addresses(" ".join(v for k, v in parts.original_fields() if k in ("from", "return-path")))


def _dsn_diagnostic(value: str) -> str:
    return squash(strip_diagnostic_type(decode_iso2022(value)))


def _fields(block: Message) -> dict[str, Any]:
    """A header block's fields by lower-case name; of a name given twice, the first (as ``get``)."""
    fields: dict[str, Any] = {}
    for name, value in block.items():
        fields.setdefault(name.lower(), value)
    return fields


class _Notice:
    """The notice part of a message's human-readable text, and its squashed start, cut once."""

    def __init__(self, human: str) -> None:
        self.human = human
        self._part: str | None = None
        self._squashed: str | None = None

    @property
    def part(self) -> str:
        if self._part is None:
            self._part = notice_part(self.human)
        return self._part

    @property
    def squashed(self) -> str:
        if self._squashed is None:
            self._squashed = squash(self.part)[:MAX_DIAGNOSTIC]
        return self._squashed


def _from_dsn(blocks: list[Message], human: str, exclude: set[str]) -> list[Evidence]:
    reporting = ""
    results: list[Evidence] = []
    human_blocks: Blocks | None = None
    # each block's fields by lower-case name, the first of a name as Message.get gives it
    all_fields = [_fields(b) for b in blocks]
    with_recipient = sum(1 for f in all_fields if f.get("final-recipient") or f.get("original-recipient"))
    notice = _Notice(human)

    def blocks_of_human() -> Blocks:
        nonlocal human_blocks
        if human_blocks is None:
            human_blocks = Blocks(notice.part if human else "", exclude)
        return human_blocks

    for block in all_fields:
        if "reporting-mta" in block and not reporting:
            reporting = host_of(str(block.get("reporting-mta", "")))
        recipient_field = block.get("final-recipient") or block.get("original-recipient")
        if recipient_field is None:
            continue
        recipient = clean_address(str(recipient_field))
        if not recipient:
            found = addresses(str(block.get("original-recipient", "")) + " " + str(recipient_field))
            # a host without a dot only when nothing better is given: Sun's messaging server names
            # its own channel there ("userx@sims-ms-daemon") and the address in Original-Recipient
            recipient = found[0] if found else clean_address(str(recipient_field), dotless=True)
        if not recipient and with_recipient == 1 and len(blocks_of_human().blocks) == 1:
            # an unusable Final-Recipient ("rfc822; @host"): the notice names the one recipient
            recipient = next(iter(blocks_of_human().blocks))
        action = squash(str(block.get("action", ""))).lower()
        status_field = squash(str(block.get("status", "")))
        m = ENHANCED_RE.search(status_field)
        status = ".".join(m.groups()) if m else ""
        diagnostic = _dsn_diagnostic(str(block.get("diagnostic-code", "")))
        command = ""
        block_codes: tuple[str, str] | None = None
        lines = blocks_of_human().lines_of(recipient) if human else []
        if not diagnostic and lines:
            diagnostic, block_reply, block_status, command = block_evidence(lines, recipient)
            block_codes = block_reply, block_status
        if block_codes is not None:
            reply, text_status, attached = block_codes[0], block_codes[1], False
        else:
            reply, text_status, attached = find_codes_ex(diagnostic)
            diagnostic = tidy_reply(diagnostic, reply, text_status)
        if not reply and human:
            # a Diagnostic-Code without the reply ("X-Unix; 71"): the notice may show the reply
            if lines:
                _, other_reply, _, _ = block_evidence(lines, recipient)
            else:
                other_reply = find_codes(reply_lines(notice.part))[0] if with_recipient == 1 else ""
            if other_reply and other_reply[0] == (status or text_status or other_reply)[0]:
                reply = other_reply
        # The code the remote server gave with its reply is more telling than the reporting MTA's
        # summary in Status (which is often X.0.0, or 4.4.7 after retries), within the same class.
        if text_status and (not status or (text_status[0] == status[0] and (attached or status.endswith(".0.0")))):
            status = text_status
        kind = Kind.DELIVERED if action in ("delivered", "relayed", "expanded") and not status.startswith(("4", "5")) \
            else Kind.FAILURE
        original = clean_address(str(block.get("original-recipient", ""))) if "original-recipient" in block else ""
        if not original and lines:
            original = alias_origin(lines, recipient)  # the notice's "(expanded from <…>)"
        if original.lower() == recipient.lower():
            original = ""
        results.append(Evidence(
            recipient=recipient, status=status, reply=reply, diagnostic=diagnostic[:MAX_DIAGNOSTIC],
            notice=blocks_of_human().notice_for(recipient) if with_recipient > 1 and human
            else notice.squashed, kind=kind, action=action,
            remote_mta=host_of(str(block.get("remote-mta", ""))), reporting_mta=reporting,
            command=(command or find_command(diagnostic + " " + human[:4000])) if kind is Kind.FAILURE else "",
            diagnostic_type=_dsn_type(str(block.get("diagnostic-code", ""))), source="dsn",
            original_recipient=original))
    if len(results) > 1:
        # an alias loop or an expansion can repeat one recipient's block word for word: one result
        unique: dict[tuple[str, ...], Evidence] = {}
        for e in results:
            unique.setdefault((e.recipient.lower(), e.status, e.reply, e.diagnostic, e.action, e.remote_mta,
                               e.kind.value), e)
        results = list(unique.values())
    return results


def _dsn_type(value: str) -> str:
    """The type of a Diagnostic-Code field ("smtp", "x-unix"), lower case, or ''."""
    head, sep, _ = value[:40].partition(";")
    head = head.strip().lower()
    return head if sep and head and " " not in head else ""


def _from_feedback(blocks: list[Message], parts: Parts, msg: Message) -> list[Evidence]:
    fields: dict[str, str] = {}
    rcpts: list[str] = []
    for block in blocks:
        for k, v in block.items():
            fields.setdefault(k.lower(), squash(str(v)))
            if k.lower() == "original-rcpt-to":
                rcpts.extend(a for a in [clean_address(squash(str(v)))] if a)
    if not rcpts:
        rcpts = (_original_recipients(parts) or addresses(_header(msg, "To")))[:1] or [""]
    feedback_type = fields.get("feedback-type", "other").lower()
    return [Evidence(recipient=r, kind=Kind.FEEDBACK, feedback_type=feedback_type,
                     reporting_mta=host_of(fields.get("reporting-mta", "")),
                     diagnostic=fields.get("user-agent", ""), source="arf") for r in dict.fromkeys(rcpts)]


def _from_feedback_loop(loop: Feedback, parts: Parts, msg: Message) -> list[Evidence]:
    """A complaint that a feedback loop reports in a layout of its own (``notices`` of kind feedback
    in the registry): the returned message names the complaining recipient in the fields the layout
    gives, else in its To. It says nothing of the kind of complaint but that it is one: abuse."""
    fields = parts.original_fields()
    named = [a for f in loop.fields for k, v in fields if k == f for a in addresses(v)]
    recipients = list(dict.fromkeys(named or _original_recipients(parts)[:1])) or [""]
    return [Evidence(recipient=r, kind=Kind.FEEDBACK, feedback_type="abuse", diagnostic=_header(msg, "Subject"),
                     source="arf") for r in recipients]


def _is_autoreply(msg: Message) -> bool:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return True
    if _header(msg, "Precedence").lower() == "auto_reply":
        return True
    return bool(AUTOREPLY_SUBJECT_RE.search(_header(msg, "Subject")))


def looks_like_bounce(msg: Message, parts: Parts) -> bool:
    """Whether a message without a DSN part still claims to be a delivery failure."""
    if msg.get("X-Failed-Recipients"):
        return True
    # the From of a notice names a daemon or a delivery system; a Return-Path is only the envelope of
    # whoever sent the message, and senders of ordinary mail use "bounce" addresses there
    # ("bounces+123@…", SRS's "SRS0=…@bounce.…"): it counts when it names a daemon
    subject, sender = _header(msg, "Subject"), _header(msg, "From")
    known = notice_formats()
    if BOUNCE_SENDER_RE.search(sender) or DAEMON_RE.search(_header(msg, "Return-Path")) \
            or BOUNCE_SUBJECT_RE.search(subject) or known.subject(subject) or known.sender(sender):
        return True
    # a line only one program writes in its notices, in the text itself (not quoted, not forwarded)
    head = "\n".join(parts.texts)[:MAX_MARKER_SCAN]
    return known.marker(head) and FORWARDED_RE.search(head) is None


def is_bounce_subject(subject: str) -> bool:
    """Whether a Subject line (or the first lines of a pasted text) reads as a bounce notice's."""
    return BOUNCE_SUBJECT_RE.search(subject) is not None or notice_formats().subject(subject)


MAX_MARKER_SCAN = 8000


BOUNDARY_LINE_RE = re.compile(r"^--([!-~]{1,200}?)(?:--)?[ \t]{0,20}$", re.MULTILINE)


def _repair_boundary(text: str, msg: Message) -> Message:
    """A multipart message whose declared boundary never occurs in the body (an edited or broken
    message) re-read with the boundary its body really uses."""
    if msg.get_content_maintype() != "multipart" or msg.is_multipart():
        return msg
    head, sep, body = text.partition("\n\n")
    declared = msg.get_param("boundary")
    if not sep or not isinstance(declared, str) or not declared or declared not in head:
        return msg
    counts: dict[str, int] = {}
    for m in BOUNDARY_LINE_RE.finditer(body[:1_000_000]):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        if counts[m.group(1)] >= 2:
            fixed = _message(head.replace(declared, m.group(1), 1) + sep + body)
            return fixed if fixed.is_multipart() else msg
    return msg


# where a forwarded message starts inside a text part ("Begin forwarded message:", Outlook's and
# Gmail's "----- Forwarded message -----")
FORWARDED_RE = re.compile(r"^[ \t]{0,8}(?:begin forwarded message:|-{2,20}[ \t]{0,3}(?:forwarded message|original message)"
                          r"[ \t]{0,3}-{0,20})[ \t]*$", re.IGNORECASE | re.MULTILINE)
HEADER_LINE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]")
MAX_NESTING = 2


def _forwarded(human: str) -> str:
    """The message forwarded inside a text part, without its '> ' quoting, or ''."""
    m = FORWARDED_RE.search(human)
    if not m:
        return ""
    lines = human[m.end():].lstrip("\n").split("\n")
    if sum(1 for line in lines[:12] if line.startswith(">")) >= 3:
        lines = [line[2:] if line.startswith("> ") else line[1:] if line.startswith(">") else line for line in lines]
    if not lines or not HEADER_LINE_RE.match(lines[0]):
        return ""
    return "\n".join(lines)


def _nested(parts: Parts, human: str, depth: int, keep: frozenset[str] = frozenset()) -> list[Evidence]:
    """Evidence from a bounce carried inside this one: attached as the 'original message', or
    forwarded in the text by someone who received it. [] when there is none. ``keep``: the
    addresses (lower-case) the outer notice reports as failed, which the inner one may name too."""
    if parts.original is not None:
        inner = parts.original
        inner_parts = _walk(inner)
        if looks_like_bounce(inner, inner_parts):
            found = _parse_message("", depth + 1, (inner, inner_parts), keep)
            if found:
                return found
    forwarded = _forwarded(human)
    return _parse_message(forwarded, depth + 1, keep=keep) if forwarded else []


def parse_message(text: str) -> list[Evidence]:
    """Evidence for each recipient of one email (str, line ends already normalised)."""
    return _parse_message(text, 0)


def _parse_message(text: str, depth: int, parsed: tuple[Message, Parts] | None = None,
                   keep: frozenset[str] = frozenset()) -> list[Evidence]:
    if parsed is None:
        msg = _repair_boundary(text, _message(text))
        parts = _walk(msg)
    else:  # a message already parsed (one attached to another)
        msg, parts = parsed
    human = "\n".join(parts.texts)
    if parts.feedback:
        return _from_feedback(parts.feedback, parts, msg)
    if parts.original is not None or parts.original_headers:
        loop = notice_formats().feedback_of(_header(msg, "Subject"), _header(msg, "From"))
        if loop is not None:
            return _from_feedback_loop(loop, parts, msg)

    exclude = {a.lower() for a in addresses(_header(msg, "To") + " " + _header(msg, "From") + " "
                                             + _header(msg, "Return-Path") + " " + _header(msg, "Reply-To"))}
    exclude |= {a.lower() for a in _original_sender(parts)}
    # ... but not an address the returned message was sent to: someone who wrote to themselves
    exclude -= {a.lower() for a in _original_recipients(parts)}
    # ... nor one an outer notice carrying this one reports as failed: a message returned inside a
    # bounce is addressed to that recipient (its To is not the bounce's addressee, as in a notice)
    exclude -= keep

    status_blocks = parts.status
    if not status_blocks and re.search(r"^(?:final|original)-recipient:", human, re.IGNORECASE | re.MULTILINE):
        status_blocks = _blocks_from_text(human)  # a DSN sent as text/plain
    if status_blocks:
        found = _from_dsn(status_blocks, human, exclude)
        if found:
            return found

    if looks_like_notification(human):
        found = parse_notification(human)
        if found:
            return found

    if not looks_like_bounce(msg, parts):
        if _is_autoreply(msg):
            who = addresses(_header(msg, "From"))
            return [Evidence(recipient=who[0] if who else "", kind=Kind.AUTOREPLY,
                             diagnostic=_header(msg, "Subject"), source="autoreply")]
        # someone's own message carrying a bounce they received (forwarded, or attached): that bounce
        nested = _nested(parts, human, depth, keep) if depth < MAX_NESTING else []
        return nested if any(e.reply or e.status for e in nested) else []

    reporting = ""
    received = msg.get_all("Received") or []
    if received:
        m = re.search(r"\bby\s+([A-Za-z0-9.-]{3,255})", str(received[0]))
        reporting = m.group(1).lower() if m else ""
    # Exim's list of the addresses that failed: a field of addresses only, local ones without a dot too
    failed = list(dict.fromkeys(a for a in (clean_address(x, dotless=True)
                                            for x in _header(msg, "X-Failed-Recipients").split(",")) if a))
    results = evidence_from_notice(human, {a.lower() for a in exclude} | _daemon_addresses(human), listed=len(failed))
    if failed:
        by_addr = {e.recipient.lower(): e for e in results}
        notice = _Notice(human)
        ordered = [by_addr.get(a.lower()) or Evidence(recipient=a, notice=notice.squashed, source="text")
                   for a in failed]
        results = [e for e in ordered if e is not None]
    if depth < MAX_NESTING and not any(e.reply or e.status for e in results):
        # a bounce inside this one wins only when it says more: a code where this one has none.
        # The recipients this notice names stay recipients there.
        nested = _nested(parts, human, depth, keep | {e.recipient.lower() for e in results if e.recipient})
        if any(e.reply or e.status for e in nested):
            return nested
    if not results:
        # where the returned message was going (one address: its To may list others that did not
        # fail), else every user the notice lists by name only
        recipients = _failed_recipients_of_original(parts)[:1] or _bare_recipients(msg, human)
        body = squash(notice_part(human))
        reply, status = find_codes(body)
        results = [Evidence(recipient=r, status=status, reply=reply, diagnostic=body[:MAX_DIAGNOSTIC],
                            notice=body[:MAX_DIAGNOSTIC], source="text") for r in recipients or [""]]
        if not body and not recipients:
            return []
    return [_finish(e, reporting) for e in results]


DAEMON_RE = re.compile(r"(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|mailer_daemon)@", re.IGNORECASE)


def _bare_recipients(msg: Message, human: str) -> list[str]:
    """Recipients a notice from a mail system's daemon ("MAILER-DAEMON@example.org") names by user
    name only: at the daemon's domain, where those users have their mailboxes."""
    daemon = next((a for a in addresses(_header(msg, "From")) if DAEMON_RE.match(a)), "")
    return bare_recipients(human, daemon.partition("@")[2]) if daemon else []


# the addresses of mail systems themselves, never a recipient: "MAILER-DAEMON@…", "bounces+…@…"
DAEMON_ADDRESS_RE = re.compile(r"(?<![\w.+-])(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|double-bounce|"
                               r"no-?reply|bounces?)[@+][^\s<>()\[\],;:\"']{1,320}", re.IGNORECASE)


def _daemon_addresses(text: str) -> set[str]:
    """Addresses of mail systems in ``text`` (looked for by their names: a notice listing thousands of
    recipients is not read address by address here)."""
    return {a.lower() for a in (clean_address(m.group(0)) for m in DAEMON_ADDRESS_RE.finditer(text)) if a}


def _finish(e: Evidence, reporting: str) -> Evidence:
    remote = e.remote_mta
    if not remote:
        m = re.search(r"\b(?:host|server|mx)\s+([A-Za-z0-9][A-Za-z0-9.-]{2,253}\.[A-Za-z]{2,63})\b", e.diagnostic,
                      re.IGNORECASE)
        remote = m.group(1).lower() if m else ""
    reporting = e.reporting_mta or reporting
    command = e.command or find_command(e.diagnostic)
    if (remote, reporting, command) == (e.remote_mta, e.reporting_mta, e.command):
        return e  # nothing to add (dataclasses.replace is not cheap, and long lists call this often)
    return replace(e, remote_mta=remote, reporting_mta=reporting, command=command)
