"""Where each registry entry lives on the site.

Every generated page is a Markdown *source* path (``reply/550.md``); the site generator turns
source paths into directory URLs (``reply/550/``) the usual way. Links between generated pages
are written as relative source paths, so the site builder can check every one of them.
"""

from __future__ import annotations

import posixpath
import re

__all__ = [
    "ENHANCED_INDEX",
    "PROVIDERS_INDEX",
    "REASONS_INDEX",
    "REPLY_INDEX",
    "SOFTWARE_INDEX",
    "enhanced_page",
    "iana_form",
    "link",
    "page_url",
    "provider_page",
    "reason_page",
    "reply_page",
    "rule_anchor",
    "software_page",
]

REPLY_INDEX = "reply/index.md"
ENHANCED_INDEX = "enhanced/index.md"
REASONS_INDEX = "reasons/index.md"
PROVIDERS_INDEX = "providers/index.md"
SOFTWARE_INDEX = "software/index.md"

_CONCRETE = re.compile(r"^[245]\.([0-9]{1,4})\.([0-9]{1,4})$")


def reply_page(code: str) -> str:
    return f"reply/{code}.md"


def enhanced_page(code: str) -> str:
    """The page of an enhanced-code entry, by its IANA notation (``X.1.1``, ``X.1.YYY``, ``5.XXX.YYY``)."""
    return f"enhanced/{code}.md"


def reason_page(reason_id: str) -> str:
    return f"reasons/{reason_id}.md"


def provider_page(provider_id: str) -> str:
    return f"providers/{provider_id}.md"


def software_page(software_id: str) -> str:
    return f"software/{software_id}.md"


def rule_anchor(rule_id: str) -> str:
    """The anchor of a provider rule on its provider's page: the part of the id after the slash."""
    return rule_id.rsplit("/", 1)[-1]


def iana_form(code: str) -> str:
    """``5.1.1`` → ``X.1.1``; anything that is not a concrete enhanced code comes back unchanged."""
    m = _CONCRETE.match(code)
    return f"X.{m.group(1)}.{m.group(2)}" if m else code


def page_url(src: str) -> str:
    """The directory URL of a Markdown source path, relative to the site root (``reply/550/``)."""
    stem = src.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def link(from_src: str, to_src: str, anchor: str = "") -> str:
    """A relative link from one Markdown source to another (``../enhanced/X.1.1.md``)."""
    if from_src == to_src and anchor:
        return "#" + anchor
    rel = posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")
    return rel + ("#" + anchor if anchor else "")
