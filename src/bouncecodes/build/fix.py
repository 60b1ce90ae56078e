"""``bouncecodes lint --fix``: rewrite registry files in canonical key order and formatting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .lint import canonical_order
from .source import KINDS, load_schema, load_sources


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if ("\n" in value.strip() or len(value) > 70) and " " in value and not value.startswith((" ", "'", '"')) \
            and "\\" not in value and "  " not in value and not value.endswith(" "):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=80, indent=2,
                     default_flow_style=False)


def _leading_comments(text: str) -> str:
    lines: list[str] = []
    for line in text.split("\n"):
        if line.startswith("#") or (lines and not line.strip()):
            lines.append(line)
        else:
            break
    return "\n".join(lines).rstrip("\n") + "\n" if lines else ""


def fix_codes(codes: Path) -> list[str]:
    """Rewrite every valid-YAML registry file whose canonical form differs; return their paths."""
    changed = []
    for f in load_sources(codes):
        if not f.kind or f.error or not isinstance(f.data, dict):
            continue
        ordered = canonical_order(codes, load_schema(codes, KINDS[f.kind]), f.data)
        text = _leading_comments(f.text) + dump(ordered)
        if yaml.safe_load(text) != f.data:  # never change meaning
            continue
        if text != f.text:
            f.path.write_text(text, encoding="utf-8")
            changed.append(f.rel)
    return changed
