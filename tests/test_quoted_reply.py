"""Bounces written for people quote the receiving server's reply after a label: the diagnostic is that
reply, with the address it names, its span points at it in every script, and the provider is named
from the notice's own markers (issue 18).

The notices in tests/data/notices/ are written from the layouts the programs' makers document:
Exchange Online's NDR ("Error Details" with "Error:" and "Message rejected by:", the aka.ms/EXOSmtpErrors
link), Exchange Server's ("Diagnostic information for administrators", "Remote Server returned '…'")
in https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online,
Gmail's ("The response from the remote server was:") in https://support.google.com/mail/answer/6596.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bouncecodes import classify

DATA = Path(__file__).parent / "data" / "notices"


def _one(text: str):  # type: ignore[no-untyped-def]
    [r] = classify(text)
    return r


def test_microsoft_365_quotes_the_error_line_and_names_microsoft() -> None:
    text = (DATA / "microsoft365.txt").read_text(encoding="utf-8")
    r = _one(text)
    assert r.diagnostic.startswith("550 5.4.1 Recipient address rejected: Access denied.")
    assert "aka.ms/EXOSmtpErrors" in r.diagnostic and "Your message to" not in r.diagnostic
    # Microsoft's own words decide: its provider rules or the Exchange Online catalogue (#14)
    assert r.provider == "microsoft"
    assert r.rule.startswith(("provider:microsoft/", "software:exchange-online/"))
    assert text[r.span[0]:r.span[1]].startswith("550 5.4.1 Recipient address rejected")
    assert text[r.span[0]:r.span[1]].endswith("08DD1234ABCD5678]")


@pytest.mark.parametrize("name,reply", [
    ("exchange.txt", "550 5.1.1 <bob@contoso.com>: Recipient address rejected: User unknown in virtual mailbox table"),
    ("gmail.txt", "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in local recipient table"),
])
def test_the_quoted_reply_keeps_its_address(name: str, reply: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    r = _one(text)
    assert r.diagnostic == reply
    assert text[r.span[0]:r.span[1]] == reply


@pytest.mark.parametrize("lead,words", [
    ("Remote server response:", "Recipient address rejected: User unknown"),
    ("リモートサーバーからの応答:", "ユーザーが存在しません"),
    ("Ответ удалённого сервера:", "Пользователь не найден"),
    ("远程服务器的响应：", "用户不存在"),
])
def test_the_span_points_at_the_reply_in_every_script(lead: str, words: str) -> None:
    text = f"Delivery failed.\n\nbob@example.jp\n{lead}\n550 5.1.1 <bob@example.jp>: {words}\n"
    r = _one(text)
    quoted = text[r.span[0]:r.span[1]]
    assert r.span != (0, 0), r
    assert quoted.endswith(words) and "550 5.1.1" in quoted, (r.span, quoted)


def test_a_short_reply_without_its_address_is_still_found() -> None:
    """The cause of [0, 0] for Japanese text: a reply of few words (CJK has no spaces between them)
    whose address the parser had cut was looked for only with its first four words together."""
    from bouncecodes.parse import locate

    text = "前置き\n550 5.1.1 <bob@example.jp>: ユーザーが存在しません\n"
    start, end = locate(text, "550 5.1.1 ユーザーが存在しません")
    assert text[start:end] == "550 5.1.1 <bob@example.jp>: ユーザーが存在しません"


@pytest.mark.parametrize("text,quoted", [
    ("Ihre Nachricht an fritz@example.de konnte nicht zugestellt werden.\nDas Postfach des Empfängers ist voll.\n",
     "Ihre Nachricht an … konnte nicht zugestellt werden."),
    ("This is an automatically generated message.\n\n"
     "Sorry, your message to ann@example.org cannot be delivered. This account is over quota.\n",
     "Sorry, your message to … cannot be delivered."),
])
def test_prose_keeps_a_mark_where_the_address_stood(text: str, quoted: str) -> None:
    """Prose without a reply is quoted without the recipient's address (so that a long list of
    recipients shares one piece of evidence), but the sentence keeps a mark where the address stood
    rather than reading as if a word were missing."""
    assert _one(text).diagnostic.startswith(quoted)


def test_a_reply_naming_the_address_is_not_marked() -> None:
    r = _one("<ann@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <ann@example.org>: "
             "Recipient address rejected: User unknown (in reply to RCPT TO command)\n")
    assert "…" not in r.diagnostic
