"""The ``examples`` lint rule: every phrase and provider rule's examples classify as declared."""

from __future__ import annotations

from collections.abc import Iterator

from .. import classify as classify_input  # the function bouncecodes.classify, as the CLI and the checker call it
from ..classify import _compiled, _phrase
from ..model import PhraseRule, ProviderRule, Registry
from ..parse.common import squash
from .lint import Context, Problem, rule


def phrase_example_rule(registry: Registry, example: str) -> str:
    """The id of the first phrase rule that matches ``example`` ('' when none does)."""
    found = _phrase(_compiled(registry), squash(example))
    return found.rule if found else ""


def provider_example_rule(registry: Registry, provider_id: str, example: str) -> str:
    """The rule that decides ``example`` as ``bouncecodes classify --provider <id>`` and the checker's
    "Whose server refused it?" read it: the very call they make. '' when they find no bounce in it;
    the rules joined by ', ' when it gives several results that disagree."""
    rules = dict.fromkeys(r.rule for r in classify_input(example, provider=provider_id, registry=registry))
    return ", ".join(rules)


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
                    yield r, i, got or f"nothing: `bouncecodes classify --provider {provider.id}` finds no bounce in it"


def _holds_examples(data: object) -> bool:
    if isinstance(data, dict):
        return "examples" in data or any(_holds_examples(v) for v in data.values())
    if isinstance(data, list):
        return any(_holds_examples(v) for v in data)
    return False


@rule("examples")
def examples(ctx: Context) -> Iterator[Problem]:
    from .compile import compile_registry

    # a file with a blocking problem is left out of the compiled registry: say what is not checked
    blocked = ctx.blocked()
    for source in ctx.sources:
        first = blocked.get(source.rel)
        if first is None:
            continue
        if source.kind == "reasons":
            yield Problem(source.rel, first.line, "examples", "",
                          "no example is checked: the registry cannot be compiled while the reason vocabulary has problems",
                          "fix the other problems of this file, then run lint again")
        elif _holds_examples(source.data):
            yield Problem(source.rel, first.line, "examples", "",
                          "the examples of this file are not checked while it has the other problems listed for it",
                          "fix those first (the file is left out of the compiled registry until then), then run lint again")
    part = ctx.compilable()
    if not part.of("reasons") or len(part.of("reasons")) != len(ctx.of("reasons")):
        return
    registry = compile_registry(part)
    files = {f"phrase:{f.data['reason']}": f for f in part.of("phrases")}
    files.update({f"provider:{f.data['id']}": f for f in part.of("provider")})
    for r, i, got in example_failures(registry):
        prefix, _, slug = r.id.rpartition("/")
        f = files.get(prefix)
        if f is None:
            continue
        index = next(n for n, x in enumerate(f.data["rules"]) if x["id"] == slug)
        yield Problem(f.rel, f.line("rules", index, "examples", i), "examples", f"rules[{index}].examples[{i}]",
                      f"this example of rule '{slug}' is decided by {got}",
                      "make the rule's match (or its reply/status) cover the example, or move the rule above the "
                      "one that wins; see it decide with `bouncecodes classify --format text` on the example text "
                      "(for a provider rule: `bouncecodes classify --provider <id> --format text`)")
