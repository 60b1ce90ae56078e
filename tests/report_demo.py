"""The logs of the README's walkthrough, generated: two Postfix hosts (``hosts/mx1``, ``hosts/mx2``),
each with its current log and the one rotated before it (gzipped), three days of a newsletter's deliveries.
Used by the report's browser test and by ``make report-screenshot`` (this module holds no tests).

Per message: cleanup's message-id line, the queue manager's from= line, then the delivery attempts
at its recipient: delivered at once, greylisted then delivered, refused for good (unknown user,
unknown domain, a blocklist, DMARC), deferred (full mailbox, rate limits, a block list) until a
bounce, a delivery or the queue's expiry. Addresses are of example domains, and of gmail.com and
outlook.com where the receiving provider's own replies are the point; hosts are 192.0.2.x.

    python -m tests.report_demo OUT_DIR          # the logs, in OUT_DIR/hosts/…
    python -m tests.report_demo --screenshot PNG  # logs → classify → report → a screenshot (Chromium)
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

SENDER = "news@shop.example"

#: (weight, recipient domain, relay, the attempts: (dsn, status, reply) …, then "expire" when the
#: queue gives up on it)
KINDS: list[tuple[int, str, str, list[tuple[str, str, str]]]] = [
    (60, "example.org", "mx.example.org[192.0.2.20]", [("2.0.0", "sent", "250 2.0.0 Ok: queued as 4Xyz")]),
    (10, "gmail.com", "gmail-smtp-in.l.google.com[192.0.2.30]", [("2.0.0", "sent", "250 2.0.0 OK 1772442850 gsmtp")]),
    (8, "example.net", "mx.example.net[192.0.2.21]", [
        ("4.7.1", "deferred", "451 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, please try again later"),
        ("2.0.0", "sent", "250 2.0.0 Ok: queued as 7Abc")]),
    (7, "example.org", "mx.example.org[192.0.2.20]", [
        ("5.1.1", "bounced", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table")]),
    (3, "example.com", "mx.example.com[192.0.2.22]", [
        ("4.2.2", "deferred", "452 4.2.2 <{rcpt}>: Mailbox full"),
        ("4.2.2", "deferred", "452 4.2.2 <{rcpt}>: Mailbox full"),
        ("5.2.2", "bounced", "552 5.2.2 <{rcpt}>: Mailbox full, over quota")]),
    (4, "outlook.com", "outlook-com.olc.protection.outlook.com[192.0.2.31]", [
        ("5.7.1", "bounced", "550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your "
                             "Internet service provider since part of their network is on our block list (S3150).")]),
    (4, "gmail.com", "gmail-smtp-in.l.google.com[192.0.2.30]", [
        ("4.7.28", "deferred", "421 4.7.28 [192.0.2.10] Our system has detected an unusual rate of unsolicited mail "
                               "originating from your IP address. To protect our users from spam, mail sent from "
                               "your IP address has been temporarily rate limited."),
        ("2.0.0", "sent", "250 2.0.0 OK 1772442851 gsmtp")]),
    (2, "gmail.com", "gmail-smtp-in.l.google.com[192.0.2.30]", [
        ("5.7.26", "bounced", "550 5.7.26 Unauthenticated email from shop.example is not accepted due to domain's "
                              "DMARC policy. Please contact the administrator of shop.example domain.")]),
    (2, "example.net", "mx.example.net[192.0.2.21]", [
        ("4.7.1", "deferred", "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.10]"),
        ("4.7.1", "deferred", "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.10]"),
        ("", "expire", "")]),
    (2, "example.com", "mx.example.com[192.0.2.22]", [
        ("5.7.1", "bounced", "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org")]),
    (2, "nosuchdomain.example", "none", [
        ("5.4.4", "bounced", "Host or domain name not found. Name service error for name=nosuchdomain.example type=A: "
                             "Host not found")]),
]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%b %e %H:%M:%S")


def host_log(host: str, start: datetime, messages: int, rng: random.Random) -> list[tuple[datetime, str]]:
    """The lines of one host's log, with their times (not yet in order: retries come later)."""
    lines: list[tuple[datetime, str]] = []
    weights = [k[0] for k in KINDS]
    step = timedelta(days=3) / messages
    for n in range(messages):
        at = start + step * n + timedelta(seconds=rng.randrange(60))
        qid = "".join(rng.choice("0123456789ABCDEF") for _ in range(10))
        _, domain, relay, attempts = rng.choices(KINDS, weights)[0]
        user = f"{rng.choice(['ann', 'ben', 'cy', 'dee', 'eli', 'fay', 'gus', 'hal'])}{rng.randrange(400)}"
        rcpt = f"{user}@{domain}"
        alias = f"{user}.alias@example.com" if rng.random() < 0.05 else ""
        pid = rng.randrange(1000, 30000)
        lines.append((at, f"{_stamp(at)} {host} postfix/cleanup[{pid}]: {qid}: message-id=<{n}.{qid}@shop.example>"))
        lines.append((at, f"{_stamp(at)} {host} postfix/qmgr[{pid + 1}]: {qid}: from=<{SENDER}>, size={rng.randrange(9000, 40000)}, "
                          "nrcpt=1 (queue active)"))
        when = at + timedelta(seconds=2)
        for dsn, status, reply in attempts:
            if status == "expire":
                when = at + timedelta(days=2)  # the queue's lifetime (short here: a test setup)
                lines.append((when, f"{_stamp(when)} {host} postfix/qmgr[{pid + 1}]: {qid}: from=<{SENDER}>, "
                                    "status=expired, returned to sender"))
                break
            reply = reply.format(rcpt=rcpt)
            said = (reply if relay == "none" else
                    f"host {relay} said: {reply} (in reply to RCPT TO command)" if status != "sent" else reply)
            orig = f"orig_to=<{alias}>, " if alias else ""
            lines.append((when, f"{_stamp(when)} {host} postfix/smtp[{pid + 2}]: {qid}: to=<{rcpt}>, {orig}relay="
                                f"{relay + ':25' if relay != 'none' else 'none'}, delay=1.2, delays=0.1/0/0.5/0.6, "
                                f"dsn={dsn}, status={status} ({said})"))
            when += timedelta(minutes=rng.choice([10, 20, 40, 70]))
    return lines


def write_logs(folder: Path, messages: int = 400, seed: int = 19, compress: bool = True) -> list[Path]:
    """Two hosts' logs under ``folder/hosts/``: ``mail.log`` (the last day) and ``mail.log.1.gz``
    (the two days before, gzipped), as logrotate leaves them with its ``compress`` option; with
    ``compress=False``, ``mail.log.1`` uncompressed. Returns the files written."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 0, 0, 0)
    rotated = start + timedelta(days=2)
    written = []
    for host in ("mx1", "mx2"):
        lines = sorted(host_log(host, start, messages, rng), key=lambda x: x[0])
        where = folder / "hosts" / host
        where.mkdir(parents=True, exist_ok=True)
        old = [text for at, text in lines if at < rotated]
        new = [text for at, text in lines if at >= rotated]
        for name, part in (("mail.log.1", old), ("mail.log", new)):
            data = ("\n".join(part) + "\n").encode()
            if compress and name != "mail.log":
                name += ".gz"
                data = gzip.compress(data, mtime=0)
            (where / name).write_bytes(data)
            written.append(where / name)
    return written


def make_report(folder: Path) -> Path:
    """The walkthrough in one go: the logs, ``classify`` into run.jsonl, ``report`` into report.html."""
    from bouncecodes.cli import main

    write_logs(folder)
    run = folder / "run.jsonl"
    with run.open("w") as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["classify", "--format", "jsonl", "--jobs", "1", str(folder / "hosts")])
    report = folder / "report.html"
    with contextlib.redirect_stderr(io.StringIO()):
        main(["report", str(run), "-o", str(report), "--title", "Bounces of mx1 and mx2"])
    return report


def screenshot(png: Path) -> None:
    """The report of the walkthrough's logs, in headless Chromium, the top of the page at 1100 px."""
    from .browser_support import launch

    with tempfile.TemporaryDirectory() as tmp:
        report = make_report(Path(tmp))
        with launch() as browser:
            page = browser.new_page(viewport={"width": 1100, "height": 1500})
            page.goto(report.as_uri())
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", nargs="?", help="write the logs under this folder")
    p.add_argument("--screenshot", metavar="PNG", help="write a screenshot of the report")
    args = p.parse_args(argv)
    if args.screenshot:
        screenshot(Path(args.screenshot))
    if args.out:
        for path in write_logs(Path(args.out)):
            print(path)
    if not (args.out or args.screenshot):
        p.error("give OUT_DIR or --screenshot PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
