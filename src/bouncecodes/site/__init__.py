"""Site generation (build time only; needs Jinja2): the registry → Markdown pages and static files.

The MkDocs hook calls :func:`site_input`, :func:`generate_site`, :func:`with_site_url` and
:func:`label_code_blocks` and nothing else, so the generator can be driven, tested and benchmarked
without MkDocs.
"""

from __future__ import annotations

import json

from ..model import Registry
from .a11y import label_code_blocks
from .address import SITE_URL_PLACEHOLDER, with_site_url
from .generate import SiteContent, generate_site, render_api, render_pages, render_redirects

__all__ = [
    "SITE_URL_PLACEHOLDER",
    "SiteContent",
    "generate_site",
    "label_code_blocks",
    "render_api",
    "render_pages",
    "render_redirects",
    "site_input",
    "with_site_url",
]


def site_input() -> tuple[Registry, bytes]:
    """The registry the site is built from and the exact bytes of its ``registry.json``.

    Read afresh on every call (no process cache), so ``mkdocs serve`` picks up a rebuilt registry.
    """
    from ..registry import registry_bytes

    raw = registry_bytes()
    return Registry.from_dict(json.loads(raw)), raw
