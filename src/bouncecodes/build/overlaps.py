"""The ``overlaps`` lint rule: when rules of two reasons match the same example, the registry says
which wins, and the order in which the classifier tries them agrees.

Every example of the registry (phrase rules, programs' messages, provider rules) is run against
every rule that reads words (:func:`bouncecodes.classify.word_rules`). Two matching rules of
different reasons are an overlap. It is decided by data when

- one rule is ``broad`` and the other is not: the specific one wins (broad rules are tried last), or
- ``codes/reasons.yaml`` lists one reason in the other's ``over`` (directly, or through a reason in
  between: ``over`` is read transitively).

The rule fails on an overlap with the rule that decides the example (the first that matches) that
nothing decides, and on one where the data says the other reason wins but its rule is tried later.
Overlaps between two rules that both lose change no verdict and are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..classify import WordRule, matching_word_rules
from ..model import Registry
from ..parse.common import squash
from .examples import compiled_registry
from .lint import Context, Problem, _path_text, rule
from .source import SourceFile


def over_closure(registry: Registry) -> dict[str, set[str]]:
    """For each reason, every reason it wins over, directly or through others."""
    direct = {r.id: set(r.over) for r in registry.reasons}
    closure: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        todo = list(direct[start])
        while todo:
            x = todo.pop()
            if x not in seen:
                seen.add(x)
                todo.extend(direct.get(x, ()))
        closure[start] = seen
    return closure


def _examples(ctx: Context, registry: Registry) -> Iterator[tuple[SourceFile, list[str | int], str]]:
    for f in ctx.of("phrases"):
        for i, r in enumerate(f.data["rules"]):
            for j, x in enumerate(r["examples"]):
                yield f, ["rules", i, "examples", j], x
    for f in ctx.of("software"):
        for i, m in enumerate(f.data["messages"]):
            for j, x in enumerate(m["examples"]):
                yield f, ["messages", i, "examples", j], x
    for f in ctx.of("provider"):
        for i, r in enumerate(f.data["rules"]):
            for j, x in enumerate(r["examples"]):
                yield f, ["rules", i, "examples", j], x


def pair_problem(first: WordRule, second: WordRule, closure: dict[str, set[str]]) -> str:
    """'' when the overlap of two rules of different reasons, ``first`` tried before ``second``, is
    decided by data and the order agrees; else what is wrong."""
    a, b = first.reason, second.reason
    if b in closure.get(a, ()) and a in closure.get(b, ()):
        return f"codes/reasons.yaml says both {a} over {b} and {b} over {a}"
    if b in closure.get(a, ()):
        return ""
    if a in closure.get(b, ()):
        return (f"codes/reasons.yaml says {b} wins over {a}, but {first.id} ({a}) is tried before {second.id} ({b})"
                + (" because that one is broad" if second.broad and not first.broad else ""))
    if second.broad and not first.broad:
        return ""
    return (f"{first.id} ({a}) and {second.id} ({b}) both match it, and nothing says which reason wins "
            f"({first.id} is tried first)")


@rule("overlaps")
def overlaps(ctx: Context) -> Iterator[Problem]:
    registry = compiled_registry(ctx)
    if registry is None:
        return
    closure = over_closure(registry)
    for reasons in ctx.of("reasons"):
        for i, r in enumerate(reasons.data["reasons"]):
            if r["id"] in closure.get(r["id"], ()):
                yield Problem(reasons.rel, reasons.line("reasons", i, "over"), "overlaps", f"reasons[{i}].over",
                              f"{r['id']} is over itself through its over lists (a cycle)",
                              "precedence must be one way: remove the entry that leads back to this reason")
    for f, path, example in _examples(ctx, registry):
        found = matching_word_rules(squash(example), registry)
        if found:
            first = found[0]  # the rule that decides; every other reason it beats must be stated
            for second in found[1:]:
                if first.reason == second.reason:
                    continue
                why = pair_problem(first, second, closure)
                if why:
                    yield Problem(f.rel, f.line(*path), "overlaps", _path_text(path),
                                  f"overlap on this example: {why}",
                                  "decide it by meaning: if the reason tried first is right, add the other to its "
                                  "`over` list in codes/reasons.yaml; mark a catch-all wording `broad: true`; or make "
                                  "one pattern precise enough to leave this text alone")
