"""Helpers of the accessibility tests (this module holds no tests): the page of each kind the site
generates, the views it is checked in, and an axe-core scan in Playwright.

``PAGES`` is the one list to extend when the site gets a new kind of page: a name, the path under
the site root, and optionally what to do on the page before the scan (the checker shows a result
first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[1]
#: pinned in package.json (devDependencies); ``make setup`` runs ``npm ci``
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: the WCAG 2.0, 2.1 and 2.2 rules of levels A and AA
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

#: the checker's input for its scan: two recipients (two cards) from Postfix log lines, so the cards
#: show the evidence highlighted in the pasted text
CHECKER_INPUT = (
    "Jan  1 00:00:00 mx postfix/smtp[123]: ABC123DEF: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, "
    "delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox "
    "full (in reply to RCPT TO command))\n"
    "Jan  1 00:00:01 mx postfix/smtp[123]: ABC123DEF: to=<eve@example.org>, relay=mx.example.org[192.0.2.1]:25, "
    "delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User "
    "unknown (in reply to RCPT TO command))"
)


def show_result(page: Page) -> None:
    """On the checker: classify :data:`CHECKER_INPUT`, wait for its cards, open the JSON."""
    page.wait_for_selector("textarea.bc-form__input")
    page.fill("textarea.bc-form__input", CHECKER_INPUT)
    page.click("button.bc-form__submit")
    page.wait_for_function("() => document.querySelectorAll('.bc-card').length === 2")  # the context's timeout
    page.click("details.bc-json > summary")


@dataclass(frozen=True)
class PageKind:
    name: str
    path: str  # under the site root
    prepare: Callable[[Page], None] | None = None
    status: int = 200


PAGES = [
    PageKind("home", ""),
    PageKind("checker with a result", "checker/", show_result),
    PageKind("reply index", "reply/"),
    PageKind("reply code", "reply/550/"),
    PageKind("enhanced index", "enhanced/"),
    PageKind("enhanced code", "enhanced/X.7.26/"),
    PageKind("enhanced class", "enhanced/5.XXX.YYY/"),
    PageKind("enhanced subject", "enhanced/X.1.YYY/"),
    PageKind("reasons index", "reasons/"),
    PageKind("reason", "reasons/userunknown/"),
    PageKind("providers index", "providers/"),
    PageKind("provider", "providers/apple/"),  # the template of google/, at a third of its size: a faster scan
    PageKind("software index", "software/"),
    PageKind("program", "software/postfix/"),
    PageKind("program known by its log only", "software/zonemta/"),
    PageKind("guides index", "guides/"),
    PageKind("guide", "guides/reading-an-ndr/"),
    PageKind("API", "api/"),
    PageKind("404", "no/such/page/", status=404),
]


#: the two palettes, as a reader's system setting picks them, and the body attribute each gives
PALETTES = {"light": "default", "dark": "slate"}
#: desktop and phone widths (CSS px), with a height for each
WIDTHS = {1280: 900, 390: 844}
#: a 1280 px window at 200 % zoom, in CSS px (WCAG 1.4.10: nothing scrolls sideways, nothing cut off)
ZOOMED = (640, 450)

# What does not fit: the page scrolling sideways, anything in the content reaching past the window,
# and any box of it that scrolls sideways or cuts its content off.
OVERFLOW = """() => {
    const out = [];
    const vw = document.documentElement.clientWidth;
    const page = document.scrollingElement.scrollWidth;
    if (page > vw) out.push(`the page is ${page} px wide in a ${vw} px window`);
    const name = (el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : ''}`;
    for (const el of document.querySelectorAll('.md-content *')) {
        const cs = getComputedStyle(el);
        if (cs.display === 'none' || cs.visibility === 'hidden') continue;
        const r = el.getBoundingClientRect();
        if (r.width < 2 || r.height < 2) continue;  // visually hidden on purpose (the file input)
        if (r.right > vw + 1 || r.left < -1) out.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px of ${vw}`);
        if (['auto', 'scroll', 'hidden', 'clip'].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + 1) {
            out.push(`${name(el)} ${cs.overflowX === 'auto' || cs.overflowX === 'scroll' ? 'scrolls sideways' : 'cuts off'}: ${el.scrollWidth} px in ${el.clientWidth}`);
        }
    }
    return out;
}"""


def start_scan(page: Page) -> None:
    """Start axe-core on the page as it is now (axe is added to every document by :func:`add_axe`),
    the WCAG A and AA rules only, without waiting: scans of pages in other browser contexts run
    meanwhile, each in its own renderer process. :func:`finish_scan` collects the result."""
    page.evaluate(
        """(tags) => {
            window.__bcAxe = (async () => {
                // colours mid-transition (a tab fading in) are no colours a reader sees: let them settle
                const ending = document.getAnimations()
                    .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
                await Promise.all(ending.map((a) => a.finished.catch(() => null)));
                const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
                return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })) }));
            })();
        }""",
        WCAG_TAGS,
    )


def finish_scan(page: Page) -> list[dict[str, Any]]:
    """The violations found by the scan :func:`start_scan` started on ``page``."""
    return page.evaluate("() => window.__bcAxe")  # type: ignore[no-any-return]


def axe_scan(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations (WCAG A and AA rules) on the page as it is now."""
    start_scan(page)
    return finish_scan(page)


def add_axe(context: Any) -> None:
    """axe-core in every document of a browser context, before the page's own scripts. An init
    script is not subject to the page's Content-Security-Policy (the checker page has one)."""
    context.add_init_script(path=str(AXE))


def describe(where: str, violations: list[dict[str, Any]], limit: int = 5) -> list[str]:
    """One line per violating element: the page and view, the rule, the element and what is wrong."""
    lines = []
    for v in violations:
        for node in v["nodes"][:limit]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"{where}: {v['id']} ({v['impact']}) {node['target']} {node['html'][:160]!r} — {summary[:300]}")
        if len(v["nodes"]) > limit:
            lines.append(f"{where}: {v['id']}: … and {len(v['nodes']) - limit} more elements")
    return lines
