"""From validated YAML to the frozen dataclasses and the canonical ``registry.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import (
    Detail,
    EnhancedCode,
    Hard,
    LogCategory,
    LogExample,
    LogFormat,
    LogProgram,
    PhraseRule,
    Provider,
    ProviderRule,
    Reason,
    Reference,
    Registry,
    ReplyCode,
    Software,
    SoftwareMessage,
    SoftwareNotice,
)
from ..registry import MARSHAL_NAME, marshal_copy
from .lint import Context, Problem, lint_sources, log_literals, required_literal
from .source import load_sources


class BuildError(Exception):
    """The registry has lint errors; ``problems`` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in codes/")
        self.problems = problems


def _refs(items: list[dict[str, Any]]) -> tuple[Reference, ...]:
    return tuple(Reference(rfc=r["rfc"], section=r.get("section", "")) for r in items)


def _enhanced_key(code: str) -> tuple[int, int, int]:
    a, b, c = code.split(".")
    if c == "YYY":
        return (0, int(a), 0) if b == "XXX" else (1, int(b), 0)
    return (2, int(b), int(c))


def _rule_advice(r: dict[str, Any]) -> dict[str, str]:
    """A provider rule's ``action`` and ``action_queued``. A rule written for a deferral (its reply or
    status is of class 4) that gives only ``action`` wrote it for a message still queued: it is
    then its ``action_queued``, and once the message is returned the advice of its detail or reason
    applies (see codes/schema/provider.schema.json)."""
    action, queued = r.get("action", "").strip(), r.get("action_queued", "").strip()
    if not queued and (r.get("status") or r.get("reply") or "")[:1] == "4":
        action, queued = "", action
    return {"action": action, "action_queued": queued}


def compile_registry(ctx: Context) -> Registry:
    """The Registry from a linted context (call only when lint found no problems)."""
    reasons = tuple(
        Reason(id=r["id"], title=r["title"], description=r["description"].strip(), hard=Hard(r["hard"]),
               bounce=r["bounce"], action=r["action"].strip(), action_queued=r.get("action_queued", "").strip(),
               pseudo_status=r.get("pseudo_status", ""),
               after_data=r.get("after_data", ""), at_mail=r.get("at_mail", ""),
               at_connect=r.get("at_connect", ""), when_delayed=r.get("when_delayed", ""), given_up=r.get("given_up", ""),
               given_up_except=tuple(r.get("given_up_except", ())),
               diagnostic_types=tuple(r.get("diagnostic_types", ())), over=tuple(r.get("over", ())),
               actions=tuple(r.get("actions", ())),
               details=tuple(Detail(id=d["id"], title=d["title"], description=d["description"].strip(),
                                    action=d["action"].strip(), action_queued=d.get("action_queued", "").strip())
                             for d in r.get("details", ())))
        for f in ctx.of("reasons") for r in f.data["reasons"]
    )
    order = {r.id: i for i, r in enumerate(reasons)}
    reply = tuple(sorted(
        (ReplyCode(code=d["code"], title=d["title"], description=d["description"].strip(),
                   references=_refs(d["references"]), action=d["action"].strip(),
                   enhanced=tuple(d.get("enhanced", ())), reason=d.get("reason", ""),
                   nonstandard=d.get("nonstandard", False))
         for d in (f.data for f in ctx.of("reply"))),
        key=lambda r: r.code,
    ))
    enhanced = tuple(sorted(
        (EnhancedCode(code=d["code"], title=d["title"], description=d["description"].strip(),
                      references=_refs(d["references"]), action=d["action"].strip(),
                      basic=tuple(d.get("basic", ())), deprecated=d.get("deprecated", False),
                      reason=d.get("reason", ""), decisive=d.get("decisive", False), detail=d.get("detail", ""),
                      yields_to=tuple(d.get("yields_to", ())))
         for d in (f.data for f in ctx.of("enhanced"))),
        key=lambda e: _enhanced_key(e.code),
    ))
    phrase_files = sorted(ctx.of("phrases"), key=lambda f: order.get(f.data["reason"], len(order)))
    phrases = tuple(
        PhraseRule(id=f"phrase:{f.data['reason']}/{r['id']}", reason=f.data["reason"], match=tuple(r["match"]),
                   examples=tuple(r["examples"]), detail=r.get("detail", ""), at_mail=r.get("at_mail", ""),
                   literals=tuple(required_literal(m) for m in r["match"]), broad=r.get("broad", False))
        for f in phrase_files for r in f.data["rules"]
    )
    providers = tuple(sorted(
        (Provider(
            id=d["id"], name=d["name"], description=d["description"].strip(), website=d.get("website", ""),
            hosts=tuple(d["recognise"].get("hosts", ())), tokens=tuple(d["recognise"].get("tokens", ())),
            token_literals=tuple(required_literal(t) for t in d["recognise"].get("tokens", ())),
            rules=tuple(
                ProviderRule(id=f"provider:{d['id']}/{r['id']}", provider=d["id"], reason=r["reason"],
                             source=r["source"], examples=tuple(r["examples"]), reply=r.get("reply", ""),
                             status=r.get("status", ""), match=tuple(r.get("match", ())), detail=r.get("detail", ""),
                             meaning=r.get("meaning", "").strip(), **_rule_advice(r),
                             literals=tuple(required_literal(m) for m in r.get("match", ())))
                for r in d["rules"]
            ),
            notices=tuple(compile_notice(n) for n in d.get("notices", ())),
        ) for d in (f.data for f in ctx.of("provider"))),
        key=lambda p: p.id,
    ))
    software = tuple(sorted((_software(f.data) for f in ctx.of("software")), key=lambda s: s.id))
    return Registry(reasons=reasons, reply=reply, enhanced=enhanced, phrases=phrases, providers=providers,
                    software=software, logs=compile_logs(ctx))


def _software(d: dict[str, Any]) -> Software:
    """One ``codes/software/<id>.yaml`` file's data as a :class:`Software`."""
    messages = tuple(
        SoftwareMessage(id=f"software:{d['id']}/{m['id']}", software=d["id"], reason=m["reason"], text=m["text"],
                        where=m["where"], source=m["source"], examples=tuple(m["examples"]), match=tuple(m["match"]),
                        literals=tuple(required_literal(p) for p in m["match"]), reply=m.get("reply", ""),
                        status=m.get("status", ""), detail=m.get("detail", ""), meaning=m.get("meaning", "").strip(),
                        at_mail=m.get("at_mail", ""), broad=m.get("broad", False))
        for m in d["messages"]
    )
    notices = tuple(compile_notice(n) for n in d.get("notices", ()))
    return Software(id=d["id"], name=d["name"], kind=d["kind"], description=d["description"].strip(),
                    website=d["website"], messages=messages, notices=notices,
                    tokens=tuple(d.get("recognise", {}).get("tokens", ())), repository=d.get("repository", ""),
                    release=d.get("release", ""))


def compile_notice(n: dict[str, Any]) -> SoftwareNotice:
    """One ``notices`` entry (of a program's catalogue or a provider's file) as a :class:`SoftwareNotice`."""
    return SoftwareNotice(id=n["id"], kind=n["kind"], source=n["source"], subject=tuple(n.get("subject", ())),
                          senders=tuple(n.get("from", ())), markers=tuple(n.get("markers", ())),
                          original=tuple(n.get("original", ())), recipient=tuple(n.get("recipient", ())),
                          lists=tuple(n.get("list", ())), because=tuple(n.get("because", ())),
                          reasons_above=tuple(n.get("reasons_above", ())),
                          recipient_fields=tuple(n.get("recipient_fields", ())), mime=n.get("mime", ""),
                          layout=n.get("layout", "").strip())


def _log_format(program: str, f: dict[str, Any]) -> LogFormat:
    layout = f["layout"]
    return LogFormat(
        id=f"{program}/{f['id']}", program=program, title=f["title"], layout=layout, direction=f["direction"],
        source=f["source"], pattern=f.get("pattern", ""),
        literals=tuple(log_literals(f["pattern"])) if layout == "line" and "pattern" in f else (),
        tag=f.get("tag", ""),
        fields=tuple((name, (v,) if isinstance(v, str) else tuple(v)) for name, v in f.get("fields", {}).items()),
        states=tuple((str(k), v) for k, v in f.get("states", {}).items()), otherwise=f.get("otherwise", ""),
        action=f.get("action", ""), commands=tuple((str(k), v) for k, v in f.get("commands", {}).items()),
        decode=f.get("decode", ""), separator=f.get("separator", ""), context=f.get("context", False),
        key=f.get("key", ""), once=f.get("once", False), header=tuple(f.get("header", ())),
        header_prefix=f.get("header_prefix", ""),
        match=tuple((k, tuple(str(x) for x in v)) for k, v in f.get("match", {}).items()),
        pattern_key=f.get("pattern_key", ""),
        categories=tuple(LogCategory(name=str(k), reason=c["reason"], meaning=c["meaning"], source=c["source"],
                                     detail=c.get("detail", ""))
                         for k, c in f.get("categories", {}).items()),
        examples=tuple(LogExample(log=x["log"].rstrip("\n"), yields=tuple(tuple((k, str(v)) for k, v in y.items())
                                                                        for y in x["yields"]))
                       for x in f["examples"]),
    )


def compile_logs(ctx: Context) -> tuple[LogProgram, ...]:
    """The log formats of codes/logs/, files in name order, formats in file order; a program's name
    from its catalogue in codes/software/ when it has one."""
    names = {f.data["id"]: f.data["name"] for f in ctx.of("software")}
    return tuple(
        LogProgram(id=d["id"], name=names.get(d["id"], d.get("name", d["id"])), description=d["description"].strip(),
                   release=d.get("release", ""), formats=tuple(_log_format(d["id"], f) for f in d["formats"]))
        for d in sorted((f.data for f in ctx.of("logs")), key=lambda d: d["id"])
    )


def build_registry(codes: Path, only: list[str] | None = None) -> Registry:
    """Load, validate and lint ``codes``, then compile. Raises :class:`BuildError` on any problem."""
    problems, ctx = lint_sources(codes, load_sources(codes), only)
    if problems:
        raise BuildError(problems)
    return compile_registry(ctx)


def registry_json(registry: Registry) -> bytes:
    """The canonical, byte-stable JSON form: sorted keys, fixed separators, trailing newline."""
    return (json.dumps(registry.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def write_registry_json(codes: Path, out: Path) -> Registry:
    """Build ``codes`` and write ``out`` (only when its bytes change), and beside it the marshal copy
    the runtime reads faster (:mod:`bouncecodes.registry`)."""
    registry = build_registry(codes)
    data = registry_json(registry)
    if not out.exists() or out.read_bytes() != data:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    copy = out.with_name(MARSHAL_NAME)
    fast = marshal_copy(data)
    if not copy.exists() or copy.read_bytes() != fast:
        copy.write_bytes(fast)
    return registry
