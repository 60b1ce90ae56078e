"""bouncecodes.dask and ``classify --scheduler``: on a Dask cluster started here (threads of this
process talking TCP over 127.0.0.1, so tasks and results are serialised as on a real cluster), the
records are those of the single-process ``classify --format jsonl`` on the same inputs: real inputs
of tests/data, logs made of the registry's log examples (plain and gzip-compressed, one folder per
host), an mbox split into partitions that cut through its messages, and a maildir. Needs the
``dask`` extra (in ``dev``: CI installs it); skipped only without it."""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from bouncecodes import answers  # noqa: E402
from bouncecodes import dask as bd  # noqa: E402
from bouncecodes.cli import main  # noqa: E402
from bouncecodes.model import Registry  # noqa: E402

from .conftest import DATA  # noqa: E402

Record = dict[str, Any]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _example_logs(registry: Registry, folder: Path) -> list[Path]:
    """A log per program of the registry's log examples, each example three times (so each queue id
    and context line comes back), under a host's folder; the Postfix one gzip-compressed too."""
    made = []
    for program in registry.logs:
        lines = [e.log for f in program.formats for e in f.examples]
        if not lines:
            continue
        path = folder / "hosts" / f"mx-{program.id}" / "mail.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
        made.append(path)
        if program.id == "postfix":
            rotated = path.with_name("mail.log.1.gz")
            rotated.write_bytes(gzip.compress(path.read_bytes()))
            made.append(rotated)
    return made


def _eml_files() -> list[Path]:
    return sorted(p for sub in ("parse", "mime", "notices") for p in (DATA / sub).iterdir()) + \
        sorted(p for p in (DATA / "fuzz").glob("*.eml"))


def _mbox(path: Path, copies: int) -> Path:
    """An mbox of the test messages, ``copies`` times over (messages of a few hundred bytes to a few KB)."""
    with path.open("wb") as out:
        for i in range(copies):
            for eml in _eml_files():
                body = eml.read_bytes().replace(b"\r\n", b"\n")
                body = b"\n".join(b">" + x if x.startswith(b"From ") else x for x in body.split(b"\n"))
                out.write(f"From sender{i}@example.net Mon Mar  2 09:14:07 2026\n".encode() + body.rstrip(b"\n")
                          + b"\n\n")
    return path


def _maildir(folder: Path) -> Path:
    for i, eml in enumerate(_eml_files()):
        sub = folder / ("cur" if i % 2 else "new")
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copy(eml, sub / f"1772442847.M{i}P1.mx1:2,S" if i % 2 else sub / f"1772442847.M{i}P1.mx1")
    (folder / "tmp").mkdir()
    shutil.copy(_eml_files()[0], folder / "tmp" / "being-written")  # classify skips a maildir's tmp/
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fleet")
    logs = _example_logs(registry, root / "logs")
    mbox = _mbox(root / "archive.mbox", 4)
    maildir = _maildir(root / "Maildir")
    return {"root": root, "logs": root / "logs", "log_files": logs, "mbox": mbox, "maildir": maildir}


def _serial(capsys: pytest.CaptureFixture[str], *args: str) -> list[Record]:
    """The records of the single-process run (``--jobs 1``)."""
    capsys.readouterr()
    code = main(["classify", "--format", "jsonl", "--jobs", "1", "--quiet", *args])
    out = capsys.readouterr().out
    assert code in (0, 3), code
    return [json.loads(line) for line in out.splitlines()]


def _multiset(records: list[Record]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in records)


SMALL = 4096  # a partition's bytes: every input here is cut into many


def test_an_mbox_is_split_at_message_starts_and_the_cuts_fall_inside_messages(inputs: dict[str, Any]) -> None:
    mbox: Path = inputs["mbox"]
    data = mbox.read_bytes()
    parts = bd.partitions([str(mbox)], blocksize=SMALL)
    assert len(parts) > 5 and all(p.block and p.files == (str(mbox),) for p in parts)
    assert parts[0].start == 0 and parts[-1].end == len(data)
    for before, after in itertools.pairwise(parts):
        assert before.end == after.start  # no byte left out, none read twice
        assert data[after.start:after.start + 5] == b"From " and data[after.start - 2:after.start] == b"\n\n"
    # the nominal cuts (every SMALL bytes) fall inside messages: they were moved to the next start
    starts = {p.start for p in parts}
    inside = [k for k in range(SMALL, len(data), SMALL) if k not in starts]
    assert len(inside) >= len(parts) - 1


def test_a_log_is_one_partition_however_large(inputs: dict[str, Any]) -> None:
    big = max(inputs["log_files"], key=lambda p: p.stat().st_size)
    assert big.stat().st_size > 1024
    assert bd.partitions([str(big)], blocksize=1024) == [bd.Part((str(big),))]
    # small files are grouped, up to the block size
    grouped = bd.partitions([str(inputs["maildir"])], blocksize=1 << 20)
    assert len(grouped) == 1 and len(grouped[0].files) == len(_eml_files())
    assert not any("/Maildir/tmp/" in f for f in grouped[0].files)


def test_the_same_records_as_the_single_process_run(client: Any, inputs: dict[str, Any],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(inputs["logs"]), str(inputs["mbox"]), str(inputs["maildir"]), str(DATA / "fuzz")]
    want = _serial(capsys, *paths)
    assert len(want) > 100
    assert {r["file"] for r in want} >= {"mail.log", "mail.log.1.gz", "archive.mbox", "mta.log", "two-notices.mbox"}
    assert any(r["message"] and r["message"] > 40 for r in want if r["file"] == "archive.mbox")
    frame = bd.classify(paths, blocksize=SMALL)
    assert frame.npartitions > 10
    assert list(frame.columns) == list(want[0])
    got = bd.records(frame)
    assert _multiset(got) == _multiset(want)
    assert got == want  # and in the same order


def test_fsspec_urls_give_the_same_records(client: Any, inputs: dict[str, Any],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Files named by URL (here fsspec's ``file://``: the workers open them through fsspec, as they
    would ``s3://…``): the same records, the path as given."""
    paths = [str(inputs["logs"]), str(inputs["mbox"]), str(inputs["maildir"])]  # (its tmp/ left out too)
    want = _serial(capsys, *paths)
    for rec in want:
        rec["path"] = "file://" + rec["path"]
    got = bd.records(bd.classify(["file://" + p for p in paths], blocksize=SMALL))
    assert got == want and any(r["file"] == "mail.log.1.gz" for r in got)


def test_parquet_holds_the_same_records(client: Any, inputs: dict[str, Any], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import dask.dataframe as dd

    want = _serial(capsys, str(inputs["mbox"]))
    bd.to_parquet(bd.classify([str(inputs["mbox"])], blocksize=SMALL), str(tmp_path / "out"))
    assert _multiset(bd.records(dd.read_parquet(str(tmp_path / "out")))) == _multiset(want)


def test_summaries_suppression_list_and_final_outcomes_match(client: Any, inputs: dict[str, Any],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(inputs["logs"]), str(inputs["mbox"]), str(DATA / "fuzz")]
    want = _serial(capsys, *paths)
    frame = bd.classify(paths, blocksize=64 * 1024)  # fewer partitions: shuffles cost per partition
    assert frame.npartitions > 3

    main(["summary", "--format", "json", str(_saved(inputs["root"], want))])
    assert bd.summary(frame).to_dict() == json.loads(capsys.readouterr().out)

    suppressed = bd.suppression_list(frame, npartitions=3)
    assert suppressed and suppressed == answers.suppression_list(want)

    finals = bd.records(bd.final_outcomes(frame, npartitions=3))
    single = _serial(capsys, "--final", *paths)
    assert any(r.get("attempts", 0) > 1 for r in single)  # the logs repeat their queue ids
    assert _multiset(finals) == _multiset(single)


def _saved(root: Path, records: list[Record]) -> Path:
    path = root / "run.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_classify_scheduler_writes_the_same_jsonl_and_parquet(client: Any, inputs: dict[str, Any], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    import dask.dataframe as dd

    paths = [str(inputs["logs"]), str(inputs["maildir"]), str(tmp_path / "not-there")]
    capsys.readouterr()
    serial_code = main(["classify", "--format", "jsonl", "--jobs", "1", "--quiet", *paths])
    serial = capsys.readouterr()
    code = main(["classify", "--scheduler", client.scheduler.address, "--parquet", str(tmp_path / "pq"),
                 "--format", "jsonl", "--quiet", *paths])
    cluster = capsys.readouterr()
    assert code == serial_code == 1  # the missing path
    assert cluster.out == serial.out and cluster.out
    assert cluster.err == serial.err  # the same messages and closing line
    want = [json.loads(x) for x in serial.out.splitlines()]
    assert _multiset(bd.records(dd.read_parquet(str(tmp_path / "pq")))) == _multiset(want)
    # the summary of #14 reads its output
    assert main(["summary", "--format", "json", str(_saved(tmp_path, want))]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == len(want) > 100


def test_classify_scheduler_writes_csv_as_the_command_does(client: Any, inputs: dict[str, Any],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(inputs["mbox"])]
    capsys.readouterr()
    main(["classify", "--format", "csv", "--jobs", "1", "--quiet", *paths])
    serial = capsys.readouterr().out
    main(["classify", "--scheduler", client.scheduler.address, "--format", "csv", "--quiet", *paths])
    assert capsys.readouterr().out == serial and serial.count("\n") > 50


def test_classify_scheduler_with_the_final_outcomes(client: Any, inputs: dict[str, Any],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(inputs["logs"])]
    want = _serial(capsys, "--final", *paths)
    main(["classify", "--scheduler", client.scheduler.address, "--format", "jsonl", "--quiet", "--final", *paths])
    assert [json.loads(x) for x in capsys.readouterr().out.splitlines()] == want


def test_without_the_extra_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "bouncecodes.dask", None)  # what an install without dask gives
    assert main(["classify", "--scheduler", "tcp://127.0.0.1:1", str(DATA / "fuzz")]) == 2
    assert "pip install 'bouncecodes[dask]'" in capsys.readouterr().err
    assert main(["classify", "--parquet", "out", str(DATA / "fuzz")]) == 2
    assert "--parquet needs --scheduler" in capsys.readouterr().err


def test_the_runtime_does_not_import_dask() -> None:
    import subprocess

    code = "import sys, bouncecodes.cli, bouncecodes.answers; print(any(m.split('.')[0] in ('dask', 'distributed', " \
           "'pandas', 'pyarrow') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
