"""The :mod:`re` module, with the patterns of a module compiled the first time they are used.

The runtime's modules import it as ``re`` (``from . import lazyre as re``) and write
``NAME_RE = re.compile(...)`` as usual. At module level, ``compile`` returns a stand-in that
compiles the pattern when it is first used, then puts the compiled pattern in its place among the
module's globals, so later uses cost nothing more. A command classifying one bounce uses about a
third of the runtime's hundred patterns, and compiling them all (``re`` parses each in Python) was
a fifth of its start-up. Anywhere else (inside a function) ``compile`` compiles at once, as
:func:`re.compile` does; ``later`` defers there too. Everything else is :mod:`re` itself.
"""

from __future__ import annotations

import re as _re
import sys
from re import *  # noqa: F403  (the re module, but for compile)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [*_re.__all__, "later"]


class _Deferred:
    """A pattern not compiled yet; any attribute (``search``, ``match``, ``finditer`` …) compiles it."""

    __slots__ = ("_args", "_compiled", "_home")

    def __init__(self, pattern: str, flags: int, home: dict[str, Any]) -> None:
        self._args = (pattern, flags)
        self._compiled: _re.Pattern[str] | None = None
        self._home = home

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = _re.compile(*self._args)
            home = self._home
            for key, value in list(home.items()):
                if value is self:
                    home[key] = compiled  # the module's own name now holds the compiled pattern
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"re.compile({self._args[0]!r}, {self._args[1]!r}) (not compiled yet)"


def later(pattern: str, flags: int = 0) -> _re.Pattern[str]:
    """A pattern compiled when it is first used, wherever it is made (tables built from the
    registry, whose patterns a run may never need)."""
    return _Deferred(pattern, flags, {})  # type: ignore[return-value]


def compile(pattern: str, flags: int = 0) -> _re.Pattern[str]:  # type: ignore[no-redef]
    """:func:`re.compile`, deferred to the first use when called at a module's top level."""
    caller = sys._getframe(1)
    if caller.f_code.co_name != "<module>" or not isinstance(pattern, str):
        return _re.compile(pattern, flags)
    return _Deferred(pattern, flags, caller.f_globals)  # type: ignore[return-value]
