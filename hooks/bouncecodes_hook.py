"""The one MkDocs hook: hand the generated pages and files to MkDocs, in memory.

Everything MkDocs-specific about the site lives here (and in mkdocs.yml); the pages themselves come
from ``bouncecodes.site``, which knows nothing about MkDocs. The same hook runs unchanged under
ProperDocs, whose ``mkdocs.*`` import aliases resolve the imports below to its own modules.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from bouncecodes import site

log = logging.getLogger("mkdocs.hooks.bouncecodes")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add every generated page and static file; nothing is written into docs/.

    Generated pages are NOT_IN_NAV: the index pages are placed by ``nav`` in mkdocs.yml, the
    entry pages are reached through them, and none of them raises an "omitted from nav" notice.
    """
    registry, raw = site.site_input()  # looked up on each build: a benchmark may swap the input
    content = site.generate_site(registry, raw, config.site_url or "")
    for src_uri, markdown in content.pages.items():
        _add(files, File.generated(config, src_uri, content=markdown, inclusion=InclusionLevel.NOT_IN_NAV))
    for src_uri, data in content.files.items():
        _add(files, File.generated(config, src_uri, content=data))
    log.info("bouncecodes: added %d pages and %d files", len(content.pages), len(content.files))
    return files


def _add(files: Files, file: File) -> None:
    if files.get_file_from_path(file.src_uri) is not None:
        raise PluginError(f"bouncecodes: generated {file.src_uri} clashes with a hand-written file in docs/")
    files.append(file)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """The site's own address where a hand-written page shows it (the API page's examples)."""
    try:
        return site.with_site_url(markdown, config.site_url or "", page.file.src_uri)
    except ValueError as exc:
        raise PluginError(f"bouncecodes: {exc}") from exc


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Titled code blocks (the API page's JSON examples) become figures named by their title."""
    return site.label_code_blocks(html)


ROOT = Path(__file__).resolve().parents[1]

#: The page that runs Pyodide, and so the one that gets a Content-Security-Policy.
CHECKER_PAGE = "checker.md"


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Give the checker page its Content-Security-Policy: same-origin scripts and WebAssembly only,
    with a hash for each inline script of this very page (see ``bouncecodes.site.csp``)."""
    if page.file.src_uri != CHECKER_PAGE:
        return output
    from bouncecodes.site.csp import add_csp_meta

    return add_csp_meta(output)


def on_post_build(config: MkDocsConfig) -> None:
    """The checker's assets: the runtime archive, the pinned Pyodide and a byte-compiled stdlib."""
    from bouncecodes.build.checker import build_checker_assets

    manifest = build_checker_assets(Path(config.site_dir) / "checker", ROOT / "node_modules",
                                    cache_dir=ROOT / ".cache" / "checker")
    log.info("bouncecodes: checker assets %s", ", ".join(f"{k}={v}" for k, v in sorted(manifest.items())))
