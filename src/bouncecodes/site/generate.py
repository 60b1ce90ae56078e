"""Registry → site content: Markdown pages (through Jinja2 templates) and static files.

Nothing here knows about MkDocs. The result is two plain mappings, source path → content, that any
static site generator can take; the MkDocs hook (``hooks/bouncecodes_hook.py``) only hands them over.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jinja2

from ..model import (
    EnhancedCode,
    EnhancedKind,
    Hard,
    LogProgram,
    Provider,
    Reason,
    Registry,
    ReplyCode,
    Software,
    SoftwareMessage,
)
from . import paths
from .wording import wordings
from .xref import CrossRef

__all__ = ["SiteContent", "SoftwareRow", "generate_site", "render_api", "render_pages", "render_redirects",
           "software_rows"]

REPLY_CLASSES: dict[int, tuple[str, str]] = {
    2: ("Positive completion", "the server did what was asked"),
    3: ("Positive intermediate", "the server waits for more input, such as the message body"),
    4: ("Transient negative completion", "a temporary refusal: the same command may succeed later"),
    5: ("Permanent negative completion", "a lasting refusal: repeating the command unchanged will fail again"),
}
HARDNESS = {
    Hard.ALWAYS: "Hard: drop the address",
    Hard.NEVER: "Soft: keep the address",
    Hard.IF_PERMANENT: "Hard when the failure is permanent (5xx), soft when it is transient (4xx)",
}
HARD_SHORT = {Hard.ALWAYS: "hard bounce", Hard.NEVER: "soft bounce", Hard.IF_PERMANENT: "hard bounce if 5xx"}
DESCRIPTION_MAX = 158
SOFTWARE_KINDS = {
    "mta": "a mail server (MTA): it receives mail for its domains and delivers mail to others",
    "mailstore": "a mail store: it delivers into mailboxes (LMTP, local delivery) and keeps them",
    "filter": "a filter or policy service: it tells a mail server to refuse, defer or accept",
    "gateway": "a mail gateway in front of mailboxes (security or groupware)",
    "service": "a hosted sending or receiving service",
}
SOFTWARE_KIND_SHORT = {"mta": "mail server", "mailstore": "mail store", "filter": "filter", "gateway": "gateway",
                       "service": "service"}
WHERE_SHORT = {"reply": "its reply (inbound)", "notice": "its bounce email (outbound)", "log": "its log"}
WHERE_LONG = {
    "reply": "in the SMTP reply it gives a client that sends it mail: a refusal by the receiving side (inbound)",
    "notice": "in the bounce email it writes about a delivery it could not make (outbound)",
    "log": "only in its log",
}
NOTICE_TITLES = {"failure": "When it gives up", "delay": "Delay warning", "success": "Delivery report",
                 "relay": "Relayed onwards", "feedback": "Complaint report"}
LOG_LAYOUTS = {"line": "a text line", "csv": "a CSV row, by column name", "json": "a JSON record, by key"}


@dataclass(frozen=True)
class SiteContent:
    """Everything generated for the site.

    ``pages`` maps Markdown source paths (``reply/550.md``) to Markdown; ``files`` maps output paths
    (``api/reply/550.json``, ``550/index.html``) to bytes that are published as they are.
    """

    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


# -- text helpers --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def md_inline(text: str) -> str:
    """Registry prose made safe to place inline in Markdown (tables included). Braces become entities:
    in a heading, "{<actions>}" (Amavis's log line) would hide the heading's own ``{#anchor}``."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(_SPACE.sub(" ", text).strip(), quote=False))
    return escaped.replace("{", "&#123;").replace("}", "&#125;")


def md_code(text: str) -> str:
    """Inline code as HTML, for regular expressions and other text with ``<``.

    A Markdown code span would keep ``(?<![a-z])`` raw, and MkDocs' HTML scan chokes on ``<![``.
    """
    return "<code>" + _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)) + "</code>"


_EDGE_PLACEHOLDERS = re.compile(r"^(?:\s*<[^<>]{1,60}>[\s:,.;]*)+|(?:[\s:,.;]*<[^<>]{1,60}>\s*)+$")


def wording(text: str) -> str:
    """A program's message without the placeholders it starts or ends with ("<address>: Relay access
    denied" → "Relay access denied"): the words a reader types into the search box."""
    return _EDGE_PLACEHOLDERS.sub("", text).strip() or text


#: where other bounce parsers keep their source: a rule citing only such a file is led on its provider's
#: page by the provider's own documentation
IN_WORDS_MAX = 8  # wordings listed for one rule; the examples and the collapsed patterns show the rest
_REGEX_SYNTAX = re.compile(r"[\\.^$*+?()\[\]{}|]")  # a pattern without any of these is plain words


def in_words(patterns: Iterable[str], joiner: str = "or", limit: int = IN_WORDS_MAX) -> str:
    """What a rule's patterns find, as quoted wordings for a sentence ("“user unknown”, “no such user”
    or “unknown recipient”"); '' when none of them holds words of its own."""
    found = list(dict.fromkeys(w for p in patterns for w in wordings(p)))
    shown = [f"“{md_inline(w)}”" for w in found[:limit]]
    if len(found) > limit:
        return ", ".join(shown) + f" {joiner} other wordings like them"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def patterns_block(patterns: Iterable[str], summary: str = "The same, as regular expressions (for contributors)") -> str:
    """The raw patterns in a closed disclosure that the site search leaves out (Material's search
    plugin skips an element with ``data-search-exclude``): there for contributors, never in a snippet."""
    patterns = list(patterns)
    if not any(_REGEX_SYNTAX.search(p) for p in patterns):
        return ""  # plain words, all of them shown already
    items = "".join(f"<li><code>{html.escape(p, quote=False)}</code></li>" for p in patterns)
    return (f'<details class="bc-patterns" data-search-exclude><summary>{html.escape(summary, quote=False)}'
            f"</summary><ul>{items}</ul></details>")


_URL = re.compile(r"https://[^\s<>\"]+[^\s<>\".,;:!?)]")


def md_linked(text: str) -> str:
    """Registry prose like :func:`md_inline`, its https addresses made links (an action naming a form)."""
    def prose(part: str) -> str:  # md_inline trims: the spaces around a link stay
        lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()):]
        return lead + md_inline(part) + trail if part.strip() else part

    out, at = [], 0
    for m in _URL.finditer(text):
        out += [prose(text[at:m.start()]), f"<{m.group(0)}>"]
        at = m.end()
    out.append(prose(text[at:]))
    return "".join(out).strip()


def first_sentence(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def meta_description(*parts: str) -> str:
    """A one-line page description for search engines: at most ~160 characters, no quotes or markup."""
    text = _SPACE.sub(" ", " ".join(p.strip() for p in parts if p.strip()))
    text = text.replace('"', "'").replace("<", "").replace(">", "")
    if len(text) > DESCRIPTION_MAX:
        cut = text[: DESCRIPTION_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
        text = cut + "…"
    return text


def _yaml_str(text: str) -> str:
    """A YAML scalar (JSON strings are YAML) for front matter."""
    return json.dumps(text, ensure_ascii=False)


def _code_block(text: str) -> str:
    """A fenced block for a reply (wrapped, not scrolled: see extra.css) that survives backticks in the text."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{{.text .bc-reply}}\n{text.rstrip()}\n{fence}"


# -- the Jinja2 environment ----------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bouncecodes.site", "templates"),
        autoescape=False,  # the output is Markdown; registry text goes through the md filter
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",  # "{#" starts Markdown heading ids: ## 5xx {#5xx}
        comment_end_string="##}",
    )
    env.filters["md"] = md_inline
    env.filters["code"] = md_code
    env.filters["yaml"] = _yaml_str
    env.filters["code_block"] = _code_block
    env.filters["wording"] = wording
    env.filters["in_words"] = in_words
    env.filters["md_linked"] = md_linked
    env.filters["patterns_block"] = patterns_block
    env.filters["hardness"] = lambda r: HARDNESS[r.hard]
    env.filters["hard_short"] = lambda r: HARD_SHORT[r.hard] if r.bounce else "not a bounce"
    return env


@jinja2.pass_context
def _href(ctx: jinja2.runtime.Context, to_src: str, anchor: str = "") -> str:
    """A relative link from the page being rendered (``here``) to another source path."""
    return paths.link(str(ctx["here"]), to_src, anchor)


class _Renderer:
    def __init__(self, registry: Registry, xref: CrossRef | None = None) -> None:
        self.registry = registry
        self.xref = xref or CrossRef(registry)
        self.env = _environment()
        self.env.globals.update(
            href=_href,
            paths=paths,
            xref=self.xref,
            reply_classes=REPLY_CLASSES,
            reply_page=paths.reply_page,
            enhanced_page=paths.enhanced_page,
            reason_page=paths.reason_page,
            provider_page=paths.provider_page,
            iana_form=paths.iana_form,
            reason_of=self.reason,
            enhanced_link=self.enhanced_link,
            reply_link=self.reply_link,
            software_page=paths.software_page,
            codes=self.message_codes,
            kind_words=SOFTWARE_KINDS,
            where_short=WHERE_SHORT,
            where_long=WHERE_LONG,
            notice_titles=NOTICE_TITLES,
            layout_words=LOG_LAYOUTS,
        )
        self._templates: dict[str, jinja2.Template] = {}

    def template(self, name: str) -> jinja2.Template:
        if name not in self._templates:
            self._templates[name] = self.env.get_template(name)
        return self._templates[name]

    def render(self, name: str, here: str, **values: Any) -> str:
        return self.template(name).render(here=here, **values)

    def reason(self, reason_id: str) -> Reason | None:
        return self.xref.reasons.get(reason_id)

    @jinja2.pass_context
    def enhanced_link(self, ctx: jinja2.runtime.Context, code: str, label: str = "") -> str:
        """Markdown for an enhanced code: a link when the registry has the entry, else plain text."""
        x = paths.iana_form(code)
        text = label or code
        if x in self.xref.enhanced:
            return f"[{text}]({paths.link(str(ctx['here']), paths.enhanced_page(x))})"
        return text

    @jinja2.pass_context
    def reply_link(self, ctx: jinja2.runtime.Context, code: str) -> str:
        """Markdown for a reply code (or a pattern such as ``5XX``): a link when a page exists."""
        here = str(ctx["here"])
        if code in self.xref.reply:
            return f"[{code}]({paths.link(here, paths.reply_page(code))})"
        if len(code) == 3 and code[0] in "2345" and code[1:].upper() == "XX":
            return f"[any {code[0]}xx]({paths.link(here, paths.REPLY_INDEX, code[0] + 'xx')})"
        return code

    @jinja2.pass_context
    def message_codes(self, ctx: jinja2.runtime.Context, msg: SoftwareMessage) -> str:
        """A program's message's reply and enhanced codes, each linked to its page when there is one."""
        parts = [self.reply_link(ctx, msg.reply)] if msg.reply else []
        if msg.status:
            parts.append(self.enhanced_link(ctx, msg.status))
        return " ".join(parts)

    # -- pages ---------------------------------------------------------------------------------
    def reply_page(self, r: ReplyCode) -> str:
        name, gist = REPLY_CLASSES.get(r.klass, ("", ""))
        desc = meta_description(f"SMTP reply code {r.code}: {r.title}.", first_sentence(r.description))
        return self.render("reply.md.j2", paths.reply_page(r.code), r=r, class_name=name, class_gist=gist,
                           description=desc)

    def enhanced_page(self, e: EnhancedCode) -> str:
        here = paths.enhanced_page(e.code)
        if e.kind is EnhancedKind.CLASS:
            desc = meta_description(f"Enhanced status code class {e.code[0]}: {e.title}.", first_sentence(e.description))
            subjects = [s for s in self.registry.enhanced if s.kind is EnhancedKind.SUBJECT]
            reply_class = int(e.code[0])
            return self.render("enhanced_class.md.j2", here, e=e, subjects=subjects, description=desc,
                               reply_class=reply_class, reply_codes=[r for r in self.registry.reply
                                                                     if r.klass == reply_class])
        if e.kind is EnhancedKind.SUBJECT:
            subject = e.code.split(".")[1]
            desc = meta_description(f"Enhanced status codes X.{subject}.*: {e.title}.", first_sentence(e.description))
            return self.render("enhanced_subject.md.j2", here, e=e, subject=subject, description=desc,
                               codes=self.xref.subject_codes(subject))
        forms = self.xref.concrete_forms(e.code)
        desc = meta_description(f"Enhanced status code {' / '.join(forms)}: {e.title}.", first_sentence(e.description))
        return self.render("enhanced.md.j2", here, e=e, forms=forms, description=desc,
                           subject=self.xref.subject_of(e))

    def reason_page(self, reason: Reason) -> str:
        desc = meta_description(f"Bounce reason {reason.id}: {reason.title}.", first_sentence(reason.description))
        return self.render("reason.md.j2", paths.reason_page(reason.id), reason=reason, description=desc)

    def provider_page(self, p: Provider) -> str:
        desc = meta_description(f"How {p.name} words its bounces: {len(p.rules)} rules.",
                                first_sentence(p.description))
        refs = [ref for ref in self.xref.rules if ref.provider is p]
        return self.render("provider.md.j2", paths.provider_page(p.id), p=p, refs=refs, description=desc)

    def software_page(self, s: Software) -> str:
        logs = program_logs(self.registry, s.id)
        desc = meta_description(f"What {s.name} writes when it refuses, defers or bounces mail:",
                                f"{len(s.messages)} message{'s' if len(s.messages) != 1 else ''} with {'their' if len(s.messages) != 1 else 'its'} codes and meaning.", first_sentence(s.description))
        refs = self.xref.programs_messages(s.id)
        broad = sum(1 for m in s.messages if m.broad)
        return self.render("software.md.j2", paths.software_page(s.id), s=s, refs=refs, logs=logs,
                           description=desc, broad=f"{broad} broad wording{'s' if broad != 1 else ''}" if broad else "")

    def software_logs_page(self, logs: LogProgram) -> str:
        """The page of a program known by its log only (no catalogue in codes/software/)."""
        kinds = _reporting_kinds(logs)
        sides = {f.direction for f in logs.formats if not f.context}
        said = " and ".join(words for side, words in (("inbound", "what it refused as a receiver"),
                                                      ("outbound", "what it delivered or could not deliver"))
                            if side in sides)
        desc = meta_description(f"The {logs.name} log lines bouncecodes reads when mail fails:",
                                f"{kinds} kind{'s' if kinds != 1 else ''}, {said}.", first_sentence(logs.description))
        return self.render("software_logs.md.j2", paths.software_page(logs.id), logs=logs, kinds=kinds,
                           description=desc)

    def index_pages(self) -> dict[str, str]:
        reg = self.registry
        by_class: dict[int, list[ReplyCode]] = {}
        for r in reg.reply:
            by_class.setdefault(r.klass, []).append(r)
        classes = [e for e in reg.enhanced if e.kind is EnhancedKind.CLASS]
        subjects = [e for e in reg.enhanced if e.kind is EnhancedKind.SUBJECT]
        return {
            paths.REPLY_INDEX: self.render("reply_index.md.j2", paths.REPLY_INDEX, by_class=by_class),
            paths.ENHANCED_INDEX: self.render("enhanced_index.md.j2", paths.ENHANCED_INDEX, classes=classes,
                                              subjects=subjects),
            paths.REASONS_INDEX: self.render("reasons_index.md.j2", paths.REASONS_INDEX, reasons=reg.reasons),
            paths.PROVIDERS_INDEX: self.render("providers_index.md.j2", paths.PROVIDERS_INDEX,
                                               providers=reg.providers),
            paths.SOFTWARE_INDEX: self.render("software_index.md.j2", paths.SOFTWARE_INDEX,
                                              rows=software_rows(reg)),
        }


def render_pages(registry: Registry, xref: CrossRef | None = None) -> dict[str, str]:
    """Markdown for every generated page, by source path, in a stable order."""
    r = _Renderer(registry, xref)
    pages = r.index_pages()
    pages.update((paths.reply_page(x.code), r.reply_page(x)) for x in registry.reply)
    pages.update((paths.enhanced_page(x.code), r.enhanced_page(x)) for x in registry.enhanced)
    pages.update((paths.reason_page(x.id), r.reason_page(x)) for x in registry.reasons)
    pages.update((paths.provider_page(x.id), r.provider_page(x)) for x in registry.providers)
    pages.update((paths.software_page(x.id), r.software_page(x)) for x in registry.software)
    catalogued = {x.id for x in registry.software}
    pages.update((paths.software_page(x.id), r.software_logs_page(x)) for x in registry.logs if x.id not in catalogued)
    return pages


def program_logs(registry: Registry, software_id: str) -> LogProgram | None:
    """The registry's description of a program's log lines (``codes/logs/<id>.yaml``), or None."""
    return next((x for x in registry.logs if x.id == software_id), None)


def _reporting_kinds(logs: LogProgram | None) -> int:
    """How many kinds of line of a program's log report an outcome (a context line only keeps fields
    for later lines)."""
    return sum(1 for f in logs.formats if not f.context) if logs is not None else 0


@dataclass(frozen=True)
class SoftwareRow:
    """One program's line in the tables of the software index and the README."""

    id: str
    name: str
    kind: str
    messages: int
    notices: int
    logs: int  # kinds of log line read that report an outcome


def software_rows(registry: Registry) -> list[SoftwareRow]:
    """Every program the registry knows (a catalogue in codes/software/, a log file in codes/logs/ or
    both), by name: what is catalogued of it."""
    rows = {s.id: SoftwareRow(s.id, s.name, SOFTWARE_KIND_SHORT.get(s.kind, s.kind), len(s.messages), len(s.notices),
                              _reporting_kinds(program_logs(registry, s.id)))
            for s in registry.software}
    for lp in registry.logs:
        if lp.id not in rows:
            rows[lp.id] = SoftwareRow(lp.id, lp.name, "", 0, 0, _reporting_kinds(lp))
    return sorted(rows.values(), key=lambda r: (r.name.lower(), r.id))


# -- short addresses -----------------------------------------------------------------------------

_REDIRECT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="robots" content="noindex">
{canonical}<meta http-equiv="refresh" content="0; url={target}">
</head>
<body>
<p>This short address leads to <a href="{target}">{title}</a>.</p>
</body>
</html>
"""


def _redirect(short: str, to_src: str, title: str, site_url: str) -> tuple[str, bytes]:
    """``550/index.html`` pointing at the page of ``reply/550.md``, with a relative target."""
    url = paths.page_url(to_src)
    target = "../" + url  # a short address is always one folder deep
    canonical = f'<link rel="canonical" href="{html.escape(site_url + url)}">\n' if site_url else ""
    body = _REDIRECT.format(title=html.escape(title), target=html.escape(target), canonical=canonical)
    return f"{short}/index.html", body.encode()


def render_redirects(registry: Registry, site_url: str = "", xref: CrossRef | None = None) -> dict[str, bytes]:
    """Short addresses: ``/550/`` → ``/reply/550/``; ``/5.1.1/``, ``/4.1.1/`` and ``/X.1.1/`` → ``/enhanced/X.1.1/``."""
    xref = xref or CrossRef(registry)
    out: dict[str, bytes] = {}

    def add(short: str, to_src: str, title: str) -> None:
        key, body = _redirect(short, to_src, title, site_url)
        out[key] = body

    for r in registry.reply:
        add(r.code, paths.reply_page(r.code), f"{r.code} {r.title}")
    for e in registry.enhanced:
        if e.kind is EnhancedKind.CODE:
            for form in [*xref.concrete_forms(e.code), e.code]:
                add(form, paths.enhanced_page(e.code), f"{form} {e.title}")
    for reason in registry.reasons:
        if reason.pseudo_status and registry.enhanced_entry(f"5.0.{reason.pseudo_status}") is None:
            for klass in ("5", "4"):
                code = f"{klass}.0.{reason.pseudo_status}"
                add(code, paths.reason_page(reason.id), f"{code}, the pseudo status of {reason.title.lower()}")
    return out


# -- the static JSON API -------------------------------------------------------------------------


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def render_api(registry: Registry, registry_json: bytes, xref: CrossRef | None = None) -> dict[str, bytes]:
    """``api/registry.json`` (the package's bytes), per-code files and ``api/reasons.json``."""
    xref = xref or CrossRef(registry)
    plain = registry.to_dict()
    version = plain["schema_version"]

    def rule_refs(refs: Iterable[Any]) -> list[dict[str, Any]]:
        return [
            {"id": ref.rule.id, "provider": ref.provider.id, "reason": ref.rule.reason,
             "status": list(ref.statuses), "reply": list(ref.replies),
             "page": paths.page_url(ref.page) + "#" + ref.anchor}
            for ref in refs
        ]

    def examples(items: Iterable[Any]) -> list[dict[str, str]]:
        return [{"text": ex.text, "rule": ex.rule_id} for ex in items]

    out: dict[str, bytes] = {"api/registry.json": registry_json}
    for r, data in zip(registry.reply, plain["reply"], strict=True):
        out[f"api/reply/{r.code}.json"] = _json({
            "schema_version": version,
            "kind": "reply",
            "entry": data,
            "class": r.klass,
            "page": paths.page_url(paths.reply_page(r.code)),
            "reason": _reason_summary(xref.reasons.get(r.reason)),
            "enhanced": [e.code for e in xref.reply_enhanced(r.code)],
            "provider_rules": rule_refs(xref.reply_rules(r.code)),
            "examples": examples(xref.reply_examples(r.code)),
        })
    for e, data in zip(registry.enhanced, plain["enhanced"], strict=True):
        doc: dict[str, Any] = {
            "schema_version": version,
            "kind": "enhanced-" + e.kind.value,
            "entry": data,
            "page": paths.page_url(paths.enhanced_page(e.code)),
            "reason": _reason_summary(xref.reasons.get(e.reason)),
        }
        names = [e.code]
        if e.kind is EnhancedKind.CODE:
            forms = xref.concrete_forms(e.code)
            names += forms
            doc |= {
                "forms": forms,
                "reply": xref.enhanced_reply(e.code),
                "provider_rules": rule_refs(xref.enhanced_rules(e.code)),
                "examples": examples(xref.enhanced_examples(e.code)),
            }
        body = _json(doc)
        for name in names:
            out[f"api/enhanced/{name}.json"] = body
    out["api/reasons.json"] = _json({
        "schema_version": version,
        "reasons": [
            {**data, "page": paths.page_url(paths.reason_page(reason.id)),
             "reply": [r.code for r in xref.reason_reply(reason.id)],
             "enhanced": [e.code for e in xref.reason_enhanced(reason.id)]}
            for reason, data in zip(registry.reasons, plain["reasons"], strict=True)
        ],
    })
    return out


def _reason_summary(reason: Reason | None) -> dict[str, Any] | None:
    if reason is None:
        return None
    return {"id": reason.id, "title": reason.title, "hard": reason.hard.value, "bounce": reason.bounce,
            "page": paths.page_url(paths.reason_page(reason.id))}


# -- everything ----------------------------------------------------------------------------------


def generate_site(registry: Registry, registry_json: bytes, site_url: str = "") -> SiteContent:
    """All generated pages and files for one registry.

    ``registry_json`` is published unchanged as ``api/registry.json``; ``site_url`` (with a
    trailing slash) goes into the canonical links of the short-address pages.
    """
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    xref = CrossRef(registry)
    files = render_api(registry, registry_json, xref)
    files.update(render_redirects(registry, site_url, xref))
    return SiteContent(pages=render_pages(registry, xref), files=files)
