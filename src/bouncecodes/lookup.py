"""What the registry knows about a code: ``550``, ``5.7.26``, ``X.1.1``, ``5.XXX.YYY`` or ``"550 5.1.1"``."""

from __future__ import annotations

from . import lazyre as re  # re, its module-level patterns compiled on first use
from .errors import InputError, UnknownCodeError
from .model import EnhancedCode, Reason, Registry, ReplyCode, _plain, record
from .registry import load_registry

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Lookup", "lookup"]

TOKEN_RE = re.compile(r"^(?:[2-5]\d\d|[245X]\.\d{1,3}\.\d{1,3}|[245]\.XXX\.YYY|X\.\d{1,3}\.YYY)$", re.IGNORECASE)


@record
class Lookup:
    """The entries a query names. ``enhanced`` holds the code's own entry (when it has one), then its
    subject and class entries."""

    query: str
    reply: ReplyCode | None
    enhanced: tuple[EnhancedCode, ...]
    #: the reason whose pseudo status code was asked (``5.0.911`` → userunknown), else None
    pseudo: Reason | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "reply": _plain(self.reply) if self.reply else None,
                "enhanced": [dict(_plain(e), kind=e.kind.value) for e in self.enhanced],
                "pseudo": _plain(self.pseudo) if self.pseudo else None}


def lookup(query: str, registry: Registry | None = None) -> Lookup:
    """Look up one or two codes.

    Raises :class:`InputError` for a malformed query and :class:`UnknownCodeError` for a well-formed
    code the registry does not have.

    >>> lookup("550 5.1.1").reply.title
    'Requested action not taken, mailbox unavailable'
    """
    registry = registry or load_registry()
    tokens = query.replace(",", " ").split()
    if not tokens or len(tokens) > 2 or not all(TOKEN_RE.match(t) for t in tokens):
        raise InputError(
            f"{query!r} is not a code: give a reply code (550), an enhanced code (5.1.1, X.1.1), "
            "a class or subject (5.XXX.YYY, X.1.YYY), or a reply and an enhanced code together (\"550 5.1.1\")")
    reply: ReplyCode | None = None
    enhanced: list[EnhancedCode] = []
    pseudo: Reason | None = None
    for token in tokens:
        token = token.upper() if "x" in token.lower() or "y" in token.lower() else token
        if re.fullmatch(r"\d{3}", token):
            if reply is not None:
                raise InputError(f"{query!r} names two reply codes; give one")
            reply = registry.reply_code(token)
            if reply is None:
                raise UnknownCodeError(f"reply code {token} is not in the registry (no RFC or registry defines it)")
            continue
        if enhanced:
            raise InputError(f"{query!r} names two enhanced codes; give one")
        entry = registry.enhanced_entry(token)
        parts = token.split(".")
        if parts[2] == "YYY" or parts[1] == "XXX":
            if entry is None:
                raise UnknownCodeError(f"{token} is not a class or subject of the enhanced-code registry")
            enhanced.append(entry)
            continue
        if entry is not None:
            enhanced.append(entry)
        elif parts[1] == "0" and parts[0] in "45":
            pseudo = next((r for r in registry.reasons if r.pseudo_status and r.pseudo_status == parts[2]), None)
        subject = registry.enhanced_subject(parts[1])
        klass = registry.enhanced_class(parts[0]) if parts[0] != "X" else None
        if entry is None and subject is None:
            raise UnknownCodeError(f"{token} is not in the enhanced status code registry, and subject {parts[1]} is not defined")
        enhanced.extend(e for e in (subject, klass) if e is not None)
    return Lookup(query=query, reply=reply, enhanced=tuple(enhanced), pseudo=pseudo)
