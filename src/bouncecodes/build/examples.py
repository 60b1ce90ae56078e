"""The ``examples`` lint rule: every phrase and provider rule's examples classify as declared."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from ..classify import _compiled, _phrase, decide
from ..model import Evidence, LogExample, LogFormat, PhraseRule, ProviderRule, Registry
from ..parse.common import find_codes, squash
from ..parse.reply import parse_reply
from .lint import Context, Problem, rule


def phrase_example_rule(registry: Registry, example: str) -> str:
    """The id of the first phrase rule that matches ``example`` ('' when none does)."""
    found = _phrase(_compiled(registry), squash(example))
    return found.rule if found else ""


def provider_example_rule(registry: Registry, provider_id: str, example: str) -> str:
    """The id of the rule that decides ``example`` when it comes from the provider's first host
    (or, for a provider without hosts, when recognised from its tokens)."""
    provider = registry.provider(provider_id)
    assert provider is not None
    found = parse_reply(example)
    if found:
        evidence = found[0]
    else:
        reply, status = find_codes(squash(example))
        evidence = Evidence(reply=reply, status=status, diagnostic=squash(example))
    if provider.hosts:
        evidence = replace(evidence, remote_mta="mx." + provider.hosts[0])
    from ..classify import recognise_provider

    recognised = recognise_provider(evidence, registry)
    return decide(evidence, registry, recognised).rule


def example_failures(registry: Registry) -> Iterator[tuple[PhraseRule | ProviderRule, int, str]]:
    """(rule, example index, what happened instead) for every example that does not classify as declared."""
    for p in registry.phrases:
        for i, example in enumerate(p.examples):
            got = phrase_example_rule(registry, example)
            if got != p.id:
                yield p, i, got or "no phrase rule"
    for provider in registry.providers:
        for r in provider.rules:
            for i, example in enumerate(r.examples):
                got = provider_example_rule(registry, provider.id, example)
                if got != r.id:
                    yield r, i, got


@rule("examples")
def examples(ctx: Context) -> Iterator[Problem]:
    from .compile import compile_registry

    if not ctx.of("reasons"):
        return
    try:
        registry = compile_registry(ctx)
    except (KeyError, ValueError):  # other rules report what is wrong
        return
    files = {f"phrase:{f.data['reason']}": f for f in ctx.of("phrases")}
    files.update({f"provider:{f.data['id']}": f for f in ctx.of("provider")})
    known = {r.id for r in registry.reasons}
    for r, i, got in example_failures(registry):
        if r.reason not in known:
            continue
        prefix, _, slug = r.id.rpartition("/")
        f = files.get(prefix)
        if f is None:
            continue
        index = next(n for n, x in enumerate(f.data["rules"]) if x["id"] == slug)
        yield Problem(f.rel, f.line("rules", index, "examples", i), "examples", f"rules[{index}].examples[{i}]",
                      f"this example of rule '{slug}' is decided by {got}",
                      "make the rule's match (or its reply/status) cover the example, or move the rule above the "
                      "one that wins; try it with `bouncecodes classify` on the example text")


def log_example_problem(registry: Registry, fmt: LogFormat, example: LogExample) -> str:
    """What is wrong with one log example ('' when it is read as declared): some line of it must be
    read by its format, every result must come from that format (unless the format is a context
    line, whose fields a later line takes), and the results must carry the declared fields, in order."""
    from ..parse.logs import LogReader

    reader = LogReader(registry)
    found: list[Evidence] = []
    read_by: list[str] = []
    offset = 0
    for line in example.log.split("\n"):
        found.extend(reader.line(line, offset))
        read_by.append(reader.last)
        offset += len(line) + 1
    if fmt.id not in read_by:
        return f"no line of it is read by this format (read by: {', '.join(x or '-' for x in read_by)})"
    others = sorted({e.source for e in found if e.source != f"log:{fmt.id}"})
    if others and not fmt.context:
        return f"it gives results of {', '.join(others)}"
    if len(found) != len(example.yields):
        return f"it gives {len(found)} result(s), not {len(example.yields)}: " + \
            "; ".join(f"{e.recipient or '(no recipient)'} {e.action}" for e in found)
    for n, (e, want) in enumerate(zip(found, example.yields, strict=True)):
        wrong = [f"{k} is {getattr(e, k)!r}, not {v!r}" for k, v in want if str(getattr(e, k)) != v]
        if wrong:
            return f"result {n + 1}: " + ", ".join(wrong)
    return ""


def log_example_failures(registry: Registry) -> Iterator[tuple[LogFormat, int, str]]:
    """(format, example index, what is wrong) for every log example not read as declared."""
    for program in registry.logs:
        for fmt in program.formats:
            for i, example in enumerate(fmt.examples):
                problem = log_example_problem(registry, fmt, example)
                if problem:
                    yield fmt, i, problem


@rule("log-examples")
def log_examples(ctx: Context) -> Iterator[Problem]:
    from .compile import compile_registry

    if not ctx.of("logs") or not ctx.of("reasons"):
        return
    try:
        registry = compile_registry(ctx)
    except (KeyError, ValueError, re.error):  # other rules report what is wrong
        return
    files = {f.data["id"]: f for f in ctx.of("logs")}
    for fmt, i, message in log_example_failures(registry):
        f = files[fmt.program]
        index = next(n for n, x in enumerate(f.data["formats"]) if x["id"] == fmt.id.split("/", 1)[1])
        yield Problem(f.rel, f.line("formats", index, "examples", i), "log-examples",
                      f"formats[{index}].examples[{i}]", f"this example of format '{fmt.id}': {message}",
                      "make the format's pattern (or fields, states) read the example as the program writes it, or "
                      "correct the declared yields; formats are tried in file order")
