"""Named lint rules over the registry's YAML files.

Each rule is a function that yields :class:`Problem` s; ``RULES`` lists them in the order they
run. A problem names the file, the line, the field, what is wrong and how to fix it.

Every rule looks at every file that reads as a mapping, schema errors or not, so that one run
reports all of a file's problems: rules read fields through the helpers below (``_dicts``,
``_strs``, ``_str``, ``_map``) and pass over a value of the wrong shape, which the ``schema`` rule
reports. Rules that compile the registry (``examples``) see only the files without a *blocking*
problem (any problem but those of rules registered with ``blocking=False``): see
:meth:`Context.compilable`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry as SchemaRegistry
from referencing import Resource

from ..model import ENHANCED_RE
from .source import KINDS, SourceFile, load_schema, load_sources

try:  # Python 3.11+: the regex parser lives in re._parser (sre_parse is its deprecated alias)
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]


@dataclass(frozen=True, order=True)
class Problem:
    """One lint finding."""

    file: str
    line: int
    rule: str
    field: str
    message: str
    hint: str = ""

    def format(self) -> str:
        where = f"{self.file}:{self.line}"
        fld = f" {self.field}:" if self.field else ""
        text = f"{where}:{fld} {self.message} [{self.rule}]"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


@dataclass
class Context:
    """What the rules see: every source file; those that read as a mapping, grouped by kind; and
    the problems that the rules run so far have found."""

    codes: Path
    sources: list[SourceFile]
    files: dict[str, list[SourceFile]] = field(default_factory=dict)
    found: list[Problem] = field(default_factory=list)
    complete: bool = True  # False for the part of a registry that :meth:`compilable` leaves

    def __post_init__(self) -> None:
        if self.complete:
            for f in self.sources:
                if f.kind and not f.error and isinstance(f.data, dict):
                    self.files.setdefault(f.kind, []).append(f)

    def of(self, kind: str) -> list[SourceFile]:
        return self.files.get(kind, [])

    def reason_ids(self) -> list[str]:
        return [r["id"] for f in self.of("reasons") for _, r in _dicts(f.data.get("reasons"))
                if isinstance(r.get("id"), str)]

    def blocked(self) -> dict[str, Problem]:
        """The files with a blocking problem (by path), each with its first such problem."""
        found: dict[str, Problem] = {}
        for p in sorted(self.found):
            if p.rule not in NON_BLOCKING:
                found.setdefault(p.file, p)
        return found

    def compilable(self) -> Context:
        """The same registry without the files that have a blocking problem: what can be compiled."""
        blocked = self.blocked()
        files = {kind: [f for f in group if f.rel not in blocked] for kind, group in self.files.items()}
        return Context(self.codes, self.sources, files, complete=False)


Rule = Callable[[Context], Iterator[Problem]]
RULES: dict[str, Rule] = {}
#: the rules whose findings leave a file fit to compile (cosmetic or advisory)
NON_BLOCKING: set[str] = set()


def rule(name: str, blocking: bool = True) -> Callable[[Rule], Rule]:
    """Register a rule; ``blocking=False`` when its findings leave the file fit to compile."""
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        if not blocking:
            NON_BLOCKING.add(name)
        return fn

    return register


def _dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The mappings of a list with their indexes; nothing when ``value`` is not a list."""
    if isinstance(value, list):
        for i, x in enumerate(value):
            if isinstance(x, dict):
                yield i, x


def _strs(value: Any) -> Iterator[tuple[int, str]]:
    """The strings of a list with their indexes; nothing when ``value`` is not a list."""
    if isinstance(value, list):
        for i, x in enumerate(value):
            if isinstance(x, str):
                yield i, x


def _str(data: Any, key: str) -> str:
    """``data[key]`` when ``data`` is a mapping and that is a string; else ''."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _map(data: Any, key: str) -> dict[str, Any]:
    """``data[key]`` when ``data`` is a mapping and that is a mapping; else {}."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _near(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def _path_text(path: list[str | int]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")


# -- file level ------------------------------------------------------------------------------


@rule("yaml-syntax")
def yaml_syntax(ctx: Context) -> Iterator[Problem]:
    for f in ctx.sources:
        if f.error:
            yield Problem(f.rel, f.error_line, "yaml-syntax", "", f.error,
                          "check indentation and quoting on this line; quote strings that contain ': ' or start with '*', '&', '[' or '{'")


@rule("file-place")
def file_place(ctx: Context) -> Iterator[Problem]:
    if not any(f.kind == "reasons" for f in ctx.sources):
        yield Problem("codes/reasons.yaml", 1, "file-place", "", "the reason vocabulary is missing",
                      "restore codes/reasons.yaml: every other file refers to its reason ids")
    for f in ctx.sources:
        if not f.kind and not f.error:
            yield Problem(f.rel, 1, "file-place", "", "this file is not in a place the registry reads",
                          "registry files are codes/reasons.yaml and codes/{reply,enhanced,phrases,providers,software,logs}/<id>.yaml "
                          "(ending .yaml)")


def _validator(codes: Path, kind: str) -> Draft202012Validator:
    resources = [
        (load_schema(codes, name)["$id"], Resource.from_contents(load_schema(codes, name)))
        for name in ("common.schema.json", *KINDS.values())
    ]
    return Draft202012Validator(load_schema(codes, KINDS[kind]), registry=SchemaRegistry().with_resources(resources))


def _schema_of(error: ValidationError) -> dict[str, Any]:
    return dict(error.schema) if isinstance(error.schema, dict) else {}


def _describe(error: ValidationError) -> str:
    return str(_schema_of(error).get("description", ""))


def _schema_problem(f: SourceFile, error: ValidationError) -> Problem:
    path = list(error.absolute_path)
    fld = _path_text(path)
    schema = _schema_of(error)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        key = extra[0] if extra else "?"
        return Problem(f.rel, f.line(*path, key), "schema", _path_text([*path, key]), f"unknown field '{key}'",
                       f"remove it or correct its name{_near(key, allowed)}; allowed here: {', '.join(allowed)}")
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        key = missing[0] if missing else "?"
        desc = schema.get("properties", {}).get(key, {}).get("description", "")
        return Problem(f.rel, f.line(*path), "schema", _path_text([*path, key]), f"missing required field '{key}'",
                       f"add '{key}:'" + (f" — {desc}" if desc else ""))
    if error.validator == "pattern":
        return Problem(f.rel, f.line(*path), "schema", fld, f"{error.instance!r} is not in the expected format",
                       _describe(error) or f"it must match {schema.get('pattern')}")
    if error.validator == "enum":
        choices = [str(c) for c in schema.get("enum", [])]
        return Problem(f.rel, f.line(*path), "schema", fld, f"{error.instance!r} is not allowed here",
                       f"use one of: {', '.join(choices)}{_near(str(error.instance), choices)}")
    if error.validator == "type":
        want = schema.get("type")
        hint = f"write a {want}" + (' — quote codes so YAML reads them as text: "550"' if want == "string" else "")
        return Problem(f.rel, f.line(*path), "schema", fld, f"{error.instance!r} is not of type {want}", hint)
    if error.validator in ("minLength", "minItems"):
        return Problem(f.rel, f.line(*path), "schema", fld, "is empty or too short",
                       _describe(error) or error.message)
    return Problem(f.rel, f.line(*path), "schema", fld, error.message, _describe(error))


@rule("schema")
def schema(ctx: Context) -> Iterator[Problem]:
    validators: dict[str, Draft202012Validator] = {}
    for f in ctx.sources:
        if not f.kind or f.error:
            continue
        if f.data is None or not isinstance(f.data, dict):
            yield Problem(f.rel, 1, "schema", "", "the file is empty or not a mapping of fields",
                          "start from a file of the same folder and change its values")
            continue
        found = f.memo.get("schema")
        if found is None:
            validator = validators.setdefault(f.kind, _validator(ctx.codes, f.kind))
            errors = sorted(validator.iter_errors(f.data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
            found = f.memo["schema"] = [_schema_problem(f, error) for error in errors]
        yield from found


# -- identity ---------------------------------------------------------------------------------


@rule("file-name")
def file_name(ctx: Context) -> Iterator[Problem]:
    for kind, key in (("reply", "code"), ("enhanced", "code"), ("phrases", "reason"), ("provider", "id"),
                      ("software", "id"), ("logs", "id")):
        for f in ctx.of(kind):
            found = f.data.get(key)
            if isinstance(found, bool) or not isinstance(found, str | int):
                continue  # missing, or not a name: the schema rule says so
            value = str(found)
            if value != f.stem:
                yield Problem(f.rel, f.line(key), "file-name", key,
                              f"the file is named '{f.stem}.yaml' but its {key} is '{value}'",
                              f"rename the file to '{value}.yaml' or set {key}: {f.stem!r}")


@rule("unique-ids")
def unique_ids(ctx: Context) -> Iterator[Problem]:
    for f in ctx.of("reasons"):
        seen: dict[str, int] = {}
        for i, r in _dicts(f.data.get("reasons")):
            if not isinstance(r.get("id"), str):
                continue
            if r["id"] in seen:
                yield Problem(f.rel, f.line("reasons", i, "id"), "unique-ids", f"reasons[{i}].id",
                              f"reason id '{r['id']}' is already used at line {seen[r['id']]}",
                              "give each reason its own id, or merge the two entries")
            seen.setdefault(r["id"], f.line("reasons", i, "id"))
    for kind in ("phrases", "provider"):
        for f in ctx.of(kind):
            seen = {}
            for i, r in _dicts(f.data.get("rules")):
                if not isinstance(r.get("id"), str):
                    continue
                if r["id"] in seen:
                    yield Problem(f.rel, f.line("rules", i, "id"), "unique-ids", f"rules[{i}].id",
                                  f"rule id '{r['id']}' is already used at line {seen[r['id']]} of this file",
                                  "rule ids must be unique within a file: choose another slug")
                seen.setdefault(r["id"], f.line("rules", i, "id"))
    for kind, keys in (("software", ("messages", "notices")), ("logs", ("formats",))):
        for f in ctx.of(kind):
            for key in keys:
                seen = {}
                for i, r in _dicts(f.data.get(key)):
                    if not isinstance(r.get("id"), str):
                        continue
                    if r["id"] in seen:
                        yield Problem(f.rel, f.line(key, i, "id"), "unique-ids", f"{key}[{i}].id",
                                      f"{key[:-1]} id '{r['id']}' is already used at line {seen[r['id']]} of this file",
                                      f"{key} ids must be unique within a file: choose another slug")
                    seen.setdefault(r["id"], f.line(key, i, "id"))


# -- references between entries -----------------------------------------------------------------


def _reason_uses(ctx: Context) -> Iterator[tuple[SourceFile, list[str | int], str]]:
    for kind in ("reply", "enhanced", "phrases"):
        for f in ctx.of(kind):
            if _str(f.data, "reason"):
                yield f, ["reason"], f.data["reason"]
    for f in ctx.of("provider"):
        for i, r in _dicts(f.data.get("rules")):
            if _str(r, "reason"):
                yield f, ["rules", i, "reason"], r["reason"]
    for f in ctx.of("phrases"):
        for i, r in _dicts(f.data.get("rules")):
            if _str(r, "at_mail"):
                yield f, ["rules", i, "at_mail"], r["at_mail"]
    for f in ctx.of("software"):
        for i, m in _dicts(f.data.get("messages")):
            if _str(m, "reason"):
                yield f, ["messages", i, "reason"], m["reason"]
            if _str(m, "at_mail"):
                yield f, ["messages", i, "at_mail"], m["at_mail"]
    for f in ctx.of("logs"):
        for i, x in _dicts(f.data.get("formats")):
            for word, c in _map(x, "categories").items():
                if isinstance(c, dict) and _str(c, "reason"):
                    yield f, ["formats", i, "categories", word, "reason"], c["reason"]
    for f in ctx.of("enhanced"):
        for i, value in _strs(f.data.get("yields_to")):
            yield f, ["yields_to", i], value
    for f in ctx.of("reasons"):
        for i, r in _dicts(f.data.get("reasons")):
            for key in ("after_data", "at_mail", "at_connect", "when_delayed", "given_up"):
                if _str(r, key):
                    yield f, ["reasons", i, key], r[key]
            for j, value in _strs(r.get("over")):
                yield f, ["reasons", i, "over", j], value


@rule("known-reason")
def known_reason(ctx: Context) -> Iterator[Problem]:
    reasons = ctx.reason_ids()
    if not reasons:
        return
    for f, path, value in _reason_uses(ctx):
        if value not in reasons:
            yield Problem(f.rel, f.line(*path), "known-reason", _path_text(path), f"unknown reason '{value}'",
                          f"use an id from codes/reasons.yaml{_near(value, reasons)}")


@rule("known-code")
def known_code(ctx: Context) -> Iterator[Problem]:
    enhanced = {_str(f.data, "code") for f in ctx.of("enhanced")} - {""}
    reply = {_str(f.data, "code") for f in ctx.of("reply")} - {""}
    subjects = {c.split(".")[1] for c in enhanced if c.endswith(".YYY") and c.startswith("X.")}
    if not enhanced or not reply:
        return
    for f in ctx.of("reply"):
        klass = _str(f.data, "code")[:1]
        for i, code in _strs(f.data.get("enhanced")):
            if not ENHANCED_RE.match(code):
                continue  # the schema rule says what is wrong with it
            generic = "X." + code.split(".", 1)[1]
            if generic not in enhanced:
                yield Problem(f.rel, f.line("enhanced", i), "known-code", f"enhanced[{i}]",
                              f"enhanced code {code} is not in the registry (no codes/enhanced/{generic}.yaml)",
                              "list only registered enhanced codes here, or add the code's file first")
            elif klass and code[0] != klass:
                yield Problem(f.rel, f.line("enhanced", i), "known-code", f"enhanced[{i}]",
                              f"enhanced code {code} has class {code[0]} but this reply code has class {klass}",
                              f"write it as {klass}.{code.split('.', 1)[1]}")
    for f in ctx.of("enhanced"):
        for i, code in _strs(f.data.get("basic")):
            if code[1:] != "XX" and code not in reply:
                yield Problem(f.rel, f.line("basic", i), "known-code", f"basic[{i}]",
                              f"reply code {code} has no file codes/reply/{code}.yaml",
                              "add the reply code's file, or correct the number")
    for f in ctx.of("software"):
        # a program may write codes of its own (Courier's 517, Exchange's 5.7.606, "550 4.4.7"): a code
        # the registry does not know, or a pair of differing classes, stands when an example shows it
        for i, m in _dicts(f.data.get("messages")):
            code, status = _str(m, "reply"), _str(m, "status")
            shown = " ".join(x for _, x in _strs(m.get("examples")))
            if code and code not in reply and code not in shown:
                yield Problem(f.rel, f.line("messages", i, "reply"), "known-code", f"messages[{i}].reply",
                              f"reply code {code} has no file codes/reply/{code}.yaml and no example shows it",
                              "correct the number, or show in an example that the program writes it")
            if status and status[2:].split(".")[0] not in subjects:
                yield Problem(f.rel, f.line("messages", i, "status"), "known-code", f"messages[{i}].status",
                              f"enhanced code {status} has a subject the registry does not know",
                              "enhanced codes have subjects 0 to 7 (RFC 3463): correct the code")
            elif status and "X." + status[2:] not in enhanced and status not in shown:
                yield Problem(f.rel, f.line("messages", i, "status"), "known-code", f"messages[{i}].status",
                              f"enhanced code {status} is not in the registry (no codes/enhanced/X.{status[2:]}.yaml) "
                              "and no example shows it",
                              "correct the code as the program writes it, or show it in an example")
            if code and status and code[0] != status[0] and not re.search(rf"\b{code}[ -]{re.escape(status)}\b", shown):
                yield Problem(f.rel, f.line("messages", i, "status"), "known-code", f"messages[{i}].status",
                              f"reply {code} and status {status} disagree on the class and no example shows them together",
                              "check the program's source: a reply and its enhanced code usually start with the same "
                              "digit; if the program writes them so, show it in an example")


@rule("references", blocking=False)
def references(ctx: Context) -> Iterator[Problem]:
    for kind in ("reply", "enhanced"):
        for f in ctx.of(kind):
            seen: set[tuple[int, str]] = set()
            for i, ref in _dicts(f.data.get("references")):
                rfc, section = ref.get("rfc"), ref.get("section", "")
                if not isinstance(rfc, int) or not isinstance(section, str):
                    continue
                key = (rfc, section)
                if key in seen:
                    yield Problem(f.rel, f.line("references", i), "references", f"references[{i}]",
                                  f"RFC {key[0]} {key[1]} is listed twice", "remove the repeated reference")
                seen.add(key)


# -- key order ------------------------------------------------------------------------------------


def schema_node(codes: Path, node: dict[str, Any]) -> dict[str, Any]:
    """``node`` of a schema with its ``$ref`` (if any) followed and merged in."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        name, _, pointer = ref.partition("#")
        target: Any = load_schema(codes, name)
        for part in pointer.strip("/").split("/"):
            if part:
                target = target[part]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _order_problems(codes: Path, f: SourceFile, node: dict[str, Any], data: Any,
                    path: list[str | int]) -> Iterator[Problem]:
    node = schema_node(codes, node)
    if isinstance(data, dict):
        props = list(node.get("properties", {}))
        have = f.key_order(*path)
        want = [k for k in props if k in have]
        if [k for k in have if k in props] != want:
            yield Problem(f.rel, f.line(*path) if path else 1, "key-order", _path_text(path) or "(top)",
                          f"fields are out of order: {', '.join(have)}",
                          f"order them {', '.join(want)} — or run `bouncecodes lint --fix`")
        for k in data:
            yield from _order_problems(codes, f, node.get("properties", {}).get(k, {}), data[k], [*path, k])
    elif isinstance(data, list):
        for i, x in enumerate(data):
            yield from _order_problems(codes, f, node.get("items", {}), x, [*path, i])


@rule("key-order", blocking=False)
def key_order(ctx: Context) -> Iterator[Problem]:
    for kind, files in ctx.files.items():
        for f in files:
            yield from _order_problems(ctx.codes, f, load_schema(ctx.codes, KINDS[kind]), f.data, [])


# -- patterns ---------------------------------------------------------------------------------------

_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def _walk(parsed: Any, inside_repeat: bool) -> str:
    """'' when linear-time; else why not."""
    for op, arg in parsed:
        name = str(op)
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            return "it uses a backreference"
        if name in _REPEATS:
            _low, high, sub = arg
            repeats = high is sre_parse.MAXREPEAT or high > 1
            if repeats and inside_repeat:
                return "it repeats something that itself repeats (a nested quantifier)"
            why = _walk(sub, inside_repeat or repeats)
            if why:
                return why
        elif name == "SUBPATTERN":
            why = _walk(arg[-1], inside_repeat)
            if why:
                return why
        elif name == "BRANCH":
            for branch in arg[1]:
                why = _walk(branch, inside_repeat)
                if why:
                    return why
        elif name in ("ASSERT", "ASSERT_NOT"):
            why = _walk(arg[1], inside_repeat)
            if why:
                return why
    return ""


def _plain(c: str) -> bool:
    """Whether a case-insensitive match of ``c`` is exactly what ``str.lower()`` finds: ASCII, a
    character without case (CJK, kana, digits), or Cyrillic (one lower case form per letter)."""
    return c < "\x80" or c.lower() == c.upper() or "\u0400" <= c <= "\u045f"


@cache
def required_literal(pattern: str) -> str:
    """The longest lower-case text that every match of ``pattern`` (case-insensitive) contains, of
    characters whose case :func:`_plain` allows; '' when there is none. The runtime skips a pattern
    whose literal is not in the lower-cased text."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return ""
    best, run = "", []
    for op, arg in parsed:
        if str(op) == "LITERAL" and _plain(chr(arg)):
            run.append(chr(arg).lower())
            continue
        if len("".join(run)) > len(best):
            best = "".join(run)
        run = []
        if str(op) in _REPEATS and arg[0] == 0:
            continue
    if len("".join(run)) > len(best):
        best = "".join(run)
    return best


def log_literals(pattern: str) -> list[str]:
    """The texts, case as written, that every match of ``pattern`` holds (groups that must match are
    looked into), longest first, each once; the runtime tries a log format only on a line that holds
    them all, and groups formats by the first."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return []
    runs: list[str] = []
    run: list[str] = []

    def walk(items: Any) -> None:
        nonlocal run
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                run.append(chr(arg))
            elif name == "SUBPATTERN":
                walk(arg[-1])
            elif name in ("AT", "ASSERT", "ASSERT_NOT"):
                continue  # zero-width: what is on either side stays together
            else:
                if run:
                    runs.append("".join(run))
                run = []

    walk(parsed)
    if run:
        runs.append("".join(run))
    return sorted(dict.fromkeys(runs), key=len, reverse=True)


def log_literal(pattern: str) -> str:
    """The longest of :func:`log_literals` ('' when there is none)."""
    found = log_literals(pattern)
    return found[0] if found else ""


@cache
def pattern_problem(pattern: str) -> str:
    """'' when ``pattern`` compiles and is linear-time; else what is wrong."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"it is not a valid regular expression ({exc})"
    return _walk(parsed, False)


def _patterns(ctx: Context) -> Iterator[tuple[SourceFile, list[str | int], str]]:
    for f in ctx.of("phrases"):
        for i, r in _dicts(f.data.get("rules")):
            for j, p in _strs(r.get("match")):
                yield f, ["rules", i, "match", j], p
    for f in ctx.of("provider"):
        for j, p in _strs(_map(f.data, "recognise").get("tokens")):
            yield f, ["recognise", "tokens", j], p
        for i, r in _dicts(f.data.get("rules")):
            for j, p in _strs(r.get("match")):
                yield f, ["rules", i, "match", j], p
    for f in ctx.of("software"):
        for j, p in _strs(_map(f.data, "recognise").get("tokens")):
            yield f, ["recognise", "tokens", j], p
        for i, m in _dicts(f.data.get("messages")):
            for j, p in _strs(m.get("match")):
                yield f, ["messages", i, "match", j], p
    for f in ctx.of("logs"):
        for i, x in _dicts(f.data.get("formats")):
            for key in ("pattern", "tag"):
                if _str(x, key):
                    yield f, ["formats", i, key], x[key]
            if x.get("layout") == "line":
                for name, value in _map(x, "fields").items():
                    if isinstance(value, str):
                        yield f, ["formats", i, "fields", name], value


@rule("linear-pattern")
def linear_pattern(ctx: Context) -> Iterator[Problem]:
    for f, path, pattern in _patterns(ctx):
        why = pattern_problem(pattern)
        if why:
            yield Problem(f.rel, f.line(*path), "linear-pattern", _path_text(path), f"pattern {pattern!r}: {why}",
                          "use a bounded repeat such as [^.]{0,40} instead of a repeated group, and no backreferences; "
                          "escape regex characters like . ( [ with a backslash")


#: The fixed text a program's message pattern must keep, in UTF-8 bytes (see specific_pattern).
MIN_FIXED_TEXT = 12


@rule("specific-pattern")
def specific_pattern(ctx: Context) -> Iterator[Problem]:
    """A program's message is tried ahead of every phrase rule, so its pattern must hold enough fixed
    text to find that program's wording and nothing else: at least MIN_FIXED_TEXT bytes of UTF-8 (see
    :func:`fixed_text`).

    Twelve is the shortest complete message programs write ("User unknown", "Host unknown": two
    words); anything shorter is one word or a fragment ("denied", "quota", "#5.1.1") that many
    programs' texts hold. Bytes rather than characters, so a CJK character, which is a word or a
    morpheme, counts as three letters: "宛先不明" passes, "不明" does not."""
    for f in ctx.of("software"):
        for i, m in _dicts(f.data.get("messages")):
            for j, p in _strs(m.get("match")):
                if pattern_problem(p):
                    continue  # linear-pattern reports it
                fixed = fixed_text(p)
                if fixed < MIN_FIXED_TEXT:
                    yield Problem(f.rel, f.line("messages", i, "match", j), "specific-pattern",
                                  f"messages[{i}].match[{j}]",
                                  f"pattern {p!r} holds only {fixed} bytes of fixed text that every match must "
                                  f"contain (at least {MIN_FIXED_TEXT} are needed)",
                                  "write more of the program's fixed wording into the pattern, and keep variable "
                                  "parts short: [^ ]{1,64} for an address")


def fixed_text(pattern: str) -> int:
    """The least number of UTF-8 bytes of fixed text that every match of ``pattern`` holds: its
    literal characters, a class of at most three characters (``[ _]``) as one character, the
    shortest of alternatives, a repeat as its least count; 0 for a pattern that does not parse."""
    try:
        return _fixed(sre_parse.parse(pattern, re.IGNORECASE))
    except re.error:
        return 0


def _fixed(parsed: Any) -> int:
    total = 0
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            total += len(chr(arg).encode())
        elif name == "IN":
            chars = [a for o, a in arg if str(o) == "LITERAL"]
            if chars and len(chars) == len(arg) and len(chars) <= 3:
                total += min(len(chr(c).encode()) for c in chars)
        elif name == "SUBPATTERN":
            total += _fixed(arg[-1])
        elif name == "BRANCH":
            total += min(_fixed(b) for b in arg[1])
        elif name in _REPEATS:
            total += arg[0] * _fixed(arg[2])
    return total


@rule("source-tag")
def source_tag(ctx: Context) -> Iterator[Problem]:
    """Links into a program's repository point at the release that was read."""
    for f in ctx.of("software"):
        repo = _str(f.data, "repository").rstrip("/")
        release = _str(f.data, "release")
        if not repo:
            continue
        places: list[tuple[list[str | int], str]] = [
            (["messages", i, "source"], _str(m, "source")) for i, m in _dicts(f.data.get("messages"))]
        places += [(["notices", i, "source"], _str(n, "source")) for i, n in _dicts(f.data.get("notices"))]
        for path, url in places:
            if not url.startswith(repo + "/"):
                continue
            rest = url[len(repo) + 1:].removeprefix("-/")  # GitLab writes /-/blob/<tag>/
            kind, _, tail = rest.partition("/")
            if not release:
                yield Problem(f.rel, f.line("release"), "source-tag", "release",
                              "sources point into the repository but the file names no release",
                              f"add release: the tag whose source was read (the one in {url})")
                return
            if kind not in ("blob", "tree", "raw") or not (tail == release or tail.startswith(release + "/")):
                yield Problem(f.rel, f.line(*path), "source-tag", _path_text(path),
                              f"source {url} is not at the release tag {release}",
                              f"link the file at the tag that was read: {repo}/blob/{release}/<path>#L<line>")


#: Where another bounce parser keeps its code, tables and test messages. The registry learns from the
#: writers of bounces (the programs' sources, the providers' documentation, the RFCs), never from
#: another parser's reading of them: a source here is refused.
BOUNCE_PARSER_SOURCES = ("https://github.com/sisimai/", "https://metacpan.org/pod/Sisimai", "https://libsisimai.org")


def _sources(data: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    """Every ``source`` string in a file's data, with its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "source" and isinstance(value, str):
                yield [*path, key], value
            else:
                yield from _sources(value, [*path, key])
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _sources(value, [*path, i])


@rule("own-source", blocking=False)
def own_source(ctx: Context) -> Iterator[Problem]:
    """No entry cites another bounce parser: a fact comes from the program or provider that writes it."""
    for group in ctx.files.values():
        for f in group:
            for path, url in _sources(f.data, []):
                if url.startswith(BOUNCE_PARSER_SOURCES):
                    yield Problem(f.rel, f.line(*path), "own-source", _path_text(path),
                                  f"source {url} is another bounce parser's, not the writer's",
                                  "cite the program's source at its release tag, the provider's own documentation "
                                  "or the RFC; if none says it, leave the entry out")


# -- providers -------------------------------------------------------------------------------------


@rule("provider-hosts", blocking=False)
def provider_hosts(ctx: Context) -> Iterator[Problem]:
    owners: list[tuple[str, SourceFile, int]] = []
    for f in ctx.of("provider"):
        recognise = _map(f.data, "recognise")
        for i, host in _strs(recognise.get("hosts")):
            for other, g, j in owners:
                if host == other or host.endswith("." + other) or other.endswith("." + host):
                    yield Problem(f.rel, f.line("recognise", "hosts", i), "provider-hosts", f"recognise.hosts[{i}]",
                                  f"host suffix '{host}' overlaps '{other}' of {g.rel}:{g.line('recognise', 'hosts', j)}",
                                  "a host must belong to one provider: drop one of the two, or use a longer suffix")
            owners.append((host, f, i))
        if "recognise" in f.data and not recognise.get("hosts") and not recognise.get("tokens"):
            yield Problem(f.rel, f.line("recognise"), "provider-hosts", "recognise",
                          "the provider cannot be recognised: no hosts and no tokens",
                          "add the MX host suffixes (hosts) or a token only this provider sends (tokens)")


@rule("provider-rule", blocking=False)
def provider_rule(ctx: Context) -> Iterator[Problem]:
    for f in ctx.of("provider"):
        for i, r in _dicts(f.data.get("rules")):
            if not any(k in r for k in ("reply", "status", "match")):
                name = f"rule '{r['id']}'" if _str(r, "id") else "this rule"
                yield Problem(f.rel, f.line("rules", i), "provider-rule", f"rules[{i}]",
                              f"{name} has no condition, so it would match every reply from this provider",
                              "add at least one of reply, status or match")
            if _str(r, "reply") and _str(r, "status") and r["reply"][0] != r["status"][0]:
                yield Problem(f.rel, f.line("rules", i, "status"), "provider-rule", f"rules[{i}].status",
                              f"reply {r['reply']} and status {r['status']} disagree on the class",
                              "check the provider's documentation; usually both start with the same digit")


# -- log formats -----------------------------------------------------------------------------------

#: A line format must hold fixed text at least this long: lines without it are never tried.
MIN_LOG_LITERAL = 4


@rule("log-program")
def log_program(ctx: Context) -> Iterator[Problem]:
    """A program's name is written in one place: its catalogue (codes/software/<id>.yaml) when it has
    one, else its log file."""
    software = {_str(f.data, "id"): f for f in ctx.of("software") if _str(f.data, "id")}
    for f in ctx.of("logs"):
        program = _str(f.data, "id")
        if not program:
            continue  # the schema rule says what is wrong with the id
        catalogue = software.get(program)
        if catalogue is None and "name" not in f.data:
            yield Problem(f.rel, f.line("id"), "log-program", "name",
                          f"no codes/software/{program}.yaml holds this program's name",
                          "add name: (the program's name as its authors write it), or add its catalogue to codes/software/")
        elif catalogue is not None and "name" in f.data:
            yield Problem(f.rel, f.line("name"), "log-program", "name",
                          f"{catalogue.rel} names this program ({_str(catalogue.data, 'name')!r}); a second name "
                          "here is a second place for one fact",
                          "remove name: here; the name is read from the catalogue")


def _log_names(x: dict[str, Any]) -> tuple[set[str], str]:
    """The vocabulary names a format can give (pattern groups and fields), and a problem ('' if none)."""
    names = set(_map(x, "fields"))
    pattern = _str(x, "pattern")
    if pattern:
        try:
            names |= set(re.compile(pattern).groupindex)
        except re.error as exc:
            return names, f"its pattern is not a valid regular expression ({exc})"
    return names, ""


def _format_problem(f: SourceFile, i: int, fid: str) -> Callable[[str, str, str], Problem]:
    def problem(key: str, message: str, hint: str) -> Problem:
        return Problem(f.rel, f.line("formats", i, key), "log-format", _path_text(["formats", i, key]),
                       f"format '{fid}': {message}", hint)

    return problem


#: what each layout reads, and what it needs (a key of another layout has no meaning in it)
_LAYOUT_KEYS = {"line": {"pattern", "tag", "fields"}, "csv": {"header", "header_prefix", "fields"},
                "json": {"match", "fields", "pattern", "pattern_key"}}
_LAYOUT_NEEDS = {"line": ["pattern"], "csv": ["header", "fields"], "json": ["match"]}


@rule("log-format")
def log_format(ctx: Context) -> Iterator[Problem]:
    """What the schema cannot say about a format: that its keys suit its layout, its groups come from
    the vocabulary, its fields read one thing each, and its state, action, command and key agree.
    Only values of the right type are looked at; the schema rule reports the others."""
    from ..model import LOG_FIELDS

    for f in ctx.of("logs"):
        for i, x in _dicts(f.data.get("formats")):
            problem = _format_problem(f, i, _str(x, "id") or f"formats[{i}]")
            layout = _str(x, "layout")
            if layout not in _LAYOUT_KEYS:
                continue  # the schema rule says what the layouts are
            names, why = _log_names(x)
            if why:
                yield problem("pattern", why, "correct the pattern; try it with python -c 'import re; re.compile(...)'")
                continue
            allowed = _LAYOUT_KEYS[layout]
            for key in ("pattern", "tag", "header", "header_prefix", "match", "pattern_key"):
                if key in x and key not in allowed:
                    yield problem(key, f"'{key}' has no meaning in the {layout} layout",
                                  f"remove it; the {layout} layout reads {', '.join(sorted(allowed))}")
            for key in _LAYOUT_NEEDS[layout]:
                if key not in x:
                    yield problem("layout", f"the {layout} layout needs '{key}'", f"add {key}: (see codes/schema/logs.schema.json)")
            if layout == "json" and "pattern" in x and "pattern_key" not in x:
                yield problem("pattern", "a JSON format's pattern needs pattern_key (the key it is matched against)",
                              "add pattern_key: message")
            pattern = _str(x, "pattern")
            if pattern:
                unknown = sorted(n for n in re.compile(pattern).groupindex if n not in LOG_FIELDS)
                if unknown:
                    yield problem("pattern", f"group name(s) {', '.join(unknown)} are not in the vocabulary",
                                  f"name groups from: {', '.join(LOG_FIELDS)}; use (?:...) for the rest")
            fields = _map(x, "fields")
            if layout == "line":
                literal = log_literal(pattern)
                if pattern and len(literal) < MIN_LOG_LITERAL:
                    yield problem("pattern", f"its pattern holds no fixed text of {MIN_LOG_LITERAL} characters or more "
                                  f"(longest: {literal!r}), so every line would be tried with it",
                                  "write the program's fixed words as plain text (', status=', ' mta delivery ')")
                for name, value in fields.items():
                    if not isinstance(value, str):
                        yield problem("fields", f"field '{name}' of a line format must be one pattern",
                                      "write one pattern with one group")
                        continue
                    try:
                        groups = re.compile(value).groups
                    except re.error as exc:
                        yield problem("fields", f"field '{name}': not a valid regular expression ({exc})", "correct it")
                        continue
                    if groups != 1:
                        yield problem("fields", f"field '{name}' has {groups} groups", "give it exactly one group: what to read")
            if layout == "csv":
                for name, value in fields.items():
                    if not isinstance(value, str):
                        yield problem("fields", f"field '{name}' of a CSV format must be one column name",
                                      "write the column's name as in the header line")
            has_state = "state" in names
            if has_state and not ("states" in x or "otherwise" in x):
                yield problem("states", "it reads a state but says nothing about what the state words mean",
                              "add states: {word: failed|delayed|delivered|expired|discarded|held|none}")
            if not has_state and ("states" in x or "otherwise" in x):
                yield problem("states", "it has states but reads no state field",
                              "name a pattern group or field state, or use action: for a format with one outcome")
            if has_state and "action" in x:
                yield problem("action", "it has both a state field and a fixed action", "keep one of them")
            if not has_state and "action" not in x and not x.get("context"):
                yield problem("action", "it says nothing about what its lines mean",
                              "add action: failed (or delayed, delivered …), or read a state field")
            if "commands" in x and "command" not in names:
                yield problem("commands", "it has commands but reads no command field",
                              "name a pattern group or field command")
            if "categories" in x and "category" not in names:
                yield problem("categories", "it has categories but reads no category field",
                              "name a pattern group or field category (PowerMTA's column bounceCat)")
            key = _str(x, "key")
            if key and key not in names:
                yield problem("key", f"its key '{key}' is a field it does not read",
                              "name a pattern group or field after the key")
            if x.get("context") and "key" not in x:
                yield problem("context", "a context format needs a key to keep its fields under",
                              "add key: queue_id (or delivery)")
            if x.get("once") and ("key" not in x or x.get("context")):
                yield problem("once", "once applies to a format that uses contexts by its key",
                              "remove once:, or give the format a key")


# -- running -----------------------------------------------------------------------------------------


def lint_sources(codes: Path, sources: list[SourceFile], only: list[str] | None = None) -> tuple[list[Problem], Context]:
    """Run every rule over ``sources``; return the problems of all of them (or of those named in
    ``only``, and schema's) and the context. Every rule runs whatever ``only`` says: the rules that
    compile the registry must know which files the others found unfit."""
    ctx = Context(codes, sources)
    for fn in RULES.values():
        ctx.found.extend(fn(ctx))
    problems = [p for p in ctx.found if only is None or p.rule in only or p.rule == "schema"]
    # by file and line; a note about a whole file (no field) after that file's own problems
    return sorted(set(problems), key=lambda p: (p.file, p.rule == "examples" and not p.field, p)), ctx


def lint_codes(codes: Path, only: list[str] | None = None) -> list[Problem]:
    """Every problem in the registry at ``codes``."""
    return lint_sources(codes, load_sources(codes), only)[0]


from . import examples as _examples  # noqa: E402,F401  (registers the "examples" rule, which needs the compiler)
from . import overlaps as _overlaps  # noqa: E402,F401  (registers the "overlaps" rule, which needs the classifier)
