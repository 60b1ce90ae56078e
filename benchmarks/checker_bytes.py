"""What a first visit to the checker page downloads, file by file, as stored and gzipped.

    .venv/bin/python benchmarks/checker_bytes.py [--site DIR]

Builds the site (or takes a built one with ``--site``), serves it on 127.0.0.1, opens the checker
page in headless Chromium with an empty cache and waits until Python is ready (the site search's
index, which the page loads after that, included). Every file the page and its worker asked for is
listed with its size on disk and gzipped at level 6, the size a host that compresses on the fly
sends (``.zip.gz`` and ``.zip`` files are compressed already: sent as they are). Totals for three
hosts: one that compresses text and ``.wasm``, one that compresses all but ``.wasm``, one that
compresses nothing. A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COMPRESSIBLE = (".wasm", ".mjs", ".js", ".json", ".css", ".html", ".svg", ".xml", ".txt")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,  # noqa: RUF012
                      ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, format: str, *args: object) -> None:
        pass


def build_site(out: Path) -> None:
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True)


def fetched(site: Path) -> list[str]:
    """The site paths the checker page asked for until Python was ready and the search index loaded."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    paths: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context()
            context.on("request", lambda r: paths.append(unquote(urlsplit(r.url).path)))
            page = context.new_page()
            page.set_default_timeout(180_000)
            with page.expect_request(lambda r: r.url.endswith("search_index.json")):
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/checker/")
                page.wait_for_function("() => /Ready/.test(document.querySelector('.bc-status')?.textContent || '')")
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    return list(dict.fromkeys(paths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or Path(tmp) / "site"
        if args.site is None:
            build_site(site)
        rows: list[tuple[str, int, int]] = []
        for path in fetched(site):
            f = site / path.lstrip("/")
            if f.is_dir():
                f = f / "index.html"
            if not f.is_file():
                continue
            data = f.read_bytes()
            packed = len(gzip.compress(data, 6)) if f.suffix in COMPRESSIBLE else len(data)
            rows.append((path, len(data), packed))
    rows.sort(key=lambda row: -row[1])
    width = max(len(row[0]) for row in rows)
    print(f"{'file':{width}}  {'as stored':>11}  {'gzip -6':>11}")
    for path, stored, packed in rows:
        print(f"{path:{width}}  {stored:>11,}  {packed:>11,}")

    def mb(n: int) -> str:
        return f"{n / 1e6:.2f} MB"

    stored_all, packed_all = sum(r[1] for r in rows), sum(r[2] for r in rows)
    wasm_stored, wasm_packed = sum(r[1] for r in rows if r[0].endswith(".wasm")), sum(r[2] for r in rows if r[0].endswith(".wasm"))
    python = [r for r in rows if r[0].startswith("/checker/")]
    print(f"\n{len(rows)} files. A host that compresses text and .wasm: {mb(packed_all)}; all but .wasm: "
          f"{mb(packed_all - wasm_packed + wasm_stored)}; nothing: {mb(stored_all)}")
    print(f"of which checker/ (Pyodide, the runtime, the standard library, the page's scripts): "
          f"{mb(sum(r[2] for r in python))} compressed, {mb(sum(r[1] for r in python))} as stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
