"""The record a verdict is written as, shared by the CLI's JSON/JSON Lines/CSV output and the
in-browser checker, so both give the same fields with the same values."""

from __future__ import annotations

from .model import Result

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

__all__ = ["FIELDS", "record"]

#: The fields of a record, in output order (CSV columns).
FIELDS = ["file", "recipient", "status", "reply", "reason", "hard", "permanent", "detail", "action", "advice_from",
          "provider",
          "rule", "diagnostic", "status_source", "original_recipient", "direction"]


def record(label: str, r: Result) -> dict[str, Any]:
    """The output record of one result; ``label`` names the input (a file name, ``-`` for standard
    input; anything after ``#`` — a message's number in an mbox — is dropped)."""
    return {"file": label.split("#", 1)[0], "recipient": r.recipient, "status": r.status, "reply": r.reply,
            "reason": r.reason, "hard": r.hard, "permanent": r.permanent, "detail": r.detail, "action": r.action,
            "advice_from": r.advice_from,
            "provider": r.provider, "rule": r.rule, "diagnostic": r.diagnostic, "status_source": r.status_source,
            "original_recipient": r.original_recipient, "direction": r.direction}
