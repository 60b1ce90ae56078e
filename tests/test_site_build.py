"""The whole site, built with ``mkdocs build --strict`` (and with ProperDocs): pages, links, anchors,
short addresses, sitemap, 404, icons, API files, no request to anyone else, and every address under
the ``site_url`` of the build (a sub-path, as on GitHub Pages)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bouncecodes.model import EnhancedKind, Registry
from bouncecodes.registry import registry_bytes
from bouncecodes.site.paths import iana_form
from bouncecodes.site.xref import CrossRef

from .test_site_support import (
    PREFIX,
    ROOT,
    SITE_URL,
    Built,
    broken_links,
    build_site,
    html_files,
    page_url,
    parse_html,
    resolve,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site() -> Built:
    return build_site("mkdocs")


def test_strict_build_succeeds_without_warnings(site: Built) -> None:
    assert "WARNING" not in site.output
    assert (site.root / "index.html").is_file()


def test_every_registry_entry_has_a_page(site: Built, registry: Registry) -> None:
    root = site.root
    missing = [f"reply/{r.code}" for r in registry.reply if not (root / "reply" / r.code / "index.html").is_file()]
    missing += [f"enhanced/{e.code}" for e in registry.enhanced
                if not (root / "enhanced" / e.code / "index.html").is_file()]
    missing += [f"reasons/{r.id}" for r in registry.reasons if not (root / "reasons" / r.id / "index.html").is_file()]
    missing += [f"providers/{p.id}" for p in registry.providers
                if not (root / "providers" / p.id / "index.html").is_file()]
    programs = {s.id for s in registry.software} | {x.id for x in registry.logs}
    missing += [f"software/{p}" for p in sorted(programs) if not (root / "software" / p / "index.html").is_file()]
    assert not missing


def test_every_guide_and_index_is_built(site: Built) -> None:
    for src in (ROOT / "docs").rglob("*.md"):
        rel = src.relative_to(ROOT / "docs").with_suffix("")
        built = site.root / (rel.parent if rel.name == "index" else rel) / "index.html"
        assert built.is_file(), rel
    for index in ("reply", "enhanced", "reasons", "providers", "software", "api"):
        assert (site.root / index / "index.html").is_file()


def test_every_internal_link_and_anchor_resolves(site: Built) -> None:
    problems: list[str] = []
    for path in html_files(site.root):
        problems += broken_links(site.root, path)
    assert not problems, "\n".join(problems[:50])


def test_short_addresses_reach_their_pages(site: Built, registry: Registry) -> None:
    xref = CrossRef(registry)
    shorts = [r.code for r in registry.reply]
    shorts += [f for e in registry.enhanced if e.kind is EnhancedKind.CODE for f in xref.concrete_forms(e.code)]
    for short in shorts:
        path = site.root / short / "index.html"
        page = parse_html(path)
        (target,) = [url for where, url in page.links if where == "meta.refresh"]
        found = resolve(site.root, page_url(site.root, path), target)
        assert found is not None
        expected = f"reply/{short}" if "." not in short else f"enhanced/{iana_form(short)}"
        assert found[0] == site.root / expected / "index.html", short


def test_sitemap_lists_every_page(site: Built, registry: Registry) -> None:
    sitemap = (site.root / "sitemap.xml").read_text(encoding="utf-8")
    locs = set(re.findall(r"<loc>(.*?)</loc>", sitemap))
    assert SITE_URL in locs
    for r in registry.reply:
        assert f"{SITE_URL}reply/{r.code}/" in locs
    for e in registry.enhanced:
        assert f"{SITE_URL}enhanced/{e.code}/" in locs
    assert f"{SITE_URL}guides/authentication/" in locs
    shorts = [loc for loc in locs if re.fullmatch(r"(\d{3}|[245X]\.\d+\.\d+)/", loc.removeprefix(SITE_URL))]
    assert not shorts, "short addresses are redirects and stay out of the sitemap"


def test_generated_pages_have_their_own_description(site: Built, registry: Registry) -> None:
    default = parse_html(site.root / "api" / "index.html").meta.get("description", "")
    seen = set()
    for path in [site.root / "reply" / "550" / "index.html", site.root / "enhanced" / "X.7.26" / "index.html",
                 *(site.root / "reasons").glob("*/index.html"), *(site.root / "providers").glob("*/index.html")]:
        description = parse_html(path).meta.get("description", "")
        assert description and description != default, path
        seen.add(description)
    assert "5.7.26" in parse_html(site.root / "enhanced" / "X.7.26" / "index.html").meta["description"]
    assert len(seen) > 10


def test_404_page_works_from_any_depth(site: Built) -> None:
    page = site.root / "404.html"
    html = page.read_text(encoding="utf-8")
    assert "Page not found" in html
    # served for any missing path, so every asset and link must be absolute from the site root
    for where, url in parse_html(page).links:
        if where in ("link.href", "script.src", "img.src") and not url.startswith(("http", "data:")):
            assert url.startswith("/"), (where, url)
    assert f'href="{PREFIX}550/"' in html


CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)"')


def test_every_address_is_under_the_site_url(site: Built, registry: Registry) -> None:
    """Built for SITE_URL (a sub-path), the site names that address and no other: canonical links of
    every page and short address, the sitemap, the API page's examples; never bouncecodes.org."""
    wrong = []
    for path in html_files(site.root):
        rel = path.relative_to(site.root).as_posix()
        for href in CANONICAL.findall(path.read_text(encoding="utf-8")):
            found = resolve(site.root, page_url(site.root, path), href)
            if not href.startswith(SITE_URL) or found is None or not found[0].is_file():
                wrong.append(f"{rel}: canonical {href}")
    assert not wrong, "\n".join(wrong[:20])
    page = (site.root / "reply" / "550" / "index.html").read_text(encoding="utf-8")
    assert CANONICAL.findall(page) == [f"{SITE_URL}reply/550/"]
    for short, target in (("550", "reply/550/"), ("5.1.1", "enhanced/X.1.1/"), ("4.7.26", "enhanced/X.7.26/")):
        page = (site.root / short / "index.html").read_text(encoding="utf-8")
        assert CANONICAL.findall(page) == [SITE_URL + target], short

    locs = re.findall(r"<loc>(.*?)</loc>", (site.root / "sitemap.xml").read_text(encoding="utf-8"))
    assert locs and all(loc.startswith(SITE_URL) for loc in locs), [x for x in locs if not x.startswith(SITE_URL)][:5]

    api = re.sub(r"<[^>]*>", "", (site.root / "api" / "index.html").read_text(encoding="utf-8"))
    for example in ("api/reply/550.json", "api/enhanced/5.1.1.json", "api/reasons.json"):
        assert f"curl -s {SITE_URL}{example}" in api, example
        assert (site.root / example).is_file()
    assert f'urlopen("{SITE_URL}api/registry.json")' in api

    named = [p.relative_to(site.root).as_posix() for p in site.root.rglob("*")
             if p.is_file() and (b"bouncecodes.org" in p.read_bytes() or b"{{ site_url }}" in p.read_bytes())]
    assert not named, f"files naming bouncecodes.org or an unfilled address: {named[:20]}"


def test_favicon_and_logo_are_our_own(site: Built) -> None:
    page = parse_html(site.root / "index.html")
    assert ("link.href", "assets/favicon.svg") in page.links
    assert ("img.src", "assets/logo.svg") in page.links
    for name in ("favicon.svg", "logo.svg"):
        svg = (site.root / "assets" / name).read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<svg") and "<script" not in svg and "href=" not in svg


def test_no_page_calls_a_third_party(site: Built) -> None:
    offenders = []
    for path in html_files(site.root):
        for where, url in parse_html(path).links:
            if where in ("a.href",):  # ordinary links may point anywhere; loading things may not
                continue
            if url.startswith(("http:", "https:", "//")) and not url.startswith(SITE_URL):
                offenders.append(f"{path.relative_to(site.root)}: {where} {url}")
    assert not offenders, "\n".join(offenders[:20])
    css = "".join(p.read_text(encoding="utf-8") for p in (site.root / "assets").rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


def test_static_api_files(site: Built, registry: Registry) -> None:
    api = site.root / "api"
    assert (api / "registry.json").read_bytes() == registry_bytes()
    for r in registry.reply:
        assert json.loads((api / "reply" / f"{r.code}.json").read_bytes())["entry"]["code"] == r.code
    for e in registry.enhanced:
        assert json.loads((api / "enhanced" / f"{e.code}.json").read_bytes())["entry"]["code"] == e.code
    reasons = json.loads((api / "reasons.json").read_bytes())
    assert {r["id"] for r in reasons["reasons"]} == {r.id for r in registry.reasons}


def test_api_page_documents_the_fields_the_files_have(site: Built) -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.M))
    reply = json.loads((site.root / "api" / "reply" / "550.json").read_bytes())
    enhanced = json.loads((site.root / "api" / "enhanced" / "5.1.1.json").read_bytes())
    assert documented == set(reply) | set(enhanced)


def test_guides_link_the_codes_they_mention(site: Built, registry: Registry) -> None:
    reply_codes = {r.code for r in registry.reply}
    enhanced_codes = {e.code for e in registry.enhanced}
    problems = []
    for path in sorted((site.root / "guides").glob("*/index.html")):
        page = parse_html(path)
        text = " ".join(page.text)
        base = page_url(site.root, path)
        targets = {follow(site.root, found[0]) for url in page.article_links
                   if (found := resolve(site.root, base, url))}
        mentioned = {f"reply/{c}" for c in re.findall(r"(?<![\d.,/])\b([2-5]\d\d)\b(?![\d.,%])", text)
                     if c in reply_codes}
        mentioned |= {f"enhanced/{iana_form(c)}" for c in re.findall(r"\b([245]\.\d{1,3}\.\d{1,3})\b", text)
                      if iana_form(c) in enhanced_codes}
        for page_path in sorted(mentioned):
            if site.root / page_path / "index.html" not in targets:
                problems.append(f"{path.parent.name} mentions {page_path} without linking it")
    assert not problems, "\n".join(problems)


def follow(root: Path, target: Path) -> Path:
    """Where a short-address page leads (a link to /550/ counts as a link to /reply/550/)."""
    if target.is_file() and target.suffix == ".html":
        for where, url in parse_html(target).links:
            if where == "meta.refresh" and (found := resolve(root, page_url(root, target), url)):
                return found[0]
    return target


def test_properdocs_builds_the_same_site(site: Built) -> None:
    """The fallback if MkDocs 1.x goes away: the same config, the same hook, the same pages."""
    other = build_site("properdocs")
    assert "WARNING" not in other.output

    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    assert files(other.root) == files(site.root)
    # the generator tag names the tool; sitemap dates are the build day (two builds may straddle midnight)
    volatile = re.compile(rb'<meta name="generator" content="[^"]*">|<lastmod>[^<]*</lastmod>')
    differ = []
    for rel in sorted(files(site.root)):
        if rel.endswith(".gz"):
            continue
        a = volatile.sub(b"", (site.root / rel).read_bytes())
        b = volatile.sub(b"", (other.root / rel).read_bytes())
        if a != b:
            differ.append(rel)
    assert not differ, differ[:20]
