"""Helpers shared by the site tests (this module holds no tests).

The site is built once per test session and per tool (MkDocs, ProperDocs) into a temporary folder,
with the real command line, so the tests see exactly what a deploy would publish.

It is built as a GitHub Pages project site is: for an address under a sub-path,
``http://127.0.0.1:PORT/bouncecodes/`` (``SITE_URL`` set as the Pages workflow sets it), and the
browser tests open it there, on a port held for the whole session (:func:`serve_site_url`).
"""

from __future__ import annotations

import atexit
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mkdocs.yml"
#: the folder the site is published under, as on GitHub Pages (https://OWNER.github.io/REPO/)
PREFIX = "/bouncecodes/"
#: bound (and listening) from the start of the session, so the build can name its port
_PORT = socket.create_server(("127.0.0.1", 0))
SITE_URL = f"http://127.0.0.1:{_PORT.getsockname()[1]}{PREFIX}"
_HOST = "http://site.invalid"
_LOCAL = _HOST + PREFIX  # stands for the site root while resolving links


@dataclass(frozen=True)
class Built:
    root: Path
    output: str  # everything the build printed


@functools.cache
def build_site(tool: str = "mkdocs") -> Built:
    """Build the site with ``mkdocs build --strict`` (or ProperDocs) into a fresh temporary folder,
    for the address :data:`SITE_URL`. Once per test process: under pytest-xdist, once in each worker
    that runs a module of the site's tests (the address names a port that worker holds)."""
    out = Path(tempfile.mkdtemp(prefix=f"bouncecodes-site-{tool}-"))
    atexit.register(shutil.rmtree, out, True)
    cmd = [sys.executable, "-m", tool, "build", "--strict", "-f", str(CONFIG), "-d", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SITE_URL": SITE_URL,
                               "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"})
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{output}"
    return Built(out, output)


# -- reading the built HTML ----------------------------------------------------------------------


@dataclass
class Page:
    """What the link checker needs from one HTML file."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag.attribute, url)
    text: list[str] = field(default_factory=list)  # the article's text outside <pre>
    article_links: list[str] = field(default_factory=list)  # links inside the article (no nav, no header)
    meta: dict[str, str] = field(default_factory=dict)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._skip = 0
        self._article = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.page.ids.add(a[key])
        for key in ("href", "src"):
            if key in a and tag in ("a", "link", "script", "img", "iframe", "source"):
                self.page.links.append((f"{tag}.{key}", a[key]))
        if tag == "meta":
            if a.get("http-equiv", "").lower() == "refresh" and "url=" in a.get("content", ""):
                self.page.links.append(("meta.refresh", a["content"].split("url=", 1)[1].strip()))
            if a.get("name"):
                self.page.meta[a["name"]] = a.get("content", "")
        if tag == "article":
            self._article += 1
        if self._article and tag == "a" and a.get("href"):
            self.page.article_links.append(a["href"])
        if tag in ("pre", "script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("pre", "script", "style") and self._skip:
            self._skip -= 1
        if tag == "article" and self._article:
            self._article -= 1

    def handle_data(self, data: str) -> None:
        if self._article and not self._skip:
            self.page.text.append(data)


@functools.cache
def parse_html(path: Path) -> Page:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def page_url(root: Path, path: Path) -> str:
    """The URL of a built file, as served from the site root (``http://site.invalid/bouncecodes/reply/550/``)."""
    rel = path.relative_to(root).as_posix()
    return _LOCAL + (rel.removesuffix("index.html") if rel.endswith("index.html") else rel)


def resolve(root: Path, base: str, url: str) -> tuple[Path, str] | None:
    """The built file a link points to, and its fragment; None for links that leave the site."""
    full = urljoin(base, url)
    if full.startswith(SITE_URL):
        full = _LOCAL + full[len(SITE_URL):]
    if full.startswith(_HOST + "/") and not full.startswith(_LOCAL):
        return root / "(outside the site's folder)" / urlsplit(full).path.lstrip("/"), ""
    if not full.startswith(_LOCAL):
        return None
    parts = urlsplit(full)
    target = root / unquote(parts.path).removeprefix(PREFIX)
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def broken_links(root: Path, path: Path) -> list[str]:
    """Every internal link or anchor of one page that does not resolve, as readable messages."""
    page = parse_html(path)
    base = page_url(root, path)
    problems = []
    for where, url in page.links:
        if not url or url == "#" or url.startswith(("javascript:", "mailto:", "data:", "tel:")):
            continue
        found = resolve(root, base, url)
        if found is None:
            continue
        target, fragment = found
        if not target.is_file():
            problems.append(f"{path.relative_to(root)}: {where} {url!r} → missing {target.relative_to(root)}")
        elif fragment and target.suffix == ".html" and fragment not in parse_html(target).ids:
            problems.append(f"{path.relative_to(root)}: {where} {url!r} → no id {fragment!r} in "
                            f"{target.relative_to(root)}")
    return problems


# -- serving the built site ----------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files under :data:`PREFIX` (nothing outside it), with the site's 404.html for missing
    paths as on a real host."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,  # noqa: RUF012
                      ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def translate_path(self, path: str) -> str:
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / "\0outside")  # no such file: 404
        return super().translate_path(path[len(PREFIX) - 1:])

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def running(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    """Run ``server`` (bound to 127.0.0.1) in a thread; yields the site's address on it
    (``http://127.0.0.1:PORT/bouncecodes/``), stops it afterwards."""
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 (a free port) in a thread; yields the site's address."""
    handler = functools.partial(_Handler, directory=str(root))
    with running(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url:
        yield url


class _DeployedHandler(_Handler):
    """The built site as its host serves it: ``sitemap.xml`` names the address being served.

    Material's instant navigation follows only links listed in the sitemap, matched with their
    port and path, and the build writes ``site_url`` (:data:`SITE_URL`) there; on another test port
    no link would match and every click would load a whole page. A real host, like ``mkdocs serve``,
    serves the sitemap of its own address. ``worker_policy`` is sent as the Content-Security-Policy
    header of ``checker/worker.js`` when set."""

    worker_policy: str | None = None

    def do_GET(self) -> None:
        if urlsplit(self.path).path == PREFIX + "sitemap.xml":
            here = f"http://{self.headers.get('Host', '127.0.0.1')}{PREFIX}"
            body = (Path(self.directory) / "sitemap.xml").read_bytes().replace(SITE_URL.encode(), here.encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        if self.worker_policy and urlsplit(self.path).path.endswith("/checker/worker.js"):
            self.send_header("Content-Security-Policy", self.worker_policy)
        super().end_headers()


@contextmanager
def serve_deployed(root: Path, *, worker_policy: str | None = None, wasm_type: str = "application/wasm") -> Iterator[str]:
    """Serve a built site as deployed (see :class:`_DeployedHandler`) on 127.0.0.1, a free port, in a
    thread; yields the base URL and stops the server afterwards. ``wasm_type`` is the Content-Type
    of ``.wasm`` files, to try a misconfigured host."""
    types = {**_DeployedHandler.extensions_map, ".wasm": wasm_type}
    handler = type("Handler", (_DeployedHandler,), {"worker_policy": worker_policy, "extensions_map": types})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    with running(server) as url:
        yield url


def on_site_url_port(handler: type[http.server.BaseHTTPRequestHandler]) -> http.server.ThreadingHTTPServer:
    """A server on the port of :data:`SITE_URL`, held since the session started: the built site is
    then served at exactly the address it was built for. Once only."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
    server.socket.close()
    server.socket = _PORT
    server.server_address = _PORT.getsockname()
    return server
