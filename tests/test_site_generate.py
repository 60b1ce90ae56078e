"""Site generation without MkDocs: registry → pages, short addresses and JSON files."""

from __future__ import annotations

import json
import re

import pytest

from bouncecodes.model import EnhancedKind, Registry
from bouncecodes.registry import registry_bytes
from bouncecodes.site import SiteContent, generate_site, site_input
from bouncecodes.site.generate import md_code, md_inline, meta_description
from bouncecodes.site.paths import iana_form, link, page_url
from bouncecodes.site.xref import CrossRef, example_codes

SITE_URL = "https://bouncecodes.test/"
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


@pytest.fixture(scope="module")
def content(registry: Registry) -> SiteContent:
    return generate_site(registry, registry_bytes(), SITE_URL)


def front_matter(markdown: str) -> dict[str, str]:
    m = FRONT.match(markdown)
    assert m, markdown[:200]
    out = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(": ")
        if sep and value.startswith('"'):
            out[key] = json.loads(value)
    return out


def test_every_entry_has_a_page(registry: Registry, content: SiteContent) -> None:
    pages = content.pages
    for r in registry.reply:
        assert f"reply/{r.code}.md" in pages
    for e in registry.enhanced:
        assert f"enhanced/{e.code}.md" in pages
    for reason in registry.reasons:
        assert f"reasons/{reason.id}.md" in pages
    for p in registry.providers:
        assert f"providers/{p.id}.md" in pages
    programs = {s.id for s in registry.software} | {x.id for x in registry.logs}  # a log file alone makes a page
    for program in programs:
        assert f"software/{program}.md" in pages
    for index in ("reply/index.md", "enhanced/index.md", "reasons/index.md", "providers/index.md", "software/index.md"):
        assert index in pages
    expected = 5 + len(registry.reply) + len(registry.enhanced) + len(registry.reasons) + len(registry.providers) \
        + len(programs)
    assert len(pages) == expected


def test_the_registry_has_the_promised_size(registry: Registry) -> None:
    kinds = [e.kind for e in registry.enhanced]
    assert len(registry.reply) >= 48
    assert kinds.count(EnhancedKind.CODE) >= 81
    assert kinds.count(EnhancedKind.CLASS) + kinds.count(EnhancedKind.SUBJECT) == 11


def test_pages_have_a_title_and_a_short_description(content: SiteContent) -> None:
    for src, markdown in content.pages.items():
        meta = front_matter(markdown)
        assert meta.get("title"), src
        description = meta.get("description", "")
        assert 40 <= len(description) <= 160, (src, description)
        assert not set('"<>') & set(description), (src, description)


def test_links_go_both_ways(registry: Registry, content: SiteContent) -> None:
    page = content.pages
    assert "(../enhanced/X.1.1.md)" in page["reply/550.md"]
    assert "(../reply/550.md)" in page["enhanced/X.1.1.md"]
    assert "(../reasons/userunknown.md)" in page["enhanced/X.1.1.md"]
    assert "(../enhanced/X.1.1.md)" in page["reasons/userunknown.md"]
    # a provider rule answering 550 5.1.1 is linked from both code pages, its reason and back
    xref = CrossRef(registry)
    ref = next(r for r in xref.enhanced_rules("X.1.1") if "550" in r.replies)
    target = f"../providers/{ref.provider.id}.md#{ref.anchor}"
    assert target in page["reply/550.md"]
    assert target in page["enhanced/X.1.1.md"]
    assert target in page[f"reasons/{ref.rule.reason}.md"]
    provider_page = page[f"providers/{ref.provider.id}.md"]
    assert "{#" + ref.anchor + "}" in provider_page
    assert "(../enhanced/X.1.1.md)" in provider_page
    assert f"(../reasons/{ref.rule.reason}.md)" in provider_page


def test_code_pages_show_provider_variants_and_examples(registry: Registry, content: SiteContent) -> None:
    xref = CrossRef(registry)
    for ref in xref.rules:
        for status in ref.statuses:
            x = iana_form(status)
            if x in xref.enhanced:
                assert f"#{ref.anchor})" in content.pages[f"enhanced/{x}.md"], (ref.rule.id, x)
        for reply in ref.replies:
            if reply in xref.reply:
                assert f"#{ref.anchor})" in content.pages[f"reply/{reply}.md"], (ref.rule.id, reply)
    some = next(ex for p in registry.providers for r in p.rules for ex in r.examples if example_codes(ex)[0] == "550")
    assert some.rstrip() in content.pages["reply/550.md"]


def test_every_enhanced_code_has_its_concrete_forms(registry: Registry) -> None:
    xref = CrossRef(registry)
    assert xref.concrete_forms("X.1.1") == ["5.1.1", "4.1.1"]
    assert xref.concrete_forms("X.1.5") == ["2.1.5"]  # "destination address valid" is only a success
    for e in registry.enhanced:
        if e.kind is EnhancedKind.CODE:
            assert xref.concrete_forms(e.code), e.code


def test_short_addresses(content: SiteContent) -> None:
    files = content.files
    page = files["550/index.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=../reply/550/">' in page
    assert f'<link rel="canonical" href="{SITE_URL}reply/550/">' in page
    assert "<script" not in page
    for short in ("5.1.1", "4.1.1", "X.1.1"):
        assert 'url=../enhanced/X.1.1/"' in files[f"{short}/index.html"].decode()


def test_static_api(registry: Registry, content: SiteContent) -> None:
    files = content.files
    assert files["api/registry.json"] == registry_bytes()
    reply = json.loads(files["api/reply/550.json"])
    assert reply["entry"]["code"] == "550"
    assert reply["class"] == 5
    assert reply["page"] == "reply/550/"
    assert "X.1.1" in reply["enhanced"]
    assert files["api/enhanced/5.1.1.json"] == files["api/enhanced/X.1.1.json"] == files["api/enhanced/4.1.1.json"]
    enhanced = json.loads(files["api/enhanced/5.1.1.json"])
    assert enhanced["reason"]["id"] == "userunknown"
    assert "550" in enhanced["reply"]
    assert json.loads(files["api/enhanced/5.XXX.YYY.json"])["kind"] == "enhanced-class"
    reasons = json.loads(files["api/reasons.json"])["reasons"]
    assert [r["id"] for r in reasons] == [r.id for r in registry.reasons]
    for r in registry.reply:
        assert f"api/reply/{r.code}.json" in files


def test_site_input_is_the_packaged_registry(registry: Registry) -> None:
    reg, raw = site_input()
    assert raw == registry_bytes()
    assert reg == registry


def test_generation_is_deterministic(registry: Registry, content: SiteContent) -> None:
    again = generate_site(registry, registry_bytes(), SITE_URL)
    assert again == content


def test_markdown_escaping() -> None:
    assert md_inline("a|b <x@example.org> *y* [z]") == r"a\|b &lt;x@example.org&gt; \*y\* \[z\]"
    assert md_inline("two\n  lines") == "two lines"
    # regular expressions are shown as HTML code: MkDocs' raw-HTML scan chokes on a literal "<!["
    assert md_code(r"(?<![a-z])\bgsmtp_x") == r"<code>(?&lt;!\[a-z\])\\bgsmtp\_x</code>"


def test_meta_description_is_cut_at_a_word() -> None:
    text = meta_description("word " * 60)
    assert len(text) <= 160
    assert text.endswith("…")
    assert meta_description('say "hi" <now>') == "say 'hi' now"


def test_paths() -> None:
    assert link("reply/550.md", "enhanced/X.1.1.md") == "../enhanced/X.1.1.md"
    assert link("reply/550.md", "reply/index.md", "5xx") == "index.md#5xx"
    assert link("reply/550.md", "reply/550.md", "x") == "#x"
    assert page_url("reply/550.md") == "reply/550/"
    assert page_url("reply/index.md") == "reply/"
    assert page_url("index.md") == ""
    assert iana_form("5.7.26") == "X.7.26"
    assert iana_form("X.7.26") == "X.7.26"
    assert example_codes("550-5.7.26 blocked 550 5.7.26 more") == ("550", "5.7.26")
    assert example_codes("Host said: 4.4.7 expired") == ("", "4.4.7")


def test_nothing_is_written_into_docs() -> None:
    from .test_site_support import ROOT

    docs = ROOT / "docs"
    for generated in ("reply", "enhanced", "reasons", "providers", "software", "api", "550"):
        assert not (docs / generated).exists(), f"docs/{generated} should only exist in memory"


def test_a_programs_page_links_each_message_to_its_codes_and_reason(registry: Registry, content: SiteContent) -> None:
    xref = CrossRef(registry)
    for program in registry.software:
        page = content.pages[f"software/{program.id}.md"]
        assert f"# {md_inline(program.name)}" in page
        for ref in xref.programs_messages(program.id):
            msg = ref.message
            assert "{#" + ref.anchor + "}" in page
            assert f"(../reasons/{msg.reason}.md)" in page
            if msg.status and iana_form(msg.status) in xref.enhanced:
                assert f"(../enhanced/{iana_form(msg.status)}.md)" in page
            if msg.reply in xref.reply:
                assert f"(../reply/{msg.reply}.md)" in page
            assert msg.source in page and md_inline(msg.text) in page
            for example in msg.examples:
                assert example in page
            # the reason's page and the code pages point back at the message
            target = f"../software/{program.id}.md#{ref.anchor}"
            assert target in content.pages[f"reasons/{msg.reason}.md"]
            for ex in msg.examples:
                reply, status = example_codes(ex)
                if reply in xref.reply:
                    assert target in content.pages[f"reply/{reply}.md"], (msg.id, reply)
                if iana_form(status) in xref.enhanced:
                    assert target in content.pages[f"enhanced/{iana_form(status)}.md"], (msg.id, status)
        for notice in program.notices:
            assert "{#notice-" + notice.id + "}" in page and notice.source in page
            for subject in notice.subject:
                assert subject in page
        # the index lists it
        assert f"](../software/{program.id}.md)" not in content.pages["software/index.md"]
        assert f"]({program.id}.md)" in content.pages["software/index.md"]


def test_a_programs_page_shows_wordings_not_regular_expressions(registry: Registry, content: SiteContent) -> None:
    for program in registry.software:
        page = content.pages[f"software/{program.id}.md"]
        for msg in program.messages:
            for pattern in msg.match:
                if pattern != pattern.lower() or any(c in pattern for c in "\\()[]?|{}^$*+"):
                    assert pattern not in page, pattern
        assert "(?" not in page and "\\b" not in page


def test_a_programs_log_lines_are_shown_on_its_page(registry: Registry) -> None:
    """A program with a catalogue shows its log lines below its messages; a program known by its log
    only gets a page of its log lines; the index links both."""
    from dataclasses import replace

    from bouncecodes.site.generate import render_pages, software_rows

    pages = render_pages(registry)
    catalogued = {s.id for s in registry.software}
    assert {p.id for p in registry.logs} - catalogued, "the registry has a program known by its log only"
    for logs in registry.logs:
        page = pages[f"software/{logs.id}.md"]
        assert "## Its log lines {#logs}" in page
        for f in logs.formats:
            assert f"| {md_inline(f.title)} | {f.direction} |" in page, f.id
        for f in logs.formats:
            if f.examples:
                assert f"]({f.source})" in page and f.examples[0].log.split("\n")[0] in page
        if logs.id in catalogued:
            assert "## What it writes {#messages}" in page
        else:
            assert page.startswith(f'---\ntitle: "{logs.name}: the log lines it writes when mail fails"\n')
            assert "none of the messages it writes" in page and "## What it writes" not in page
    postfix = next(s for s in registry.software if s.id == "postfix")
    without = render_pages(replace(registry, logs=(), _index={}))
    assert "## Its log lines" not in without[f"software/{postfix.id}.md"]
    assert not any(p.startswith("software/") and p[9:-3] not in catalogued | {"index"} for p in without)
    rows = {r.id: r for r in software_rows(registry)}
    assert set(rows) == catalogued | {p.id for p in registry.logs}
    for logs in registry.logs:
        assert rows[logs.id].logs == sum(1 for f in logs.formats if not f.context)
        assert f"]({logs.id}.md)" in pages["software/index.md"]
    assert (rows["zonemta"].kind, rows["zonemta"].messages) == ("", 0) and "| log only |" in pages["software/index.md"]


def test_hand_written_pages_get_the_site_s_own_address() -> None:
    from bouncecodes.site import SITE_URL_PLACEHOLDER, with_site_url

    page = f"curl -s {SITE_URL_PLACEHOLDER}api/reasons.json and {SITE_URL_PLACEHOLDER}reply/550/"
    assert with_site_url(page, "https://o.github.io/r/") == (
        "curl -s https://o.github.io/r/api/reasons.json and https://o.github.io/r/reply/550/")
    assert with_site_url(page, "https://o.github.io/r") == with_site_url(page, "https://o.github.io/r/")
    assert with_site_url("no address here", "") == "no address here"
    with pytest.raises(ValueError, match="SITE_URL"):
        with_site_url(page, "", "api.md")


def test_titled_code_blocks_become_named_figures() -> None:
    from bouncecodes.site import label_code_blocks

    html = ('<div class="language-json highlight"><span class="filename">api/reasons.json</span><pre><code>{}</code></pre></div>'
            '<div class="highlight"><pre><code>untitled</code></pre></div>'
            '<div class="highlight"><span class="filename">b.json</span><pre><code>[]</code></pre></div>')
    out = label_code_blocks(html)
    assert out.count('role="figure"') == 2
    assert ('<div class="language-json highlight" role="figure" aria-labelledby="bc-code-title-1">'
            '<span class="filename" id="bc-code-title-1">api/reasons.json</span>') in out
    assert 'aria-labelledby="bc-code-title-2"><span class="filename" id="bc-code-title-2">b.json' in out
    assert '<div class="highlight"><pre><code>untitled' in out
