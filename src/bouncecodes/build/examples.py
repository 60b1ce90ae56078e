"""The ``examples`` lint rule: every phrase rule's, provider rule's and program message's examples
classify as declared."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ..classify import _compiled, _phrase, decide
from ..model import Evidence, PhraseRule, ProviderRule, Registry, SoftwareMessage
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
    """The id of the rule that decides ``example`` when it comes from the provider's first host
    (or, for a provider without hosts, when recognised from its tokens)."""
    provider = registry.provider(provider_id)
    assert provider is not None
    evidence = example_evidence(example)
    if provider.hosts:
        evidence = replace(evidence, remote_mta="mx." + provider.hosts[0])
    from ..classify import recognise_provider

    recognised = recognise_provider(evidence, registry)
    return decide(evidence, registry, recognised).rule


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
        if any(r.reason not in known for r in provider.rules):
            continue  # deciding would need the missing reason
        for r in provider.rules:
            for i, example in enumerate(r.examples):
                got = provider_example_rule(registry, provider.id, example)
                if got != r.id:
                    yield r, i, got
    if any(m.reason not in known for s in registry.software for m in s.messages):
        return
    for program in registry.software:
        for m in program.messages:
            for i, example in enumerate(m.examples):
                got = software_example_ok(registry, m, example)
                if got:
                    yield m, i, got


def compiled_registry(ctx: Context) -> Registry | None:
    """The registry of a linted context, compiled once for the rules that need it; None when it
    cannot be compiled (other rules then say why)."""
    from .compile import compile_registry

    cache = ctx.__dict__
    if "_registry" not in cache:
        try:
            cache["_registry"] = compile_registry(ctx) if ctx.of("reasons") else None
        except (KeyError, ValueError):
            cache["_registry"] = None
    found: Registry | None = cache["_registry"]
    return found


@rule("examples")
def examples(ctx: Context) -> Iterator[Problem]:
    registry = compiled_registry(ctx)
    if registry is None:
        return
    files = {f"phrase:{f.data['reason']}": f for f in ctx.of("phrases")}
    files.update({f"provider:{f.data['id']}": f for f in ctx.of("provider")})
    files.update({f"software:{f.data['id']}": f for f in ctx.of("software")})
    known = {r.id for r in registry.reasons}
    programs = {m.id: m for s in registry.software for m in s.messages}
    for r, i, got in example_failures(registry):
        if r.reason not in known:
            continue
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
                      "one that wins; try it with `bouncecodes classify` on the example text")
