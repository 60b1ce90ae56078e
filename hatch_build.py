"""Hatchling build hook: compile codes/**/*.yaml into src/bouncecodes/registry.json for every
wheel, sdist-built wheel and editable install."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        sys.path.insert(0, str(root / "src"))
        try:
            from bouncecodes.build.compile import BuildError, write_registry_json
        finally:
            sys.path.pop(0)
        try:
            write_registry_json(root / "codes", root / "src" / "bouncecodes" / "registry.json")
        except BuildError as exc:
            report = "\n".join(p.format() for p in exc.problems)
            raise SystemExit(f"bouncecodes: the registry in codes/ has problems:\n{report}") from None
        build_data["artifacts"].append("src/bouncecodes/registry.json")
        build_data["artifacts"].append("src/bouncecodes/registry.marshal")  # written with it
