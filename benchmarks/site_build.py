"""How long the reference site takes to build, now and with a registry ten times the size.

    .venv/bin/python benchmarks/site_build.py [--runs 3] [--factor 10]

Runs the full MkDocs build (same config, same hook, strict) in this process a few times and prints
the median, first with today's registry, then with one inflated by synthetic copies of every
reason, code, text pattern and provider (the site generator's input is replaced; nothing on disk
changes). The page generation step alone is timed too. Targets: a full build under 10 s today, and
time growing no faster than the number of entries.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

import bouncecodes.site as site  # noqa: E402 - after the environment is set
from bouncecodes.model import EnhancedCode, EnhancedKind, Registry  # noqa: E402


def inflate(registry: Registry, factor: int) -> Registry:
    """The registry plus ``factor - 1`` synthetic copies of every entry, with ids of their own.

    Copies keep pointing at the real codes (their examples and statuses are the real ones), so the
    real code pages grow too, as they would with a registry that is really that large.
    """
    reasons = list(registry.reasons)
    reply = list(registry.reply)
    enhanced = list(registry.enhanced)
    phrases = list(registry.phrases)
    providers = list(registry.providers)
    for k in range(1, factor):
        def rid(reason: str, k: int = k) -> str:
            return f"{reason}-s{k}" if reason else ""

        reasons += [replace(r, id=rid(r.id)) for r in registry.reasons]
        reply += [replace(r, code=f"{r.code}s{k}", reason=rid(r.reason)) for r in registry.reply]
        enhanced += [_copy_code(e, k, rid(e.reason)) for e in registry.enhanced if e.kind is EnhancedKind.CODE]
        phrases += [replace(p, id=f"phrase:{rid(p.reason)}/{p.id.rsplit('/', 1)[-1]}", reason=rid(p.reason))
                    for p in registry.phrases]
        for p in registry.providers:
            pid = f"{p.id}-s{k}"
            rules = tuple(replace(r, id=f"provider:{pid}/{r.id.rsplit('/', 1)[-1]}", provider=pid,
                                  reason=rid(r.reason)) for r in p.rules)
            providers.append(replace(p, id=pid, name=f"{p.name} copy {k}", rules=rules))
    return Registry(reasons=tuple(reasons), reply=tuple(reply), enhanced=tuple(enhanced), phrases=tuple(phrases),
                    providers=tuple(providers))


def _copy_code(e: EnhancedCode, k: int, reason: str) -> EnhancedCode:
    _, subject, detail = e.code.split(".")
    return replace(e, code=f"X.{subject}.{int(detail) + 100 * k}", reason=reason)


@contextlib.contextmanager
def site_input_of(registry: Registry) -> Iterator[None]:
    """Make the hook build the site from this registry instead of the packaged one."""
    raw = (json.dumps(registry.to_dict(), ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
    original = site.site_input
    site.site_input = lambda: (registry, raw)
    try:
        yield
    finally:
        site.site_input = original


def mkdocs_build() -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    out = tempfile.mkdtemp(prefix="bouncecodes-bench-")
    try:
        config = load_config(config_file=str(ROOT / "mkdocs.yml"), site_dir=out)
        build(config)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="builds per size (default 3)")
    parser.add_argument("--factor", type=int, default=10, help="how much to inflate the registry (default 10)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    os.chdir(ROOT)

    today, raw = site.site_input()
    mkdocs_build()  # warm-up: imports, theme loading and Markdown extensions are paid once per process
    sizes = [("today", today), (f"x{args.factor}", inflate(today, args.factor))]
    results: dict[str, tuple[float, float, int]] = {}
    print(f"{'registry':<10} {'entries':>8} {'pages':>6} {'generate s':>11} {'full build s (median)':>22}  runs")
    for label, registry in sizes:
        entries = sum(len(x) for x in (registry.reasons, registry.reply, registry.enhanced, registry.providers))
        pages = len(site.render_pages(registry))
        gen, _ = median_time(functools.partial(site.generate_site, registry, raw, "http://127.0.0.1:8000/"), args.runs)
        with site_input_of(registry):
            full, times = median_time(mkdocs_build, args.runs)
        results[label] = (gen, full, entries)
        print(f"{label:<10} {entries:>8} {pages:>6} {gen:>11.2f} {full:>22.2f}  {', '.join(f'{t:.2f}' for t in times)}")

    (gen1, full1, n1), (gen2, full2, n2) = results.values()
    growth, scale = full2 / full1, n2 / n1
    print()
    print(f"entries grew {scale:.1f}x; full build time grew {growth:.1f}x, page generation {gen2 / gen1:.1f}x")
    ok_time = full1 < 10
    ok_growth = growth <= scale * 1.1
    print(f"target full build < 10 s today: {'met' if ok_time else 'MISSED'} ({full1:.2f} s)")
    print(f"target growth no worse than linear: {'met' if ok_growth else 'MISSED'} ({growth:.1f}x for {scale:.1f}x)")
    return 0 if ok_time and ok_growth else 1


if __name__ == "__main__":
    sys.exit(main())
