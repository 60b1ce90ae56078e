"""The built site in headless Chromium: pages render, short addresses redirect, search finds 5.7.26,
the palette toggles, the 404 page is styled, and nothing is requested from another host.

These tests run in CI; they never skip. Without Chromium they fail and say how to install it.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .test_site_support import SITE_URL, Built, _Handler, build_site, running

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Browser, Page, Request, expect, sync_playwright
except ImportError as exc:  # pragma: no cover - the dev extra installs it
    raise ImportError("the browser tests need Playwright for Python: pip install -e '.[dev]'") from exc


class _DeployedHandler(_Handler):
    """The built site as its host serves it: ``sitemap.xml`` names the address being served.

    Material's instant navigation follows only links listed in the sitemap, matched with their
    port, and the build writes ``site_url`` (https://bouncecodes.org/) there; on a test port no link
    would match and every click would load a whole page. A real host, like ``mkdocs serve``, serves
    the sitemap of its own address. ``worker_policy`` is sent as the Content-Security-Policy header
    of ``checker/worker.js`` when set."""

    worker_policy: str | None = None

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/sitemap.xml":
            here = f"http://{self.headers.get('Host', '127.0.0.1')}/"
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


@pytest.fixture(scope="module")
def site() -> Built:
    return build_site("mkdocs")


@pytest.fixture(scope="module")
def base_url(site: Built) -> Iterator[str]:
    # as deployed: the sitemap names this host, so Material's instant navigation really runs
    with serve_deployed(site.root) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"Chromium is needed for the browser tests and was not found at {CHROMIUM}. "
            "Install it (Debian: apt-get install -y chromium); these tests must not be skipped.",
            pytrace=False,
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    foreign: list[str] = []
    errors: list[str] = []

    def check(request: Request) -> None:
        if not request.url.startswith((base_url, "data:", "blob:")):
            foreign.append(request.url)

    page.on("request", check)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not foreign, f"the site asked another host for: {foreign}"
    assert not errors, f"JavaScript errors: {errors}"


def test_home_page(page: Page, base_url: str) -> None:
    page.goto(base_url)
    expect(page).to_have_title("SMTP reply codes and bounce reasons, explained - bouncecodes")
    expect(page.locator("h1")).to_contain_text("Bounces, explained")
    expect(page.locator(".md-header__button.md-logo img")).to_have_attribute("src", re.compile(r"assets/logo\.svg$"))
    assert page.locator(".md-header__button.md-logo img").evaluate("img => img.naturalWidth") > 0
    expect(page.locator(".md-tabs")).to_contain_text("Reply codes")


def test_code_page_and_its_links(page: Page, base_url: str) -> None:
    page.goto(base_url + "reply/550/")
    expect(page.locator("h1")).to_contain_text("550 Requested action not taken")
    expect(page.locator("article")).to_contain_text("Enhanced codes seen with 550")
    page.locator("article a", has_text="5.1.1").first.click()
    expect(page).to_have_url(base_url + "enhanced/X.1.1/")
    expect(page.locator("h1")).to_contain_text("X.1.1 Bad destination mailbox address")
    expect(page.locator("article")).to_contain_text("5.1.1")


def test_provider_rule_anchor_from_a_code_page(page: Page, base_url: str) -> None:
    """Rule anchors start with digits (#5.7.26-dmarc-reject); instant navigation must still land on them."""
    page.goto(base_url + "enhanced/X.7.26/")
    link = page.locator("article a[href*='providers/google/#5.7.26-']").first
    anchor = (link.get_attribute("href") or "").split("#", 1)[1]
    # a click event without Playwright's scrolling first: scrolling this page makes the section
    # tracking rewrite the address, and its late update can race the instant navigation (a reader
    # scrolls long before clicking)
    link.dispatch_event("click")
    expect(page).to_have_url(re.compile(re.escape(base_url + "providers/google/") + "#" + re.escape(anchor) + "$"))
    heading = page.locator(f"[id='{anchor}']")
    expect(heading).to_be_in_viewport()


def test_short_addresses_redirect(page: Page, base_url: str) -> None:
    page.goto(base_url + "550/")
    expect(page).to_have_url(base_url + "reply/550/")
    page.goto(base_url + "enhanced/X.1.1/")  # a short address clicked inside the site, past instant navigation
    page.locator("article a", has_text="/5.1.1/").click()
    expect(page).to_have_url(base_url + "enhanced/X.1.1/")
    expect(page.locator("h1")).to_contain_text("X.1.1")
    page.goto(base_url + "5.7.26/")
    expect(page).to_have_url(base_url + "enhanced/X.7.26/")
    expect(page.locator("h1")).to_contain_text("Multiple authentication checks failed")


def test_search_finds_5_7_26(page: Page, base_url: str) -> None:
    page.goto(base_url)
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").fill("5.7.26")
    result = page.locator(".md-search-result__item a[href*='enhanced/X.7.26/']").first
    expect(result).to_be_visible(timeout=15_000)
    result.click()
    expect(page).to_have_url(re.compile(re.escape(base_url + "enhanced/X.7.26/") + r"(\?h=[^#]*)?(#.*)?$"))
    expect(page.locator(".md-content h1")).to_contain_text("X.7.26")


@pytest.mark.parametrize("refusal", [
    "554 5.7.1 <bob@example.org>: Relay access denied",
    "Recipient address rejected: User unknown in local recipient table",
])
def test_search_for_a_programs_refusal_lands_on_its_page(page: Page, base_url: str, refusal: str) -> None:
    page.goto(base_url)
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").fill(refusal)
    first = page.locator(".md-search-result__item a").first
    expect(first).to_be_visible(timeout=15_000)
    expect(first).to_have_attribute("href", re.compile(r"software/postfix/"))
    # the snippet shows the program's words, not a regular expression
    snippet = page.locator(".md-search-result__item").first.inner_text()
    assert "(?" not in snippet and "\\b" not in snippet, snippet
    first.click()
    expect(page).to_have_url(re.compile(re.escape(base_url + "software/postfix/") + r"(\?h=[^#]*)?(#.*)?$"))
    expect(page.locator(".md-content h1")).to_contain_text("Postfix")


def test_palette_toggle(page: Page, base_url: str) -> None:
    page.goto(base_url + "guides/authentication/")
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")


def test_404_page_is_served_and_styled(page: Page, base_url: str) -> None:
    response = page.goto(base_url + "no/such/page/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_contain_text("Page not found")
    header = page.locator(".md-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert header not in ("", "rgba(0, 0, 0, 0)", "transparent"), header
    page.locator("article a", has_text="All reply codes").click()
    expect(page).to_have_url(base_url + "reply/")
