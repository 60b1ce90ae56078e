"""Evidence from JSON event notifications of sending services: Amazon SES notifications (bare or
wrapped in an SNS envelope, whose ``Message`` is itself JSON text), mailed or as files; and the
bounce events of other services' webhooks and exports, read by field name (SendGrid, Mailgun,
Postmark, SparkPost and the like): a JSON object, an array of them, or JSON Lines.

The fields are read, never judged: ``bouncedRecipients[].status`` and ``diagnosticCode`` are the
DSN fields of the bounce; a delivery's ``smtpResponse`` is the remote's reply; a complaint is a
feedback report.
"""

from __future__ import annotations

from collections import deque

from ..model import Evidence, Kind
from .common import (
    ENHANCED_RE,
    clean_address,
    find_codes,
    find_codes_ex,
    host_of,
    squash,
    strip_diagnostic_type,
    tidy_reply,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

MARKERS = ("notificationType", "eventType")
MAX_JSON = 2_000_000
MAX_RECIPIENTS = 1000


def looks_like_notification(text: str) -> bool:
    head = text[:MAX_JSON]
    return any(m in head for m in MARKERS)


def _load(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` that carries a notification type (unwrapping SNS)."""
    import json  # (on use: most inputs are no JSON)

    decoder = json.JSONDecoder(strict=False)
    start = text.find("{")
    tries = 0
    while 0 <= start < MAX_JSON and tries < 5:
        tries += 1
        try:
            obj, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            start = text.find("{", start + 1)
            continue
        for _ in range(3):
            if not isinstance(obj, dict):
                break
            if "notificationType" in obj or "eventType" in obj:
                return obj
            inner = obj.get("Message")
            if not isinstance(inner, str):
                break
            try:
                obj = json.loads(inner, strict=False)
            except (ValueError, RecursionError):
                break
        start = text.find("{", start + 1)
    return None


def _str(value: Any) -> str:
    return squash(value) if isinstance(value, str) else ""


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value[:MAX_RECIPIENTS] if isinstance(v, dict)] if isinstance(value, list) else []


def parse_notification(text: str) -> list[Evidence]:
    """Evidence for each recipient of a JSON notification; [] when there is none."""
    obj = _load(text)
    if obj is None:
        return []
    kind = (_str(obj.get("notificationType")) or _str(obj.get("eventType"))).lower()
    if kind == "bounce":
        bounce = obj.get("bounce")
        if not isinstance(bounce, dict):
            return []
        reporting = host_of(_str(bounce.get("reportingMTA")))
        out = []
        for r in _dicts(bounce.get("bouncedRecipients")):
            diagnostic = strip_diagnostic_type(_str(r.get("diagnosticCode")))
            reply, text_status, attached = find_codes_ex(diagnostic)
            status_field = _str(r.get("status"))
            m = ENHANCED_RE.search(status_field)
            status = ".".join(m.groups()) if m else ""
            if text_status and (not status or (text_status[0] == status[0] and (attached or status.endswith(".0.0")))):
                status = text_status
            out.append(Evidence(
                recipient=clean_address(_str(r.get("emailAddress"))), status=status, reply=reply,
                diagnostic=tidy_reply(diagnostic, reply, text_status), action=_str(r.get("action")).lower(),
                notice=squash(f"{_str(bounce.get('bounceType'))} {_str(bounce.get('bounceSubType'))}"),
                reporting_mta=reporting, source="json"))
        return [e for e in out if e.recipient]
    if kind == "delivery":
        delivery = obj.get("delivery")
        if not isinstance(delivery, dict):
            return []
        response = _str(delivery.get("smtpResponse"))
        reply, status, _ = find_codes_ex(response)
        recipients = delivery.get("recipients")
        names = [clean_address(x) for x in recipients[:MAX_RECIPIENTS] if isinstance(x, str)] \
            if isinstance(recipients, list) else []
        return [Evidence(recipient=r, status=status, reply=reply, diagnostic=response, kind=Kind.DELIVERED,
                         action="delivered", reporting_mta=host_of(_str(delivery.get("reportingMTA"))),
                         source="json") for r in names if r]
    if kind == "complaint":
        complaint = obj.get("complaint")
        if not isinstance(complaint, dict):
            return []
        feedback = _str(complaint.get("complaintFeedbackType")).lower() or "abuse"
        names = [clean_address(_str(r.get("emailAddress"))) for r in _dicts(complaint.get("complainedRecipients"))]
        return [Evidence(recipient=r, kind=Kind.FEEDBACK, feedback_type=feedback,
                         diagnostic=_str(complaint.get("userAgent")), source="json") for r in names if r]
    return []


# -- other services' events, read by field name --------------------------------------------------

#: where services put the recipient, the server's words, the codes and the kind of event
RECIPIENT_KEYS = ("email", "recipient", "rcpt_to", "emailaddress", "email_address", "to")
TEXT_KEYS = ("raw_reason", "diagnosticcode", "diagnostic_code", "details", "reason", "message", "response",
             "smtpresponse", "description", "error")
STATUS_KEYS = ("enhanced-code", "enhanced_code", "status", "dsn")
REPLY_KEYS = ("code", "error_code", "smtp_code", "reply")
HOST_KEYS = ("mx-host", "mx_host", "remote-mta", "remote_mta", "remotemta")
EVENT_KEYS = ("event", "type", "recordtype", "eventtype", "notificationtype")
FAILED_EVENTS = frozenset({"bounce", "bounced", "failed", "dropped", "blocked", "hardbounce", "softbounce",
                           "out_of_band", "policy_rejection", "generation_failure", "generation_rejection",
                           "rejected", "permanent_fail", "temporary_fail", "undeliverable"})
DELAYED_EVENTS = frozenset({"deferred", "delay", "delayed", "transient", "temporary", "softfail"})
DELIVERED_EVENTS = frozenset({"delivered", "delivery", "sent"})
FEEDBACK_EVENTS = frozenset({"spamreport", "spam_complaint", "complained", "complaint", "spamcomplaint", "abuse"})
MAX_DEPTH = 4


def _flat(obj: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """The object's scalar fields with lower-case names, nested objects' fields after its own."""
    out: dict[str, Any] = {}
    nested: list[dict[str, Any]] = []
    for key, value in obj.items():
        if isinstance(value, dict):
            nested.append(value)
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            out.setdefault(str(key).lower(), value)
    if depth < MAX_DEPTH:
        for value in nested:
            for key, inner in _flat(value, depth + 1).items():
                out.setdefault(key, inner)
    return out


def _event(obj: dict[str, Any]) -> Evidence | None:
    """Evidence from one service event, or None when it is no delivery outcome (an open, a click …)."""
    fields = _flat(obj)
    recipient = next((a for a in (clean_address(str(fields[k])) for k in RECIPIENT_KEYS if isinstance(fields.get(k), str))
                      if a), "")
    if not recipient:
        return None
    names = {str(fields[k]).lower().replace(" ", "_") for k in EVENT_KEYS if isinstance(fields.get(k), str)}
    severity = str(fields.get("severity", "")).lower()
    if names & FEEDBACK_EVENTS:
        return Evidence(recipient=recipient, kind=Kind.FEEDBACK, feedback_type="abuse", source="json")
    if names & DELIVERED_EVENTS and not names & (FAILED_EVENTS | DELAYED_EVENTS):
        return Evidence(recipient=recipient, kind=Kind.DELIVERED, action="delivered", source="json")
    if not names & (FAILED_EVENTS | DELAYED_EVENTS) and severity not in ("permanent", "temporary"):
        return None
    texts = [_str(fields[k]) for k in TEXT_KEYS if isinstance(fields.get(k), str) and fields[k].strip()]
    # the server's words: the text with a reply code, else with an enhanced code, else the longest
    diagnostic = texts[0] if len(texts) == 1 else \
        max(texts, key=lambda t: (bool(find_codes_ex(t)[0]), bool(find_codes(t)[1]), len(t)), default="")
    diagnostic = strip_diagnostic_type(diagnostic)
    reply, text_status, _ = find_codes_ex(diagnostic)
    status = text_status or next((str(fields[k]) for k in STATUS_KEYS
                                  if ENHANCED_RE.fullmatch(str(fields.get(k, "")).strip())), "")
    code = next((str(fields[k]) for k in REPLY_KEYS if str(fields.get(k, "")).isdigit()), "")
    if not reply and len(code) == 3 and code[0] in "245":
        reply = code
    delayed = bool(names & DELAYED_EVENTS) or severity == "temporary"
    host = next((host_of(str(fields[k])) for k in HOST_KEYS if isinstance(fields.get(k), str)), "")
    return Evidence(recipient=recipient, status=status.strip(), reply=reply,
                    diagnostic=tidy_reply(diagnostic, reply, text_status), remote_mta=host,
                    action="delayed" if delayed else "failed", source="json")


def _objects(text: str) -> list[Any]:
    """The JSON values of ``text``: one document, or one per line (JSON Lines)."""
    import json

    try:
        return [json.loads(text, strict=False)]
    except (ValueError, RecursionError):
        pass
    values = []
    for line in text.split("\n"):
        line = line.strip()
        if line[:1] in ("{", "["):
            try:
                values.append(json.loads(line, strict=False))
            except (ValueError, RecursionError):
                continue
    return values


def parse_json(text: str) -> list[Evidence] | None:
    """Evidence from JSON input: an SES notification, or other services' events (an object, an array,
    an object holding an array of events, or JSON Lines), every one of them, in order. [] when
    nothing in it is a delivery outcome; None when the text is no JSON at all."""
    if looks_like_notification(text):
        found = parse_notification(text)
        if found:
            return found
    values = _objects(text)
    if not values:
        return None
    from .logs import LogReader

    logs = LogReader()  # the JSON log records of mail programs (codes/logs/), read by their formats
    out: list[Evidence] = []
    pending = deque(values)  # depth first, so events come out in the order they are written
    while pending:
        value = pending.popleft()
        if isinstance(value, list):
            pending.extendleft(reversed(value))
        elif isinstance(value, dict):
            record = logs.json_record(value)
            if record is not None:
                out.extend(record)
                continue
            event = _event(value)
            if event is not None:
                out.append(event)
            else:  # a wrapper: {"events": [...]}, {"items": [...]}
                pending.extendleft(reversed([v for v in value.values() if isinstance(v, list)]))
    return out
