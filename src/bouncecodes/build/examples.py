"""The ``examples`` lint rule: every phrase rule's, provider rule's and program message's examples
classify as declared; and the ``log-examples`` rule: every log format's examples are read as declared."""

from __future__ import annotations

from collections.abc import Iterator

from .. import classify as classify_input  # the function bouncecodes.classify, as the CLI and the checker call it
from ..classify import _compiled, _phrase, decide
from ..model import Evidence, LogExample, LogFormat, PhraseRule, ProviderRule, Registry, SoftwareMessage
from ..parse.common import find_codes, squash
from ..parse.reply import parse_reply
from .lint import Context, Problem, rule


def phrase_example_rule(registry: Registry, example: str) -> str:
    """The id of the first phrase rule that matches ``example`` ('' when none does)."""
    found = _phrase(_compiled(registry), squash(example))
    return found.rule if found else ""


def example_evidence(example: str) -> Evidence:
    """An example read as the server's reply it is: its codes, its words, the command it answered."""
    found = parse_reply(example)
    if found:
        return found[0]
    reply, status = find_codes(squash(example))
    return Evidence(reply=reply, status=status, diagnostic=squash(example))


def software_example_rule(registry: Registry, example: str) -> str:
    """The id of the rule that decides ``example`` read as a reply from an unknown host, through the
    whole decision procedure."""
    from ..classify import recognise_provider

    evidence = example_evidence(example)
    return decide(evidence, registry, recognise_provider(evidence, registry)).rule


def same_words_of_another_program(registry: Registry, message: SoftwareMessage, example: str, got: str) -> bool:
    """Whether ``example`` of ``message``, decided by ``got``, is decided by another program's message
    that means the same (same reason, same ``at_mail``) while ``message``'s own patterns match it too.

    Programs copy each other's wording ("Message size exceeds fixed maximum message size" is Sendmail's,
    Apache James's, hMailServer's and Exchange's): the classifier cannot tell which wrote it and needs
    not, and the first program in id order decides. The example still proves its own message matches."""
    from ..classify import matching_word_rules

    other = next((m for s in registry.software for m in s.messages if m.id == got), None)
    if other is None or other.software == message.software:
        return False  # within one program, its messages must be told apart by their patterns or order
    if (other.reason, other.at_mail) != (message.reason, message.at_mail):
        return False
    return any(r.id == message.id for r in matching_word_rules(squash(example), registry))


def named_list_of_the_same_reason(registry: Registry, message: SoftwareMessage, example: str, got: str) -> bool:
    """Whether ``example`` of ``message``, decided by ``got``, is decided by a rule of a provider that
    the words name (not the host: a program's example comes from any host), such as a block list
    ("blocked using zen.spamhaus.org"), which gives the same reason, while ``message``'s own
    patterns match it too. The list's operator says what a listing means; the program only reports
    it, and the example still proves its own message matches."""
    from ..classify import matching_word_rules

    prefix, _, _ = got.rpartition("/")
    provider = registry.provider(prefix.removeprefix("provider:")) if prefix.startswith("provider:") else None
    if provider is None or provider.hosts:
        return False
    rule = next((r for r in provider.rules if r.id == got), None)
    if rule is None or rule.reason != message.reason:
        return False
    return any(r.id == message.id for r in matching_word_rules(squash(example), registry))


def software_example_ok(registry: Registry, message: SoftwareMessage, example: str) -> str:
    """'' when ``example`` of ``message`` is decided as it declares: by the message itself, or by
    another program's message or a named list's rule that means the same (see above); else the id
    of the rule that decides it."""
    got = software_example_rule(registry, example)
    if got == message.id or same_words_of_another_program(registry, message, example, got) \
            or named_list_of_the_same_reason(registry, message, example, got):
        return ""
    return got


def provider_example_rule(registry: Registry, provider_id: str, example: str) -> str:
    """The rule that decides ``example`` as ``bouncecodes classify --provider <id>`` and the checker's
    "Whose server refused it?" read it: the very call they make. '' when they find no bounce in it;
    the rules joined by ', ' when it gives several results that disagree."""
    rules = dict.fromkeys(r.rule for r in classify_input(example, provider=provider_id, registry=registry))
    return ", ".join(rules)


def example_failures(registry: Registry) -> Iterator[tuple[PhraseRule | ProviderRule | SoftwareMessage, int, str]]:
    """(rule, example index, what happened instead) for every example that does not classify as declared
    (rules of an unknown reason are left to the rule known-reason)."""
    known = {r.id for r in registry.reasons}
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
    if any(m.reason not in known for s in registry.software for m in s.messages):
        return
    for program in registry.software:
        for m in program.messages:
            for i, example in enumerate(m.examples):
                got = software_example_ok(registry, m, example)
                if got:
                    yield m, i, got


def compiled_registry(ctx: Context) -> Registry | None:
    """The registry of the files without a blocking problem, compiled once for the rules that need it;
    None when it cannot be compiled (the reason vocabulary itself has problems: other rules say why)."""
    from .compile import compile_registry

    cache = ctx.__dict__
    if "_registry" not in cache:
        part = ctx.compilable()
        registry: Registry | None = None
        if part.of("reasons") and len(part.of("reasons")) == len(ctx.of("reasons")):
            try:
                registry = compile_registry(part)
            except (KeyError, ValueError, TypeError):  # pragma: no cover - the blocking rules should prevent it
                registry = None
        cache["_registry"] = registry
        cache["_compiled_part"] = part
    found: Registry | None = cache["_registry"]
    return found


def compiled_part(ctx: Context) -> Context:
    """The part of ``ctx`` that :func:`compiled_registry` compiled."""
    compiled_registry(ctx)
    part: Context = ctx.__dict__["_compiled_part"]
    return part


def _holds_examples(data: object) -> bool:
    if isinstance(data, dict):
        return "examples" in data or any(_holds_examples(v) for v in data.values())
    if isinstance(data, list):
        return any(_holds_examples(v) for v in data)
    return False


@rule("examples")
def examples(ctx: Context) -> Iterator[Problem]:
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
    registry = compiled_registry(ctx)
    if registry is None:
        return
    part = compiled_part(ctx)
    files = {f"phrase:{f.data['reason']}": f for f in part.of("phrases")}
    files.update({f"provider:{f.data['id']}": f for f in part.of("provider")})
    files.update({f"software:{f.data['id']}": f for f in part.of("software")})
    programs = {m.id: m for s in registry.software for m in s.messages}
    for r, i, got in example_failures(registry):
        prefix, _, slug = r.id.rpartition("/")
        f = files.get(prefix)
        if f is None:
            continue
        key = "messages" if isinstance(r, SoftwareMessage) else "rules"
        index = next(n for n, x in enumerate(f.data[key]) if x["id"] == slug)
        claimed = programs.get(got)
        if isinstance(r, PhraseRule) and claimed is not None and claimed.reason == r.reason:
            yield Problem(f.rel, f.line(key, index, "examples", i), "examples", f"{key}[{index}].examples[{i}]",
                          f"this example of rule '{slug}' is the wording of {got}, which the program's catalogue "
                          "holds with the same reason",
                          "one place per fact: remove the example here; if it was the rule's last one, give the rule "
                          "an example no program's message matches, or remove the rule when its patterns only restate "
                          "that program's words")
            continue
        yield Problem(f.rel, f.line(key, index, "examples", i), "examples", f"{key}[{index}].examples[{i}]",
                      f"this example of {key[:-1]} '{slug}' is decided by {got}",
                      "make the rule's match (or its reply/status) cover the example, or move the rule above the "
                      "one that wins; see it decide with `bouncecodes classify --format text` on the example text "
                      "(for a provider rule: `bouncecodes classify --provider <id> --format text`)")


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
    registry = compiled_registry(ctx)
    if registry is None or not registry.logs:
        return
    files = {f.data["id"]: f for f in compiled_part(ctx).of("logs")}
    for fmt, i, message in log_example_failures(registry):
        f = files[fmt.program]
        index = next(n for n, x in enumerate(f.data["formats"]) if x["id"] == fmt.id.split("/", 1)[1])
        yield Problem(f.rel, f.line("formats", index, "examples", i), "log-examples",
                      f"formats[{index}].examples[{i}]", f"this example of format '{fmt.id}': {message}",
                      "make the format's pattern (or fields, states) read the example as the program writes it, or "
                      "correct the declared yields; formats are tried in file order")
