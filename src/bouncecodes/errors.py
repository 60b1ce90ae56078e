"""The exceptions bouncecodes raises. Catch :class:`BounceCodesError` to catch them all."""

from __future__ import annotations

__all__ = ["BounceCodesError", "InputError", "InputTooLargeError", "RegistryNotBuiltError", "UnknownCodeError",
           "UnknownProviderError"]


class BounceCodesError(Exception):
    """Base class of every error raised on purpose by bouncecodes."""


class RegistryNotBuiltError(BounceCodesError):
    """The compiled registry.json is missing (the build step has not run)."""


class UnknownCodeError(BounceCodesError, LookupError):
    """A code is well formed but the registry has no entry for it."""


class UnknownProviderError(BounceCodesError, LookupError):
    """A provider was named (``classify(..., provider=...)``, ``--provider``) that the registry does
    not know by that id, name, host or recipient domain; the message lists close matches."""


class InputError(BounceCodesError, ValueError):
    """The input cannot be read as a reply, a bounce or a log (malformed code, wrong type …)."""


class InputTooLargeError(InputError):
    """The input is over the size limit and was refused before parsing."""
