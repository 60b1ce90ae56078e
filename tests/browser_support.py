"""The one headless Chromium of the browser tests (this module holds no tests).

:func:`browser` is a session fixture, made visible to every test module by ``tests/conftest.py``:
Chromium is launched once per test process (once per xdist worker), however many modules use it.
Playwright is imported only when a test asks for the browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: The longest a browser test waits for something it needs (a page, the search index, Python)
#: before it fails. The tests wait for the condition itself, never for a fixed time: this is no
#: guess at how long it takes, only a bound on how long a broken page can hold the suite up (the
#: checker gives up on its own after 90 s). Used for every action, wait and assertion.
PATIENCE_MS = 180_000


@contextmanager
def launch() -> Iterator[Browser]:
    """Headless Chromium with the project's flags, closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        raise ImportError("the browser tests need Playwright for Python: pip install -e '.[dev]'") from exc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"Chromium is needed for the browser tests and was not found at {CHROMIUM}. "
            "Install it (Debian: apt-get install -y chromium); these tests must not be skipped.",
            pytrace=False,
        )
    from playwright.sync_api import expect

    expect.set_options(timeout=PATIENCE_MS)
    with launch() as browser:
        yield browser
