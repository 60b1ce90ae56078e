"""Provider and reason pages describe matching in words: no raw regular expression in a page's
body text nor in the site search's index; the patterns themselves sit in closed blocks that the
search leaves out, for contributors. A rule that cites another bounce parser's source file is led by
the provider's own documentation when the registry has it."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bouncecodes.model import Registry
from bouncecodes.site.generate import in_words
from bouncecodes.site.paths import rule_anchor
from bouncecodes.site.wording import wordings

from .test_site_support import Built, build_site

pytestmark = pytest.mark.slow

SYNTAX = re.compile(r"[\\.^$*+?()\[\]{}|]")


@pytest.fixture(scope="module")
def site() -> Built:
    return build_site("mkdocs")


class _Body(HTMLParser):
    """The text of a page's article, without what is marked data-search-exclude (and counting those blocks)."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "col", "source", "area", "base"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <article>
        self.skip = 0  # inside an excluded element: its depth of nesting
        self.text: list[str] = []
        self.excluded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if tag == "article":
            self.depth += 1
        if self.skip:
            self.skip += 1
        elif self.depth and "data-search-exclude" in dict(attrs):
            self.skip = 1
            self.excluded.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self.skip:
            self.skip -= 1
        if tag == "article":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            self.excluded[-1] += data
        elif self.depth:
            self.text.append(data)


def body(path: Path) -> _Body:
    parser = _Body()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def raw_patterns(registry: Registry) -> dict[str, list[str]]:
    """Per page (providers/<id>, reasons/<id>), the registry patterns with regular-expression syntax it covers."""
    pages: dict[str, list[str]] = {}
    for p in registry.providers:
        pages[f"providers/{p.id}"] = [x for x in (*p.tokens, *(m for r in p.rules for m in r.match)) if SYNTAX.search(x)]
    for rule in registry.phrases:
        pages.setdefault(f"reasons/{rule.reason}", []).extend(m for m in rule.match if SYNTAX.search(m))
    return pages


def test_wordings_read_patterns_as_words() -> None:
    assert wordings(r"\[TSS04\]") == ("[TSS04]",)
    assert wordings(r"STOREDRV\.(?:Deliver|Submit)") == ("STOREDRV.Deliver", "STOREDRV.Submit")
    assert wordings(r"\bCON-T[1-3]\b") == ("CON-T1", "CON-T2", "CON-T3")
    assert wordings(r"(retries|attempts)[^.;]{0,20}giving up") == ("retries … giving up", "attempts … giving up")
    assert wordings(r"no such (user|mailbox)( here)?") == ("no such user", "no such mailbox")
    assert wordings(r"\d{3}") == () and wordings(r"(a)\1") == ()
    assert in_words([r"\[TSS04\]"]) == "“\\[TSS04\\]”"  # Markdown-escaped: renders as “[TSS04]”
    assert in_words(["a b", "c d", "e f"]) == "“a b”, “c d” or “e f”"


def test_no_raw_pattern_in_page_text_nor_search_index(site: Built, registry: Registry) -> None:
    index = json.loads((site.root / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    indexed: dict[str, str] = {}
    for doc in index:
        page = doc["location"].split("#")[0].rstrip("/")
        indexed[page] = indexed.get(page, "") + " " + doc["title"] + " " + doc["text"]
    problems: list[str] = []
    checked = excluded = 0
    for page, patterns in sorted(raw_patterns(registry).items()):
        parsed = body(site.root / page / "index.html")
        text = "".join(parsed.text)
        search = indexed.get(page, "")
        assert search, f"{page} is not in the search index"
        for pattern in patterns:
            checked += 1
            if pattern in text:
                problems.append(f"{page}: {pattern!r} in the page's text")
            if pattern in search or html.escape(pattern, quote=False) in search:
                problems.append(f"{page}: {pattern!r} in the search index")
            if any(pattern in block for block in parsed.excluded):
                excluded += 1
        for grammar in ("Applies to When", "the text matches", "Patterns (case-insensitive"):
            if grammar in text:
                problems.append(f"{page}: {grammar!r}")
    assert not problems, "\n".join(problems[:20])
    assert checked > 300 and excluded == checked  # every pattern is still there, for contributors


def test_provider_pages_say_their_markers_in_words(site: Built) -> None:
    text = " ".join("".join(body(site.root / "providers" / "microsoft" / "index.html").text).split())
    assert "Markers in the text: “STOREDRV.Deliver”, “STOREDRV.Submit”" in text
    assert "It applies to a reply with enhanced code 5.7.51 whose text contains" in text


def test_each_provider_rule_shows_its_source(site: Built, registry: Registry) -> None:
    """Each rule's section on its provider's page links the source the registry cites (lint rule
    own-source keeps another bounce parser's files out of them), and a provider without rules of its
    own says so."""
    for p in registry.providers:
        text = (site.root / "providers" / p.id / "index.html").read_text(encoding="utf-8")
        for rule in p.rules:
            at = text.find(f'id="{rule_anchor(rule.id)}"')
            assert at > -1, rule.id
            section = text[at: text.find("<h3", at + 1)]
            assert html.escape(rule.source) in section, f"{p.id}/{rule.id}"
            assert "another bounce parser" not in section
        if not p.rules:
            assert "None of its own" in text, p.id
    assert any(not p.rules for p in registry.providers)
