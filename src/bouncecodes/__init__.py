"""bouncecodes: SMTP reply codes and enhanced status codes explained, and a bounce classifier.

>>> import bouncecodes
>>> [r.reason for r in bouncecodes.classify("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown")]
['userunknown']

The runtime is standard library only; the same code runs under Pyodide.
"""

from __future__ import annotations

import operator

from .classify import classify_evidence, find_provider, provider_reply, recognise_provider
from .errors import (
    BounceCodesError,
    InputError,
    InputTooLargeError,
    RegistryNotBuiltError,
    UnknownCodeError,
    UnknownProviderError,
)
from .lookup import lookup
from .model import (
    EnhancedCode,
    Evidence,
    Kind,
    PhraseRule,
    Provider,
    ProviderRule,
    Reason,
    Reference,
    Registry,
    ReplyCode,
    Result,
    record_fields,
    replace,
)
from .parse import MAX_INPUT, parse
from .registry import load_registry

__version__ = "0.1.0"

__all__ = [
    "MAX_INPUT",
    "BounceCodesError",
    "EnhancedCode",
    "Evidence",
    "InputError",
    "InputTooLargeError",
    "Kind",
    "PhraseRule",
    "Provider",
    "ProviderRule",
    "Reason",
    "Reference",
    "Registry",
    "RegistryNotBuiltError",
    "ReplyCode",
    "Result",
    "UnknownCodeError",
    "UnknownProviderError",
    "__version__",
    "classify",
    "classify_evidence",
    "load_registry",
    "lookup",
    "parse",
    "recognise_provider",
]


def classify(data: str | bytes, *, limit: int = MAX_INPUT, provider: str = "",
             registry: Registry | None = None) -> list[Result]:
    """Classify a server reply, a bounce email (bytes or text), an mbox or MTA log lines.

    Returns one :class:`Result` per recipient found (an empty list when the input holds no bounce).
    ``provider`` names whose server answered, for input that does not say it (a bare reply): a
    provider id, a host of its servers or a recipient domain (``"google"``, ``"gmail.com"``); its
    rules then apply as if the reply came from its host. An unknown name raises
    :class:`UnknownProviderError`. ``registry``: another compiled registry than the installed one.

    >>> r = classify("host mx.example.com[192.0.2.1] said: 552 5.2.2 mailbox full (in reply to RCPT TO command)")[0]
    >>> r.reason, r.permanent, r.hard, r.rule
    ('mailboxfull', True, False, 'enhanced:X.2.2')
    """
    registry = registry or load_registry()
    named = find_provider(provider, registry) if provider else None
    found = parse(data, limit=limit, registry=registry) or (provider_reply(data, named, registry) if named else [])
    if len(found) < 2:
        return [classify_evidence(e, registry, provider=named) for e in found]
    # a large export repeats the same failure for many addresses: decide each distinct one once (the
    # verdict reads the recipient only for its domain, which stays in the key)
    decided: dict[tuple[object, ...], Result] = {}
    results = []
    for e in found:
        domain = e.recipient.rpartition("@")[2]
        key = (domain, *_BUT_RECIPIENT(e))
        verdict = decided.get(key)
        if verdict is None:
            verdict = decided[key] = classify_evidence(replace(e, recipient="@" + domain, span=(0, 0)),
                                                       registry, provider=named)
        results.append(replace(verdict, recipient=e.recipient, span=e.span))
    return results


#: every field of the evidence but the recipient and where it stands: what a verdict depends on
_BUT_RECIPIENT = operator.attrgetter(*(f for f in record_fields(Evidence) if f not in ("recipient", "span")))
