"""Lint never crashes: a fixed seed of random edits to a small copy of codes/ (tests/registry_fuzz.py).
Thousands more, over all of codes/, run in benchmarks/lint_fuzz.py."""

from __future__ import annotations

from pathlib import Path

from .conftest import CODES
from .registry_fuzz import Fuzzer

SEED = 17
EDITS = 300


def test_random_edits_give_file_line_messages_and_no_traceback(tmp_path: Path) -> None:
    fuzzer = Fuzzer(CODES, tmp_path, keep=0.15, seed=SEED)
    # every kind of file is edited (a log format file too: its rules read what the edits break)
    assert {f.kind for f in fuzzer.sources} >= {"reasons", "reply", "enhanced", "phrases", "provider", "logs"}
    tally = fuzzer.run(EDITS, seed=SEED)
    assert tally.runs == EDITS
    assert not tally.failures, "\n\n".join(f"{f.mutation} of {f.file}:\n{f.failure}" for f in tally.failures[:3])
    # the edits were of every kind, and most of them broke something that lint then reported
    assert len(tally.by_mutation) >= 10, tally.by_mutation
    assert tally.runs - tally.built > EDITS // 2
