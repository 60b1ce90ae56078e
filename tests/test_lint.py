"""Each lint rule: the real registry passes it, and a broken copy fails it with file:line, field and a fix."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bouncecodes.build.fix import fix_codes
from bouncecodes.build.lint import RULES, Problem, fixed_text, lint_codes, pattern_problem

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


@pytest.fixture(scope="session")
def clean_problems() -> list[Problem]:
    """What lint finds in the real registry, linted once per session: each rule's case below starts
    from an exact copy of it, so the unbroken copy passes a rule exactly when this list has none of
    that rule's problems."""
    return lint_codes(CODES)


def test_real_registry_is_clean(clean_problems: list[Problem]) -> None:
    assert [p.format() for p in clean_problems] == []


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
    # codes/software/<id>.yaml
    ("file-name", lambda c: shutil.move(c / "software/postfix.yaml", c / "software/postfix3.yaml"),
     "software/postfix3.yaml", "id: postfix", "its id is 'postfix'", "rename the file"),
    ("unique-ids", lambda c: edit(c / "software/postfix.yaml", "- id: relay-access-denied", "- id: message-size-limit"),
     "software/postfix.yaml", "id: message-size-limit", "message id 'message-size-limit' is already used", "unique"),
    ("known-reason", lambda c: edit(c / "software/postfix.yaml", "reason: norelaying", "reason: norelay"),
     "software/postfix.yaml", "reason: norelay", "unknown reason 'norelay'", "did you mean 'norelaying'"),
    ("known-reason", lambda c: edit(c / "reasons.yaml", "over: [toomanyconn]", "over: [toomanyconnections]"),
     "reasons.yaml", "over: [toomanyconnections]", "unknown reason 'toomanyconnections'", "toomanyconn"),
    ("known-code", lambda c: edit(c / "software/postfix.yaml", "status: '5.3.4'", "status: '5.3.44'"),
     "software/postfix.yaml", "5.3.44", "enhanced code 5.3.44 is not in the registry", "show it in an example"),
    ("known-code", lambda c: edit(c / "software/postfix.yaml", "status: '5.3.4'", "status: '5.9.4'"),
     "software/postfix.yaml", "5.9.4", "a subject the registry does not know", "subjects 0 to 7"),
    ("known-code", lambda c: edit(c / "software/postfix.yaml", "reply: '552'", "reply: '557'")
     or edit(c / "software/postfix.yaml", "status: '5.3.4'", "status: '4.3.4'"),
     "software/postfix.yaml", "4.3.4", "disagree on the class", "show it in an example"),
    ("known-code", lambda c: edit(c / "software/postfix.yaml", "reply: '552'", "reply: '559'"),
     "software/postfix.yaml", "reply: '559'", "reply code 559 has no file", "show in an example"),
    ("linear-pattern", lambda c: edit(c / "software/postfix.yaml", "- 'relay access denied'", "- '(relay +)+access denied'"),
     "software/postfix.yaml", "(relay +)+access denied", "nested quantifier", "bounded repeat"),
    ("specific-pattern", lambda c: edit(c / "software/postfix.yaml", "- 'relay access denied'", "- 'relay.{0,9}denied'"),
     "software/postfix.yaml", "relay.{0,9}denied", "holds only 11 bytes of fixed text", "fixed wording"),
    ("source-tag", lambda c: edit(c / "software/postfix.yaml", "blob/v3.9.0/postfix/src/smtpd/smtpd_check.c#L1763",
                                  "blob/master/postfix/src/smtpd/smtpd_check.c#L1763"),
     "software/postfix.yaml", "blob/master/", "not at the release tag v3.9.0", "at the tag that was read"),
    ("own-source", lambda c: edit(c / "software/postfix.yaml", "https://github.com/vdukhovni/postfix/blob/v3.9.0/postfix/src/smtpd/smtpd_check.c#L1763",
                                  "https://github.com/sisimai/p5-sisimai/blob/v5.1.0/lib/Sisimai/Lhost/Postfix.pm"),
     "software/postfix.yaml", "sisimai", "another bounce parser's", "leave the entry out"),
    ("examples", lambda c: edit(c / "software/postfix.yaml", "- '552 5.3.4 Message size exceeds fixed limit'",
                                "- '552 5.3.4 Message size exceeds fixed limit'\n      - '554 5.7.1 Relay access denied'"),
     "software/postfix.yaml", "554 5.7.1 Relay access denied", "decided by software:postfix/relay-access-denied",
     "bouncecodes classify"),
    # an overlap nothing decides: "not enough storage space in user's mailbox" is also "not enough storage space"
    ("overlaps", lambda c: edit(c / "reasons.yaml", "over: [expired, systemfull]", "over: [expired]"),
     "phrases/mailboxfull.yaml", "not enough storage space in user", "nothing says which reason wins", "`over`"),
    # an over list that would have a broad rule's reason win over a specific one's
    ("overlaps", lambda c: edit(c / "reasons.yaml", "id: systemerror\n", "id: systemerror\n    over: [authfailure]\n"),
     "phrases/authfailure.yaml", "Temporary error occurred during SPF", "says systemerror wins over authfailure", "broad"),
    ("overlaps", lambda c: edit(c / "reasons.yaml", "id: contenterror\n", "id: contenterror\n    over: [spamdetected]\n"),
     "reasons.yaml", "over: [contenterror, filtered, blocked]", "a cycle", "one way"),
]


@pytest.mark.parametrize("rule,breaker,rel,needle,words,fix", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_reports_broken_copy(clean_problems: list[Problem], codes: Path, rule: str, breaker: BreakFn, rel: str,
                                  needle: str, words: str, fix: str) -> None:
    assert not only(clean_problems, rule), "the unbroken copy must pass"
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
        (c / "logs/zonemta.yaml").read_text().replace("id: zonemta\nname: ZoneMTA\n", "id: nosuch\n")),
     "logs/nosuch.yaml", "id: nosuch", "no codes/software/nosuch.yaml", "add name:"),
    ("log-program", lambda c: edit(c / "logs/postfix.yaml", "id: postfix\n", "id: postfix\nname: Postfix MTA\n"),
     "logs/postfix.yaml", "name: Postfix MTA", "codes/software/postfix.yaml names this program ('Postfix')",
     "remove name:"),
    # the same name twice is a second place for one fact too
    ("log-program", lambda c: edit(c / "logs/postfix.yaml", "id: postfix\n", "id: postfix\nname: Postfix\n"),
     "logs/postfix.yaml", "name: Postfix", "a second place for one fact", "read from the catalogue"),
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
    # a program's failure categories need the field they are read from, and each names a known reason
    ("log-format", lambda c: edit(c / "logs/powermta.yaml", "      category: bounceCat\n", ""),
     "logs/powermta.yaml", "    categories:", "has categories but reads no category field", "name a pattern group"),
    ("known-reason", lambda c: edit(c / "logs/powermta.yaml", "        reason: mailboxfull", "        reason: mailboxful"),
     "logs/powermta.yaml", "reason: mailboxful", "unknown reason 'mailboxful'", "did you mean 'mailboxfull'"),
    ("linear-pattern", lambda c: edit(c / "logs/qmail.yaml", "(?P<text>[^\\n]{0,4000})$'", "(?P<text>(?:\\S+ )*)$'"),
     "logs/qmail.yaml", "(?P<text>(?:\\S+ )*)$", "nested quantifier", "bounded repeat"),
]


def copy_log_codes(target: Path) -> Path:
    """A copy of what the log rules read: the schemas, the reasons, the catalogues and the log formats."""
    shutil.copytree(CODES / "schema", target / "schema")
    shutil.copy(CODES / "reasons.yaml", target / "reasons.yaml")
    for folder in ("software", "logs"):
        shutil.copytree(CODES / folder, target / folder)
    return target


@pytest.fixture()
def log_codes(tmp_path: Path) -> Path:
    return copy_log_codes(tmp_path / "codes")


@pytest.fixture(scope="session")
def clean_log_problems(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    """What lint finds in an unbroken copy like :func:`log_codes`, linted once per session."""
    return lint_codes(copy_log_codes(tmp_path_factory.mktemp("log-codes") / "codes"))


@pytest.mark.parametrize("rule,breaker,rel,needle,words,fix", LOG_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LOG_CASES)])
def test_log_rule_reports_broken_copy(clean_log_problems: list[Problem], log_codes: Path, rule: str, breaker: BreakFn,
                                      rel: str, needle: str, words: str, fix: str) -> None:
    codes = log_codes
    assert not only(clean_log_problems, rule), "the unbroken copy must pass"
    breaker(codes)
    found = only(lint_codes(codes, [rule]), rule)
    assert found, f"{rule} did not fire"
    p = next((p for p in found if p.file == f"codes/{rel}" and words in p.format()), found[0])
    assert p.file == f"codes/{rel}"
    assert p.line == line_of(codes / rel, needle), p.format()
    text = p.format()
    assert words in text and fix in text, text


def test_provider_rules(codes: Path) -> None:
    import yaml

    # two providers with rules of their own (a provider may have none)
    files = [f for f in sorted((codes / "providers").glob("*.yaml")) if yaml.safe_load(f.read_text()).get("rules")]
    if len(files) < 2:
        pytest.fail("the provider rules need at least two provider files with rules to test")
    first, second = files[0], files[1]

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


def test_an_example_that_restates_a_programs_message_is_a_second_place_for_one_fact(codes: Path) -> None:
    edit(codes / "phrases/norelaying.yaml", "    examples:\n", "    examples:\n      - '554 5.7.1 <carol@example.org>: Relay access denied'\n")
    [p] = only(lint_codes(codes), "examples")
    assert p.file == "codes/phrases/norelaying.yaml" and p.line == line_of(codes / "phrases/norelaying.yaml", "carol@")
    assert "is the wording of software:postfix/relay-access-denied" in p.message and "one place per fact" in p.hint


def test_every_rule_has_a_case() -> None:
    tested = {c[0] for c in CASES + LOG_CASES} | {"provider-hosts", "provider-rule"}
    assert tested == set(RULES)


@pytest.mark.parametrize(("pattern", "size"), [
    ("relay access denied", 19), ("relay.{0,9}denied", 11), ("sorry,[ _]no[ _]mailbox", 17), (r"(?:helo|ehlo) denied", 11),
    (r"quota(?: exceeded)?", 5), (r"(ab){2}c?", 4), ("宛先不明", 12), ("[a-z]+ unknown", 8), ("(", 0)])
def test_fixed_text(pattern: str, size: int) -> None:
    assert fixed_text(pattern) == size


def test_known_code_accepts_a_programs_own_code_shown_in_an_example(codes: Path) -> None:
    path = codes / "software/postfix.yaml"
    edit(path, "reply: '552'", "reply: '559'")
    edit(path, "- '552 5.3.4 Message size exceeds fixed limit'", "- '559 5.3.4 Message size exceeds fixed limit'")
    edit(path, "status: '5.3.4'", "status: '5.3.499'")
    edit(path, "- '559 5.3.4 Message size", "- '559 5.3.499 Message size")
    assert not only(lint_codes(codes), "known-code")


@pytest.mark.parametrize("pattern,bad", [("user unknown", False), ("[^.]{0,40}quota", False), ("(a|b)+", False),
                                         ("(a+)+", True), (r"(\w+\s?)*x", True), (r"(a)\1", True), ("(", True)])
def test_pattern_problem(pattern: str, bad: bool) -> None:
    assert bool(pattern_problem(pattern)) is bad


def test_fix_changes_nothing_in_the_registry(codes: Path) -> None:
    unfixed: list[str] = []
    assert fix_codes(codes, unfixed) == [] and unfixed == []
    for path in sorted(CODES.rglob("*.yaml")):
        assert (codes / path.relative_to(CODES)).read_bytes() == path.read_bytes(), path


def test_fix_reorders_keys(codes: Path) -> None:
    path = codes / "enhanced/X.1.1.yaml"
    original = path.read_text()
    edit(path, "code: X.1.1\n", "")
    edit(path, "deprecated: false\n", "deprecated: false\ncode: X.1.1\n")
    assert only(lint_codes(codes), "key-order")
    assert fix_codes(codes) == ["codes/enhanced/X.1.1.yaml"]
    assert not lint_codes(codes)
    assert path.read_text() == original  # the key went back; nothing else moved
    assert fix_codes(codes) == []  # and a second run has nothing to do


def test_fix_reorders_the_keys_of_a_list_item_and_keeps_the_rest(codes: Path) -> None:
    path = codes / "providers/google.yaml"
    original = path.read_text()
    first_rule = original[original.index("  - id: gcdp-custom-policy\n"):original.index("  - id: 4.2.1-receiving-too-fast")]
    lines = first_rule.splitlines(keepends=True)
    assert lines[0].startswith("  - id:") and lines[3].startswith("    reason:")
    # reason first, then a comment and the id: what a contributor might write
    shuffled = ["  - " + lines[3][4:], "    # the rule's slug\n", "    " + lines[0][4:], *lines[1:3], *lines[4:]]
    path.write_text(original.replace(first_rule, "".join(shuffled)).replace(
        'id: google\nname: "Google (Gmail, Google Workspace)"\n', 'name: "Google (Gmail, Google Workspace)"\nid: google\n'))
    assert len(only(lint_codes(codes), "key-order")) == 2
    assert fix_codes(codes) == ["codes/providers/google.yaml"]
    assert lint_codes(codes) == []
    fixed = path.read_text()
    # the comment travels with its key (to the item's dash column); every other line is as written
    assert fixed == original.replace("  - id: gcdp-custom-policy\n", "  # the rule's slug\n  - id: gcdp-custom-policy\n")
    assert fix_codes(codes) == [] and path.read_text() == fixed


def test_lint_reports_an_unknown_reason_of_a_provider_rule_and_skips_its_examples(codes: Path) -> None:
    path = codes / "providers/google.yaml"
    edit(path, "    reason: policyviolation\n", "    reason: suspended\n")
    problems = lint_codes(codes)
    reason = only(problems, "known-reason")
    assert len(reason) == 1 and reason[0].line == line_of(path, "reason: suspended")
    assert "did you mean 'suspend'" in reason[0].format()
    notes = only(problems, "examples")
    assert [(p.file, p.field) for p in notes] == [("codes/providers/google.yaml", "")]
    assert "not checked" in notes[0].message


def test_all_problems_of_a_file_in_one_run(codes: Path) -> None:
    path = codes / "providers/google.yaml"
    text = path.read_text()
    start = text.index("    source:")
    path.write_text(text[:start] + text[text.index("\n", start) + 1:])
    edit(path, "    reason: policyviolation\n", "    reason: authfailures\n")
    edit(path, "status: \"4.2.1\"", "status: \"4.2\"")
    found = {(p.rule, p.field) for p in lint_codes(codes) if p.file == "codes/providers/google.yaml"}
    assert {("schema", "rules[0].source"), ("known-reason", "rules[0].reason"), ("schema", "rules[1].status"),
            ("examples", "")} <= found, found


def test_a_schema_error_elsewhere_leaves_other_files_checked(codes: Path) -> None:
    """A broken file is left out of the compiled registry; the examples of the other files are still
    checked against the rest."""
    edit(codes / "reply/421.yaml", "title:", "title: [unclosed")
    import yaml

    path = codes / "phrases/mailboxfull.yaml"
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["examples"].append("550 5.1.1 no such user here")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = lint_codes(codes)
    assert only(problems, "yaml-syntax")
    assert [p.file for p in only(problems, "examples")] == ["codes/phrases/mailboxfull.yaml"]


@pytest.mark.parametrize("command", ["lint", "build"])
def test_commands_report_an_unknown_reason_without_a_traceback(codes: Path, tmp_path: Path, command: str) -> None:
    import subprocess
    import sys

    edit(codes / "providers/google.yaml", "    reason: policyviolation\n", "    reason: suspended\n")
    args = [sys.executable, "-m", "bouncecodes", command, "--codes", str(codes)]
    if command == "build":
        args += ["--out", str(tmp_path / "registry.json")]
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "unknown reason 'suspended'" in run.stdout and "did you mean 'suspend'?" in run.stdout
    assert not (tmp_path / "registry.json").exists()
