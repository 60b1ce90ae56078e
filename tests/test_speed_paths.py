"""The fast paths give the same answers as the plain ones.

- the pattern prefilter (:mod:`bouncecodes.prefilter`) never rejects a text its pattern matches;
- the host-suffix table finds the provider the longest-suffix scan found.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bouncecodes.prefilter import _FOLD, fold, requirements, satisfied
from bouncecodes.registry import load_registry

REGISTRY = load_registry()


def _all_patterns() -> list[str]:
    found = [m for rule in REGISTRY.phrases for m in rule.match]
    for p in REGISTRY.providers:
        found.extend(p.tokens)
        found.extend(m for r in p.rules for m in r.match)
    for s in REGISTRY.software:
        found.extend(s.tokens)
        found.extend(m for msg in s.messages for m in msg.match)
    return sorted(set(found))


def _all_examples() -> list[str]:
    found = [x for rule in REGISTRY.phrases for x in rule.examples]
    found.extend(x for p in REGISTRY.providers for r in p.rules for x in r.examples)
    found.extend(x for s in REGISTRY.software for m in s.messages for x in m.examples)
    return sorted(set(found))


PATTERNS = _all_patterns()
EXAMPLES = _all_examples()
COMPILED = [(p, re.compile(p, re.IGNORECASE), requirements(p)) for p in PATTERNS]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("user unknown", (("user unknown",),)),
        (r"quota exceede?d", (("quota exceed",),)),
        (r"mailbox (?:is )?full", (("mailbox ",), ("full",))),
        (r"\b(?:user|mailbox) (?:unknown|not found)\b", (("mailbox", "user"), ("not found", "unknown"))),
        (r"no such (?:user|mailbox)|user unknown", (("no such ", "user unknown"),)),
        (r"ab+cd", (("ab",), ("cd",))),
        (r"abc{0,2}de", (("ab",), ("de",))),
        (r"abc{,2}de", (("ab",), ("de",))),
        (r"ab{2,}cd", (("ab",), ("cd",))),
        (r"x{}yz", (("x{}yz",),)),  # not a quantifier: literal braces
        (r"spam[a-z]+haus", (("haus",), ("spam",))),
        (r"spam\.?haus", (("haus",), ("spam",))),
        (r"(?i)user unknown", ()),  # inline flags: not analysed
        (r"user\nunknown", ()),  # a character escape: not analysed
        (r"(a)\1", ()),  # a backreference: not analysed
        (r"blocked(?! by)\s+using", (("blocked",), ("using",))),
        (r"(?<=5\.7\.1 )denied", (("denied",),)),
        (r"a|b", ()),  # too short to be worth a test
        (r"(?:over quota|quota)?exceeded", (("exceeded",),)),
        (r"t[\]x]ext more", (("ext more",),)),
        (r"550[- ]5\.7\.1", (("5.7.1",), ("550",))),
        (r"(?P<n>gsmtp)", (("gsmtp",),)),
        (r"caf\u00e9 closed", ()),  # a character escape: not analysed
        ("caf\u00e9 closed", ((" closed",), ("caf",))),  # non-ASCII: cuts the text
    ],
)
def test_requirements(pattern: str, expected: tuple[tuple[str, ...], ...]) -> None:
    assert requirements(pattern) == expected


def test_fold_table_is_complete() -> None:
    """The only non-ASCII characters that a case-insensitive ASCII pattern matches are in _FOLD."""
    printable = re.compile("[" + re.escape("".join(chr(i) for i in range(32, 127))) + "]", re.IGNORECASE)
    found = {c for c in range(128, 0x110000) if printable.fullmatch(chr(c))}
    assert found == set(_FOLD)
    for c, letter in _FOLD.items():
        assert re.fullmatch(letter, chr(c), re.IGNORECASE)


def test_fold() -> None:
    assert fold("User UNKNOWN") == "user unknown"
    assert fold("MA\u0130LBOX \u017fpam \u212aB \u0131nvalid") == "mailbox spam kb invalid"
    assert fold("Caf\u00c9") == "caf\u00e9"


def _sound(text: str) -> None:
    folded = fold(text)
    for pattern, regex, reqs in COMPILED:
        if regex.search(text):
            assert satisfied(reqs, folded), (pattern, text)


def test_registry_patterns_on_registry_examples() -> None:
    """Every registry pattern against every registry example: no match is lost."""
    checked = 0
    for text in EXAMPLES:
        folded = fold(text)
        for _source, regex, reqs in COMPILED:
            if regex.search(text):
                assert satisfied(reqs, folded), (_source, text)
                checked += 1
    assert checked > len(EXAMPLES) / 2
    assert sum(1 for _, _, r in COMPILED if r) > 0.9 * len(COMPILED)  # nearly every pattern gets a test


_ALPHABET = string.ascii_letters + string.digits + " .-_:;<>[]()@/'\"\n\u0130\u0131\u017f\u212a\u00e9"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXAMPLES), st.integers(0, 400), st.text(_ALPHABET, max_size=12), st.booleans())
def test_prefilter_sound_on_edited_examples(example: str, at: int, insert: str, upper: bool) -> None:
    """Registry examples with text inserted, upper-cased, or with the Unicode look-alikes that
    IGNORECASE matches to ASCII letters: whenever a pattern matches, its requirements hold."""
    at = min(at, len(example))
    text = example[:at] + insert + example[at:]
    if upper:
        text = text.upper().replace("I", "\u0130").replace("K", "\u212a")
    _sound(text)


@settings(max_examples=200, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_prefilter_sound_on_random_text(text: str) -> None:
    _sound(text)


def _longest_suffix_scan(host: str) -> str:
    """The provider id by the scan the table replaced: hosts longest first, first match wins."""
    hosts = sorted(((h, p) for p in REGISTRY.providers for h in p.hosts), key=lambda x: -len(x[0]))
    for suffix, provider in hosts:
        if host == suffix or host.endswith("." + suffix):
            return provider.id
    return ""


def test_host_table_matches_longest_suffix_scan() -> None:
    from bouncecodes.classify import _by_host, _compiled

    table = _compiled(REGISTRY).hosts
    names = {h for p in REGISTRY.providers for h in p.hosts}
    candidates = set(names)
    for h in names:
        candidates |= {f"mx1.{h}", f"a.b.{h}", f"x{h}", h.split(".", 1)[-1], f"{h}.example", f".{h}", f"{h}."}
    candidates |= {"", ".", "example.org", "mx.example.org"}
    for host in sorted(candidates):
        found = _by_host(table, host)
        assert (found.id if found else "") == _longest_suffix_scan(host), host


def _tidy_reply_by_compiled_prefix(text: str, reply: str, status: str) -> str:
    """tidy_reply as it was: a pattern compiled for each reply and status."""
    from bouncecodes.parse.common import squash

    if not reply:
        return text
    tail = r"[ -]" + re.escape(status) + r"(?![\d.])" if status else "-"
    prefix = re.compile(r"(?<![\w.:/#=-])" + reply + tail + " ?")
    m = prefix.search(text)
    if m is None:
        return text
    head = text[: m.start()] + reply + " " + (status + " " if status else "")
    return squash(head + prefix.sub(" ", text[m.end():]))


_REPLY_PIECES = ["550", "551", "450", "5.1.1", "5.1.10", "4.2.2", "-", " ", "  ", ".", "1", "x", "a550", "=", "\n",
                 "550-5.1.1 ", "550 5.1.1 ", "550-", "5.1.1-", "#", ":"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_REPLY_PIECES), max_size=14), st.sampled_from(["550", "551", "450", "5x0"]),
       st.sampled_from(["", "5.1.1", "5.1.10", "4.2.2", "5.1"]))
def test_tidy_reply_same_as_compiled_prefix(pieces: list[str], reply: str, status: str) -> None:
    from bouncecodes.parse.common import tidy_reply

    text = "".join(pieces)
    assert tidy_reply(text, reply, status) == _tidy_reply_by_compiled_prefix(text, reply, status)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b.c", "@", "@", "x" * 70, "-", "+", " ", "\n", ".org", "example.com", "<", ">",
                                 "é", "_", "1", "@@", "mailer-daemon@", "a@b", "'", "..."]), max_size=40))
def test_address_matches_same_as_finditer(pieces: list[str]) -> None:
    from bouncecodes.parse.common import ADDRESS_RE, _address_matches

    text = "".join(pieces)
    assert [m.span() for m in _address_matches(text)] == [m.span() for m in ADDRESS_RE.finditer(text)]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from([*_REPLY_PIECES, "2", "4", "5", "0", "9", "=", "/", "w", ":x", "[", "25.", "5.1.1.1"]),
                max_size=20))
def test_has_code_same_as_searching_both_patterns(pieces: list[str]) -> None:
    from bouncecodes.parse.common import ENHANCED_RE, REPLY_RE, has_code

    text = "".join(pieces)
    assert has_code(text) == (REPLY_RE.search(text) is not None or ENHANCED_RE.search(text) is not None)


def test_has_code_on_log_lines_and_registry_examples() -> None:
    from pathlib import Path

    from bouncecodes.parse.common import ENHANCED_RE, REPLY_RE, has_code

    data = Path(__file__).resolve().parent / "data"
    registry = load_registry()
    texts = [line for p in sorted(data.rglob("*")) if p.is_file()
             for line in p.read_text(encoding="utf-8", errors="replace").split("\n")]
    texts += [ex for p in registry.phrases for ex in p.examples]
    texts += [ex for p in registry.providers for r in p.rules for ex in r.examples]
    texts += [x.log for p in registry.logs for f in p.formats for x in f.examples]
    assert sum(has_code(t) for t in texts) > 100
    for text in texts:
        assert has_code(text) == (REPLY_RE.search(text) is not None or ENHANCED_RE.search(text) is not None), text


def _locate_by_patterns(text: str, diagnostic: str) -> tuple[int, int]:
    """parse.locate as it was written first: a pattern compiled for each diagnostic."""
    def words_re(words: list[str]) -> re.Pattern[str]:
        return re.compile(r"\s+".join(re.escape(w) for w in words))

    words = diagnostic.split()
    if not words:
        return (0, 0)
    head = words_re(words[:4]).search(text)
    sure = head is not None
    if head is None and len(words) > 2:  # the first two words, if the last ones (or last one) follow
        head = words_re(words[:2]).search(text)
    if head is None:
        return (0, 0)
    end = head.end()
    if len(words) > 4 or not sure:
        least = head.start() + len(diagnostic) - 1
        tail = words[-3:] if len(words) > 4 else words[-1:]
        for m in words_re(tail).finditer(text, head.start(), least + len(diagnostic) + 200):
            if m.end() >= least:
                end = m.end()
                sure = True
                break
    return (head.start(), end) if sure else (0, 0)


_WORDS = ["550", "5.1.1", "user", "unknown", "a", "aa", " ", "  ", "\n", "\t", "\u00a0", "\u2003", "x.y", "(", ")",
          "user unknown", "550 5.1.1", "-"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=40), st.lists(st.sampled_from(_WORDS), min_size=1, max_size=9))
def test_locate_same_as_compiled_patterns(text_pieces: list[str], diagnostic_pieces: list[str]) -> None:
    from bouncecodes.parse import locate
    from bouncecodes.parse.common import squash

    text = "".join(text_pieces)
    diagnostic = squash(" ".join(diagnostic_pieces))
    assert locate(text, diagnostic) == _locate_by_patterns(text, diagnostic)
    # and where the diagnostic is in the text, or its first word repeats many times before it
    for t in (text + " " + diagnostic, "550 " * 40 + text + diagnostic):
        assert locate(t, diagnostic) == _locate_by_patterns(t, diagnostic)


def _plain(items: list[tuple[str, object, object]]) -> list[tuple[re.Pattern[str], object]]:
    """Each item's regular expression compiled on its own (no literal, no index), once: a scan holds
    more patterns than the re module's cache keeps, so re.search(source, ...) would compile each
    pattern again for every text."""
    return [(re.compile(pattern.source, re.IGNORECASE), payload) for _, pattern, payload in items]  # type: ignore[attr-defined]


def _first_plain(plain: list[tuple[re.Pattern[str], object]], text: str) -> object:
    """The first item, in order, whose regular expression matches."""
    for pattern, payload in plain:
        if pattern.search(text):
            return payload
    return None


def _scans() -> list[tuple[str, object]]:
    from bouncecodes.classify import _compiled

    compiled = _compiled(REGISTRY)
    return [("phrases", compiled.phrase_scan), ("tokens", compiled.token_scan)]


@pytest.mark.parametrize("which", ["phrases", "tokens"])
def test_indexed_scan_finds_the_first_matching_pattern(which: str) -> None:
    """The three-character index of classify._Scan passes over no pattern that matches: on every
    example of the registry, and on them edited, the first match is the plain scan's."""
    from bouncecodes.classify import _Scan

    scan = dict(_scans())[which]
    assert isinstance(scan, _Scan)
    fresh = _Scan(scan.items)
    fresh._build()
    rng = __import__("random").Random(15)
    texts = list(EXAMPLES)
    texts += [t[: rng.randrange(len(t) + 1)] + rng.choice(["", " ", "X", "\u0130", "e-mail "]) + t[rng.randrange(len(t) + 1):]
              for t in EXAMPLES]
    texts += [t.upper() for t in EXAMPLES[::7]]
    plain = _plain(fresh.items)
    matched = 0
    for text in texts:
        expected = _first_plain(plain, text)
        assert fresh.first(text, text.lower(), fold(text)) is expected, text
        matched += expected is not None
    # (not vacuous: many texts match; provider tokens only in the providers' examples, a fifth of them)
    assert fresh.by_piece is not None and matched > len(texts) / (3 if which == "phrases" else 5)


def test_boilerplate_lines_hold_a_colon_and_dividers_start_so() -> None:
    """The cheap tests Blocks makes before BOILERPLATE_RE and DIVIDER_RE: every form of boilerplate
    ends with ':', and a line DIVIDER_RE matches passes may_be_divider."""
    from bouncecodes.lazyre import _Deferred
    from bouncecodes.parse import text

    source = text.BOILERPLATE_RE._args[0] if isinstance(text.BOILERPLATE_RE, _Deferred) else text.BOILERPLATE_RE.pattern
    reqs = requirements(source)
    assert reqs and all(all(":" in alt for alt in group) for group in reqs[:1])
    rng = __import__("random").Random(15)
    pieces = ["-", "=", "*", "_", "#", "~", "+", " ", "\t", "a", "Transcript", ":", "—", "\u3000"]
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randrange(12))) for _ in range(20000)]
    lines += ["----- Transcript of session follows -----", "   ", "  \t", "=====", "*** ***", "  ---x---  ", "--"]
    matched = 0
    for line in lines:
        if text.DIVIDER_RE.match(line):
            assert text.may_be_divider(line), repr(line)
            matched += 1
    assert matched > 1000


def test_registry_marshal_copy_is_the_json_or_is_not_used(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """load_registry reads registry.marshal only when it was made from the registry.json beside it."""
    import json
    import marshal
    import shutil
    from pathlib import Path

    from bouncecodes import registry as reg
    from bouncecodes.model import Registry

    raw = reg.registry_bytes()
    assert reg._from_marshal(raw) == json.loads(raw)  # `bouncecodes build` wrote a fresh copy
    folder = Path(str(tmp_path))
    shutil.copy(Path(reg._HERE) / "registry.json", folder / "registry.json")
    monkeypatch.setattr(reg, "_HERE", str(folder))
    stale = json.loads(raw)
    stale["reasons"] = stale["reasons"][:1]
    for content in (marshal.dumps((0, stale)), marshal.dumps((__import__("binascii").crc32(raw + b" "), stale)),
                    b"not marshal", marshal.dumps([1, 2])):
        (folder / reg.MARSHAL_NAME).write_bytes(content)
        assert reg._from_marshal(raw) is None
        reg.load_registry.cache_clear()
        assert reg.load_registry() == Registry.from_dict(json.loads(raw))
    (folder / reg.MARSHAL_NAME).write_bytes(reg.marshal_copy(raw))
    assert reg._from_marshal(raw) == json.loads(raw)
    reg.load_registry.cache_clear()


def _known_log_reading_every_line(text: str) -> bool:
    """parse.logs.known_log as it was written first: a line the first loop read is read again."""
    from bouncecodes.parse.logs import LogReader, _lines

    head = text[:200_000]
    reader = LogReader(REGISTRY)
    for first in head[:20_000].split("\n", 100)[:100]:
        if reader._match(first) is not None:
            return True
    for c in reader.formats.csv:
        if all(h in head for h in c.fmt.header):
            for line, _ in _lines(head[:20_000]):
                if reader._csv_header(line) is not None:
                    return True
    for literal, _group in reader.formats.groups:
        at = head.find(literal)
        tries = 0
        while at >= 0 and tries < 50:
            tries += 1
            start = head.rfind("\n", 0, at) + 1
            end = head.find("\n", at)
            end = len(head) if end < 0 else end
            if reader._match(head[start:end]) is not None:
                return True
            at = head.find(literal, end)
    return False


def test_known_log_same_as_reading_every_line_again() -> None:
    """known_log does not read again the first lines it read, and gives what it gave when it did: on
    registry examples and log examples, joined and cut so that the first loop's window (100 lines,
    20,000 characters) ends inside, at and after a line that a format reads."""
    from pathlib import Path

    from bouncecodes.parse.logs import known_log

    logs = [x.log for p in REGISTRY.logs for f in p.formats for x in f.examples]
    mta = (Path(__file__).resolve().parent / "data" / "fuzz" / "mta.log").read_text(encoding="utf-8")
    texts = list(EXAMPLES) + logs + [mta]
    filler = "x" * 150 + " said: words ; from <a@b.example>"
    for log in logs[::3]:
        for lead in (99, 100, 101):
            texts.append("\n".join([filler] * lead + [log]))
        for width in (19_990, 20_000, 20_010):
            pad = "y" * (width - len(log) // 2)
            texts += [pad + "\n" + log, pad + log, "\n".join([filler] * 3) + "\n" + pad + "\n" + log]
    found = 0
    for text in texts:
        expected = _known_log_reading_every_line(text)
        assert known_log(text, REGISTRY) is expected, text[-300:]
        found += expected
    assert 0 < found < len(texts)


def test_groups_for_a_tag_same_as_trying_every_format() -> None:
    """_Formats.groups_for turns away a word no format's tag matches with one combined pattern: the
    groups are those that trying every format's tag gives."""
    from bouncecodes.parse.logs import _Formats, _grouped

    formats = _Formats(REGISTRY)
    words = {w for text in EXAMPLES for w in re.split(r"[\s:]+", text)}
    words |= {x.log.split(": ", 1)[0].rsplit(" ", 1)[-1].split("[", 1)[0] for p in REGISTRY.logs for f in p.formats
              for x in f.examples}
    words |= {"postfix/smtp", "postfix-out/smtpd", "sm-mta", "sendmail", "exim", "qmail-send", "smtpd", "haraka", ""}
    owned = 0
    for word in sorted(words):
        own = [c for c in formats.lines if c.tag is not None and re.fullmatch(c.tag, word)]
        expected = (_grouped([c for c in formats.lines if c.tag is None or c in own]), True) if own else (formats.groups, False)
        groups, is_own = formats.groups_for(word)
        assert is_own == expected[1], word
        assert [(lit, [c.fmt.id for c in g]) for lit, g in groups] == [(lit, [c.fmt.id for c in g]) for lit, g in expected[0]]
        owned += is_own
    assert owned >= 5


def _detection_texts() -> tuple[list[str], list[str]]:
    """Messages (every .eml of tests/data, and of the dev corpus when ``../shared/corpus`` is there)
    and log texts (every log example of the registry, and the fuzzer's MTA log)."""
    from pathlib import Path

    from bouncecodes.parse.common import to_text

    tests = Path(__file__).resolve().parent
    corpus = tests.parents[1] / "shared" / "corpus" / "sisimai-dev"
    paths = sorted((tests / "data").rglob("*.eml")) + (sorted(corpus.glob("*.eml")) if corpus.is_dir() else [])
    messages = [to_text(p.read_bytes()) for p in paths]
    logs = [x.log for p in REGISTRY.logs for f in p.formats for x in f.examples]
    logs.append((tests / "data" / "fuzz" / "mta.log").read_text(encoding="utf-8"))
    return messages, logs


def test_detection_same_with_log_formats_compiled_on_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """The log formats' patterns are compiled when a line first needs them: what every message, log
    example and registry example is taken for is what it is with every format compiled at once;
    telling a message from a log compiles none of the formats for nine messages in ten, and the logs
    are told as logs (but one-line examples)."""
    from bouncecodes.parse import logs as logs_module
    from bouncecodes.parse.detect import InputKind, detect

    messages, log_texts = _detection_texts()
    texts = messages + log_texts + EXAMPLES
    eager = logs_module._Formats(REGISTRY)
    for c in eager.lines + eager.csv + eager.json:
        c.compile()
    monkeypatch.setattr(logs_module, "_formats", lambda registry: eager)
    expected = [detect(t, REGISTRY) for t in texts]

    kinds, compiled_none = [], 0
    for t in messages:  # each with formats not compiled yet
        lazy = logs_module._Formats(REGISTRY)
        monkeypatch.setattr(logs_module, "_formats", lambda registry, lazy=lazy: lazy)
        kinds.append(detect(t, REGISTRY))
        compiled_none += not any(c.ready for c in lazy.lines + lazy.csv + lazy.json)
    assert compiled_none * 10 >= len(messages) * 9
    kinds += [detect(t, REGISTRY) for t in log_texts + EXAMPLES]
    assert kinds == expected
    assert len(messages) > 20
    told = kinds[:len(messages)]
    # a few are odd on purpose (tests/data/mime/headers-odd.eml reads as a bare reply): one, or one in a hundred
    odd = len(told) - told.count(InputKind.EMAIL) - told.count(InputKind.MBOX)
    assert odd <= max(1, len(messages) // 100), odd
    assert kinds[len(messages):len(messages) + len(log_texts)].count(InputKind.LOG) * 4 >= len(log_texts) * 3  # (one-line examples read as replies)
    assert all(c.ready for c in lazy.lines)  # the log examples met every line format
