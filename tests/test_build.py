"""The build step: YAML → model → registry.json → model round trip, byte-stable output, and a runtime
that needs neither PyYAML nor jsonschema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bouncecodes.build import build_registry, registry_json
from bouncecodes.model import Registry
from bouncecodes.registry import registry_bytes

from .conftest import CODES


def test_round_trip() -> None:
    built = build_registry(CODES)
    again = Registry.from_dict(json.loads(registry_json(built)))
    assert again == built
    assert registry_json(again) == registry_json(built)


def test_byte_identical_rebuilds() -> None:
    assert registry_json(build_registry(CODES)) == registry_json(build_registry(CODES))


def test_packaged_registry_is_current() -> None:
    assert registry_bytes() == registry_json(build_registry(CODES))


def test_canonical_form() -> None:
    data = json.loads(registry_bytes())
    assert data["schema_version"] == 1
    assert registry_bytes() == (json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('yaml', 'jsonschema', 'referencing', 'jinja2'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import bouncecodes, bouncecodes.cli, bouncecodes.parse, bouncecodes.classify
r = bouncecodes.classify('550 5.1.1 <a@example.org>: user unknown')
assert r[0].reason == 'userunknown', r
assert bouncecodes.lookup('5.7.26').enhanced
print('ok')
"""


def test_runtime_without_build_dependencies() -> None:
    out = subprocess.run([sys.executable, "-c", BLOCKER], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_wheel_contains_registry(tmp_path: Path) -> None:
    root = CODES.parent
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                          str(tmp_path), str(root)], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    import zipfile

    wheel = next(tmp_path.glob("bouncecodes-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "bouncecodes/registry.json" in names
    assert not any(n.startswith("codes/") for n in names)
