"""The answers commands and options as the command line declares them: ``summary``, ``filter``,
``suppress``, ``report`` and ``classify``'s ``--final``, filters and ``--summary``.

Only what ``argparse`` needs to read a command line is here, so that ``bouncecodes classify`` starts
without the answers' modules (:mod:`bouncecodes.cli_answers`, :mod:`bouncecodes.answers`: ``json``,
``csv``, ``difflib``, ``dataclasses``, ``pathlib``, ``typing``); those are imported when a command
or option of theirs runs.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

#: The default address of the reference site the report links to: ``SITE_URL`` (the variable the
#: site is built with), else the address ``make serve`` serves it at.
DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


# -- options shared by classify and the commands on saved runs ----------------------------------------


def add_filter_options(p: argparse.ArgumentParser, final: bool = True) -> None:
    """``--final`` and the filters."""
    g = p.add_argument_group("answers")
    if final:
        g.add_argument("--final", action="store_true",
                       help="one record per message and recipient: its deferrals, then its bounce, expiry or delivery, "
                            "collapsed to the final outcome with the attempts and first and last times (log records "
                            "with a queue id; others go through unchanged)")
    g.add_argument("--failures", action="store_true",
                   help="failures only: no deliveries, auto-replies or feedback reports")
    g.add_argument("--hard", action="store_true", help="hard failures only (the address should be dropped)")
    g.add_argument("--reason", action="append", default=[], metavar="REASON",
                   help="only this reason (repeat, or separate by commas, for several; see the site's reasons)")
    g.add_argument("--domain", action="append", default=[], metavar="DOMAIN",
                   help="only recipients of this domain or its subdomains (repeat, or separate by commas)")


def add_classify_options(p: argparse.ArgumentParser) -> None:
    """The answers options of ``classify``."""
    add_filter_options(p)
    p.add_argument("--summary", action=argparse.BooleanOptionalAction, default=None,
                   help="a summary of the records written (by reason, recipient domain, provider, direction; hard "
                        "and soft) on standard error when the run ends, also with -q (default: when standard error "
                        "is a terminal and the run wrote two records or more)")
    p.add_argument("--summary-format", choices=["text", "json"],
                   help="the summary as text tables or one JSON object (default: text on a terminal, else JSON); "
                        "implies --summary")


def hook_wanted(args: argparse.Namespace, err: TextIO) -> bool:
    """Whether ``classify`` needs the answers hook (:class:`bouncecodes.cli_answers.ClassifyHook`):
    an answers option, or a summary due on a terminal."""
    return bool(args.final or args.failures or args.hard or args.reason or args.domain or args.summary
                or args.summary_format or (args.summary is None and err.isatty()))


# -- the commands on saved runs ------------------------------------------------------------------------


def _add_runs(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="*", metavar="RUN",
                   help="records of `bouncecodes classify` (JSON Lines or --format json); '-' or nothing: standard input")


def _later(name: str) -> Callable[[argparse.Namespace, TextIO, TextIO], int]:
    """The command ``name`` of :mod:`bouncecodes.cli_answers`, imported when it runs."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        from . import cli_answers

        return int(cli_answers.guarded(getattr(cli_answers, name))(args, out, err))
    return run


def add_commands(sub: Any) -> None:  # sub: argparse's _SubParsersAction
    """The answers commands, added to the ``bouncecodes`` parser's subcommands."""
    s = sub.add_parser("summary", help="counts of a saved run: by reason, recipient domain, provider, direction, "
                                       "hard and soft")
    _add_runs(s)
    s.add_argument("--format", choices=["text", "json"], help="text tables (default on a terminal) or one JSON object "
                                                              "(default otherwise)")
    s.add_argument("--top", type=int, default=10, metavar="N", help="rows of each text table (0: all; default 10)")
    add_filter_options(s)
    s.set_defaults(func=_later("cmd_summary"))

    f = sub.add_parser("filter", help="the records of a saved run that pass the filters, or its final outcomes")
    _add_runs(f)
    f.add_argument("--format", choices=["text", "json", "jsonl", "csv"], help="text on a terminal, else jsonl")
    add_filter_options(f)
    f.set_defaults(func=_later("cmd_filter"))

    u = sub.add_parser("suppress", help="the addresses to stop mailing (hard failures) of a saved run")
    _add_runs(u)
    u.add_argument("--format", choices=["lines", "csv"], default="lines",
                   help="one address a line (default), or CSV for an ESP's import: address, reason, last_seen, code")
    add_filter_options(u, final=False)
    u.set_defaults(func=_later("cmd_suppress"))

    r = sub.add_parser("report", help="one self-contained HTML page of a saved run: failures over time, domains, "
                                      "providers, deferrals, what to fix first (needs the report extra)")
    _add_runs(r)
    r.add_argument("-o", "--output", default="bouncecodes-report.html", metavar="FILE",
                   help="where to write the page ('-': standard output; default bouncecodes-report.html)")
    r.add_argument("--site-url", metavar="URL",
                   help="the reference site the advice links to (default: $SITE_URL, else " + DEFAULT_SITE_URL + ")")
    r.add_argument("--title", default="Bounce report", help="the page's title")
    add_filter_options(r)
    r.set_defaults(func=_later("cmd_report"))

