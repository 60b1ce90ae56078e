"""German and French bounce prose without any code gets a verdict from the registry's words in those
languages, on one line or on several, as English prose does (issue 18); a letter in those languages
that reports no failure holds no bounce."""

from __future__ import annotations

import pytest

from bouncecodes import classify


@pytest.mark.parametrize("text,reason", [
    ("Ihre Nachricht an bob@example.de konnte nicht zugestellt werden.\nDas Postfach des Empfängers ist voll.\n",
     "mailboxfull"),
    ("Zustellung an folgende Empfänger fehlgeschlagen:\nbob@example.de\n"
     "Die eingegebene E-Mail-Adresse wurde nicht gefunden.\n", "userunknown"),
    ("Votre message à bob@example.fr n’a pas pu être remis.\nLa boîte aux lettres du destinataire est pleine.\n",
     "mailboxfull"),
    ("La remise a échoué pour ces destinataires ou groupes :\nbob@example.fr\n"
     "L’adresse de messagerie que vous avez entrée est introuvable.\n", "userunknown"),
    ("Votre message à bob@example.fr n’a pas pu être remis.\nL’adresse du destinataire est introuvable.\n",
     "userunknown"),
])
def test_codeless_prose_in_german_and_french_gets_a_verdict(text: str, reason: str) -> None:
    [r] = classify(text)
    assert (r.recipient, r.reason) == (text.split("@")[0].split()[-1] + "@" + text.split("@")[1].split()[0]
                                       .rstrip(".:"), reason)
    assert r.rule.startswith("phrase:")


def test_a_failure_said_only_in_words_is_on_hold() -> None:
    for text in ("Nachricht konnte nicht zugestellt werden", "Votre message n’a pas pu être remis."):
        [r] = classify(text)
        assert r.reason == "onhold", text


@pytest.mark.parametrize("text", [
    "Vielen Dank für Ihre Nachricht an bob@example.de.\nIch melde mich morgen.\n",
    "Merci pour votre message à bob@example.fr.\nJe vous réponds demain.\n",
])
def test_a_letter_is_no_bounce(text: str) -> None:
    assert classify(text) == []
