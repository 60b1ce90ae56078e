"""How fast the checker page loads and classifies, in headless Chromium, from a local static server.

    .venv/bin/python benchmarks/checker_load.py [--site DIR] [--runs 5]

Builds the site (or takes a built one with ``--site``) and serves it on 127.0.0.1 the way a
production host should: ``application/wasm`` for ``.wasm``, ``Cache-Control: public,
max-age=31536000, immutable`` for versioned or content-hashed files (Pyodide's folder is named after
its version, the runtime and stdlib zips and Material's assets after their content), ``no-cache``
(revalidate, then 304) for HTML and every other file, ETags, and gzip for compressible types
(``.zip`` and ``.zip.gz`` files are compressed already). Then, with Playwright and Debian's ``chromium``, each run:

* opens a fresh profile (empty HTTP cache) on a share link of a DSN, so the page classifies as soon
  as Python is ready: *first visit* = navigation start → first result shown;
* classifies more samples on that page: *first classify* (the share link's, the first real call
  after the worker's warm-up) and *later classify* (median of the others), as the page measures
  them: request to the worker → cards in the page;
* opens the same link in a new tab of the same profile (its HTTP cache, and Chromium's cache of
  compiled code): *repeat visit*;
* counts the bytes the server sent for each visit (bodies as sent, i.e. gzip where used, plus
  headers) and what Chromium reports (Playwright's response sizes, encoded).

Prints the median (and min–max) over the runs. This is a script that prints figures, not a test:
the targets below are what the page is built for on a 2-core machine, not assertions.
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import gzip
import hashlib
import http.server
import mimetypes
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TARGETS = {"first visit": "<= 1.5 s", "repeat visit": "<= 1.0 s", "classify": "<= 50 ms", "bytes": "<= 6 MB gzip"}

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
#: Paths whose name changes whenever their bytes do: cached for a year, never revalidated.
VERSIONED = re.compile(r"^/checker/pyodide/[0-9][^/]*/|^/checker/(?:bouncecodes|python_stdlib)-[0-9a-f]{12}\.zip(?:\.gz)?$|"
                       r"^/assets/(?:javascripts|stylesheets)/.*\.[0-9a-f]{8}\.min\.(?:js|css)$")
PYTHON_FILES = re.compile(r"^/checker/(?:pyodide/|bouncecodes-|python_stdlib-)")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/wasm", "application/xml",
                "image/svg+xml")
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".zip": "application/zip", ".gz": "application/gzip", ".svg": "image/svg+xml", ".xml": "application/xml"}

DSN = (
    "From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
    "--b1\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
    "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; rcpt@example.org\nAction: failed\nStatus: 5.1.1\n"
    "Remote-MTA: dns; mx.example.org\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <rcpt@example.org>: Recipient address rejected: User unknown\n\n--b1--\n"
)
SAMPLES = [
    "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
    "452 4.2.2 The email account that you tried to reach is over quota.",
    "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires\n"
    "550-5.7.26 all senders to authenticate with either SPF or DKIM.\n550 5.7.26 https://support.google.com - gsmtp",
    "Jan  1 00:00:00 mx postfix/smtp[123]: ABC123DEF: to=<carol@example.net>, relay=mx.example.net[192.0.2.1]:25, "
    "dsn=5.2.2, status=bounced (host mx.example.net[192.0.2.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))",
    DSN,
    "421 4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail.",
]


# -- the server ------------------------------------------------------------------------------------


@dataclass
class Tally:
    requests: int = 0
    bytes: int = 0  # headers and bodies as sent
    python: int = 0  # of which what runs Python: Pyodide, the runtime zip, the trimmed stdlib
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, n: int) -> None:
        with self.lock:
            self.requests += 1
            self.bytes += n
            if PYTHON_FILES.search(path):
                self.python += n

    def take(self) -> tuple[int, int, int]:
        with self.lock:
            out = (self.requests, self.bytes, self.python)
            self.requests, self.bytes, self.python = 0, 0, 0
            return out


class Handler(http.server.BaseHTTPRequestHandler):
    """Static files with production headers: content types, cache policy, ETag/304, gzip."""

    protocol_version = "HTTP/1.1"
    root: Path
    tally: Tally
    cache: dict[Path, tuple[bytes, bytes | None, str, str]]  # path → (body, gzipped, etag, type)
    cache_lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _file(self) -> Path | None:
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            return None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def _load(self, path: Path) -> tuple[bytes, bytes | None, str, str]:
        with self.cache_lock:
            if path not in self.cache:
                body = path.read_bytes()
                kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if kind.startswith("text/"):
                    kind += "; charset=utf-8"
                packed = gzip.compress(body, compresslevel=6, mtime=0) if kind.startswith(COMPRESSIBLE) else None
                etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                self.cache[path] = (body, packed, etag, kind)
            return self.cache[path]

    def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)
        sent = sum(len(n) + len(v) + 4 for n, v in headers.items()) + 17 + (0 if head else len(body))
        self.tally.add(urlsplit(self.path).path, sent)

    def _serve(self, head: bool) -> None:
        url = urlsplit(self.path).path
        path = self._file()
        if path is None:
            missing = self.root / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"not found"
            self._send(404, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)),
                             "Cache-Control": REVALIDATE}, body, head)
            return
        if (self.root / url.lstrip("/")).is_dir() and not url.endswith("/"):
            self._send(301, {"Location": url + "/", "Content-Length": "0"}, b"", head)
            return
        body, packed, etag, kind = self._load(path)
        headers = {"Content-Type": kind, "ETag": etag, "Cache-Control": IMMUTABLE if VERSIONED.search(url) else REVALIDATE,
                   "Last-Modified": email.utils.formatdate(path.stat().st_mtime, usegmt=True)}
        if packed is not None:
            headers["Vary"] = "Accept-Encoding"
        if self.headers.get("If-None-Match") == etag:
            self._send(304, headers, b"", head)
            return
        if packed is not None and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            headers["Content-Encoding"] = "gzip"
            body = packed
        headers["Content-Length"] = str(len(body))
        self._send(200, headers, body, head)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)


@contextmanager
def serve(root: Path, tally: Tally) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) until the block ends; yields the base URL.

    ``sitemap.xml`` is served as written: its links name the build's ``site_url``, not this port,
    so clicks load whole pages here, which does not change the checker's own load."""
    handler = type("SiteHandler", (Handler,), {"root": root.resolve(), "tally": tally, "cache": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- the browser --------------------------------------------------------------------------------


def share_fragment(text: str) -> str:
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(text.encode("utf-8")) + deflate.flush()
    return "#bz=" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


@dataclass
class Visit:
    to_result_ms: float
    classify_ms: float
    server_bytes: int
    server_requests: int
    python_bytes: int
    browser_bytes: int
    ready: dict[str, float]  # when the worker said ready, and its own phases (see worker.js)


def visit(page: Any, url: str, tally: Tally) -> Visit:
    requests: list[Any] = []
    page.on("requestfinished", lambda r: requests.append(r))
    tally.take()
    page.goto(url)
    page.wait_for_function("() => performance.getEntriesByName('bouncecodes:first-result').length > 0",
                           timeout=120_000, polling=10)
    to_result = page.evaluate("() => performance.getEntriesByName('bouncecodes:first-result')[0].startTime")
    ready = page.evaluate("() => { const m = performance.getEntriesByName('bouncecodes:ready')[0];"
                          " return { at: m.startTime, ...m.detail }; }")
    classify = float(page.get_attribute("#bouncecodes-checker", "data-bc-ms") or "nan")
    page.wait_for_load_state("load")
    time.sleep(0.3)  # let late requests (the search index, icons) finish before counting
    n, sent, python = tally.take()
    browser_bytes = 0
    for r in requests:
        sizes = r.sizes()
        browser_bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return Visit(float(to_result), classify, sent, n, python, browser_bytes, ready)


def classify_more(page: Any) -> list[float]:
    times = []
    for text in SAMPLES:
        before = int(page.get_attribute("#bouncecodes-checker", "data-bc-runs") or 0)
        page.fill("textarea.bc-form__input", text)
        page.click("button.bc-form__submit")
        page.wait_for_function("n => Number(document.getElementById('bouncecodes-checker').dataset.bcRuns) > n",
                               arg=before, timeout=30_000, polling=10)
        times.append(float(page.get_attribute("#bouncecodes-checker", "data-bc-ms") or "nan"))
    return times


def run_once(playwright: Any, base: str, tally: Tally) -> dict[str, Any]:
    link = base + "checker/" + share_fragment(DSN)
    profile = tempfile.mkdtemp(prefix="bouncecodes-bench-profile-")
    try:
        context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                                viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            first = visit(page, link, tally)
            later = classify_more(page)
            page.close()
            time.sleep(0.5)  # Chromium writes its caches a moment after use
            again = context.new_page()
            repeat = visit(again, link, tally)
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return {"first": first, "repeat": repeat, "later": later}


# -- main ---------------------------------------------------------------------------------------


def build_site(out: Path) -> None:
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB"


def summary(values: list[float], unit: str, scale: float = 1.0, digits: int = 0) -> str:
    fmt = f"{{:.{digits}f}}"
    med = statistics.median(values) * scale
    return f"{fmt.format(med)} {unit}  (min {fmt.format(min(values) * scale)}, max {fmt.format(max(values) * scale)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    parser.add_argument("--runs", type=int, default=5, help="runs to take the median of (default 5)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"checker_load.py: needs Chromium at {CHROMIUM} (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    tmp = None
    site = args.site
    if site is None:
        tmp = tempfile.mkdtemp(prefix="bouncecodes-bench-site-")
        site = Path(tmp)
        print("building the site…", file=sys.stderr)
        build_site(site)
    try:
        tally = Tally()
        runs = []
        with serve(site, tally) as base, sync_playwright() as p:
            for i in range(args.runs):
                runs.append(run_once(p, base, tally))
                r = runs[-1]
                print(f"run {i + 1}: first visit {r['first'].to_result_ms:.0f} ms, repeat {r['repeat'].to_result_ms:.0f} ms,"
                      f" classify first {r['first'].classify_ms:.1f} ms / later {statistics.median(r['later']):.1f} ms,"
                      f" {mb(r['first'].server_bytes)} then {mb(r['repeat'].server_bytes)}", file=sys.stderr)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    raw = sum(f.stat().st_size for f in (site / "checker").rglob("*") if f.is_file() and "python_stdlib.zip" != f.name)
    print(f"checker load, headless Chromium, {args.runs} runs, {os.cpu_count()} CPUs "
          f"(server: application/wasm, immutable cache for versioned files, gzip)")
    print(f"  first visit, open -> first result   {summary([r['first'].to_result_ms for r in runs], 'ms')}"
          f"   target {TARGETS['first visit']}")
    print(f"  repeat visit, open -> first result  {summary([r['repeat'].to_result_ms for r in runs], 'ms')}"
          f"   target {TARGETS['repeat visit']}")
    for key, label in (("first", "first visit"), ("repeat", "repeat visit")):
        at = statistics.median([r[key].ready["at"] for r in runs])
        worker = statistics.median([r[key].ready["ms"] for r in runs])
        python = statistics.median([r[key].ready["python"] for r in runs])
        runtime = statistics.median([r[key].ready["runtime"] for r in runs])
        print(f"    {label}: Python ready at {at:.0f} ms; in the worker {worker:.0f} ms = Pyodide {python:.0f} ms"
              f" + runtime import and warm-up {runtime:.0f} ms")
    print(f"  first classify                      {summary([r['first'].classify_ms for r in runs], 'ms', digits=1)}"
          f"   target {TARGETS['classify']}")
    later = [statistics.median(r["later"]) for r in runs]
    print(f"  later classify (median per run)     {summary(later, 'ms', digits=1)}")
    print(f"  first visit, bytes sent             {summary([r['first'].server_bytes for r in runs], 'MB', 1e-6, 2)}"
          f"   ({statistics.median([r['first'].server_requests for r in runs]):.0f} requests; "
          f"Chromium reports {mb(statistics.median([r['first'].browser_bytes for r in runs]))})   "
          f"target {TARGETS['bytes']}")
    print(f"    of which Pyodide, runtime and stdlib  {mb(statistics.median([r['first'].python_bytes for r in runs]))};"
          f" the rest is the page, the theme and the site's search index")
    print(f"  repeat visit, bytes sent            {summary([r['repeat'].server_bytes for r in runs], 'MB', 1e-6, 3)}"
          f"   ({statistics.median([r['repeat'].server_requests for r in runs]):.0f} requests)")
    print(f"  checker files on disk (uncompressed, without Pyodide's unused stock stdlib): {mb(raw)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
