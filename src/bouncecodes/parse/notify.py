"""Evidence from JSON event notifications mailed by sending services: Amazon SES notifications
(bare or wrapped in an SNS envelope, whose ``Message`` is itself JSON text).

The fields are read, never judged: ``bouncedRecipients[].status`` and ``diagnosticCode`` are the
DSN fields of the bounce; a delivery's ``smtpResponse`` is the remote's reply; a complaint is a
feedback report.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Evidence, Kind
from .common import ENHANCED_RE, clean_address, find_codes_ex, host_of, squash, tidy_reply

MARKERS = ("notificationType", "eventType")
MAX_JSON = 2_000_000
MAX_RECIPIENTS = 1000


def looks_like_notification(text: str) -> bool:
    head = text[:MAX_JSON]
    return any(m in head for m in MARKERS)


def _load(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` that carries a notification type (unwrapping SNS)."""
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
            diagnostic = _str(r.get("diagnosticCode"))
            if diagnostic.lower().startswith(("smtp;", "x-")) and ";" in diagnostic[:20]:
                diagnostic = diagnostic.split(";", 1)[1].strip()
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
