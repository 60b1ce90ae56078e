"""Build registry.json from codes/ once per test session, so the tests see the YAML as it is now."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser_support import browser  # noqa: F401  (the session's one Chromium, for every browser test)

ROOT = Path(__file__).resolve().parents[1]
CODES = ROOT / "codes"
DATA = Path(__file__).resolve().parent / "data"


def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controller wrote registry.json before it started the workers
    from bouncecodes.build.compile import write_registry_json
    from bouncecodes.registry import load_registry

    write_registry_json(CODES, ROOT / "src" / "bouncecodes" / "registry.json")
    load_registry.cache_clear()


@pytest.fixture(scope="session")
def registry():  # type: ignore[no-untyped-def]
    from bouncecodes.registry import load_registry

    return load_registry()
