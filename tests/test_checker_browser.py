"""The checker page in headless Chromium: the real classifier on Pyodide gives the CLI's verdicts,
one card per recipient, pasted markup stays text, nothing goes over the network while classifying,
and the page works when reached through instant navigation. Never skipped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import bouncecodes

from .test_cli import DSN
from .test_site_browser import base_url, browser, site  # noqa: F401  (module fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Browser, Page
except ImportError as exc:  # pragma: no cover
    raise ImportError("the browser tests need Playwright for Python: pip install -e '.[dev]'") from exc

TWO = DSN.replace("--b1--", """--b1
Content-Type: message/delivery-status

Final-Recipient: rfc822; second@example.org
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 <second@example.org>: mailbox full

--b1--""").replace("Content-Type: message/delivery-status\n\nReporting-MTA", "Content-Type: message/delivery-status\n\nReporting-MTA", 1)
XSS = '550 5.7.1 <img src=x onerror="window.__xss=1"><script>window.__xss=1</script> <a href="javascript:window.__xss=1">x</a>'


@pytest.fixture()
def checker(browser: Browser, base_url: str) -> Iterator[tuple[Page, list[str], list[str]]]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        yield page, requests, errors
    finally:
        context.close()


def ready(page: Page) -> None:
    page.wait_for_function("document.querySelector('.bc-status') && "
                           "/Ready/.test(document.querySelector('.bc-status').textContent)", timeout=90_000)


def classify(page: Page, text: str) -> list[str]:
    page.fill("textarea.bc-form__input", text)
    page.click("button.bc-form__submit")
    page.wait_for_function("document.querySelector('.bc-status').dataset.kind !== 'loading'", timeout=30_000)
    return [c.inner_text() for c in page.query_selector_all(".bc-card")]


def test_dsn_and_multi_recipient_match_the_cli(checker: tuple[Page, list[str], list[str]], base_url: str) -> None:  # noqa: F811
    page, requests, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    cards = classify(page, DSN)
    expected = bouncecodes.classify(DSN)
    assert len(cards) == len(expected) == 1
    for word in (expected[0].reason, expected[0].status, expected[0].reply, expected[0].recipient):
        assert word in cards[0]
    before = len(requests)
    cards = classify(page, TWO)
    assert [r.reason for r in bouncecodes.classify(TWO)] == ["userunknown", "mailboxfull"]
    assert len(cards) == 2 and "mailboxfull" in cards[1] and "second@example.org" in cards[1]
    assert requests[before:] == [], "classifying must not send any request"
    assert errors == []


def test_pasted_markup_stays_text(checker: tuple[Page, list[str], list[str]], base_url: str) -> None:  # noqa: F811
    page, _, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    cards = classify(page, XSS)
    assert cards and "<img" in page.inner_text(".bc-results")
    assert page.evaluate("window.__xss") is None
    assert page.query_selector(".bc-results img, .bc-results script, .bc-results a[href^='javascript:']") is None
    assert errors == []


def test_oversized_input_is_refused(checker: tuple[Page, list[str], list[str]], base_url: str) -> None:  # noqa: F811
    page, _, _ = checker
    page.goto(base_url + "checker/")
    page.evaluate("document.querySelector('textarea.bc-form__input').value = '550 '.repeat(1600000)")
    page.click("button.bc-form__submit")
    assert "5 MB" in page.inner_text(".bc-status")


def test_instant_navigation(checker: tuple[Page, list[str], list[str]], base_url: str) -> None:  # noqa: F811
    page, requests, errors = checker
    page.goto(base_url)
    assert not any("pyodide" in u for u in requests), "pages other than the checker load no Pyodide bytes"
    page.click("a.md-tabs__link[href$='checker/']")
    page.wait_for_selector("textarea.bc-form__input", timeout=30_000)
    ready(page)
    cards = classify(page, "552 5.2.2 mailbox full")
    assert cards and "mailboxfull" in cards[0]
    assert errors == []
