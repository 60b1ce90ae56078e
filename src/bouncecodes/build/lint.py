"""Named lint rules over the registry's YAML files.

Each rule is a function that yields :class:`Problem` s; ``RULES`` lists them in the order they
run. A problem names the file, the line, the field, what is wrong and how to fix it. Rules after
``schema`` only look at files whose shape is valid.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry as SchemaRegistry
from referencing import Resource

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
    """What the rules see: every source file, and the valid ones grouped by kind."""

    codes: Path
    sources: list[SourceFile]
    valid: dict[str, list[SourceFile]] = field(default_factory=dict)

    def of(self, kind: str) -> list[SourceFile]:
        return self.valid.get(kind, [])

    def reason_ids(self) -> list[str]:
        return [r["id"] for f in self.of("reasons") for r in f.data["reasons"]]


Rule = Callable[[Context], Iterator[Problem]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


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
        validator = validators.setdefault(f.kind, _validator(ctx.codes, f.kind))
        errors = sorted(validator.iter_errors(f.data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        if f.data is None or not isinstance(f.data, dict):
            yield Problem(f.rel, 1, "schema", "", "the file is empty or not a mapping of fields",
                          "start from a file of the same folder and change its values")
            continue
        for error in errors:
            yield _schema_problem(f, error)
        if not errors:
            ctx.valid.setdefault(f.kind, []).append(f)


# -- identity ---------------------------------------------------------------------------------


@rule("file-name")
def file_name(ctx: Context) -> Iterator[Problem]:
    for kind, key in (("reply", "code"), ("enhanced", "code"), ("phrases", "reason"), ("provider", "id"), ("logs", "id")):
        for f in ctx.of(kind):
            value = str(f.data[key])
            if value != f.stem:
                yield Problem(f.rel, f.line(key), "file-name", key,
                              f"the file is named '{f.stem}.yaml' but its {key} is '{value}'",
                              f"rename the file to '{value}.yaml' or set {key}: {f.stem!r}")


@rule("unique-ids")
def unique_ids(ctx: Context) -> Iterator[Problem]:
    for f in ctx.of("reasons"):
        seen: dict[str, int] = {}
        for i, r in enumerate(f.data["reasons"]):
            if r["id"] in seen:
                yield Problem(f.rel, f.line("reasons", i, "id"), "unique-ids", f"reasons[{i}].id",
                              f"reason id '{r['id']}' is already used at line {seen[r['id']]}",
                              "give each reason its own id, or merge the two entries")
            seen.setdefault(r["id"], f.line("reasons", i, "id"))
    for kind in ("phrases", "provider"):
        for f in ctx.of(kind):
            seen = {}
            for i, r in enumerate(f.data["rules"]):
                if r["id"] in seen:
                    yield Problem(f.rel, f.line("rules", i, "id"), "unique-ids", f"rules[{i}].id",
                                  f"rule id '{r['id']}' is already used at line {seen[r['id']]} of this file",
                                  "rule ids must be unique within a file: choose another slug")
                seen.setdefault(r["id"], f.line("rules", i, "id"))
    for f in ctx.of("logs"):
        seen = {}
        for i, x in enumerate(f.data["formats"]):
            if x["id"] in seen:
                yield Problem(f.rel, f.line("formats", i, "id"), "unique-ids", f"formats[{i}].id",
                              f"format id '{x['id']}' is already used at line {seen[x['id']]} of this file",
                              "format ids must be unique within a file: choose another slug")
            seen.setdefault(x["id"], f.line("formats", i, "id"))


# -- references between entries -----------------------------------------------------------------


def _reason_uses(ctx: Context) -> Iterator[tuple[SourceFile, list[str | int], str]]:
    for kind in ("reply", "enhanced", "phrases"):
        for f in ctx.of(kind):
            if "reason" in f.data:
                yield f, ["reason"], f.data["reason"]
    for f in ctx.of("provider"):
        for i, r in enumerate(f.data["rules"]):
            yield f, ["rules", i, "reason"], r["reason"]
    for f in ctx.of("phrases"):
        for i, r in enumerate(f.data["rules"]):
            if "at_mail" in r:
                yield f, ["rules", i, "at_mail"], r["at_mail"]
    for f in ctx.of("enhanced"):
        for i, value in enumerate(f.data.get("yields_to", ())):
            yield f, ["yields_to", i], value
    for f in ctx.of("reasons"):
        for i, r in enumerate(f.data["reasons"]):
            for key in ("after_data", "at_mail", "at_connect", "when_delayed", "given_up"):
                if key in r:
                    yield f, ["reasons", i, key], r[key]


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
    enhanced = {f.data["code"] for f in ctx.of("enhanced")}
    reply = {f.data["code"] for f in ctx.of("reply")}
    if not enhanced or not reply:
        return
    for f in ctx.of("reply"):
        for i, code in enumerate(f.data.get("enhanced", [])):
            generic = "X." + code.split(".", 1)[1]
            if generic not in enhanced:
                yield Problem(f.rel, f.line("enhanced", i), "known-code", f"enhanced[{i}]",
                              f"enhanced code {code} is not in the registry (no codes/enhanced/{generic}.yaml)",
                              "list only registered enhanced codes here, or add the code's file first")
            elif code[0] != f.data["code"][0]:
                yield Problem(f.rel, f.line("enhanced", i), "known-code", f"enhanced[{i}]",
                              f"enhanced code {code} has class {code[0]} but this reply code has class {f.data['code'][0]}",
                              f"write it as {f.data['code'][0]}.{code.split('.', 1)[1]}")
    for f in ctx.of("enhanced"):
        for i, code in enumerate(f.data.get("basic", [])):
            if code[1:] != "XX" and code not in reply:
                yield Problem(f.rel, f.line("basic", i), "known-code", f"basic[{i}]",
                              f"reply code {code} has no file codes/reply/{code}.yaml",
                              "add the reply code's file, or correct the number")


@rule("references")
def references(ctx: Context) -> Iterator[Problem]:
    for kind in ("reply", "enhanced"):
        for f in ctx.of(kind):
            seen: set[tuple[int, str]] = set()
            for i, ref in enumerate(f.data["references"]):
                key = (ref["rfc"], ref.get("section", ""))
                if key in seen:
                    yield Problem(f.rel, f.line("references", i), "references", f"references[{i}]",
                                  f"RFC {key[0]} {key[1]} is listed twice", "remove the repeated reference")
                seen.add(key)


# -- key order ------------------------------------------------------------------------------------


def _resolve(codes: Path, node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        name, _, pointer = ref.partition("#")
        target: Any = load_schema(codes, name)
        for part in pointer.strip("/").split("/"):
            if part:
                target = target[part]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def canonical_order(codes: Path, schema_node: dict[str, Any], data: Any) -> Any:
    """``data`` with every mapping's keys in the schema's property order (unknown keys last)."""
    schema_node = _resolve(codes, schema_node)
    if isinstance(data, dict):
        props = schema_node.get("properties", {})
        ordered = [k for k in props if k in data] + [k for k in data if k not in props]
        return {k: canonical_order(codes, props.get(k, {}), data[k]) for k in ordered}
    if isinstance(data, list):
        return [canonical_order(codes, schema_node.get("items", {}), x) for x in data]
    return data


def _order_problems(codes: Path, f: SourceFile, schema_node: dict[str, Any], data: Any,
                    path: list[str | int]) -> Iterator[Problem]:
    schema_node = _resolve(codes, schema_node)
    if isinstance(data, dict):
        props = list(schema_node.get("properties", {}))
        have = f.key_order(*path)
        want = [k for k in props if k in have]
        if [k for k in have if k in props] != want:
            yield Problem(f.rel, f.line(*path) if path else 1, "key-order", _path_text(path) or "(top)",
                          f"fields are out of order: {', '.join(have)}",
                          f"order them {', '.join(want)} — or run `bouncecodes lint --fix`")
        for k in data:
            yield from _order_problems(codes, f, schema_node.get("properties", {}).get(k, {}), data[k], [*path, k])
    elif isinstance(data, list):
        for i, x in enumerate(data):
            yield from _order_problems(codes, f, schema_node.get("items", {}), x, [*path, i])


@rule("key-order")
def key_order(ctx: Context) -> Iterator[Problem]:
    for kind, files in ctx.valid.items():
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


def pattern_problem(pattern: str) -> str:
    """'' when ``pattern`` compiles and is linear-time; else what is wrong."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"it is not a valid regular expression ({exc})"
    return _walk(parsed, False)


def _patterns(ctx: Context) -> Iterator[tuple[SourceFile, list[str | int], str]]:
    for f in ctx.of("phrases"):
        for i, r in enumerate(f.data["rules"]):
            for j, p in enumerate(r["match"]):
                yield f, ["rules", i, "match", j], p
    for f in ctx.of("provider"):
        for j, p in enumerate(f.data["recognise"].get("tokens", [])):
            yield f, ["recognise", "tokens", j], p
        for i, r in enumerate(f.data["rules"]):
            for j, p in enumerate(r.get("match", [])):
                yield f, ["rules", i, "match", j], p
    for f in ctx.of("logs"):
        for i, x in enumerate(f.data["formats"]):
            for key in ("pattern", "tag"):
                if key in x:
                    yield f, ["formats", i, key], x[key]
            if x["layout"] == "line":
                for name, value in x.get("fields", {}).items():
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


# -- providers -------------------------------------------------------------------------------------


@rule("provider-hosts")
def provider_hosts(ctx: Context) -> Iterator[Problem]:
    owners: list[tuple[str, SourceFile, int]] = []
    for f in ctx.of("provider"):
        for i, host in enumerate(f.data["recognise"].get("hosts", [])):
            for other, g, j in owners:
                if host == other or host.endswith("." + other) or other.endswith("." + host):
                    yield Problem(f.rel, f.line("recognise", "hosts", i), "provider-hosts", f"recognise.hosts[{i}]",
                                  f"host suffix '{host}' overlaps '{other}' of {g.rel}:{g.line('recognise', 'hosts', j)}",
                                  "a host must belong to one provider: drop one of the two, or use a longer suffix")
            owners.append((host, f, i))
        recognise = f.data["recognise"]
        if not recognise.get("hosts") and not recognise.get("tokens"):
            yield Problem(f.rel, f.line("recognise"), "provider-hosts", "recognise",
                          "the provider cannot be recognised: no hosts and no tokens",
                          "add the MX host suffixes (hosts) or a token only this provider sends (tokens)")


@rule("provider-rule")
def provider_rule(ctx: Context) -> Iterator[Problem]:
    for f in ctx.of("provider"):
        for i, r in enumerate(f.data["rules"]):
            if not any(k in r for k in ("reply", "status", "match")):
                yield Problem(f.rel, f.line("rules", i), "provider-rule", f"rules[{i}]",
                              f"rule '{r['id']}' has no condition, so it would match every reply from this provider",
                              "add at least one of reply, status or match")
            if "reply" in r and "status" in r and r["reply"][0] != r["status"][0]:
                yield Problem(f.rel, f.line("rules", i, "status"), "provider-rule", f"rules[{i}].status",
                              f"reply {r['reply']} and status {r['status']} disagree on the class",
                              "check the provider's documentation; usually both start with the same digit")


# -- log formats -----------------------------------------------------------------------------------

#: A line format must hold fixed text at least this long: lines without it are never tried.
MIN_LOG_LITERAL = 4


@rule("log-program")
def log_program(ctx: Context) -> Iterator[Problem]:
    software = {f.data["id"]: f for f in ctx.of("software")}
    for f in ctx.of("logs"):
        catalogue = software.get(f.data["id"])
        if catalogue is None and "name" not in f.data:
            yield Problem(f.rel, f.line("id"), "log-program", "name",
                          f"no codes/software/{f.data['id']}.yaml holds this program's name",
                          "add name: (the program's name as its authors write it), or add its catalogue to codes/software/")
        elif catalogue is not None and "name" in f.data and f.data["name"] != catalogue.data["name"]:
            yield Problem(f.rel, f.line("name"), "log-program", "name",
                          f"the name {f.data['name']!r} differs from {catalogue.data['name']!r} in {catalogue.rel}",
                          "remove name: here; the name is read from the catalogue")


def _log_names(x: dict[str, Any]) -> tuple[set[str], str]:
    """The vocabulary names a format can give (pattern groups and fields), and a problem ('' if none)."""
    names = set(x.get("fields", {}))
    if "pattern" in x:
        try:
            names |= set(re.compile(x["pattern"]).groupindex)
        except re.error as exc:
            return names, f"its pattern is not a valid regular expression ({exc})"
    return names, ""


def _format_problem(f: SourceFile, i: int, fid: str) -> Callable[[str, str, str], Problem]:
    def problem(key: str, message: str, hint: str) -> Problem:
        return Problem(f.rel, f.line("formats", i, key), "log-format", _path_text(["formats", i, key]),
                       f"format '{fid}': {message}", hint)

    return problem


@rule("log-format")
def log_format(ctx: Context) -> Iterator[Problem]:
    from ..model import LOG_FIELDS

    for f in ctx.of("logs"):
        for i, x in enumerate(f.data["formats"]):
            problem = _format_problem(f, i, x["id"])
            names, why = _log_names(x)
            if why:
                yield problem("pattern", why, "correct the pattern; try it with python -c 'import re; re.compile(...)'")
                continue
            layout = x["layout"]
            allowed = {"line": {"pattern", "tag", "fields"}, "csv": {"header", "header_prefix", "fields"},
                       "json": {"match", "fields", "pattern", "pattern_key"}}[layout]
            for key in ("pattern", "tag", "header", "header_prefix", "match", "pattern_key"):
                if key in x and key not in allowed:
                    yield problem(key, f"'{key}' has no meaning in the {layout} layout",
                                  f"remove it; the {layout} layout reads {', '.join(sorted(allowed))}")
            need = {"line": ["pattern"], "csv": ["header", "fields"], "json": ["match"]}[layout]
            for key in need:
                if key not in x:
                    yield problem("layout", f"the {layout} layout needs '{key}'", f"add {key}: (see codes/schema/logs.schema.json)")
            if layout == "json" and "pattern" in x and "pattern_key" not in x:
                yield problem("pattern", "a JSON format's pattern needs pattern_key (the key it is matched against)",
                              "add pattern_key: message")
            if "pattern" in x:
                unknown = sorted(n for n in re.compile(x["pattern"]).groupindex if n not in LOG_FIELDS)
                if unknown:
                    yield problem("pattern", f"group name(s) {', '.join(unknown)} are not in the vocabulary",
                                  f"name groups from: {', '.join(LOG_FIELDS)}; use (?:...) for the rest")
            if layout == "line":
                literal = log_literal(x.get("pattern", ""))
                if len(literal) < MIN_LOG_LITERAL:
                    yield problem("pattern", f"its pattern holds no fixed text of {MIN_LOG_LITERAL} characters or more "
                                  f"(longest: {literal!r}), so every line would be tried with it",
                                  "write the program's fixed words as plain text (', status=', ' mta delivery ')")
                for name, value in x.get("fields", {}).items():
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
                for name, value in x.get("fields", {}).items():
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
            if "key" in x and x["key"] not in names:
                yield problem("key", f"its key '{x['key']}' is a field it does not read",
                              "name a pattern group or field after the key")
            if x.get("context") and "key" not in x:
                yield problem("context", "a context format needs a key to keep its fields under",
                              "add key: queue_id (or delivery)")
            if x.get("once") and ("key" not in x or x.get("context")):
                yield problem("once", "once applies to a format that uses contexts by its key",
                              "remove once:, or give the format a key")


# -- running -----------------------------------------------------------------------------------------


def lint_sources(codes: Path, sources: list[SourceFile], only: list[str] | None = None) -> tuple[list[Problem], Context]:
    """Run the rules (all, or those named in ``only``; schema always runs) over ``sources``."""
    ctx = Context(codes, sources)
    problems: list[Problem] = []
    for name, fn in RULES.items():
        if only is None or name in only or name == "schema":
            problems.extend(fn(ctx))
    return sorted(set(problems)), ctx


def lint_codes(codes: Path, only: list[str] | None = None) -> list[Problem]:
    """Every problem in the registry at ``codes``."""
    return lint_sources(codes, load_sources(codes), only)[0]


from . import examples as _examples  # noqa: E402,F401  (registers the "examples" rule, which needs the compiler)
