"""The checker page in headless Chromium: the real classifier on Pyodide gives exactly the CLI's
JSON, one card per recipient with its links, the evidence highlighted in the pasted text, files
opened as bytes, share links that keep the text in the fragment, a Content-Security-Policy that
blocks injected scripts, pasted markup that stays text, no request while classifying, and instant
navigation. Never skipped.

(Under the page's policy, Playwright's string predicates would be `eval`ed and blocked: every
``wait_for_function`` here is given an arrow function, which Playwright runs without `eval`.)
"""

from __future__ import annotations

import base64
import functools
import gzip
import http.server
import io
import json
import subprocess
import sys
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import bouncecodes
from bouncecodes.parse.common import to_text
from bouncecodes.site.csp import WORKER_POLICY

from .a11y_support import OVERFLOW, PALETTES, WIDTHS, ZOOMED, add_axe, axe_scan, describe
from .test_cli import DSN, POISON
from .test_site_browser import (  # noqa: F401  (module fixtures)
    PATIENCE_MS,
    search_ready,
    serve_deployed,
    site,
)
from .test_site_support import PREFIX, Built, _DeployedHandler, running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Browser, ElementHandle, FilePayload, Page, Request, expect
except ImportError as exc:  # pragma: no cover
    raise ImportError("the browser tests need Playwright for Python: pip install -e '.[dev]'") from exc

ROOT = Path(__file__).resolve().parents[1]
PARSE_DATA = ROOT / "tests" / "data" / "parse"

TWO = DSN.replace("--b1--", """--b1
Content-Type: message/delivery-status

Final-Recipient: rfc822; second@example.org
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 <second@example.org>: mailbox full

--b1--""")
XSS = '550 5.7.1 <img src=x onerror="window.__xss=1"><script>window.__xss=1</script> <a href="javascript:window.__xss=1">x</a>'
LOG = ("Jan  1 00:00:00 mx postfix/smtp[123]: ABC123DEF: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, "
       "delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox "
       "full (in reply to RCPT TO command))")
LOG_TWO = LOG + "\n" + LOG.replace("bob@", "eve@").replace("4.2.2", "5.1.1").replace("452", "550").replace(
    "deferred", "bounced").replace("Mailbox full", "User unknown")
#: a greylisting deferral (Postgrey's wording): the card names the case, not "Sending host blocked"
GREYLISTED = ("450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see "
              "http://postgrey.schweikert.ch/help/example.org.html")
REPLY = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
NO_ENHANCED = "550 Requested action not taken: mailbox unavailable"
VIOLATIONS = ("window.__violations = [];"
              "document.addEventListener('securitypolicyviolation', (e) =>"
              " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")

Checker = tuple[Page, list[Request], list[str]]


@pytest.fixture(scope="module")
def base_url(site: Built) -> Iterator[str]:  # noqa: F811
    """The site served as its host serves it, so that Material's instant navigation is live."""
    with serve_deployed(site.root) as url:
        yield url


@pytest.fixture()
def checker(browser: Browser, base_url: str) -> Iterator[Checker]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.add_init_script(VIOLATIONS)
    requests: list[Request] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        yield page, requests, errors
    finally:
        context.close()


# -- driving the page -----------------------------------------------------------------------------


def settled(page: Page) -> str:
    """Wait until the checker has loaded Python or said why it could not (it gives up by itself
    after 90 s); its status then."""
    page.wait_for_function("() => { const s = document.querySelector('.bc-status');"
                           " return s !== null && (/Ready/.test(s.textContent) || s.dataset.kind === 'error'); }")
    return page.inner_text(".bc-status")


def ready(page: Page) -> None:
    status = settled(page)
    assert "Ready" in status, status


def runs(page: Page) -> int:
    return int(page.get_attribute("#bouncecodes-checker", "data-bc-runs") or 0)


def after_run(page: Page, action: Callable[[], Any]) -> None:
    """Do ``action``, then wait until the checker has finished one more run (result or message)."""
    before = runs(page)
    action()
    page.wait_for_function("n => Number(document.getElementById('bouncecodes-checker').dataset.bcRuns) > n",
                           arg=before)


def classify(page: Page, text: str) -> list[str]:
    page.fill("textarea.bc-form__input", text)
    after_run(page, lambda: page.click("button.bc-form__submit"))
    return [c.inner_text() for c in page.query_selector_all(".bc-card")]


def open_file(page: Page, name: str, data: bytes) -> None:
    payload: FilePayload = {"name": name, "mimeType": "message/rfc822", "buffer": data}
    after_run(page, lambda: page.set_input_files("input.bc-form__file", files=[payload]))


def page_json(page: Page) -> list[dict[str, Any]]:
    return json.loads(page.text_content(".bc-json__text") or "null")  # type: ignore[no-any-return]


def cli_json(data: bytes, name: str | None = None) -> list[dict[str, Any]]:
    """What `bouncecodes classify --format json` prints for ``data``: from a file called ``name``
    (named so, in the folder it runs in: a record's `file` is the path as given), else from
    standard input."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "bouncecodes", "classify", "--format", "json", "--quiet"]
        if name is not None:
            (Path(tmp) / name).write_bytes(data)
            cmd.append(name)
        proc = subprocess.run(cmd, input=None if name else data, capture_output=True, timeout=60, cwd=tmp)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def href_path(card: ElementHandle, selector: str) -> str | None:
    """The path from the site's root (and #anchor) a link in a card points to (``/reply/550/``, the
    site being served under PREFIX); None when there is no such link."""
    a = card.query_selector(selector)
    if a is None:
        return None
    parts = urlsplit(a.get_attribute("href") or "")
    return parts.path.removeprefix(PREFIX.rstrip("/")) + (f"#{parts.fragment}" if parts.fragment else "")


def load_and_run(page: Page, url: str) -> None:
    """Open ``url`` as a new document and wait for the checker's first run (a share link's)."""
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_function("() => Number(document.getElementById('bouncecodes-checker')?.dataset.bcRuns) > 0")


def check_cards(page: Page, records: list[dict[str, Any]]) -> list[str]:
    """The cards say what the records say, with the links the registry has pages for; returns the hrefs."""
    registry = bouncecodes.load_registry()
    cards = page.query_selector_all(".bc-card")
    assert len(cards) == len(records)
    hrefs: list[str] = []
    for card, rec in zip(cards, records, strict=True):
        text = card.inner_text()
        assert (rec["recipient"] or "No recipient named") in text
        assert ("permanent" if rec["permanent"] else "temporary") in text
        assert ("hard bounce" if rec["hard"] else "soft bounce") in text
        assert rec["action"][:60] in text.replace("\n", " ")
        assert href_path(card, "a.bc-badge--reason") == f"/reasons/{rec['reason']}/"
        if rec["reply"]:
            assert rec["reply"] in text
            want = f"/reply/{rec['reply']}/" if registry.reply_code(rec["reply"]) else None
            assert href_path(card, ".bc-field--reply a") == want
        if rec["status"]:
            status = card.query_selector(".bc-field--status")
            assert status is not None and rec["status"] in status.inner_text()
            if rec.get("status_source") == "pseudo":  # derived from the reason: no link, and said so
                assert status.query_selector("code").evaluate("code => code.closest('a')") is None  # type: ignore[union-attr]
                assert "derived from the reason, not sent by the server" in status.inner_text()
                assert href_path(status, "a") == "/guides/pseudo-status-codes/"
            else:
                entry = registry.enhanced_entry(rec["status"])
                assert href_path(card, ".bc-field--status a") == (f"/enhanced/{entry.code}/" if entry else None)
                assert "not sent by the server" not in status.inner_text()
        if rec["provider"]:
            assert href_path(card, ".bc-field--provider a") == f"/providers/{rec['provider']}/"
        original = card.query_selector(".bc-field--original")
        if rec.get("original_recipient"):  # the address as sent, when forwarding changed it
            assert original is not None and rec["original_recipient"] in original.inner_text()
        else:
            assert original is None
        # the grounds sit in a closed "Why this answer" disclosure: not in the card's visible text
        why = card.query_selector("details.bc-card__why")
        assert why is not None and why.get_attribute("open") is None
        assert rec["rule"] not in text and "Decided by" not in text
        for raw in ("Detail:", "Found in:", "Decided by:"):
            assert raw not in text, f"{raw!r} in the card's body"
        why.query_selector("summary").click()  # type: ignore[union-attr]
        grounds = " ".join(why.inner_text().split())
        assert grounds.startswith("Why this answer Decided by ") and rec["rule"] in grounds
        rule = why.query_selector(".bc-why__rule a")
        assert rule is not None and rule.inner_text() == rec["rule"], f"the rule {rec['rule']} has no link"
        if rec["detail"]:
            assert f"({rec['detail']} in the JSON)" in grounds
        if rec.get("advice_from"):  # a runtime that says where the advice came from: said in words
            assert "The advice is " in grounds
        # the words come from the registry entry that decided, not from its id
        kind, _, name = rec["rule"].partition(":")
        owner = name.partition("/")[0]
        said = grounds.split("Registry entry:")[0]
        if kind == "provider":
            provider = registry.provider(owner)
            assert provider is not None and f"{provider.name.split(' (')[0]}'" in said, said
        elif kind == "software":
            program = registry.program(owner)
            assert program is not None and f"{program.name}'" in said, said
        elif kind == "enhanced":
            assert "the enhanced status code" in said, said
        elif kind == "reply":
            assert f"the reply code {name}" in said, said
        # what happened: the reason, or the particular case of it the answer names (greylisting), with
        # a link to its section of the reason's page
        reason = registry.reason(rec["reason"])
        case = next((d for d in reason.details if d.id == rec["detail"]), None) if rec["detail"] else None
        if kind == "phrase":
            assert f"read as \u201c{(case or registry.reason(owner)).title}\u201d" in said, said
        assert f"What happened: {(case or reason).title}" in text
        assert href_path(card, "a.bc-card__reason") == f"/reasons/{rec['reason']}/" + (f"#{case.id}" if case else "")
        direction = card.query_selector(".bc-field--direction")
        if rec.get("direction"):  # inbound or outbound, as the record says
            assert direction is not None and direction.inner_text() == rec["direction"]
        else:
            assert direction is None
        hrefs += [a.get_attribute("href") or "" for a in card.query_selector_all("a")]
    return hrefs


def check_links_resolve(page: Page, hrefs: list[str]) -> None:
    """Every card link leads to a page of the site, and to an element with the anchor's id."""
    for href in sorted(set(hrefs)):
        url, _, anchor = href.partition("#")
        response = page.request.get(url)
        assert response.status == 200, href
        if anchor:
            assert f'id="{anchor}"' in response.text(), href


# -- the verdicts, as the CLI gives them --------------------------------------------------------


def test_page_json_equals_the_cli(checker: Checker, base_url: str) -> None:
    """Field by field, the page's JSON is `bouncecodes classify --format json` for the same input
    (files opened as files, so even the `file` field agrees; pasted text is standard input, "-")."""
    page, _, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    hrefs: list[str] = []
    compared = shown_original = 0
    for path in sorted(PARSE_DATA.glob("*.eml")):
        data = path.read_bytes()
        open_file(page, path.name, data)
        want = cli_json(data, path.name)
        assert want, f"{path.name}: the CLI finds no bounce"
        assert page_json(page) == want, path.name
        hrefs += check_cards(page, want)
        compared += 1
        shown_original += sum(1 for r in want if r["original_recipient"])
    pasted = {"dsn": DSN, "two recipients": TWO, "log line": LOG, "two log lines": LOG_TWO, "reply": REPLY,
              "reply without enhanced code": NO_ENHANCED, "greylisted": GREYLISTED, "no bounce": "Hello, see you tomorrow."}
    for name, text in pasted.items():
        classify(page, text)
        want = cli_json(text.encode("utf-8"))
        assert page_json(page) == want, name
        hrefs += check_cards(page, want)
        compared += 1
        if name == "greylisted":
            assert [(r["reason"], r["detail"]) for r in want] == [("blocked", "greylisting")]
            assert "What happened: Greylisted" in page.inner_text(".bc-card")
    assert [r["reason"] for r in cli_json(TWO.encode())] == ["userunknown", "mailboxfull"]
    assert len(page_json(page)) == 0 and "No bounce found" in page.inner_text(".bc-status")
    assert compared == len(list(PARSE_DATA.glob("*.eml"))) + len(pasted) >= 15
    assert shown_original >= 1  # a card showed the address as sent
    assert errors == []
    check_links_resolve(page, hrefs)


STATUSES = ("window.__statuses = [];"
            "new MutationObserver(() => {"
            "  const s = document.querySelector('.bc-status');"
            "  if (s && window.__statuses.at(-1) !== s.textContent) window.__statuses.push(s.textContent);"
            "}).observe(document, { subtree: true, childList: true, characterData: true });")


def test_classifying_sends_no_request(checker: Checker, base_url: str) -> None:
    page, requests, errors = checker
    page.add_init_script(STATUSES)
    page.goto(base_url + "checker/")
    ready(page)
    statuses = page.evaluate("() => window.__statuses")
    steps = [s for s in statuses if "step" in s]
    assert [s.split("step ")[1][:6] for s in steps] == ["1 of 3", "2 of 3", "3 of 3"], statuses
    assert statuses[-1] == "Ready."
    classify(page, REPLY)  # the first call is already warm: the worker classified a sample while loading
    before = len(requests)
    cards = classify(page, DSN)
    assert len(cards) == 1 and "userunknown" in cards[0]
    cards = classify(page, TWO)
    assert len(cards) == 2 and "mailboxfull" in cards[1] and "second@example.org" in cards[1]
    open_file(page, "bounce.eml", TWO.encode())
    assert len(page.query_selector_all(".bc-card")) == 2
    assert requests[before:] == [], "classifying must not send any request"
    ms = float(page.get_attribute("#bouncecodes-checker", "data-bc-ms") or "nan")
    assert 0 <= ms < 5000
    assert errors == []


# -- evidence ------------------------------------------------------------------------------------


def test_evidence_is_highlighted_in_the_text_the_classifier_read(checker: Checker, base_url: str) -> None:
    page, _, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    text = "🙂 forwarded by ü:\n" + LOG_TWO  # a character beyond U+FFFF first: offsets count code points
    classify(page, text)
    results = bouncecodes.classify(text)
    marks = page.query_selector_all(".bc-card .bc-evidence mark")
    assert len(marks) == len(results) == 2
    for mark, result in zip(marks, results, strict=True):
        start, end = result.span
        assert mark.inner_text() == text[start:end]
        assert "Mailbox full" in mark.inner_text() or "User unknown" in mark.inner_text()
    # bytes with CR line ends and Latin-1: highlighted in the text as the classifier decoded it
    data = ("Grüße\r\n" + LOG + "\r\n").encode("latin-1")
    open_file(page, "log.txt", data)
    (result,) = bouncecodes.classify(data)
    start, end = result.span
    assert page.inner_text(".bc-card .bc-evidence mark") == to_text(data)[start:end]
    assert page.input_value("textarea.bc-form__input") == to_text(data)
    # a delivery report: the Diagnostic-Code's words, found where they stand in the report
    classify(page, DSN)
    start, end = bouncecodes.classify(DSN)[0].span
    assert end > start
    assert page.inner_text(".bc-card .bc-evidence mark") == DSN[start:end]
    # nothing located (the words were encoded): no evidence block rather than a wrong one
    encoded = ("From: MAILER-DAEMON@example.net\nTo: a@example.net\nSubject: Undelivered Mail Returned to Sender\n"
               "MIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
               "<b@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 user un=\nknown\n")
    classify(page, encoded)
    assert bouncecodes.classify(encoded)[0].span == (0, 0)
    assert page.query_selector(".bc-card .bc-evidence") is None
    # markup in the evidence is text too
    classify(page, XSS)
    assert page.query_selector(".bc-evidence mark") is not None
    assert page.query_selector(".bc-results img, .bc-results script") is None
    assert errors == []


# -- files ---------------------------------------------------------------------------------------


def test_open_and_drop_files_as_bytes(checker: Checker, base_url: str) -> None:
    page, requests, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    data = ("From: MAILER-DAEMON@example.net\nSubject: failure\n\n"
            "<mueller@example.org>: host mx.example.org said: 550 5.1.1 Benutzer M\u00fcller unbekannt\n").encode("latin-1")
    open_file(page, "m\u00fcller.eml", data)
    assert page_json(page) == cli_json(data, "m\u00fcller.eml")
    assert "Müller" in page.input_value("textarea.bc-form__input"), "Latin-1 bytes are decoded as the CLI does"
    assert "Müller" in page.inner_text(".bc-card")
    # classifying again while the text box still shows the file sends the file again
    after_run(page, lambda: page.click("button.bc-form__submit"))
    assert page_json(page)[0]["file"] == "müller.eml"
    # dropped onto the paste area
    dropped = page.evaluate_handle("""(text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], "dropped.eml", { type: "message/rfc822" }));
        return dt;
    }""", TWO)
    after_run(page, lambda: page.dispatch_event("textarea.bc-form__input", "drop", {"dataTransfer": dropped}))
    assert page_json(page) == cli_json(TWO.encode(), "dropped.eml")
    assert len(page.query_selector_all(".bc-card")) == 2
    # over 5 MB: refused with a message, before Python sees it
    before = len(requests)
    open_file(page, "big.eml", b"550 " * (5 * 1024 * 1024 // 4 + 1))
    assert "5 MB" in page.inner_text(".bc-status") and page.get_attribute(".bc-status", "data-kind") == "error"
    assert page.query_selector(".bc-card") is None
    assert requests[before:] == []
    assert errors == []


def test_oversized_text_is_refused(checker: Checker, base_url: str) -> None:
    page, _, _ = checker
    page.goto(base_url + "checker/")
    page.evaluate("() => { document.querySelector('textarea.bc-form__input').value = '550 '.repeat(1600000); }")
    after_run(page, lambda: page.click("button.bc-form__submit"))
    assert "5 MB" in page.inner_text(".bc-status")


# -- share links ---------------------------------------------------------------------------------


def fragment_payload(url: str) -> tuple[str, str]:
    key, _, payload = urlsplit(url).fragment.partition("=")
    return key, payload


def test_share_link_keeps_the_text_in_the_fragment(browser: Browser, checker: Checker, base_url: str) -> None:
    page, requests, errors = checker
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page.goto(base_url + "checker/")
    ready(page)
    text = "Grüße 📫\n" + LOG_TWO
    classify(page, text)
    page.click("button.bc-form__share")
    page.wait_for_selector(".bc-share:not([hidden])")
    url = page.url
    key, payload = fragment_payload(url)
    assert key == "bz" and payload and urlsplit(url).query == "" and urlsplit(url).path == PREFIX + "checker/"
    assert zlib.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)), -15).decode() == text
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    assert page.input_value(".bc-share__url") == url and "Link copied." in page.inner_text(".bc-share")
    page.click(".bc-json summary")
    page.click("button.bc-json__copy")
    page.wait_for_function("() => document.querySelector('.bc-json__copy').textContent === 'Copied'")
    assert page.evaluate("() => navigator.clipboard.readText()") == page.text_content(".bc-json__text")

    # whoever opens the link gets the text and its verdict; the text goes in no request
    other = browser.new_context()
    other.set_default_timeout(PATIENCE_MS)
    try:
        opened = other.new_page()
        opened.add_init_script(VIOLATIONS)
        seen: list[Request] = []
        opened.on("request", lambda r: seen.append(r))
        load_and_run(opened, url)
        assert opened.input_value("textarea.bc-form__input") == text
        assert [r["recipient"] for r in page_json(opened)] == ["bob@example.org", "eve@example.org"]
        assert page_json(opened) == page_json(page)
        for r in seen:
            assert payload[:16] not in r.url and "Gr" not in urlsplit(r.url).query and "#" not in r.url
            assert not r.post_data, f"{r.method} {r.url} carried a body"
        assert {r.method for r in seen} == {"GET"}
        assert opened.evaluate("() => window.__violations") == []

        # the plain form, for browsers without CompressionStream
        plain = base64.urlsafe_b64encode(REPLY.encode()).decode().rstrip("=")
        load_and_run(opened, base_url + "checker/#b=" + plain)
        assert opened.input_value("textarea.bc-form__input") == REPLY
        assert page_json(opened) == cli_json(REPLY.encode())

        # a link cut short says so
        load_and_run(opened, base_url + "checker/#bz=" + payload[: len(payload) // 2])
        assert "damaged" in opened.inner_text(".bc-status")
    finally:
        other.close()

    # editing the text drops the stale link from the address
    page.fill("textarea.bc-form__input", "452 4.2.2 over quota")
    assert page.evaluate("() => location.hash") == ""
    assert not [r for r in requests if r.post_data]
    assert errors == []


# -- Content-Security-Policy ---------------------------------------------------------------------


def test_csp_blocks_injected_scripts_and_lets_the_checker_run(checker: Checker, base_url: str, site: Built) -> None:  # noqa: F811
    page, _, errors = checker
    html = (site.root / "checker" / "index.html").read_text(encoding="utf-8")
    head = html[: html.index("<meta name=\"viewport\"")]
    assert '<meta http-equiv="Content-Security-Policy"' in head, "the policy comes first, right after the charset"
    for other in ("index.html", "reply/550/index.html", "guides/index.html"):
        assert "Content-Security-Policy" not in (site.root / other).read_text(encoding="utf-8")

    page.goto(base_url + "checker/")
    policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content") or ""
    assert "'unsafe-inline'" not in policy and "'wasm-unsafe-eval'" in policy and "object-src 'none'" in policy
    ready(page)
    assert len(classify(page, TWO)) == 2
    assert page.evaluate("() => window.__violations") == [], "the page itself breaks no rule of its policy"
    assert errors == []

    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__injected = 1";
        document.body.append(s);
        const img = document.createElement("img");
        img.setAttribute("onerror", "window.__injected = 2");
        img.src = "data:,not an image";
        document.body.append(img);
    }""")
    page.wait_for_function("() => window.__violations.length >= 2")
    assert page.evaluate("() => window.__injected") is None
    assert any(v.startswith("script-src") for v in page.evaluate("() => window.__violations"))


def test_worker_runs_under_the_documented_header(browser: Browser, site: Built) -> None:  # noqa: F811
    """The header the hosting guide (docs/guides/hosting.md) tells servers to send covers the worker
    and still lets Pyodide run; without 'wasm-unsafe-eval' the page says so at once instead of
    loading forever."""
    assert WORKER_POLICY in (ROOT / "docs" / "guides" / "hosting.md").read_text(encoding="utf-8")
    for policy, works in ((WORKER_POLICY, True), (WORKER_POLICY.replace(" 'wasm-unsafe-eval'", ""), False)):
        with serve_deployed(site.root, worker_policy=policy) as url:
            context = browser.new_context()
            context.set_default_timeout(PATIENCE_MS)
            try:
                page = context.new_page()
                page.goto(url + "checker/")
                if works:
                    ready(page)
                    assert "userunknown" in classify(page, REPLY)[0]
                else:  # at once, with the reason: not after the page's own 90 s load timeout
                    status = settled(page)
                    assert page.get_attribute(".bc-status", "data-kind") == "error"
                    assert "wasm-unsafe-eval" in status and "too long" not in status, status
            finally:
                context.close()


def test_wasm_with_the_wrong_type_fails_fast_with_a_reason(browser: Browser, site: Built) -> None:  # noqa: F811
    """Served as application/octet-stream, the .wasm cannot be compiled while streaming, and Pyodide
    would wait forever: the page says what is wrong instead, well before its load timeout."""
    with serve_deployed(site.root, wasm_type="application/octet-stream") as url:
        context = browser.new_context()
        context.set_default_timeout(PATIENCE_MS)
        try:
            page = context.new_page()
            page.goto(url + "checker/")
            status = settled(page)  # the reason, not the page's own timeout ("Python took too long")
            assert page.get_attribute(".bc-status", "data-kind") == "error"
            assert "application/wasm" in status and "too long" not in status, status
        finally:
            context.close()


# -- markup, navigation, other pages ---------------------------------------------------------------


def test_pasted_markup_stays_text(checker: Checker, base_url: str) -> None:
    page, _, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    cards = classify(page, XSS)
    assert cards and "<img" in page.inner_text(".bc-results")
    assert page.evaluate("() => window.__xss") is None
    assert page.query_selector(".bc-results img, .bc-results script, .bc-results a[href^='javascript:']") is None
    assert "<script>" in (page.text_content(".bc-json__text") or "")
    assert errors == []


def test_other_pages_load_no_pyodide_bytes(checker: Checker, base_url: str) -> None:
    page, requests, errors = checker
    page.goto(base_url)
    for tab in ("reply/", "enhanced/", "guides/"):  # instant navigation between pages other than the checker
        page.click(f"a.md-tabs__link[href$='{tab}']")
        page.wait_for_url(base_url + tab)
    page.goto(base_url + "reply/550/")
    shared = ("/checker/checker.js", "/checker/checker.css")  # on every page: they act on the checker only
    checker_assets = [r.url for r in requests
                      if ("/checker/" in r.url and not r.url.endswith(shared)) or "pyodide" in r.url or ".wasm" in r.url]
    assert checker_assets == [], "pages other than the checker load no Pyodide bytes"
    assert errors == []


def test_instant_navigation(checker: Checker, base_url: str) -> None:
    page, requests, errors = checker
    page.goto(base_url)
    page.evaluate("() => { window.__samePage = true; }")
    assert not any("pyodide" in r.url for r in requests)
    page.click("a.md-tabs__link[href$='checker/']")
    page.wait_for_selector("textarea.bc-form__input")
    assert page.evaluate("() => window.__samePage") is True, "reached through instant navigation, not a reload"
    # Material copies the new page's <head> elements, the policy included, which the browser then enforces
    assert page.query_selector('meta[http-equiv="Content-Security-Policy"]') is not None
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__injected = 1";
        document.body.append(s);
    }""")
    assert page.evaluate("() => window.__injected") is None
    ready(page)
    cards = classify(page, "552 5.2.2 mailbox full")
    assert cards and "mailboxfull" in cards[0]
    # away and back: mounted again, the loaded Python kept
    page.click("a.md-tabs__link[href$='guides/']")
    page.wait_for_url(base_url + "guides/")
    page.click("a.md-tabs__link[href$='checker/']")
    page.wait_for_selector("textarea.bc-form__input")
    assert page.evaluate("() => window.__samePage") is True
    ready(page)
    assert "mailboxfull" in classify(page, "552 5.2.2 mailbox full")[0]
    assert len([r for r in requests if r.url.endswith(".wasm")]) == 1
    assert [v for v in page.evaluate("() => window.__violations") if not v.startswith("script-src-elem inline")] == []
    assert errors == [e for e in errors if "Content Security Policy" in e]  # the injected script's report only


def test_site_search_waits_for_python_then_works(checker: Checker, base_url: str) -> None:
    """On the checker page the theme's search worker (which indexes the whole site) starts only once
    Python is ready; search then works as on any page."""
    page, requests, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    search_at_ready = [r.url for r in requests if "/workers/search." in r.url]
    search_ready(page)  # started once Python was ready, without the reader going for the search box
    assert search_at_ready == [] or page.evaluate(
        "() => performance.getEntriesByName('bouncecodes:ready')[0].startTime <= performance"
        ".getEntriesByType('resource').find((e) => e.name.includes('/workers/search.')).startTime")
    page.locator("input.md-search__input").press_sequentially("5.7.26")  # keys: the theme searches on keyup
    expect(page.locator(".md-search-result__item a[href*='enhanced/X.7.26/']").first).to_be_visible()
    assert errors == []


def test_other_pages_start_search_at_once(checker: Checker, base_url: str) -> None:
    page, requests, _ = checker
    page.goto(base_url + "reply/550/")
    search_ready(page)
    assert not any("defer-search" in r.url for r in requests)  # nothing held the search worker back


def test_python_archives_come_gzipped_whole(checker: Checker, base_url: str) -> None:
    """Chromium has DecompressionStream: the page fetches the .zip.gz archives, never the .zip ones."""
    page, requests, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    names = [urlsplit(r.url).path.rsplit("/", 1)[-1] for r in requests]
    archives = sorted(n for n in names if n.startswith(("bouncecodes-", "python_stdlib-")))
    assert [n.split("-")[0] for n in archives] == ["bouncecodes", "python_stdlib"]
    assert all(n.endswith(".zip.gz") for n in archives), archives
    assert errors == []


# -- whose server refused it ----------------------------------------------------------------------

GMAIL_CONNECT = ("The recipient server did not accept our requests to connect. Learn more at "
                 "https://support.google.com/mail/answer/7720 [mx.example.jp. 192.0.2.25: timed out]")
#: iCloud Mail's DMARC refusal (https://support.apple.com/en-us/102322): read on its words without a
#: provider, by Apple's rule with one
APPLE_DMARC = "554 5.7.1 Your message was rejected due to example.com's DMARC policy."


def cli_json_provider(text: str, provider: str) -> list[dict[str, Any]]:
    """`bouncecodes classify --provider NAME --format json` on ``text`` from standard input."""
    proc = subprocess.run([sys.executable, "-m", "bouncecodes", "classify", "--provider", provider, "--format", "json",
                           "--quiet"], input=text.encode("utf-8"), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_whose_server_refused_it(checker: Checker, base_url: str) -> None:
    """The optional field beside the text box names the provider for a reply that does not say it:
    it suggests the registry's names, and the verdict is `bouncecodes classify --provider NAME`'s."""
    from bouncecodes.classify import provider_names

    page, _, errors = checker
    page.goto(base_url + "checker/")
    ready(page)
    field = page.get_by_label("Whose server refused it?")
    expect(field).to_have_attribute("list", "bouncecodes-checker-providers")
    options = page.eval_on_selector_all("#bouncecodes-checker-providers option", "os => os.map(o => [o.value, o.label])")
    assert [tuple(o) for o in options] == provider_names()
    assert ["gmail.com", "Google (Gmail, Google Workspace)"] in options

    # without the field: a text without a code is read on its words, as the CLI reads it without
    # --provider (Google's link in it names Google); Apple's reply goes to the general DMARC wording
    classify(page, GMAIL_CONNECT)
    assert page_json(page) == cli_json(GMAIL_CONNECT.encode())
    assert [r["rule"] for r in page_json(page)] == ["provider:google/dsn-connect-failed"]
    classify(page, "Thanks for your order, it ships tomorrow.")
    assert "No bounce found" in page.inner_text(".bc-status")
    classify(page, APPLE_DMARC)
    assert [r["rule"] for r in page_json(page)] == ["phrase:authfailure/dmarc"]

    # named by a recipient domain, then by an id: the provider's own rule decides, as in the CLI
    after_run(page, lambda: (field.fill("icloud.com"), field.press("Enter")))
    assert page_json(page) == cli_json_provider(APPLE_DMARC, "icloud.com")
    assert [r["rule"] for r in page_json(page)] == ["provider:apple/dmarc-policy"]
    check_cards(page, page_json(page))
    field.fill("gmail.com")
    cards = classify(page, GMAIL_CONNECT)
    assert page_json(page) == cli_json_provider(GMAIL_CONNECT, "gmail.com")
    assert len(cards) == 1 and page.text_content(".bc-why__rule a") == "provider:google/dsn-connect-failed"
    check_cards(page, page_json(page))
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "bouncecodes-checker-provider.png"), full_page=False)

    # a name the registry does not know: said plainly, with the close ones
    after_run(page, lambda: (field.fill("gmial"), field.press("Enter")))
    status = page.inner_text(".bc-status")
    assert status.startswith("unknown provider 'gmial'") and "did you mean gmail?" in status
    assert page.query_selector_all(".bc-card") == []
    assert errors == []


# -- the classifier failing ----------------------------------------------------------------------
#
# No hook in the page or the worker makes Python fail on purpose. The test serves the built site
# with one change: the runtime archive's parse/common module is its source with the bug of issue
# #13 put back at its end (host_of reading "Remote-MTA: DNS; " raised IndexError). The DSN that met
# that bug then makes the real classifier raise inside the real worker.

OLD_HOST_OF = """

def host_of(value: str) -> str:  # put back by tests/test_checker_browser.py: the bug of issue #13
    return value.split(";", 1)[-1].strip().strip("[]<>").split()[0] if value.strip() else ""
"""


def poisoned_runtime(checker_dir: Path) -> dict[str, bytes]:
    """The runtime archives the manifest names (the zip and its gzipped form), with the old host_of."""
    manifest = json.loads((checker_dir / "manifest.json").read_text(encoding="utf-8"))
    module = "bouncecodes/parse/common.py"
    source = (ROOT / "src" / module).read_text(encoding="utf-8") + OLD_HOST_OF
    out = io.BytesIO()
    with zipfile.ZipFile(checker_dir / manifest["runtime"]) as real, zipfile.ZipFile(out, "w") as patched:
        names = real.namelist()
        assert module in names or module + "c" in names, names
        for name in names:
            if name not in (module, module + "c"):
                patched.writestr(name, real.read(name))
        patched.writestr(module, source)  # zipimport compiles a source it finds without its .pyc
    data = out.getvalue()
    archives = {PREFIX + "checker/" + manifest["runtime"]: data}  # served under the site's folder
    if manifest.get("runtime_gz"):
        archives[PREFIX + "checker/" + manifest["runtime_gz"]] = gzip.compress(data)
    return archives


@contextmanager
def serve_poisoned(root: Path) -> Iterator[str]:
    archives = poisoned_runtime(root / "checker")

    class Handler(_DeployedHandler):
        def do_GET(self) -> None:
            body = archives.get(urlsplit(self.path).path)
            if body is None:
                super().do_GET()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    with running(server) as url:
        yield url


def test_a_classifier_failure_asks_for_a_report_and_sends_nothing(browser: Browser, site: Built) -> None:  # noqa: F811
    """A card says the classifier failed on this text and asks for a report; its button copies the
    text and the error; the text goes in no URL and no request; the card is as accessible as the
    result cards; the checker goes on working."""
    assert bouncecodes.classify(POISON)[0].reason == "userunknown"  # the real runtime reads it
    with serve_poisoned(site.root) as url:
        context = browser.new_context(viewport={"width": 1280, "height": WIDTHS[1280]}, color_scheme="light")
        context.set_default_timeout(PATIENCE_MS)
        add_axe(context)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"  # the page's origin: the site sits under a folder
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        try:
            page = context.new_page()
            requests: list[Request] = []
            errors: list[str] = []
            page.on("request", lambda r: requests.append(r))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "checker/")
            ready(page)
            assert "userunknown" in classify(page, REPLY)[0]  # the rest of the runtime works
            before = len(requests)
            classify(page, POISON)
            card = page.locator(".bc-card--failed")
            expect(card).to_have_count(1)
            assert "The classifier failed on this text" in card.inner_text()
            assert "report it" in card.inner_text()
            assert page.inner_text(".bc-failure__error") == "IndexError: list index out of range"
            assert page.get_attribute(".bc-status", "data-kind") == "error" and "failed" in page.inner_text(".bc-status")
            assert page.locator(".bc-json").is_hidden()
            # the text is in no link, in the address of no request, in no part of the page's address
            assert card.locator("a").count() == 0
            assert requests[before:] == []
            assert page.evaluate("() => location.hash") == ""
            page.click("button.bc-failure__copy")
            expect(page.locator("button.bc-failure__copy")).to_have_text("Copied")
            copied = page.evaluate("() => navigator.clipboard.readText()")
            assert copied.endswith("----- the text -----\n" + POISON)
            assert "IndexError: list index out of range" in copied and "Traceback (most recent call last)" in copied
            assert "host_of" in copied and f"bouncecodes {bouncecodes.__version__}" in copied
            assert copied == page.text_content(".bc-failure__text")  # what the button copies is shown
            # a screen reader is given the card as a region named by its heading, and what the button
            # copies (it may scroll) as a region too; axe-core finds nothing wrong in either palette,
            # at desktop and phone widths, and at 200 % zoom nothing scrolls sideways
            expect(page.get_by_role("region", name="The classifier failed on this text")).to_have_count(1)
            page.click("details.bc-failure__report > summary")
            expect(page.get_by_role("region", name="What the button copies")).to_contain_text("----- the text -----")
            problems: list[str] = []
            for scheme, body in PALETTES.items():
                if scheme != "light":  # the reader's own switch: the palette follows no later system change
                    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
                expect(page.locator("body")).to_have_attribute("data-md-color-scheme", body)
                for width, height in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": height})
                    problems += describe(f"failure card ({scheme}, {width} px)", axe_scan(page))
            page.set_viewport_size({"width": ZOOMED[0], "height": ZOOMED[1]})
            problems += [f"failure card (at 200 % zoom): {p}" for p in page.evaluate(OVERFLOW)]
            assert not problems, "\n".join(problems)
            # the same worker answers the next text
            cards = classify(page, DSN)
            assert len(cards) == 1 and "userunknown" in cards[0] and page.locator(".bc-card--failed").count() == 0
            assert errors == []
        finally:
            context.close()


# -- the reader's way through the page (#18) -------------------------------------------------------


def test_no_json_box_before_a_result(checker: Checker, base_url: str) -> None:
    """The JSON disclosure exists only beside cards: not while Python loads, not when Python is
    ready and nothing was classified, not after a text with no bounce in it."""
    page, _, errors = checker
    page.goto(base_url + "checker/")
    box = page.locator("details.bc-json")
    expect(box).to_have_count(1)
    expect(box).to_be_hidden()
    ready(page)
    expect(box).to_be_hidden()
    classify(page, REPLY)
    expect(box).to_be_visible()
    classify(page, "Hello, see you tomorrow.")
    expect(box).to_be_hidden()
    assert errors == []


SCROLLS = ("window.__scrolls = [];"
           "const original = Element.prototype.scrollIntoView;"
           "Element.prototype.scrollIntoView = function (options) {"
           "  window.__scrolls.push({ cls: this.className, behavior: options && options.behavior });"
           "  return original.call(this, options);"
           "};")
IN_SIGHT = """() => {
    const card = document.querySelector('.bc-card');
    const status = document.querySelector('.bc-status');
    const header = document.querySelector('.md-header').getBoundingClientRect().bottom;
    const top = status.getBoundingClientRect().top;
    return card !== null && top >= header && card.getBoundingClientRect().top < window.innerHeight - 48;
}"""


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_on_a_phone_the_answer_is_scrolled_into_view(browser: Browser, base_url: str, motion: str) -> None:
    """At 390 px the cards land below the fold: after Classify the page scrolls to the status line
    above them (clear of the sticky header), smoothly, or at once when the reader asked for reduced
    motion; each card keeps its grounds closed and leaves the reason's summary to its page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, reduced_motion=motion)  # type: ignore[arg-type]
    context.set_default_timeout(PATIENCE_MS)
    try:
        page = context.new_page()
        page.add_init_script(SCROLLS)
        page.goto(base_url + "checker/")
        ready(page)
        assert page.evaluate("() => window.scrollY") == 0
        assert not page.evaluate(IN_SIGHT.replace("card !== null &&", "true &&").replace(
            "card.getBoundingClientRect().top", "document.querySelector('.bc-results').getBoundingClientRect().top"))
        classify(page, LOG_TWO)
        scrolls = page.evaluate("() => window.__scrolls")
        assert scrolls == [{"cls": "bc-status", "behavior": "auto" if motion == "reduce" else "smooth"}]
        if motion == "reduce":  # no animation: in view as soon as the run is done
            assert page.evaluate(IN_SIGHT)
        else:
            page.wait_for_function(IN_SIGHT)
        assert page.evaluate("() => window.scrollY") > 0
        cards = page.locator(".bc-card")
        expect(cards).to_have_count(2)
        expect(cards.first.locator("details.bc-card__why")).not_to_have_attribute("open", "")
        expect(cards.first.locator(".bc-card__summary")).to_be_hidden()
        expect(cards.first.locator(".bc-card__what")).to_be_visible()
    finally:
        context.close()


def test_desktop_does_not_scroll_when_the_answer_is_in_sight(checker: Checker, base_url: str) -> None:
    """A card already in sight is not scrolled to (a tall desktop window, one short reply)."""
    page, _, _ = checker
    page.add_init_script(SCROLLS)
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(base_url + "checker/")
    ready(page)
    classify(page, REPLY)
    assert page.evaluate("() => window.__scrolls") == []
    assert page.evaluate("() => window.scrollY") == 0


def test_progress_is_shown_while_python_loads_after_a_click(browser: Browser, site: Built) -> None:  # noqa: F811
    """Classify clicked before Python is ready: the status line (a polite live region) says which
    step of the load is under way and that the text comes next, with a spinner, until the answer."""
    release = threading.Event()
    asked = threading.Event()

    class Slow(_DeployedHandler):
        def do_GET(self) -> None:
            if self.path.endswith("/pyodide.asm.wasm"):
                asked.set()
                release.wait(timeout=60)  # held until the test has seen the page waiting
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Slow, directory=str(site.root)))
    with running(server) as url:
        context = browser.new_context()
        context.set_default_timeout(PATIENCE_MS)
        try:
            page = context.new_page()
            page.add_init_script(STATUSES)
            page.goto(url + "checker/")
            page.fill("textarea.bc-form__input", REPLY)
            page.click("button.bc-form__submit")
            assert asked.wait(timeout=60), "the page never asked for pyodide.asm.wasm"
            status = page.locator(".bc-status")
            expect(status).to_have_attribute("role", "status")
            expect(status).to_have_attribute("aria-live", "polite")
            expect(status).to_have_attribute("data-kind", "loading")
            expect(status).to_contain_text("Loading Python (step 1 of 3")
            expect(status).to_contain_text("Your text is classified next.")
            expect(page.locator("#bouncecodes-checker")).to_have_attribute("aria-busy", "true")
            spinner = page.evaluate("() => getComputedStyle(document.querySelector('.bc-status'), '::before').content")
            assert spinner == '""'  # the spinning ring is drawn
            release.set()
            expect(page.locator(".bc-card")).to_have_count(1)
            statuses = page.evaluate("() => window.__statuses")
            steps = [s for s in statuses if "step" in s and s.endswith("Your text is classified next.")]
            assert [s.split("step ")[1][:6] for s in steps] == ["1 of 3", "2 of 3", "3 of 3"], statuses
            assert statuses[-1].startswith("1 recipient classified"), statuses
        finally:
            release.set()
            context.close()


def test_home_page_leads_to_the_checker(browser: Browser, base_url: str) -> None:
    """The home page's own text names the checker, in sight on a phone, where the tabs hide in the menu."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(PATIENCE_MS)
    try:
        page = context.new_page()
        page.goto(base_url)
        expect(page.locator(".md-tabs")).to_be_hidden()
        links = page.locator("article a[href$='checker/']")
        assert links.count() >= 2
        expect(links.first).to_be_visible()
        assert links.first.bounding_box()["y"] < 844  # type: ignore[index]
        links.first.click()
        expect(page.locator("textarea.bc-form__input")).to_be_visible()
    finally:
        context.close()
