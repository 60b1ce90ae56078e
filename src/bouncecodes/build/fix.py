"""``bouncecodes lint --fix``: put the keys of registry files into canonical (schema) order.

The fix moves whole lines and nothing else. For each block mapping whose known keys are out of the
schema's order, the lines of each key (the key, its value, the comments just above it) are
swapped as blocks; quoting, flow lists, folded text, comments and blank lines stay as they were
written. Every result is parsed again and must hold the same data with no key out of order; when it
does not (an unusual layout), the file is left alone and lint keeps reporting the order.

Why lines rather than a YAML dump: the registry's files are written by hand in one style (quoted
codes, indented lists, text folded at about 100 columns) that no dumper reproduces; a round-trip
library would bring a dependency to do what a block swap does, and still re-indent some lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .lint import schema_node
from .source import KINDS, LOADER, load_schema, load_sources

#: more reorderings than a file could need mean the fix is going round in circles
_MAX_STEPS = 1000


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


def _target(keys: list[str], props: list[str]) -> list[str] | None:
    """The keys with the schema's ones in its order, each unknown key in its own slot; None when
    already so."""
    known = [k for k in keys if k in props]
    want = sorted(known, key=props.index)
    if known == want:
        return None
    queue = iter(want)
    return [next(queue) if k in props else k for k in keys]


def _first_unordered(codes: Path, schema: dict[str, Any], node: yaml.Node) -> tuple[yaml.MappingNode, list[str]] | None:
    """The first mapping (in document order) whose keys are out of canonical order, and the order
    they should have."""
    schema = schema_node(codes, schema)
    if isinstance(node, yaml.MappingNode):
        keys = [k.value if isinstance(k, yaml.ScalarNode) else "" for k, _ in node.value]
        props = list(schema.get("properties", {}))
        want = _target(keys, props)
        if want is not None:
            return node, want
        for (_key, value), name in zip(node.value, keys, strict=True):
            found = _first_unordered(codes, schema.get("properties", {}).get(name, {}), value)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _first_unordered(codes, schema.get("items", {}), item)
            if found is not None:
                return found
    return None


def _reorder(lines: list[str], node: yaml.MappingNode, want: list[str]) -> list[str] | None:
    """``lines`` with the key blocks of ``node`` in the order ``want``; None when the layout is not
    one key per line at one column."""
    if node.flow_style or not node.value or not all(isinstance(k, yaml.ScalarNode) for k, _ in node.value):
        return None
    starts = [k.start_mark.line for k, _ in node.value]
    column = node.value[0][0].start_mark.column
    if any(k.start_mark.column != column for k, _ in node.value) or starts != sorted(set(starts)):
        return None
    # where the mapping ends: the first line after its last key that holds something less indented
    end = starts[-1] + 1
    while end < len(lines) and (not lines[end].strip() or _is_comment(lines[end]) or _indent(lines[end]) > column):
        end += 1
    while end > starts[-1] + 1 and (not lines[end - 1].strip() or _is_comment(lines[end - 1])):
        end -= 1  # blank lines and comments after the last value stay where they are
    # each key's block begins with the comments written just above it, at its column
    bounds = [starts[0]]
    for start in starts[1:]:
        while start - 1 > bounds[-1] and _is_comment(lines[start - 1]) and _indent(lines[start - 1]) == column:
            start -= 1
        bounds.append(start)
    bounds.append(end)
    blocks = {k.value: lines[bounds[i]:bounds[i + 1]] for i, (k, _) in enumerate(node.value)}
    if len(blocks) != len(node.value):
        return None  # a key written twice
    prefix = lines[starts[0]][:column]  # "  - " when the mapping is a list item, else spaces
    pad = " " * column
    blocks[node.value[0][0].value] = [pad + blocks[node.value[0][0].value][0][column:],
                                      *blocks[node.value[0][0].value][1:]]
    ordered = [list(blocks[k]) for k in want]
    first = ordered[0]
    key_line = next(i for i, line in enumerate(first) if not _is_comment(line))
    if not first[key_line].startswith(pad):
        return None
    first[key_line] = prefix + first[key_line][column:]
    dash = " " * _indent(prefix)
    for i in range(key_line):  # comments moved above a list item's dash line go to the dash's column
        first[i] = dash + first[i].lstrip(" ")
    return lines[:bounds[0]] + [line for block in ordered for line in block] + lines[end:]


def fix_text(codes: Path, kind: str, text: str) -> str | None:
    """``text`` of a file of ``kind`` with its keys in canonical order (``text`` itself when they
    are); None when the file cannot be reordered by moving lines."""
    schema = load_schema(codes, KINDS[kind])
    try:
        data = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return None
    lines = text.split("\n")
    for _ in range(_MAX_STEPS):
        try:
            node = yaml.compose("\n".join(lines), Loader=LOADER)
        except yaml.YAMLError:
            return None
        found = _first_unordered(codes, schema, node) if node is not None else None
        if found is None:
            break
        moved = _reorder(lines, *found)
        if moved is None:
            return None
        lines = moved
    else:
        return None
    fixed = "\n".join(lines)
    try:
        same = yaml.load(fixed, Loader=LOADER) == data
    except yaml.YAMLError:
        same = False
    return fixed if same else None  # never change meaning


def fix_codes(codes: Path, unfixed: list[str] | None = None) -> list[str]:
    """Put the keys of every registry file into canonical order; return the paths of the files
    rewritten. The paths of files out of order that could not be reordered go to ``unfixed``."""
    changed = []
    for f in load_sources(codes):
        if not f.kind or f.error or not isinstance(f.data, dict):
            continue
        text = fix_text(codes, f.kind, f.text)
        if text is None:
            if unfixed is not None:
                unfixed.append(f.rel)
        elif text != f.text:
            f.path.write_text(text, encoding="utf-8")
            changed.append(f.rel)
    return changed
