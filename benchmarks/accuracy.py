"""Accuracy on the labelled dev corpus, scored by the shared scorer (prints its figures).

    python benchmarks/accuracy.py [--corpus ../shared/corpus/sisimai-dev]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "sisimai-dev"))
    p.add_argument("--json", action="store_true", help="also print the scorer's summary as JSON")
    args = p.parse_args()
    corpus = Path(args.corpus)
    scorer = corpus.parent / "evaluate.py"
    if not scorer.exists():
        print(f"no scorer at {scorer}: pass --corpus pointing at a sisimai-dev folder", file=sys.stderr)
        return 2
    exe = shutil.which("bouncecodes") or f"{sys.executable} -m bouncecodes"
    cmd = [sys.executable, str(scorer), "--labels", str(corpus / "labels.json"), "--corpus", str(corpus),
           "--cmd", f"{exe} classify -q --format jsonl"]
    if args.json:
        cmd.append("--json")
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
