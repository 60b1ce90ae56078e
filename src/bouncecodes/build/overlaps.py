"""The ``overlaps`` lint rule: when rules of two reasons match the same example, the registry says
which wins, and the order in which the classifier tries them agrees.

Every example of the registry (phrase rules, programs' messages, provider rules) is run against
every rule that reads words (:func:`bouncecodes.classify.word_rules`). Two matching rules of
different reasons are an overlap. It is decided by data when

- ``codes/reasons.yaml`` lists one reason in the other's ``over`` (directly, or through a reason in
  between: ``over`` is read transitively), or
- one rule is ``broad`` and the other is not: the specific one wins.

The classifier decides by the same data (:func:`bouncecodes.classify._phrase`); order decides only
between reasons that nothing orders. The rule fails on an overlap with the rule that decides the
example that nothing decides, on ``over`` lists that go round in a cycle, and on an ``over`` that
says a broad rule's reason wins over a specific one's. Overlaps between two rules that both lose
change no verdict and are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..classify import WordRule, _compiled, _phrase, matching_word_rules, over_closure
from ..parse.common import squash
from .examples import compiled_part, compiled_registry
from .lint import Context, Problem, _dicts, _path_text, _strs, rule
from .source import SourceFile


def _examples(ctx: Context) -> Iterator[tuple[SourceFile, list[str | int], str]]:
    for f in ctx.of("phrases"):
        for i, r in _dicts(f.data.get("rules")):
            for j, x in _strs(r.get("examples")):
                yield f, ["rules", i, "examples", j], x
    for f in ctx.of("software"):
        for i, m in _dicts(f.data.get("messages")):
            for j, x in _strs(m.get("examples")):
                yield f, ["messages", i, "examples", j], x
    for f in ctx.of("provider"):
        for i, r in _dicts(f.data.get("rules")):
            for j, x in _strs(r.get("examples")):
                yield f, ["rules", i, "examples", j], x


def pair_problem(winner: WordRule, other: WordRule, closure: dict[str, frozenset[str]]) -> str:
    """'' when the overlap of the rule that decides and another matching rule of a different reason
    is decided by data; else what is wrong."""
    a, b = winner.reason, other.reason
    if a in closure.get(b, ()):  # only where a broad rule's reason is said to win over a specific one's
        return (f"codes/reasons.yaml says {b} wins over {a}, but {other.id} is broad and {winner.id} is not: "
                "a specific rule always wins")
    if b in closure.get(a, ()) or (other.broad and not winner.broad):
        return ""
    return (f"{winner.id} ({a}) and {other.id} ({b}) both match it, and nothing says which reason wins "
            f"(the first in order decides: {winner.id})")


@rule("overlaps")
def overlaps(ctx: Context) -> Iterator[Problem]:
    registry = compiled_registry(ctx)
    if registry is None:
        return
    closure = over_closure(registry)
    for reasons in compiled_part(ctx).of("reasons"):
        for i, r in _dicts(reasons.data.get("reasons")):
            if r["id"] in closure.get(r["id"], ()):
                yield Problem(reasons.rel, reasons.line("reasons", i, "over"), "overlaps", f"reasons[{i}].over",
                              f"{r['id']} is over itself through its over lists (a cycle)",
                              "precedence must be one way: remove the entry that leads back to this reason")
    compiled = _compiled(registry)
    for f, path, example in _examples(compiled_part(ctx)):
        text = squash(example)
        decided = _phrase(compiled, text)
        if decided is not None:
            found = matching_word_rules(text, registry)
            first = next(r for r in found if r.id == decided.rule)  # every other reason it beats must be stated
            for second in found:
                if first.reason == second.reason:
                    continue
                why = pair_problem(first, second, closure)
                if why:
                    yield Problem(f.rel, f.line(*path), "overlaps", _path_text(path),
                                  f"overlap on this example: {why}",
                                  "decide it by meaning: if the reason tried first is right, add the other to its "
                                  "`over` list in codes/reasons.yaml; mark a catch-all wording `broad: true`; or make "
                                  "one pattern precise enough to leave this text alone")
