"""Lint under thousands of random edits of codes/: how many edits ran, and how many made lint (or
the build after a clean lint) raise instead of reporting.

Each edit changes one file of a temporary copy of codes/ (a reason id, a code, a value's type, a
key deleted or renamed, broken YAML, a pattern, a repeated list item, swapped lines, a whole file, a
renamed file; see tests/registry_fuzz.py), lints the copy, and puts the file back. The test suite
runs a few hundred of the same edits on a small part of codes/ (tests/test_lint_fuzz.py).

    python benchmarks/lint_fuzz.py [--count 2000] [--seed 1] [--keep 1.0] [--show 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.registry_fuzz import Fuzzer  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=2000, help="edits to make (default 2000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", type=float, default=1.0,
                   help="the share of each folder's files to keep (default 1: all of codes/)")
    p.add_argument("--codes", default=str(ROOT / "codes"))
    p.add_argument("--show", type=int, default=3, help="failures to print in full")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        fuzzer = Fuzzer(Path(args.codes), Path(work), keep=args.keep, seed=args.seed)
        started = time.perf_counter()
        tally = fuzzer.run(args.count, args.seed)
        seconds = time.perf_counter() - started
    print(f"registry files:        {len(fuzzer.sources)}")
    print(f"mutations run:         {tally.runs} (seed {args.seed})")
    print(f"tracebacks found:      {tally.tracebacks}")
    print(f"malformed messages:    {tally.bad_messages}")
    print(f"lint clean, then built: {tally.built}")
    print(f"lint --fix reordered:  {tally.reordered}")
    print(f"time:                  {seconds:.0f} s ({1000 * seconds / max(tally.runs, 1):.0f} ms per mutation)")
    print("by mutation:           " + ", ".join(f"{k} {v}" for k, v in sorted(tally.by_mutation.items())))
    for outcome in tally.failures[:args.show]:
        print(f"\n--- {outcome.mutation} of {outcome.file}\n{outcome.failure}")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
