"""What ``Result.span`` points at: the contract the checker page relies on to highlight evidence.

A span is a pair of offsets, in code points, into the text the classifier read: the input decoded
(UTF-8, else Latin-1) with every line end made ``\\n`` and NUL characters dropped. For pasted text
without CR or NUL that is the text itself; otherwise the checker's worker sends that text back to
the page with the results. ``(0, 0)`` means the finder located nothing to highlight.
"""

from __future__ import annotations

import pytest

import bouncecodes
from bouncecodes.parse.common import to_text

LOG = ("Jan  1 00:00:00 mx postfix/smtp[123]: ABC123DEF: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25, "
       "dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: User unknown "
       "(in reply to RCPT TO command))")
SAID = "host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: User unknown (in reply to RCPT TO command)"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("550 5.1.1 <bob@example.org>: user unknown", "550 5.1.1 <bob@example.org>: user unknown"),
        ("\n\n  550 5.1.1 user unknown  \n", "550 5.1.1 user unknown"),
        ("550-5.7.26 one\r\n550 5.7.26 two\r\n", "550-5.7.26 one\n550 5.7.26 two"),
        ("👋 ü\n" + LOG, SAID),  # a character beyond U+FFFF before the span: offsets count code points
        ("x\r\n" + LOG + "\r\n", SAID),
        (("Grüße\n" + LOG).encode("latin-1", "replace"), SAID),  # bytes that are not UTF-8
        ("Grüße\n" + LOG + "\n" + LOG.replace("bob@", "eve@"), SAID),
    ],
)
def test_span_is_an_offset_into_the_text_the_classifier_read(data: str | bytes, expected: str) -> None:
    results = bouncecodes.classify(data)
    assert results
    text = to_text(data)
    start, end = results[0].span
    # (the Postfix finder's span still takes in the ")" that closes "status=bounced (…)")
    assert text[start:end].rstrip(")") == expected.rstrip(")")
    assert 0 <= start < end <= len(text) and text[start:end].startswith(expected[:20])


def test_each_log_line_gets_its_own_span() -> None:
    text = LOG + "\n" + LOG.replace("bob@", "eve@")
    first, second = bouncecodes.classify(text)
    assert first.span[1] < second.span[0]
    assert text[second.span[0]:second.span[1]].rstrip(")") == SAID.replace("bob@", "eve@").rstrip(")")


def test_no_span_means_nothing_to_highlight() -> None:

    fields = ("Reporting-MTA: dns; example.net\n\nFinal-Recipient: rfc822; b@example.org\nAction: failed\n"
              "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n")
    plain = ("From: MAILER-DAEMON@example.net\nContent-Type: multipart/report; report-type=delivery-status; "
             'boundary="b"\n\n--b\nContent-Type: message/delivery-status\n\n' + fields + "\n--b--\n")
    (result,) = bouncecodes.classify(plain)
    assert plain[result.span[0]:result.span[1]] == "550 5.1.1 user unknown"
    # encoded (a quoted-printable soft break inside the words), the server's words are not in the
    # text the reader sees: nothing to highlight
    encoded = ("From: MAILER-DAEMON@example.net\nTo: a@example.net\nSubject: Undelivered Mail Returned to Sender\n"
               "MIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
               "<b@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 user un=\nknown\n")
    (result,) = bouncecodes.classify(encoded)
    assert (result.reason, result.span) == ("userunknown", (0, 0))
