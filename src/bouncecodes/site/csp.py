"""The Content-Security-Policy of the checker page, computed from the page's own HTML at build time.

The checker page may run only the site's own scripts and WebAssembly: ``script-src 'self'
'wasm-unsafe-eval'`` plus one ``'sha256-…'`` source per inline script the theme writes into the
page (Material sets up its storage helpers and the palette with a few inline scripts). Nothing is
allowed from another host, and there is no ``'unsafe-inline'``, so a script injected into the page
does not run.

The policy goes into the page as ``<meta http-equiv="Content-Security-Policy">``, right after the
charset declaration, so it covers every element after it. A meta policy covers the page only: a
Web Worker takes its policy from the HTTP headers of its own script. :data:`WORKER_POLICY` is what
a server should send with ``checker/worker.js`` (and may send with the page) for full coverage.

No MkDocs here: the hook passes the rendered HTML in and gets it back.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from html.parser import HTMLParser

__all__ = [
    "WORKER_POLICY",
    "CSPError",
    "add_csp_meta",
    "inline_scripts",
    "page_policy",
    "script_hash",
]

#: ``type`` values of ``<script>`` that a browser executes (anything else, e.g. JSON, is data).
_SCRIPT_TYPES = frozenset({"", "module", "text/javascript", "application/javascript", "text/ecmascript",
                           "application/ecmascript", "text/jscript", "text/livescript", "text/x-javascript",
                           "text/x-ecmascript", "application/x-javascript", "application/x-ecmascript",
                           "text/javascript1.0", "text/javascript1.1", "text/javascript1.2", "text/javascript1.3",
                           "text/javascript1.4", "text/javascript1.5"})

#: Every directive but ``script-src``: same origin only; ``data:`` images for the theme's CSS icons.
_BASE_DIRECTIVES = (
    ("default-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)

#: The policy for the checker's worker script, to be sent as an HTTP header (a meta policy cannot
#: reach a worker): its own scripts and Pyodide's WebAssembly, fetches to the same origin only.
# blob: in connect-src: the worker hands Pyodide the gunzipped standard library through a blob: URL
WORKER_POLICY = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' blob:; "
                 "object-src 'none'; base-uri 'self'")


class _ScriptFinder(HTMLParser):
    """Collects the text of every executable inline ``<script>``, exactly as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        kind = a.get("type", "").strip().lower()
        executable = kind in _SCRIPT_TYPES and "src" not in a
        self._current = [] if executable else None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_scripts(page: str) -> list[str]:
    """The source text of each inline script a browser would run in ``page`` (no ``src``, a JS type)."""
    finder = _ScriptFinder()
    finder.feed(page)
    finder.close()
    return finder.scripts


def script_hash(source: str) -> str:
    """The CSP hash source for one inline script: ``'sha256-<base64 of SHA-256 of its UTF-8 text>'``."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def page_policy(script_hashes: Iterable[str] = ()) -> str:
    """The checker page's policy, with the given hash sources (deduplicated, in order) in ``script-src``."""
    hashes = list(dict.fromkeys(script_hashes))
    script_src = " ".join(["'self'", "'wasm-unsafe-eval'", *hashes])
    directives = [_BASE_DIRECTIVES[0], ("script-src", script_src), *_BASE_DIRECTIVES[1:]]
    return "; ".join(f"{name} {value}" for name, value in directives)


_HEAD_RE = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_CHARSET_RE = re.compile(r"<meta\s+charset=[\"']?[\w-]+[\"']?\s*/?>", re.IGNORECASE)
_EXISTING_RE = re.compile(r"<meta\s+http-equiv=[\"']?content-security-policy", re.IGNORECASE)


class CSPError(ValueError):
    """The page cannot take a policy (no ``<head>``) or already has one."""


def add_csp_meta(page: str) -> str:
    """``page`` with a ``<meta http-equiv="Content-Security-Policy">`` for its own inline scripts.

    Placed right after ``<meta charset>`` (else right after ``<head>``), before any script, style
    sheet or link, so that everything after it is covered. Raises :class:`CSPError` when the page
    has no ``<head>`` or already holds such a meta element."""
    if _EXISTING_RE.search(page):
        raise CSPError("the page already has a Content-Security-Policy meta element")
    anchor = _CHARSET_RE.search(page) or _HEAD_RE.search(page)
    if anchor is None:
        raise CSPError("the page has no <head> to put a Content-Security-Policy in")
    policy = page_policy(script_hash(s) for s in inline_scripts(page))
    escaped = policy.replace("&", "&amp;").replace('"', "&quot;")
    meta = f'\n<meta http-equiv="Content-Security-Policy" content="{escaped}">'
    return page[: anchor.end()] + meta + page[anchor.end():]
