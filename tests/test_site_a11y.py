"""Accessibility of the built site, in headless Chromium. Never skipped.

* For one page of each kind (``PAGES`` in tests/a11y_support.py: extend it when the site gets a new
  kind of page): axe-core (pinned in package.json) finds no violation of the WCAG 2.0, 2.1 and 2.2
  A and AA rules, in both palettes, at 1280 px and at 390 px (a failure names the rule and the
  element); and at 200 % zoom on a 1280 px window nothing scrolls sideways or is cut off.
* The checker works with the keyboard alone: the tab order (paste box, "Whose server refused it?",
  Classify, Open file, Share link, the examples, the cards), a visible focus that nothing hides,
  Ctrl+Enter, the cards reached after classifying, the summary announced once. A screen reader is
  given each card as a region named by its recipient, the badges as words, the evidence highlight
  as a line number, the JSON named; so are the API page's JSON examples.
* Reduced motion turns the checker's animations off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .a11y_support import (
    AXE,
    CHECKER_INPUT,
    OVERFLOW,
    PAGES,
    PALETTES,
    WIDTHS,
    ZOOMED,
    PageKind,
    add_axe,
    describe,
    finish_scan,
    start_scan,
)
from .test_site_browser import PATIENCE_MS, serve_deployed, site  # noqa: F401  (module fixtures)
from .test_site_support import Built

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Browser, Page, expect
except ImportError as exc:  # pragma: no cover
    raise ImportError("the browser tests need Playwright for Python: pip install -e '.[dev]'") from exc

INPUT_ID = "bouncecodes-checker-input"


@pytest.fixture(scope="module")
def base_url(site: Built) -> Iterator[str]:  # noqa: F811
    with serve_deployed(site.root) as url:
        yield url


@pytest.fixture(scope="module")
def palettes(browser: Browser) -> Iterator[dict[str, Page]]:
    """One page per palette, each in its own context (so its scans run in its own process), with
    axe-core loaded into every document."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): run make setup, which runs npm ci", pytrace=False)
    contexts = []
    pages = {}
    for scheme in PALETTES:
        context = browser.new_context(viewport={"width": 1280, "height": WIDTHS[1280]}, color_scheme=scheme)  # type: ignore[arg-type]
        context.set_default_timeout(PATIENCE_MS)
        add_axe(context)
        contexts.append(context)
        pages[scheme] = context.new_page()
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


# -- each kind of page: axe-core, and 200 % zoom -------------------------------------------------



@pytest.mark.parametrize("kind", PAGES, ids=[k.name for k in PAGES])
def test_no_wcag_a_or_aa_violation(kind: PageKind, palettes: dict[str, Page], base_url: str) -> None:
    """axe-core at 1280 and 390 px in both palettes; in between, the layout of a 1280 px window at
    200 % zoom: 640 CSS px wide (two device pixels per CSS pixel change nothing in the layout)."""
    for scheme, page in palettes.items():
        page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
        response = page.goto(base_url + kind.path)
        assert response is not None and response.status == kind.status, kind.path
        expect(page.locator("body")).to_have_attribute("data-md-color-scheme", PALETTES[scheme])
    if kind.prepare:
        for page in palettes.values():
            kind.prepare(page)
    problems: list[str] = []
    for width, height in WIDTHS.items():
        for page in palettes.values():  # both palettes at once, each in its own renderer
            page.set_viewport_size({"width": width, "height": height})
            start_scan(page)
        for scheme, page in palettes.items():
            problems += describe(f"{kind.name} ({scheme}, {width} px)", finish_scan(page))
        if width == 1280:
            page = palettes["light"]
            page.set_viewport_size({"width": ZOOMED[0], "height": ZOOMED[1]})
            problems += [f"{kind.name} (at 200 % zoom): {p}" for p in page.evaluate(OVERFLOW)]
    assert not problems, f"{len(problems)} WCAG violations:\n" + "\n".join(problems)


# -- the checker by keyboard -----------------------------------------------------------------------

# What has the focus: a short name, whether its focus indicator shows (an outline), and whether it
# is in sight: some of it inside the window and not under anything else, such as the sticky header
# (WCAG 2.4.11, focus not obscured).
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { name: 'body', shown: false, inSight: false };
    const cs = getComputedStyle(el);
    const shown = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1 && !/rgba\\(.*, 0\\)$/.test(cs.outlineColor);
    const r = el.getBoundingClientRect();
    let inSight = false;
    for (const fx of [0.1, 0.5, 0.9]) {
        for (const fy of [0.2, 0.5, 0.8]) {
            const x = r.left + r.width * fx;
            const y = r.top + r.height * fy;
            if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
            const hit = document.elementFromPoint(x, y);
            if (hit && (hit === el || el.contains(hit))) inSight = true;
        }
    }
    const card = el.closest('.bc-card');
    const cards = [...document.querySelectorAll('.bc-card')];
    const name = el.id === 'bouncecodes-checker-input' ? 'paste box'
        : el.matches('.bc-form__provider-input') ? 'provider'
        : el.matches('.bc-form__submit') ? 'Classify'
        : el.matches('.bc-form__open') ? 'Open file'
        : el.matches('.bc-form__share') ? 'Share link'
        : el.matches('.bc-form__example') ? 'example'
        : card ? `card ${cards.indexOf(card) + 1}`
        : el.closest('.bc-json') ? 'JSON'
        : el.closest('#bouncecodes-checker') ? `checker ${el.tagName.toLowerCase()}.${el.className}`
        : `${el.tagName.toLowerCase()} ${el.textContent.trim().slice(0, 30)}`;
    return { name, shown, inSight };
}"""


#: where Tab goes after the paste box, up to the cards
FORM_ORDER = ["provider", "Classify", "Open file", "Share link", "example", "example", "example"]


def tab(page: Page, key: str = "Tab") -> dict[str, Any]:
    page.keyboard.press(key)
    return page.evaluate(FOCUSED)  # type: ignore[no-any-return]


def ready(page: Page) -> None:
    page.wait_for_function("() => /Ready/.test(document.querySelector('.bc-status')?.textContent || '')")


def test_checker_by_keyboard_and_screen_reader(browser: Browser, base_url: str) -> None:
    """The checker with the keyboard alone, then what a screen reader is given for its result."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    try:
        page.goto(base_url + "checker/")
        ready(page)
        page.evaluate("""() => {
            const status = document.querySelector('#bouncecodes-checker [role=status]');
            window.__said = [];
            new MutationObserver(() => window.__said.push(status.textContent))
                .observe(status, { childList: true, characterData: true, subtree: true });
        }""")
        # from the top of the page, Tab reaches the paste box
        for _ in range(60):
            if tab(page)["name"] == "paste box":
                break
        else:
            pytest.fail("Tab never reached the paste box")
        page.keyboard.type("550 5.1.1 <x@example.org> User unknown")  # key by key: nothing is announced
        page.keyboard.press("Control+a")
        page.keyboard.insert_text("Forwarded log, two lines:\n" + CHECKER_INPUT)  # as a paste
        assert page.evaluate("() => window.__said") == []

        # the optional "Whose server refused it?" comes with the text it is about, before Classify
        stops = [tab(page) for _ in range(len(FORM_ORDER))]
        assert [s["name"] for s in stops] == FORM_ORDER
        assert all(s["shown"] and s["inSight"] for s in stops), stops
        for _ in range(len(FORM_ORDER)):
            tab(page, "Shift+Tab")
        assert page.evaluate(FOCUSED)["name"] == "paste box"

        page.keyboard.press("Control+Enter")
        expect(page.locator(".bc-card")).to_have_count(2)
        page.wait_for_function("() => /classified/.test(document.querySelector('.bc-status').textContent)")
        said = page.evaluate("() => window.__said")
        summaries = [s for s in said if "2 recipients classified" in s]
        assert len(summaries) == 1, said
        assert page.evaluate(FOCUSED)["name"] == "paste box", "classifying does not move the focus"
        page.keyboard.type(" ")  # more keystrokes announce nothing more
        assert page.evaluate("() => window.__said") == said

        # after the examples, Tab goes into the first card, then the second, then the JSON, which
        # Enter opens and whose text Tab reaches; and back up to the paste box, the focus always in
        # sight and marked
        stops = []
        for _ in range(40):
            stops.append(tab(page))
            if stops[-1]["name"] == "JSON":
                break
        page.keyboard.press("Enter")
        expect(page.locator("details.bc-json")).to_have_attribute("open", "")
        stops += [tab(page), tab(page)]  # "Copy JSON", then the JSON itself, which may scroll
        assert page.evaluate("() => document.activeElement.matches('.bc-json__text')")
        while stops[-1]["name"] != "paste box" and len(stops) < 80:
            stops.append(tab(page, "Shift+Tab"))
        names = [s["name"] for s in stops]
        first_card = names.index("card 1")
        assert names[:first_card] == FORM_ORDER
        assert names.index("card 2") > first_card and "JSON" in names and names[-1] == "paste box", names
        assert not [n for n in names if n.startswith("checker")], names
        hidden = [s for s in stops if not (s["shown"] and s["inSight"])]
        assert not hidden, f"focus not visible or not in sight: {hidden}"

        # what a screen reader is given: each card a region named by its recipient, its heading
        bob = page.get_by_role("region", name="bob@example.org", exact=True)
        eve = page.get_by_role("region", name="eve@example.org", exact=True)
        expect(bob.get_by_role("heading", level=3)).to_have_text("bob@example.org")
        # the badges say it in words; the colour only repeats it
        expect(bob.locator(".bc-card__badges")).to_contain_text("temporary")
        expect(bob.locator(".bc-card__badges")).to_contain_text("soft bounce")
        expect(eve.locator(".bc-card__badges")).to_contain_text("permanent")
        expect(eve.locator(".bc-card__badges")).to_contain_text("hard bounce")
        # the highlight has a text equivalent: the line of the pasted text it is on
        expect(bob.get_by_role("region", name="Where it was found in your text: line 2")).to_contain_text("452 4.2.2")
        expect(eve.get_by_role("region", name="Where it was found in your text: line 3")).to_contain_text("550 5.1.1")
        expect(eve.locator("mark")).to_contain_text("5.1.1")
        json_region = page.get_by_role("region", name="JSON, as bouncecodes classify --format json prints it")
        expect(json_region).to_contain_text('"recipient": "eve@example.org"')
    finally:
        context.close()


def test_json_examples_are_named_figures(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    try:
        page.goto(base_url + "api/")
        for name in ("api/reply/550.json, abridged", "api/enhanced/5.1.1.json, abridged", "api/reasons.json, abridged"):
            expect(page.get_by_role("figure", name=name)).to_contain_text('"schema_version": 1')
    finally:
        context.close()


# -- motion ----------------------------------------------------------------------------------------

# Every element (and its ::before and ::after) that animates or transitions, with how long.
MOVING = """() => {
    const seconds = (list) => Math.max(...list.split(',').map((t) => parseFloat(t) * (t.trim().endsWith('ms') ? 0.001 : 1)));
    const out = [];
    for (const el of document.querySelectorAll('*')) {
        for (const pseudo of [null, '::before', '::after']) {
            const cs = getComputedStyle(el, pseudo);
            const animation = cs.animationName !== 'none' ? seconds(cs.animationDuration) : 0;
            const transition = seconds(cs.transitionDuration);
            if (animation > 0.001 || transition > 0.001) {
                out.push(`${el.tagName.toLowerCase()}.${el.className}${pseudo || ''}: animation ${animation} s, transition ${transition} s`);
            }
        }
    }
    return out;
}"""


def test_reduced_motion_stills_the_checker(browser: Browser, base_url: str) -> None:
    """With reduced motion nothing on the checker animates or transitions, while Python loads (the
    spinner) nor with a result; without it, the theme's transitions are there (on the home page,
    which starts no Python), so the check has something to find."""
    moving = {}
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion=motion)  # type: ignore[arg-type]
        context.set_default_timeout(PATIENCE_MS)
        page = context.new_page()
        try:
            page.goto(base_url + ("checker/" if motion == "reduce" else ""), wait_until="domcontentloaded")
            found = page.evaluate(MOVING)  # on the checker, Python is still loading: the spinner shows
            if motion == "reduce":
                page.fill("textarea.bc-form__input", CHECKER_INPUT)
                page.click("button.bc-form__submit")
                expect(page.locator(".bc-card")).to_have_count(2)
                page.click("details.bc-json > summary")
                page.keyboard.press("End")
                found += page.evaluate(MOVING)
            moving[motion] = found
        finally:
            context.close()
    assert moving["no-preference"], "nothing moves even without the setting: this test would prove nothing"
    assert not moving["reduce"], "\n".join(moving["reduce"][:30])
