"""``bouncecodes report``: one self-contained HTML page from a run's records.

The figures come from :func:`bouncecodes.answers.report_data` (standard library); this package only
draws them: Jinja2 templates (autoescaped: a server's words and addresses in a log are anyone's
text), the charts in SVG laid out by :mod:`.charts`. The page asks for nothing from anywhere: its
style is inline, it has no script, no font and no image to load, and its Content-Security-Policy
(``default-src 'none'``) says so to the browser. It links to the reference site's pages of the
reasons, codes and providers it names.

Needs Jinja2, the ``report`` extra (``pip install 'bouncecodes[report]'``); the classifier runtime
stays standard library only, and this package is not shipped to the browser checker.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import jinja2

from ..answers import report_data
from ..model import Registry
from ..site.paths import enhanced_page, iana_form, page_url, provider_page, reason_page, reply_page
from . import charts

__all__ = ["render_report"]

#: a deferral's kind (answers.deferral_kind) in words
DEFERRAL_KINDS = {"greylisting": "Greylisting", "block": "Blocks, reputation, rate limits",
                  "other": "Other (recipient's side, network)"}


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("bouncecodes.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, lstrip_blocks=True)


def render_report(records: Iterable[dict[str, Any]], registry: Registry, site_url: str = "",
                  title: str = "Bounce report", now: datetime | None = None, top: int = 10) -> str:
    """The report page of ``records`` (read once, in one pass), linking to the reference site at
    ``site_url`` (its pages' addresses are made as the site makes them; none when empty)."""
    data = report_data(records, registry, now=now, top=top)
    base = site_url.rstrip("/") + "/" if site_url else ""

    def link(src: str) -> str:
        return base + page_url(src) if base else ""

    def reason_title(reason_id: str) -> str:
        try:
            return registry.reason(reason_id).title
        except KeyError:
            return reason_id or "(no reason)"

    def code_link(code: str) -> list[tuple[str, str]]:
        """Each code of '550 5.1.1' with the site's page of it, where the site has one."""
        out = []
        for part in code.split():
            if "." in part:
                entry = registry.enhanced_entry(part)
                out.append((part, link(enhanced_page(iana_form(part))) if entry else ""))
            else:
                out.append((part, link(reply_page(part)) if registry.reply_code(part) else ""))
        return out

    causes = []
    greylisting = {"recipients": 0, "records": 0}
    for c in data["causes"]:
        if c["detail"] == "greylisting" and not c["hard"]:  # it passes on a later try by itself: nothing to fix
            greylisting["recipients"] += c["recipients"]
            greylisting["records"] += c["records"]
            continue
        try:
            reason = registry.reason(c["reason"])
            advice, known = reason.action, True
        except KeyError:
            advice, known = "", False
        causes.append({**c, "title": reason_title(c["reason"]), "advice": advice,
                       "url": link(reason_page(c["reason"])) if known else "",
                       "codes": [(code, count, code_link(code)) for code, count in c["codes"]],
                       "providers": [(p, n, link(provider_page(p)) if registry.provider(p) else "")
                                     for p, n in c["providers"]]})
    summary = data["summary"]
    domains = summary["by_domain"][:top]
    providers = summary["by_provider"][:top]
    reasons = summary["by_reason"]
    timeline = data["timeline"]
    deferrals = [{**d, "label": DEFERRAL_KINDS[d["kind"]]} for d in data["deferrals"]]
    figures = {
        "timeline": charts.stacked_columns(
            [b["label"] for b in timeline["buckets"]], timeline["reasons"], [b["counts"] for b in timeline["buckets"]]),
        "domains": charts.bars([r["key"] or "(no domain)" for r in domains], ["hard", "soft"],
                               [[r["hard"], r["soft"]] for r in domains]),
        "providers": charts.bars([r["key"] or "(not recognised)" for r in providers], ["hard", "soft"],
                                 [[r["hard"], r["soft"]] for r in providers]),
        "hardsoft": charts.bars(["hard", "soft"], ["hard", "soft"], [[summary["hard"], 0], [0, summary["soft"]]]),
        "deferrals": charts.bars([d["label"] for d in deferrals], [d["kind"] for d in deferrals],
                                 [[d["records"] if j == i else 0 for j in range(len(deferrals))]
                                  for i, d in enumerate(deferrals)]),
    }
    return _environment().get_template("report.html.j2").render(
        title=title, made=(now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"), summary=summary,
        timeline=timeline, undated=data["undated"], reasons=reasons, domains=domains, providers=providers,
        deferrals=deferrals, causes=causes, greylisting=greylisting, figures=figures, site=base, reason_title=reason_title,
        reason_url=lambda r: link(reason_page(r)) if r in {x.id for x in registry.reasons} else "",
        provider_url=lambda p: link(provider_page(p)) if p and registry.provider(p) else "",
        colours=charts.PALETTE)
