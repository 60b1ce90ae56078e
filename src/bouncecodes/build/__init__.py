"""Build step: ``codes/**/*.yaml`` → schema → lint rules → frozen dataclasses → ``registry.json``.

Build time only: this package imports PyYAML and jsonschema, which the runtime never does.
"""

from __future__ import annotations

from .compile import build_registry, compile_registry, registry_json, write_registry_json
from .lint import Problem, lint_codes
from .source import SourceFile, find_codes_dir, load_sources

__all__ = [
    "Problem",
    "SourceFile",
    "build_registry",
    "compile_registry",
    "find_codes_dir",
    "lint_codes",
    "load_sources",
    "registry_json",
    "write_registry_json",
]
