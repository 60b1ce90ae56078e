"""Log throughput: lines per second reading a large generated Postfix log (medians).

The log is made the way a busy relay writes it: per message the SMTP server's connect, client and
disconnect lines, cleanup's message-id, the queue manager's from= and removed lines and one delivery
outcome (mostly sent, some deferred or bounced), with refused clients and recipients between them
(NOQUEUE rejects, postscreen). Addresses are example.org/example.net, hosts 192.0.2.x and
198.51.100.x. Three figures, in-process:

1. parse: ``parse_log`` over the whole text (the evidence of every outcome line);
2. parse + classify: the same, then the verdict for every piece of evidence;
3. detect: telling that the text is a log (the first 200 KB are looked at).

Wall-clock and CPU time are both given (medians); on a machine shared with other work the CPU
figure moves less.

    python benchmarks/logs.py [--lines 200000] [--runs 5] [--save FILE]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from bouncecodes.classify import classify_evidence
from bouncecodes.parse.detect import detect
from bouncecodes.parse.logs import parse_log
from bouncecodes.registry import load_registry

HEX = "0123456789ABCDEF"


def _qid(rng: random.Random) -> str:
    return "".join(rng.choice(HEX) for _ in range(10))


def _stamp(second: int) -> str:
    return f"Mar  2 {second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}"


def postfix_log(lines: int, seed: int = 7) -> str:
    """About ``lines`` lines of a Postfix relay's log."""
    rng = random.Random(seed)
    out: list[str] = []
    second = 0
    pid = 1000
    while len(out) < lines:
        second += 1
        pid += 1
        client_ip = f"198.51.100.{rng.randrange(1, 255)}"
        client = f"client{rng.randrange(100)}.example.net[{client_ip}]"
        t = _stamp(second)
        roll = rng.random()
        if roll < 0.06:  # a refused recipient
            out += [
                f"{t} mx1 postfix/smtpd[{pid}]: connect from {client}",
                f"{t} mx1 postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from {client}: 550 5.1.1 "
                f"<nobody{rng.randrange(999)}@example.org>: Recipient address rejected: User unknown in virtual "
                f"mailbox table; from=<s{rng.randrange(999)}@example.net> to=<nobody@example.org> proto=ESMTP "
                f"helo=<client.example.net>",
                f"{t} mx1 postfix/smtpd[{pid}]: disconnect from {client} ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4",
            ]
            continue
        if roll < 0.09:  # postscreen turns a client away
            out += [
                f"{t} mx1 postfix/postscreen[{pid}]: CONNECT from [{client_ip}]:{rng.randrange(1024, 65535)} to [192.0.2.1]:25",
                f"{t} mx1 postfix/postscreen[{pid}]: DNSBL rank 3 for [{client_ip}]:{rng.randrange(1024, 65535)}",
                f"{t} mx1 postfix/postscreen[{pid}]: NOQUEUE: reject: RCPT from [{client_ip}]:{rng.randrange(1024, 65535)}: "
                f"550 5.7.1 Service unavailable; client [{client_ip}] blocked using zen.example.net; "
                f"from=<s@example.net>, to=<rcpt@example.org>, proto=ESMTP, helo=<client.example.net>",
                f"{t} mx1 postfix/postscreen[{pid}]: DISCONNECT [{client_ip}]:{rng.randrange(1024, 65535)}",
            ]
            continue
        qid = _qid(rng)
        rcpt = f"user{rng.randrange(5000)}@example.org"
        out += [
            f"{t} mx1 postfix/smtpd[{pid}]: connect from {client}",
            f"{t} mx1 postfix/smtpd[{pid}]: {qid}: client={client}",
            f"{t} mx1 postfix/cleanup[{pid + 1}]: {qid}: message-id=<{_qid(rng)}@example.net>",
            f"{t} mx1 postfix/qmgr[900]: {qid}: from=<s{rng.randrange(999)}@example.net>, size={rng.randrange(900, 90000)}, "
            f"nrcpt=1 (queue active)",
            f"{t} mx1 postfix/smtpd[{pid}]: disconnect from {client} ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
        ]
        relay = f"mx{rng.randrange(9)}.example.org[192.0.2.{rng.randrange(1, 255)}]:25"
        outcome = rng.random()
        if outcome < 0.88:
            out.append(f"{t} mx1 postfix/smtp[{pid + 2}]: {qid}: to=<{rcpt}>, relay={relay}, delay=0.4, "
                       f"delays=0.1/0.01/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {_qid(rng)})")
            out.append(f"{t} mx1 postfix/qmgr[900]: {qid}: removed")
        elif outcome < 0.96:
            out.append(f"{t} mx1 postfix/smtp[{pid + 2}]: {qid}: to=<{rcpt}>, relay={relay}, delay=3.1, "
                       f"delays=0.1/0/3/0, dsn=4.2.2, status=deferred (host {relay[:-3]} said: 452 4.2.2 "
                       f"Mailbox full (in reply to RCPT TO command))")
        else:
            out.append(f"{t} mx1 postfix/smtp[{pid + 2}]: {qid}: to=<{rcpt}>, relay={relay}, delay=0.9, "
                       f"delays=0.1/0/0.4/0.4, dsn=5.1.1, status=bounced (host {relay[:-3]} said: 550 5.1.1 "
                       f"<{rcpt}>: Recipient address rejected: User unknown (in reply to RCPT TO command))")
            out.append(f"{t} mx1 postfix/bounce[{pid + 3}]: {qid}: sender non-delivery notification: {_qid(rng)}")
            out.append(f"{t} mx1 postfix/qmgr[900]: {qid}: removed")
    return "\n".join(out[:lines]) + "\n"


def median_times(fn: object, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``runs`` calls (CPU time moves less on a shared machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--save", help="also write the generated log to this file")
    args = ap.parse_args()
    text = postfix_log(args.lines)
    if args.save:
        Path(args.save).write_text(text, encoding="utf-8")
    n = text.count("\n")
    registry = load_registry()
    found = parse_log(text)  # warm: patterns compiled
    print(f"log: {n:,} lines, {len(text) / 1e6:.1f} MB, {len(found):,} pieces of evidence")
    print("                  wall              CPU")
    for name, fn in (("parse", lambda: parse_log(text)),
                     ("parse + classify", lambda: [classify_evidence(e, registry) for e in parse_log(text)])):
        wall, cpu = median_times(fn, args.runs)
        print(f"{name:16s}  {n / wall:>9,.0f} lines/s  {n / cpu:>9,.0f} lines/s")
    wall, cpu = median_times(lambda: detect(text), args.runs)
    print(f"detect            {wall * 1000:7.2f} ms        {cpu * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
