"""Pictures of what a reader sees (this module holds no tests): the checker's cards for three bounces a
reader might paste, with the "Why this answer" disclosure shut and open, and a provider page, each at a
desktop and a phone width and in both palettes. Issue #18 asks for them in its closing note; they are
made from the site as built now, so they are not committed.

    python -m tests.screenshots OUT_DIR     # builds the site, serves it on 127.0.0.1, writes OUT_DIR/*.png

The bounces are written here for the purpose, in the layouts their senders document (Exchange Online's
NDR as a mail client shows it, Gmail's notice, Postfix log lines, a German notice without a code).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import Page

from .browser_support import launch
from .test_site_support import build_site, serve_deployed

#: name → the text pasted into the checker
BOUNCES: dict[str, str] = {
    "microsoft365": """\
Delivery has failed to these recipients or groups:

anna.berg@contoso.example
Your message to anna.berg@contoso.example couldn't be delivered. The recipient's email system \
refused it: the address could not be found or is not allowed to receive mail from you.

For Email Admins
The receiving server answered the last attempt with the reply below.
More help: https://aka.ms/EXOSmtpErrors

Original Message Details
Created Date: 12/7/2026 9:14:02 AM
Sender Address: news@shop.example
Recipient Address: anna.berg@contoso.example
Subject: December offers

Error Details
Error: 550 5.4.1 Recipient address rejected: Access denied. For more information see \
https://aka.ms/EXOSmtpErrors [AM4PEPF00027A5F.eurprd04.prod.outlook.com 2026-12-07T09:14:03.118Z 08DE16A1B2C3D4E5]
Message rejected by: AM4PEPF00027A5F.eurprd04.prod.outlook.com
""",
    "gmail-dmarc": """\
Message blocked

The message you sent to carl@gmail.com was not delivered. The technical details are below.

The response from the remote server was:
550 5.7.26 Unauthenticated email from shop.example is not accepted due to domain's DMARC policy. \
Please contact the administrator of shop.example domain if this was a legitimate mail. To learn about \
the DMARC initiative, go to https://support.google.com/mail/?p=DmarcRejection 41be03b00d2f7-5c1d2e3f4a5b6si1234567a12.123 - gsmtp
""",
    "postfix-log": """\
Dec  7 09:20:11 mx1 postfix/smtp[4411]: 5F2A81C0431: to=<dora@example.net>, relay=mx.example.net[192.0.2.21]:25, \
delay=0.9, delays=0.1/0/0.4/0.4, dsn=4.7.1, status=deferred (host mx.example.net[192.0.2.21] said: 450 4.7.1 \
<dora@example.net>: Recipient address rejected: Greylisted, please try again later (in reply to RCPT TO command))
Dec  7 09:20:12 mx1 postfix/smtp[4412]: 71B3C1C0440: to=<ed@example.org>, relay=mx.example.org[192.0.2.20]:25, \
delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.2.2, status=bounced (host mx.example.org[192.0.2.20] said: 552 5.2.2 \
<ed@example.org>: Mailbox full, over quota (in reply to RCPT TO command))
""",
    "german": """\
Dies ist eine automatisch erstellte Nachricht.

Ihre Nachricht an fritz@example.de konnte nicht zugestellt werden.
Das Postfach des Empfängers ist voll.
""",
}

#: other pages: name → path under the site root
PAGES = {"provider-microsoft": "providers/microsoft/"}

#: width (CSS px) → height, and the palette a reader's system setting gives
WIDTHS = {1280: 900, 390: 844}
SCHEMES = ("light", "dark")


def checker(page: Page, base: str, text: str) -> None:
    page.goto(base + "checker/")
    page.wait_for_function("() => /Ready/.test(document.querySelector('.bc-status')?.textContent ?? '')",
                           timeout=180_000)
    page.fill("textarea.bc-form__input", text)
    before = int(page.get_attribute("#bouncecodes-checker", "data-bc-runs") or 0)
    page.click("button.bc-form__submit")
    page.wait_for_function("n => Number(document.getElementById('bouncecodes-checker').dataset.bcRuns) > n",
                           arg=before, timeout=180_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder for the PNG files (created)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    site = build_site("mkdocs")
    written = 0
    with serve_deployed(site.root) as base, launch() as browser:
        for width, height in WIDTHS.items():
            for scheme in SCHEMES:
                context = browser.new_context(viewport={"width": width, "height": height},
                                              color_scheme=scheme, is_mobile=width < 600, bypass_csp=True)
                page = context.new_page()
                # the theme's sticky header would sit over a card taller than the window in an element's
                # picture (Playwright scrolls it under the header): in these pictures it scrolls away
                page.add_init_script("document.addEventListener('DOMContentLoaded', () => {"
                                     " const s = document.createElement('style');"
                                     " s.textContent = '.md-header, .md-tabs { position: static !important }';"
                                     " document.head.append(s); });")
                for name, text in BOUNCES.items():
                    checker(page, base, text)
                    results = page.locator("#bouncecodes-checker .bc-results")
                    shot = out / f"checker-{name}-{width}-{scheme}.png"
                    (results if results.count() else page).screenshot(path=str(shot))
                    written += 1
                    for summary in page.query_selector_all(".bc-card details > summary"):
                        summary.click()
                    shot = out / f"checker-{name}-why-open-{width}-{scheme}.png"
                    (results if results.count() else page).screenshot(path=str(shot))
                    written += 1
                for name, path in PAGES.items():
                    page.goto(base + path)
                    page.screenshot(path=str(out / f"{name}-{width}-{scheme}.png"), full_page=width < 600)
                    written += 1
                context.close()
    print(f"{written} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
