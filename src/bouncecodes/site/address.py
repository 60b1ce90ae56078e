"""The site's own address in hand-written pages.

A page that shows readers a full address (the API page's ``curl`` and ``urlopen`` examples) writes
``{{ site_url }}`` where the address of the published site belongs; the build puts in the
``site_url`` it was given, so a copy of the site published elsewhere documents its own endpoints.
"""

from __future__ import annotations

__all__ = ["SITE_URL_PLACEHOLDER", "with_site_url"]

SITE_URL_PLACEHOLDER = "{{ site_url }}"


def with_site_url(markdown: str, site_url: str, page: str = "") -> str:
    """``markdown`` with every ``{{ site_url }}`` replaced by ``site_url`` (ending in ``/``).

    Raises ``ValueError`` when the page needs the address and the build has none: an example that
    names no host, or the wrong one, is worse than a failed build.
    """
    if SITE_URL_PLACEHOLDER not in markdown:
        return markdown
    if not site_url:
        raise ValueError(f"{page or 'a page'} shows the site's address, and site_url is empty: "
                         "set SITE_URL to the address the site is published at")
    if not site_url.endswith("/"):
        site_url += "/"
    return markdown.replace(SITE_URL_PLACEHOLDER, site_url)
