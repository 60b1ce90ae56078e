"""End to end, as a contributor: a new provider file in a copy of codes/ passes lint, gets its own page
in the generated site, and changes the classifier's answer for its example."""

from __future__ import annotations

import shutil
from pathlib import Path

from bouncecodes.build import build_registry, lint_codes, registry_json
from bouncecodes.classify import classify_evidence
from bouncecodes.model import Evidence
from bouncecodes.registry import load_registry
from bouncecodes.site import generate_site

from .conftest import CODES

NEW_PROVIDER = """\
id: acme
name: Acme Mail
description: >-
  A made-up receiver used by the test suite to walk the contributor's path from a new
  file to a page and a changed verdict.
recognise:
  hosts:
    - acmemail.test
  tokens:
    - 'ACME-\\d{2}'
rules:
  - id: storage-exhausted
    reply: '550'
    match:
      - 'ACME-77'
    reason: mailboxfull
    meaning: The recipient's storage at Acme is used up.
    action: Try again in a few days; if it keeps failing, reach the person another way.
    source: https://acmemail.test/postmaster
    examples:
      - '550 5.7.1 ACME-77 recipient storage exhausted'
"""


def test_new_provider_end_to_end(tmp_path: Path) -> None:
    codes = tmp_path / "codes"
    shutil.copytree(CODES, codes)
    (codes / "providers" / "acme.yaml").write_text(NEW_PROVIDER)

    assert [p.format() for p in lint_codes(codes)] == []
    registry = build_registry(codes)

    text = "550 5.7.1 ACME-77 recipient storage exhausted"
    evidence = Evidence(reply="550", status="5.7.1", diagnostic=text, remote_mta="mx1.acmemail.test",
                        recipient="ann@acmemail.test")
    before = classify_evidence(evidence, load_registry())
    after = classify_evidence(evidence, registry)
    assert before.reason != "mailboxfull"
    assert (after.reason, after.provider, after.rule) == ("mailboxfull", "acme", "provider:acme/storage-exhausted")

    content = generate_site(registry, registry_json(registry), "https://example.org/")
    pages = [path for path in content.pages if "acme" in path]
    assert pages, "the new provider has no page"
    assert "Acme Mail" in content.pages[pages[0]]
