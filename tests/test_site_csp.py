"""The checker page's Content-Security-Policy, computed from the page's own HTML (bouncecodes.site.csp)."""

from __future__ import annotations

import re

import pytest

from bouncecodes.site.csp import WORKER_POLICY, CSPError, add_csp_meta, inline_scripts, page_policy, script_hash

PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>t</title>
    <script>__md_scope=new URL("..",location)</script>
    <script id="__config" type="application/json">{"base": ".."}</script>
    <script src="../assets/bundle.js"></script>
    <script type="module">import("./x.js") // é</script>
  </head>
  <body><script>if (a < b && c > d) { x("</p>") }</script></body>
</html>
"""


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_script_hash_matches_the_csp_spec_example() -> None:
    # the example of CSP Level 3 and MDN: alert('Hello, world.');
    assert script_hash("alert('Hello, world.');") == "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"


def test_inline_scripts_are_the_executable_ones_exactly_as_written() -> None:
    assert inline_scripts(PAGE) == [
        '__md_scope=new URL("..",location)',
        'import("./x.js") // é',
        'if (a < b && c > d) { x("</p>") }',
    ]


def test_page_policy_is_same_origin_only() -> None:
    policy = directives(page_policy(["'sha256-a'", "'sha256-b'", "'sha256-a'"]))
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'", "'sha256-a'", "'sha256-b'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["worker-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    every_source = [s for values in policy.values() for s in values]
    assert "'unsafe-inline'" not in every_source and "'unsafe-eval'" not in every_source
    assert not [s for s in every_source if "://" in s or s in ("*", "https:", "http:")], "no other host"


def test_add_csp_meta_right_after_the_charset_with_the_page_s_own_hashes() -> None:
    out = add_csp_meta(PAGE)
    m = re.search(r'<meta charset="utf-8">\s*<meta http-equiv="Content-Security-Policy" content="([^"]*)">', out)
    assert m, out[:400]
    assert out.index("Content-Security-Policy") < out.index("<title>") < out.index("<script")
    policy = directives(m.group(1).replace("&amp;", "&").replace("&quot;", '"'))
    assert policy["script-src"][2:] == [script_hash(s) for s in inline_scripts(PAGE)]
    assert out.replace(m.group(0), '<meta charset="utf-8">') == PAGE  # nothing else changed


def test_add_csp_meta_refuses_pages_it_cannot_protect() -> None:
    with pytest.raises(CSPError):
        add_csp_meta("<p>no head</p>")
    with pytest.raises(CSPError):
        add_csp_meta(add_csp_meta(PAGE))


def test_worker_policy_allows_webassembly_and_nothing_foreign() -> None:
    policy = directives(WORKER_POLICY)
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    # blob: is the worker's own gunzipped standard library, handed to Pyodide by URL; nothing foreign
    assert policy["connect-src"] == ["'self'", "blob:"]
