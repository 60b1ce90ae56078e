"""What the site build ships for the checker (bouncecodes.build.checker.build_checker_assets): the
runtime byte-compiled by Pyodide's own Python, which must classify the golden set exactly as the
sources do under CPython, a trimmed stdlib, a manifest, and a cache that spares Node on rebuilds.

Needs Node.js and ``npm ci`` (``make setup`` runs it); without them this test fails, it never skips.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from bouncecodes.build.checker import build_checker_assets, runtime_files

from .test_pyodide import NODE_MODULES, cpython_outcome, golden_inputs, require_node, run_pyodide


def test_shipped_runtime_is_compiled_and_classifies_as_cpython(tmp_path: Path) -> None:
    node = require_node()
    out, cache = tmp_path / "checker", tmp_path / "cache"
    manifest = build_checker_assets(out, NODE_MODULES, cache_dir=cache, node=node)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    runtime, stdlib = out / manifest["runtime"], out / manifest["stdlib"]
    assert runtime.name.startswith("bouncecodes-") and stdlib.name.startswith("python_stdlib-")
    assert (out / manifest["pyodide"] / "pyodide.asm.wasm").is_file()

    with zipfile.ZipFile(runtime) as archive:
        names = set(archive.namelist())
    sources = {name for name, _ in runtime_files()}
    assert names == {n + "c" if n.endswith(".py") else n for n in sources}, "every module compiled, no source"
    assert "bouncecodes/registry.json" in names

    # rebuilt from the cache: same names, and Node is not needed at all
    again = build_checker_assets(out, NODE_MODULES, cache_dir=cache, node=str(tmp_path / "no-node-here"))
    assert again == manifest
    assert sorted(p.name for p in out.glob("*.zip")) == sorted([runtime.name, stdlib.name])

    cases = golden_inputs()
    found = run_pyodide(node, runtime, [data for _, data in cases], ["--stdlib-url", str(stdlib)])
    assert found["python"].startswith("3.14.")
    for (name, data), got in zip(cases, found["outcomes"], strict=True):
        assert got == cpython_outcome(data), f"{name}: the compiled runtime and CPython disagree"
