"""The built site in headless Chromium: pages render, short addresses redirect, search finds 5.7.26,
the palette toggles, the 404 page is styled, and nothing is requested from another host.

These tests run in CI; they never skip. Without Chromium they fail and say how to install it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from .browser_support import CHROMIUM, CHROMIUM_ARGS, PATIENCE_MS  # noqa: F401  (imported from here by other modules)
from .test_site_support import (
    PREFIX,
    SITE_URL,
    Built,
    _DeployedHandler,
    build_site,
    on_site_url_port,
    running,
    serve_deployed,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Browser, Locator, Page, Request, expect
except ImportError as exc:  # pragma: no cover - the dev extra installs it
    raise ImportError("the browser tests need Playwright for Python: pip install -e '.[dev]'") from exc

expect.set_options(timeout=PATIENCE_MS)


def follow(link: Locator) -> None:
    """Click a link in an article the way a reader does once the page is still: without scrolling
    first. Playwright's click() scrolls the link into view right before clicking, and the theme's
    navigation.tracking answers a scroll by writing the section in view into the address, 250 ms
    or more later: on a busy machine after the next page's address was pushed, which then names a
    section of the page left behind (and loses the link's own #anchor)."""
    link.dispatch_event("click")


def search_ready(page: Page) -> None:
    """Wait until the theme's search worker has built its index: the results' header, which says
    "Initializing search" until then, says something else (an arrow function: no `eval` needed)."""
    page.wait_for_function("() => { const meta = document.querySelector('.md-search-result__meta');"
                           " return meta !== null && !/Initializing/.test(meta.textContent); }")


@pytest.fixture(scope="module")
def site() -> Built:
    return build_site("mkdocs")


@pytest.fixture(scope="module")
def base_url(site: Built) -> Iterator[str]:
    # as deployed: the sitemap names this host, so Material's instant navigation really runs
    with serve_deployed(site.root) as url:
        yield url


@pytest.fixture()
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.set_default_timeout(PATIENCE_MS)
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
    follow(page.locator("article a", has_text="5.1.1").first)
    expect(page).to_have_url(base_url + "enhanced/X.1.1/")
    expect(page.locator("h1")).to_contain_text("X.1.1 Bad destination mailbox address")
    expect(page.locator("article")).to_contain_text("5.1.1")


def test_provider_rule_anchor_from_a_code_page(page: Page, base_url: str) -> None:
    """Rule anchors start with digits (#5.7.26-dmarc-reject); instant navigation must still land on them."""
    page.goto(base_url + "enhanced/X.7.26/")
    link = page.locator("article a[href*='providers/google/#5.7.26-']").first
    anchor = (link.get_attribute("href") or "").split("#", 1)[1]
    follow(link)
    expect(page).to_have_url(re.compile(re.escape(base_url + "providers/google/") + "#" + re.escape(anchor) + "$"))
    heading = page.locator(f"[id='{anchor}']")
    expect(heading).to_be_in_viewport()


def test_short_addresses_redirect(page: Page, base_url: str) -> None:
    page.goto(base_url + "550/")
    expect(page).to_have_url(base_url + "reply/550/")
    page.goto(base_url + "enhanced/X.1.1/")  # a short address clicked inside the site, past instant navigation
    follow(page.locator("article a", has_text="/5.1.1/"))
    expect(page).to_have_url(base_url + "enhanced/X.1.1/")
    expect(page.locator("h1")).to_contain_text("X.1.1")
    page.goto(base_url + "5.7.26/")
    expect(page).to_have_url(base_url + "enhanced/X.7.26/")
    expect(page.locator("h1")).to_contain_text("Multiple authentication checks failed")


def test_search_finds_5_7_26(page: Page, base_url: str) -> None:
    page.goto(base_url)
    page.locator("input.md-search__input").click()
    search_ready(page)  # on a busy machine, building the index takes a while
    page.locator("input.md-search__input").press_sequentially("5.7.26")  # keys: the theme searches on keyup
    result = page.locator(".md-search-result__item a[href*='enhanced/X.7.26/']").first
    expect(result).to_be_visible()
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
    search_ready(page)  # on a busy machine, building the index takes a while
    page.locator("input.md-search__input").press_sequentially(refusal)  # keys: the theme searches on keyup
    first = page.locator(".md-search-result__item a").first
    expect(first).to_be_visible()
    expect(first).to_have_attribute("href", re.compile(r"software/postfix/"))
    # the snippet shows the program's words, not a regular expression
    snippet = page.locator(".md-search-result__item").first.inner_text()
    assert "(?" not in snippet and "\\b" not in snippet, snippet
    first.click()
    expect(page).to_have_url(re.compile(re.escape(base_url + "software/postfix/") + r"(\?h=[^#]*)?(#.*)?$"))
    expect(page.locator(".md-content h1")).to_contain_text("Postfix")


def test_search_for_greylisted_names_greylisting_first(page: Page, base_url: str) -> None:
    """Issue #18: "greylisted" found "Sending host blocked" first. Greylisting is a case of `blocked`
    with its own section and advice: the first hit is about greylisting, not the block lists."""
    page.goto(base_url)
    page.locator("input.md-search__input").click()
    search_ready(page)
    page.locator("input.md-search__input").press_sequentially("greylisted")
    first = page.locator(".md-search-result__item").first
    expect(first).to_be_visible()
    title = first.locator("h1, h2").first.inner_text()
    assert "Sending host blocked" not in title, title
    # a page about greylisting: a greylisting program's, the guide, or the case's own section
    assert "greylist" in first.inner_text().lower(), first.inner_text()


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
    follow(page.locator("article a", has_text="All reply codes"))
    expect(page).to_have_url(base_url + "reply/")


def test_served_at_the_address_it_was_built_for_under_a_sub_path(browser: Browser, site: Built) -> None:
    """Published as a GitHub Pages project site is, under a folder (SITE_URL's /bouncecodes/), on the
    very port the build was told: short addresses, instant navigation and the checker all work
    there, and nothing is asked of the server outside that folder."""
    handler = functools.partial(_DeployedHandler, directory=str(site.root))
    with running(on_site_url_port(handler)) as url:
        assert url == SITE_URL and urlsplit(url).path == PREFIX
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(PATIENCE_MS)
        page = context.new_page()
        outside: list[str] = []
        failed: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((url, "data:", "blob:")) else None)
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            page.goto(url + "550/")
            expect(page).to_have_url(url + "reply/550/")
            page.goto(url + "5.1.1/")
            expect(page).to_have_url(url + "enhanced/X.1.1/")
            # instant navigation: a tab is followed without loading a whole page
            page.evaluate("() => { window.__stayed = true; }")
            page.locator(".md-tabs__link", has_text="Checker").click()
            expect(page).to_have_url(url + "checker/")
            assert page.evaluate("() => window.__stayed === true"), "the tab loaded a whole page: the sitemap did not match"
            page.goto(url + "checker/")
            page.fill("textarea.bc-form__input", "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown")
            page.click("button.bc-form__submit")
            card = page.locator(".bc-card")
            expect(card).to_have_count(1)
            expect(card.locator(".bc-badge--reason")).to_have_text("userunknown")
            assert card.locator(".bc-badge--reason").get_attribute("href") == url + "reasons/userunknown/"
        finally:
            context.close()
        assert not outside, f"asked outside {url}: {outside}"
        assert not failed, f"failed requests: {failed}"
