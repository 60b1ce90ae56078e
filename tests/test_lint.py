"""Each lint rule: the real registry passes it, and a broken copy fails it with file:line, field and a fix."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bouncecodes.build.fix import fix_codes
from bouncecodes.build.lint import RULES, Problem, lint_codes, pattern_problem

from .conftest import CODES


@pytest.fixture()
def codes(tmp_path: Path) -> Path:
    target = tmp_path / "codes"
    shutil.copytree(CODES, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def only(problems: list[Problem], rule: str) -> list[Problem]:
    return [p for p in problems if p.rule == rule]


def test_real_registry_is_clean() -> None:
    assert [p.format() for p in lint_codes(CODES)] == []


def _provider_file(codes: Path) -> Path:
    return sorted((codes / "providers").glob("*.yaml"))[0]


def line_of(path: Path, needle: str) -> int:
    return [i for i, line in enumerate(path.read_text().split("\n"), 1) if needle in line][-1]


# (rule, how to break a copy, file, text on the reported line, words the message must contain, words of the fix)
BreakFn = Callable[[Path], None]
CASES: list[tuple[str, BreakFn, str, str, str, str]] = [
    ("yaml-syntax", lambda c: edit(c / "reply/421.yaml", "title:", "title: [unclosed"), "reply/421.yaml", "",
     "not valid YAML", "indentation"),
    ("file-place", lambda c: shutil.copy(c / "reply/421.yaml", c / "reply/421.yml"), "reply/421.yml", "",
     "not in a place", "ending .yaml"),
    ("schema", lambda c: edit(c / "reply/421.yaml", "title:", "colour: red\ntitle:"), "reply/421.yaml", "colour:",
     "unknown field 'colour'", "allowed here"),
    ("schema", lambda c: edit(c / "enhanced/X.1.1.yaml", "code: X.1.1", "code: X.1"), "enhanced/X.1.1.yaml",
     "code: X.1", "not in the expected format", "IANA notation"),
    ("file-name", lambda c: shutil.move(c / "reply/421.yaml", c / "reply/499.yaml"), "reply/499.yaml", "code:",
     "its code is '421'", "rename the file"),
    ("unique-ids", lambda c: edit(c / "phrases/mailboxfull.yaml", "- id: mailbox-full", "- id: over-quota"),
     "phrases/mailboxfull.yaml", "id: over-quota", "already used", "unique"),
    ("known-reason", lambda c: edit(c / "reply/552.yaml", "reason: mailboxfull", "reason: mailboxful"),
     "reply/552.yaml", "reason:", "unknown reason 'mailboxful'", "did you mean 'mailboxfull'"),
    ("known-code", lambda c: edit(c / "reply/550.yaml", '"5.1.1"', '"5.1.99"'), "reply/550.yaml", "5.1.99",
     "not in the registry", "add the code's file"),
    ("references", lambda c: edit(c / "enhanced/X.1.1.yaml", "references:\n", "references:\n  - rfc: 3463\n    section: \"3.2\"\n"),
     "enhanced/X.1.1.yaml", "rfc: 3463", "listed twice", "remove"),
    ("key-order", lambda c: edit(c / "enhanced/X.1.1.yaml", "code: X.1.1\n", "") or edit(
        c / "enhanced/X.1.1.yaml", "deprecated: false\n", "deprecated: false\ncode: X.1.1\n"),
     "enhanced/X.1.1.yaml", "", "out of order", "lint --fix"),
    ("linear-pattern", lambda c: edit(c / "phrases/mailboxfull.yaml", "match:\n", "match:\n      - '(a+)+b'\n"),
     "phrases/mailboxfull.yaml", "(a+)+b", "nested quantifier", "bounded repeat"),
]


@pytest.mark.parametrize("rule,breaker,rel,needle,words,fix", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_reports_broken_copy(codes: Path, rule: str, breaker: BreakFn, rel: str, needle: str, words: str,
                                  fix: str) -> None:
    assert not only(lint_codes(codes), rule), "the unbroken copy must pass"
    breaker(codes)
    found = only(lint_codes(codes), rule)
    assert found, f"{rule} did not fire"
    p = next((p for p in found if p.file == f"codes/{rel}"), found[0])
    assert p.file == f"codes/{rel}"
    if needle:
        assert p.line == line_of(codes / rel, needle), p.format()
    text = p.format()
    assert words in text and fix in text, text
    assert text.startswith(f"codes/{rel}:{p.line}:")


# the log format rules, each run alone (with the schema): (rule, how to break a copy, file, text on
# the reported line, words the message must contain, words of the fix)
LOG_CASES: list[tuple[str, BreakFn, str, str, str, str]] = [
    ("log-program", lambda c: (c / "logs/nosuch.yaml").write_text(
        (c / "logs/qmail.yaml").read_text().replace("id: qmail\nname: qmail\n", "id: nosuch\n")),
     "logs/nosuch.yaml", "id: nosuch", "no codes/software/nosuch.yaml", "add name:"),
    ("log-program", lambda c: edit(c / "logs/postfix.yaml", "id: postfix\n", "id: postfix\nname: Postfix MTA\n"),
     "logs/postfix.yaml", "name: Postfix MTA", "differs from 'Postfix'", "remove name:"),
    ("log-format", lambda c: edit(c / "logs/qmail.yaml", "    key: delivery\n    once: true\n",
                                  "    key: queue_id\n    once: true\n"),
     "logs/qmail.yaml", "key: queue_id", "is a field it does not read", "name a pattern group"),
    ("log-format", lambda c: edit(c / "logs/qmail.yaml", "(?P<state>success|failure|deferral)",
                                  "(?P<outcome>success|failure|deferral)"),
     "logs/qmail.yaml", "(?P<outcome>", "not in the vocabulary", "name groups from"),
    ("log-format", lambda c: edit(c / "logs/qmail.yaml", "delivery (?P<delivery>\\d{1,12}): (?P<state>",
                                  "(?P<delivery>\\d{1,12}): (?P<state>"),
     "logs/qmail.yaml", "(?P<delivery>\\d{1,12}): (?P<state>", "no fixed text of 4 characters", "plain text"),
    ("log-examples", lambda c: edit(c / "logs/postfix.yaml", "            queue_id: 1A2B3C4D5E", "            queue_id: 1A2B3C4D5F"),
     "logs/postfix.yaml", "status=expired, returned to sender'", "queue_id is '1A2B3C4D5E', not '1A2B3C4D5F'",
     "declared yields"),
    ("log-examples", lambda c: edit(c / "logs/sendmail.yaml", "  - id: ruleset\n", "  - id: ruleset-first\n"
                                    "    title: everything\n    layout: line\n    direction: inbound\n"
                                    "    pattern: '(?P<queue_id>[0-9A-Za-z]{6,20}|NOQUEUE): ruleset=[^\\n]{0,4000}$'\n"
                                    "    action: failed\n    source: https://example.org/\n    examples:\n"
                                    "      - log: 'NOQUEUE: ruleset=check_relay, arg1=x, reject=550 no'\n"
                                    "        yields:\n          - action: failed\n  - id: ruleset\n"),
     "logs/sendmail.yaml", "arg1=bot.example.net", "read by: sendmail/ruleset-first", "file order"),
    ("linear-pattern", lambda c: edit(c / "logs/qmail.yaml", "(?P<text>[^\\n]{0,4000})$'", "(?P<text>(?:\\S+ )*)$'"),
     "logs/qmail.yaml", "(?P<text>(?:\\S+ )*)$", "nested quantifier", "bounded repeat"),
]


@pytest.fixture()
def log_codes(tmp_path: Path) -> Path:
    """A copy of what the log rules read: the schemas, the reasons, the catalogues and the log formats."""
    target = tmp_path / "codes"
    shutil.copytree(CODES / "schema", target / "schema")
    shutil.copy(CODES / "reasons.yaml", target / "reasons.yaml")
    for folder in ("software", "logs"):
        shutil.copytree(CODES / folder, target / folder)
    return target


@pytest.mark.parametrize("rule,breaker,rel,needle,words,fix", LOG_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LOG_CASES)])
def test_log_rule_reports_broken_copy(log_codes: Path, rule: str, breaker: BreakFn, rel: str, needle: str, words: str,
                                      fix: str) -> None:
    codes = log_codes
    assert not only(lint_codes(codes, [rule]), rule), "the unbroken copy must pass"
    breaker(codes)
    found = only(lint_codes(codes, [rule]), rule)
    assert found, f"{rule} did not fire"
    p = next((p for p in found if p.file == f"codes/{rel}" and words in p.format()), found[0])
    assert p.file == f"codes/{rel}"
    assert p.line == line_of(codes / rel, needle), p.format()
    text = p.format()
    assert words in text and fix in text, text


def test_provider_rules(codes: Path) -> None:
    files = sorted((codes / "providers").glob("*.yaml"))
    if len(files) < 2:
        pytest.fail("the provider rules need at least two provider files to test")
    first, second = files[0], files[1]
    import yaml

    host = (yaml.safe_load(first.read_text())["recognise"].get("hosts") or ["x.example"])[0]
    data = yaml.safe_load(second.read_text())
    data["recognise"]["hosts"] = [*data["recognise"].get("hosts", []), "mx." + host]
    data["rules"][0].pop("reply", None)
    data["rules"][0].pop("status", None)
    data["rules"][0].pop("match", None)
    second.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = lint_codes(codes)
    hosts = only(problems, "provider-hosts")
    assert hosts and "overlaps" in hosts[0].message and hosts[0].file == f"codes/providers/{second.name}"
    rules = only(problems, "provider-rule")
    assert rules and "no condition" in rules[0].message


def test_missing_source(codes: Path) -> None:
    path = codes / "providers" / "google.yaml"
    text = path.read_text()
    start = text.index("    source:")
    end = text.index("\n", start) + 1
    path.write_text(text[:start] + text[end:])
    found = [p for p in lint_codes(codes) if p.rule == "schema" and p.file == "codes/providers/google.yaml"]
    assert found and "missing required field 'source'" in found[0].message
    assert "public page" in found[0].hint


def test_example_that_classifies_differently(codes: Path) -> None:
    import yaml

    path = codes / "phrases/mailboxfull.yaml"
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["examples"].append("550 5.1.1 no such user here")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    found = only(lint_codes(codes), "examples")
    assert found and found[0].file == "codes/phrases/mailboxfull.yaml"
    assert "is decided by" in found[0].message and "bouncecodes classify" in found[0].hint


def test_every_rule_has_a_case() -> None:
    tested = {c[0] for c in CASES + LOG_CASES} | {"provider-hosts", "provider-rule", "examples"}
    assert tested == set(RULES)


@pytest.mark.parametrize("pattern,bad", [("user unknown", False), ("[^.]{0,40}quota", False), ("(a|b)+", False),
                                         ("(a+)+", True), (r"(\w+\s?)*x", True), (r"(a)\1", True), ("(", True)])
def test_pattern_problem(pattern: str, bad: bool) -> None:
    assert bool(pattern_problem(pattern)) is bad


def test_fix_reorders_keys(codes: Path) -> None:
    path = codes / "enhanced/X.1.1.yaml"
    edit(path, "code: X.1.1\n", "")
    edit(path, "deprecated: false\n", "deprecated: false\ncode: X.1.1\n")
    assert only(lint_codes(codes), "key-order")
    assert "codes/enhanced/X.1.1.yaml" in fix_codes(codes)
    assert not lint_codes(codes)
    assert path.read_text().startswith("code: X.1.1\n")
    fix_codes(codes)  # normalise every file once
    assert fix_codes(codes) == []  # then it is stable
