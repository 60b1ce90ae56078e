"""The lean message reader (parse/mime.py) against the email package it stands in for.

Both readers run over every message we have — the dev corpus when ``../shared/corpus`` is there,
tests/data, the messages written into the other test modules — and over a few thousand mutations
of them made with a fixed seed (cut, fields blanked or doubled, boundaries broken, base64 spoilt,
charsets and transfer encodings changed, encoded words mangled); the evidence must be equal, and
so must the message trees wherever the lean reader does not decline.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bouncecodes.parse import mime, parse
from bouncecodes.parse.common import to_text
from bouncecodes.parse.detect import InputKind, detect

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS.parents[1] / "shared" / "corpus" / "sisimai-dev"


def _from_test_modules() -> Iterator[tuple[str, str]]:
    """Whole messages written as literals in the other test modules."""
    for path in sorted(TESTS.glob("test_*.py")):
        if path.name == "test_mime.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and len(node.value) > 40:
                text = to_text(node.value).lstrip()
                if "\n" in text and detect(text) in (InputKind.EMAIL, InputKind.MBOX):
                    yield f"{path.name}:{node.lineno}", text


def _messages() -> list[tuple[str, str]]:
    found = [(str(p.relative_to(TESTS)), to_text(p.read_bytes()).lstrip())
             for p in sorted((TESTS / "data").rglob("*.eml"))]
    found += list(_from_test_modules())
    if CORPUS.is_dir():
        found += [(p.name, to_text(p.read_bytes()).lstrip()) for p in sorted(CORPUS.glob("*.eml"))]
    return found


MESSAGES = _messages()


def _both(call: Callable[[], Any]) -> tuple[Any, Any]:
    """``call()`` with the lean reader, then with the email package alone (an exception's type and
    text stand for its result)."""
    results = []
    for lean in (True, False):
        mime.LEAN = lean
        try:
            results.append(call())
        except Exception as exc:  # the same failure from both is the same result
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            mime.LEAN = True
    return results[0], results[1]


def _tree(msg: Any) -> list[Any]:
    """What message.py can read of a message tree, part by part."""
    payload = msg.get_payload()
    shape: list[Any] = [msg.items(), msg.get_content_type(), msg.get_content_maintype(), msg.is_multipart(),
                        msg.get_param("boundary"), msg.get_param("report-type"), msg.get_content_charset(),
                        "content-type" in msg, msg.get_all("received")]
    if isinstance(payload, list):
        shape.append([_tree(p) for p in payload])
    else:
        shape += [payload, msg.get_payload(decode=True)]
    return shape


def _lean_tree(text: str) -> list[Any] | None:
    try:
        return _tree(mime._Reader(text).message())
    except mime.Declined:
        return None


def _email_tree(text: str) -> list[Any]:
    import email

    return _tree(email.message_from_string(text))


def check(text: str) -> bool:
    """Same evidence, same tree (when the lean reader reads it); whether the lean reader read it."""
    lean, stdlib = _both(lambda: parse(text))
    assert lean == stdlib
    tree = _lean_tree(text)
    if tree is not None:
        assert tree == _email_tree(text)
    for name in ("Subject", "From", "To"):
        for value in re.findall(rf"^{name}:[ \t]*(.*(?:\n[ \t].*)*)", text[:20000], re.MULTILINE | re.IGNORECASE):
            lean_words, stdlib_words = _both(lambda value=value: mime.decode_words(value))
            assert lean_words == stdlib_words
    return tree is not None


def test_there_are_messages() -> None:
    assert len(MESSAGES) >= 60


@pytest.mark.parametrize(("name", "text"), MESSAGES, ids=[n for n, _ in MESSAGES])
def test_both_readers_agree_on_every_message(name: str, text: str) -> None:
    check(text)


def test_the_lean_reader_reads_nearly_every_message() -> None:
    """The fast path is the path taken: it declines only the odd message."""
    read = sum(_lean_tree(text) is not None for _, text in MESSAGES)
    assert read >= 0.95 * len(MESSAGES)


# -- mutations ------------------------------------------------------------------------------------

CHARSETS = ["utf-8", "UTF-8", "us-ascii", "iso-8859-1", "iso-2022-jp", "shift_jis", "euc-jp", "gb2312", "big5",
            "windows-1252", "koi8-r", "latin_1", "x-unknown", "unknown-8bit", "", '"utf-8"', "'utf-8'", "ütf-8",
            "utf-7", "cp932", "ks_c_5601-1987", "utf-16"]
ENCODINGS = ["base64", "BASE64", "quoted-printable", "7bit", "8bit", "binary", "base64 ", " quoted-printable",
             "x-uuencode", "bogus", ""]
TYPES = ["text/plain", "text/html", "message/rfc822", "message/delivery-status", "message/global-delivery-status",
         "message/feedback-report", "text/rfc822-headers", "multipart/mixed", "multipart/digest",
         "multipart/report; boundary=x", "application/octet-stream", "text", "multipart/mixed; boundary*=x",
         'multipart/mixed; boundary="a;b"', "multipart/mixed; boundary=\\\"q\\\""]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _header_end(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if not line), len(lines))


def _boundaries(text: str) -> list[str]:
    return [b.strip('"') for b in re.findall(r'boundary="?([^";\s]+)', text, re.IGNORECASE)] or ["x"]


def _cut(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _blank_field(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    end = _header_end(lines)
    if end:
        i = rng.randrange(end)
        name = lines[i].split(":", 1)[0]
        lines[i] = name + ":" + rng.choice(["", " ", "\t", "\n ", "\n\t\n "])
    return "\n".join(lines)


def _drop_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def _double_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def _break_boundary(rng: random.Random, text: str) -> str:
    b = rng.choice(_boundaries(text))
    lines = _lines(text)
    where = [i for i, line in enumerate(lines) if line.startswith("--" + b)] or [0]
    i = rng.choice(where)
    lines[i] = rng.choice([
        "", "--" + b + "--", "--" + b + " \t", "--" + b + "x", "-" + b, "--" + b[:-1], lines[i] + "\n" + lines[i],
        " --" + b, "--" + b + "-- trailer", "--" + b + "--\t", "--" + b + "\x0c", "--" + b + "--\u00a0",
    ])
    if rng.random() < 0.3:
        text = "\n".join(lines)
        return text.replace("boundary=", rng.choice(["boundary=<", "BOUNDARY=", "boundary = ", "boundary=\"\"", "charset="]), 1)
    return "\n".join(lines)


def _boundary_param(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r'boundary="?([^";\s]+)"?', text, re.IGNORECASE))
    if not found:
        return text
    m = rng.choice(found)
    b = m.group(1)
    value = rng.choice([f'"{b} "', f"<{b}>", f'"<{b}>"', f" {b} ", f'"{b}" ; x=y', f"{b};", f'""{b}""', f"{b}\t",
                        f'"{b}', f"{b}; boundary=other", f"'{b}'", f'"{b}\\"', f"{b}*"])
    return text[: m.start()] + rng.choice(["boundary=", "Boundary = ", "boundary*="]) + value + text[m.end():]


def _spoil_base64(rng: random.Random, text: str) -> str:
    m = re.search(r"(?im)^content-transfer-encoding:\s*base64\s*\n(?:[^\n]+\n)*\n", text)
    start = m.end() if m else rng.randrange(len(text) + 1)
    pos = min(len(text), start + rng.randrange(200))
    return text[:pos] + rng.choice(["!", "=", "==", "===", "A", "AB=", "*", "é", "-\n", "\n\n"]) + text[pos:]


def _charset(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r"charset=\"?[^\";\s]*\"?", text, re.IGNORECASE))
    if not found:
        return text.replace("Content-Type: text/plain", "Content-Type: text/plain; charset=" + rng.choice(CHARSETS), 1)
    m = rng.choice(found)
    return text[: m.start()] + "charset=" + rng.choice(CHARSETS) + text[m.end():]


def _transfer_encoding(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r"(?im)^content-transfer-encoding:[^\n]*", text))
    value = "Content-Transfer-Encoding: " + rng.choice(ENCODINGS)
    if found:
        m = rng.choice(found)
        return text[: m.start()] + value + text[m.end():]
    lines = _lines(text)
    lines.insert(rng.randrange(_header_end(lines) + 1), value)
    return "\n".join(lines)


def _content_type(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r"(?im)^content-type:[ \t]*[^;\n]*", text))
    value = "Content-Type: " + rng.choice(TYPES)
    if not found:
        return value + "\n" + text
    m = rng.choice(found)
    return text[: m.start()] + value + text[m.end():]


def _from_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    end = _header_end(lines)
    lines.insert(rng.choice([0, rng.randrange(end + 1), end]), "From someone@example.org Mon Dec  7 10:00:00 2026")
    return "\n".join(lines)


def _continuation(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    lines.insert(rng.choice([0, rng.randrange(len(lines) + 1)]), rng.choice([" folded", "\tfolded: x", " ", "\t"]))
    return "\n".join(lines)


def _encoded_subject(rng: random.Random, text: str) -> str:
    words = []
    for _ in range(rng.randrange(1, 4)):
        cs = rng.choice(CHARSETS).strip('"\'') or "utf-8"
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(6)))
        if rng.random() < 0.5:
            import binascii

            encoded = binascii.b2a_base64(data, newline=False).decode()[: rng.choice([99, 99, 3, 5])]
            words.append(f"=?{cs}?{rng.choice('bB')}?{encoded}?=")
        else:
            encoded = "".join(f"={b:02X}" if rng.random() < 0.6 else rng.choice("a_ =") for b in data)
            words.append(f"=?{cs}?{rng.choice('qQ')}?{encoded}?=")
        words.append(rng.choice([" ", "", "\n ", " plain ", "(", " ) "]))
    subject = "Subject: " + "".join(words)
    if re.search(r"(?im)^subject:", text):
        return re.sub(r"(?im)^subject:[^\n]*", lambda _: subject, text, count=1)
    return subject + "\n" + text


def _odd_characters(rng: random.Random, text: str) -> str:
    pos = rng.randrange(len(text) + 1)
    return text[:pos] + rng.choice(["é", "\x0c", "\x1c", "\u2028", "\r", "\ud800", "日本", "\t", "\x00"]) + text[pos:]


def _blank_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    blanks = [i for i, line in enumerate(lines) if not line] or [0]
    lines.insert(rng.choice(blanks), "")
    return "\n".join(lines)


MUTATIONS = [_cut, _blank_field, _drop_line, _double_line, _break_boundary, _break_boundary, _boundary_param,
             _spoil_base64,
             _charset, _transfer_encoding, _content_type, _content_type, _from_line, _continuation,
             _encoded_subject, _odd_characters, _blank_lines]
ROUNDS = 3000


def test_both_readers_agree_on_mutated_messages() -> None:
    rng = random.Random(15)
    bases = [text for _, text in MESSAGES if len(text) < 60_000]
    lean = 0
    for _ in range(ROUNDS):
        text = rng.choice(bases)
        for mutate in rng.sample(MUTATIONS, rng.randrange(1, 4)):
            text = mutate(rng, text) if text else text
        lean += check(text)
    assert lean >= ROUNDS // 2  # the mutations reach the lean reader, not only its fallback


def test_the_plain_charsets_are_those_the_email_package_keeps() -> None:
    """decode_words decodes a charset itself only when the email package would decode and encode
    it with the codec of its own name."""
    from email.charset import Charset

    for name in mime._PLAIN_CHARSETS:
        c = Charset(name)
        assert c.input_charset == name and (c.input_codec or "us-ascii") == name
        assert (c.output_codec or "us-ascii") == name


@pytest.mark.parametrize("value", [
    "=?utf-8?b?A?=",  # broken base64: the email package raises HeaderParseError
    "=?\u00fc?q?x?=",  # a charset name that is not ASCII: CharsetError
    "=?x-unknown?q?abc?=",
    "=?utf-8?q?caf=C3=A9?= =?utf-8?q?_au_lait?=",
    "plain =?iso-8859-1?q?M=FCller?=(x) =?us-ascii?q?y?=",
    "=?euc-jp?b?pKKkpA==?=",
])
def test_encoded_words(value: str) -> None:
    lean, stdlib = _both(lambda: mime.decode_words(value))
    assert lean == stdlib
    assert "Error" not in lean
