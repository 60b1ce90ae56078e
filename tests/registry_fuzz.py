"""Random small edits of registry files, the slips a contributor makes, and a lint run after each.

Used by tests/test_lint_fuzz.py (a fixed seed, a few hundred edits of a small part of codes/) and
benchmarks/lint_fuzz.py (thousands, over all of codes/). Each edit changes one file of a copy of
codes/ on disk: a reason id, a code, a value's type, a key deleted or renamed, broken YAML, a
pattern, a list item repeated, two lines swapped, a whole file replaced, a file renamed. Lint then
runs over the copy (only the edited file is read again), ``lint --fix`` over the edited file, and
when lint finds nothing the registry is compiled as ``bouncecodes build`` would. A run passes when
nothing raised, every problem names its file and a line of it, and the fix kept the data; the edits
of a reason id and of the YAML syntax must also be reported.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bouncecodes.build.compile import compile_registry, registry_json
from bouncecodes.build.fix import fix_text
from bouncecodes.build.lint import RULES, Problem, lint_sources
from bouncecodes.build.source import LOADER, SourceFile, load_source, load_sources
from bouncecodes.model import Registry

REASON_KEYS = {"reason", "at_mail", "after_data", "at_connect", "when_delayed", "given_up"}
CODE_RE = re.compile(r"^(?:[2-5][0-9X]{2}|[245X]\.(?:[0-9]{1,3}|XXX)\.(?:[0-9]{1,3}|YYY))$")
TYPE_VALUES = ["123", "true", "null", "[]", "{}", "[a, b]", "{a: 1}", "''", "- x", "1.5", '"550"']
BROKEN_LINES = ["  bad: [unclosed", "\tindented: with a tab", "key: value: other", "'unclosed quote",
                "*no_such_alias", "- misplaced item", "   : nothing", "{", "a:\n b:\n  - c\n d: e", "%TAG !x!"]
BAD_PATTERNS = ["(a+)+", "(", "[z-a]", "a{2,1}", "(?P<x>a)(?P=x)", "\\", "(\\w+\\s?)*x", "ab", "*"]
WHOLE_FILES = ["", "null\n", "- a\n- b\n", "just some text\n", "[1, 2]\n", "{}\n", "---\n---\n", "a: 1\n"]


@dataclass
class Outcome:
    mutation: str
    file: str
    problems: int = 0
    built: bool = False
    reordered: bool = False  # lint --fix moved keys of the edited file
    failure: str = ""  # a traceback, or what was wrong with the messages


@dataclass
class Tally:
    runs: int = 0
    tracebacks: int = 0
    bad_messages: int = 0
    built: int = 0  # edits after which lint found nothing and the registry compiled
    reordered: int = 0  # edits after which lint --fix put keys back in order
    by_mutation: dict[str, int] = field(default_factory=dict)
    failures: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.runs += 1
        self.by_mutation[outcome.mutation] = self.by_mutation.get(outcome.mutation, 0) + 1
        self.built += outcome.built
        self.reordered += outcome.reordered
        if outcome.failure.startswith("Traceback"):
            self.tracebacks += 1
        elif outcome.failure:
            self.bad_messages += 1
        if outcome.failure:
            self.failures.append(outcome)


def _nodes(node: yaml.Node | None, key: str = "") -> Iterator[tuple[str, yaml.Node, yaml.Node | None]]:
    """(the key it stands under, the node, the key node when it is a mapping value) for every node."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield str(k.value), v, k
            yield from _nodes(v, str(k.value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield key, item, None
            yield from _nodes(item, key)


def _replace(text: str, node: yaml.Node, new: str) -> str:
    return text[:node.start_mark.index] + new + text[node.end_mark.index:]


def _near_miss(word: str, rng: random.Random) -> str:
    choices = [word + "s", word[:-1], word.upper(), word + "x", "suspended", "authfailures", word[::-1], ""]
    if len(word) > 2:
        i = rng.randrange(len(word) - 1)
        choices.append(word[:i] + word[i + 1] + word[i] + word[i + 2:])
    return rng.choice(choices)


def _bad_code(code: str, rng: random.Random) -> str:
    digits = [i for i, c in enumerate(code) if c.isdigit()]
    choices = [code + ".9", code.rsplit(".", 1)[0], code.replace("0", "O"), "999", "5.1.99", "X.99.99", "6.1.1",
               code.replace(".", "")]
    if digits:
        i = rng.choice(digits)
        choices.append(code[:i] + str((int(code[i]) + rng.randrange(1, 9)) % 10) + code[i + 1:])
    return rng.choice(choices)


def mutate(text: str, rng: random.Random) -> tuple[str, str]:
    """(the mutation's name, the edited text); the name "rename-file" asks the caller to move the file."""
    try:
        root = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError:
        root = None
    nodes = list(_nodes(root))
    scalars = [(k, n) for k, n, _ in nodes if isinstance(n, yaml.ScalarNode)]
    lines = text.split("\n")
    kind = rng.choice(["reason", "code", "type", "delete", "rename", "yaml", "pattern", "duplicate", "swap",
                       "whole-file", "rename-file"])
    if kind == "reason":
        found = [n for k, n in scalars if k in REASON_KEYS or k == "yields_to"]
        if found:
            node = rng.choice(found)
            return kind, _replace(text, node, _near_miss(str(node.value), rng) or "''")
    if kind == "code":
        found = [n for _, n in scalars if CODE_RE.match(str(n.value))]
        if found:
            node = rng.choice(found)
            new = _bad_code(str(node.value), rng)
            return kind, _replace(text, node, rng.choice([f'"{new}"', new]))
    if kind == "type":
        values = [n for _, n, k in nodes if k is not None]
        if values:
            return kind, _replace(text, rng.choice(values), rng.choice(TYPE_VALUES))
    if kind == "delete":
        pairs = [(k, n) for _, n, k in nodes if k is not None]
        if pairs:
            key, value = rng.choice(pairs)
            first, last = key.start_mark.line, value.end_mark.line - (value.end_mark.column == 0)
            return kind, "\n".join(lines[:first] + lines[last + 1:])
    if kind == "rename":
        keys = [k for _, _, k in nodes if k is not None]
        if keys:
            key = rng.choice(keys)
            return kind, _replace(text, key, _near_miss(str(key.value), rng) or "x")
    if kind == "pattern":
        found = [n for k, n in scalars if k in ("match", "tokens")]
        if found:
            return kind, _replace(text, rng.choice(found), repr(rng.choice(BAD_PATTERNS)))
    if kind == "duplicate":
        items = [n for _, n, k in nodes if k is None and n.end_mark.line > n.start_mark.line]
        if items:
            node = rng.choice(items)
            start, end = node.start_mark.line, node.end_mark.line - (node.end_mark.column == 0)
            block = lines[start:end + 1]
            return kind, "\n".join(lines[:end + 1] + block + lines[end + 1:])
    if kind == "swap" and len(lines) > 2:
        i = rng.randrange(len(lines) - 2)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
        return kind, "\n".join(lines)
    if kind == "whole-file":
        return kind, rng.choice(WHOLE_FILES)
    if kind == "rename-file":
        return kind, text
    i = rng.randrange(len(lines) + 1)  # "yaml", and every edit that found nothing to change
    return "yaml", "\n".join([*lines[:i], rng.choice(BROKEN_LINES), *lines[i:]])


def check(problems: list[Problem], sources: list[SourceFile], edited: SourceFile, mutation: str,
          before: str, reasons: list[str]) -> str:
    """What is wrong with the problems lint reported ('' when nothing)."""
    lines = {f.rel: f.text.count("\n") + 1 for f in sources}
    for p in problems:
        if p.rule not in RULES or not p.message:
            return f"unknown rule or empty message: {p.format()}"
        if p.file in lines and not 1 <= p.line <= lines[p.file]:
            return f"line {p.line} outside the file ({lines[p.file]} lines): {p.format()}"
        if not p.format().startswith(f"{p.file}:{p.line}: "):
            return f"not file:line: {p.format()}"
    mine = [p for p in problems if p.file == edited.rel]
    if mutation == "yaml" and edited.error and not any(p.rule == "yaml-syntax" for p in mine):
        return "broken YAML not reported"
    if mutation == "reason" and not edited.error and edited.text != before and edited.kind and not mine:
        old, new = (set(re.findall(r"[a-z]+", t)) for t in (before, edited.text))
        if new - old - set(reasons):  # a word that is no reason id came in
            return "a changed reason id not reported"
    return ""


class Fuzzer:
    """A copy of (part of) codes/ under ``work``, edited one file at a time."""

    def __init__(self, codes: Path, work: Path, keep: float = 1.0, seed: int = 0) -> None:
        self.codes = work / "codes"
        shutil.copytree(codes, self.codes)
        if keep < 1.0:
            self._thin(keep, random.Random(seed))
        self.sources = load_sources(self.codes)

    def _drop(self, path: Path) -> None:
        """Delete a file of the copy. A program's log file that read the program's name from the
        catalogue deleted gets that name itself, as lint's log-program rule asks of a program
        known by its log only."""
        log = self.codes / "logs" / path.name
        if path.parent.name == "software" and path.exists() and log.exists():
            name = re.search(r"^name: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
            text = log.read_text(encoding="utf-8")
            if name and re.search(r"^name:", text, re.MULTILINE) is None:
                log.write_text(re.sub(r"^(id: .+\n)", lambda m: f"{m.group(1)}name: {name.group(1)}\n", text, count=1,
                                      flags=re.MULTILINE), encoding="utf-8")
        path.unlink(missing_ok=True)

    def _thin(self, keep: float, rng: random.Random) -> None:
        """Keep about ``keep`` of each folder's files (and codes/reasons.yaml), then drop the files
        that lint finds a problem with until none is left: a small registry that is still clean."""
        for folder in sorted(p for p in self.codes.iterdir() if p.is_dir() and p.name != "schema"):
            files = sorted(folder.glob("*.yaml"))
            for path in files:
                if rng.random() > keep:
                    self._drop(path)
        for _ in range(20):
            problems, _ctx = lint_sources(self.codes, load_sources(self.codes))
            bad = {p.file for p in problems} - {"codes/reasons.yaml"}
            if not problems:
                return
            if not bad:
                raise RuntimeError("the thinned registry's reasons.yaml has problems")
            for rel in bad:
                self._drop(self.codes.parent / rel)
        raise RuntimeError("could not thin the registry to a clean one")

    def one(self, rng: random.Random) -> Outcome:
        index = rng.randrange(len(self.sources))
        original = self.sources[index]
        mutation, text = mutate(original.text, rng)
        path = original.path
        if mutation == "rename-file":
            path = path.with_name(rng.choice(["x" + path.name, path.stem + "s.yaml", path.stem + ".yml"]))
        outcome = Outcome(mutation, original.rel)
        try:
            if path != original.path:
                original.path.rename(path)
            path.write_text(text, encoding="utf-8")
            edited = load_source(self.codes, path)
            sources = sorted([*self.sources[:index], edited, *self.sources[index + 1:]], key=lambda f: f.rel)
            problems, ctx = lint_sources(self.codes, sources)
            outcome.problems = len(problems)
            outcome.failure = check(problems, sources, edited, mutation, original.text, ctx.reason_ids())
            if edited.kind and isinstance(edited.data, dict):  # and `bouncecodes lint --fix`
                fixed = fix_text(self.codes, edited.kind, edited.text)
                if fixed is not None and yaml.load(fixed, Loader=LOADER) != edited.data:
                    outcome.failure = outcome.failure or "lint --fix changed the data"
                outcome.reordered = fixed is not None and fixed != edited.text
            if not problems:  # what `bouncecodes build` does next
                data = registry_json(compile_registry(ctx))
                Registry.from_dict(json.loads(data))
                outcome.built = True
        except Exception:
            outcome.failure = traceback.format_exc()
        finally:
            if path != original.path:
                path.unlink(missing_ok=True)
            original.path.write_text(original.text, encoding="utf-8")
        return outcome

    def run(self, count: int, seed: int) -> Tally:
        rng = random.Random(seed)
        tally = Tally()
        for _ in range(count):
            tally.add(self.one(rng))
        return tally
