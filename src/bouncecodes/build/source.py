"""Reading registry YAML while keeping the line of every node, for messages that point at it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

#: PyYAML's loader: libyaml's when PyYAML was built with it (twenty times faster), same results
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# file kind → (folder or file, schema file)
KINDS: dict[str, str] = {
    "reasons": "reasons.schema.json",
    "reply": "reply.schema.json",
    "enhanced": "enhanced.schema.json",
    "phrases": "phrases.schema.json",
    "provider": "provider.schema.json",
    "software": "software.schema.json",
    "logs": "logs.schema.json",
}


@dataclass
class SourceFile:
    """One YAML file of the registry: where it is, what kind it is, its data and node tree."""

    path: Path
    rel: str
    kind: str
    text: str
    data: Any
    node: yaml.Node | None
    error: str = ""  # a YAML syntax error, when the file could not be read
    error_line: int = 0
    #: what a rule found in this file alone, kept for a run over the same file object (the lint fuzz)
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def stem(self) -> str:
        return self.path.name.removesuffix(".yaml")

    def line(self, *path: str | int) -> int:
        """1-based line of the node at ``path`` (keys and indexes); the nearest existing parent's line."""
        node = self.node
        line = 1
        if node is None:
            return self.error_line or 1
        for step in path:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                for key, value in node.value:
                    if key.value == step:
                        line = key.start_mark.line + 1
                        node = value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def key_order(self, *path: str | int) -> list[str]:
        """The keys of the mapping at ``path`` in file order."""
        node = self.node
        for step in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                node = node.value[step] if step < len(node.value) else None
            else:
                return []
        if isinstance(node, yaml.MappingNode):
            return [k.value for k, _ in node.value]
        return []


def find_codes_dir(start: Path | None = None) -> Path:
    """The ``codes/`` folder: under ``start`` (default: the working directory) or its parents,
    else next to an editable checkout of this package."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "codes" / "schema").is_dir():
            return folder / "codes"
        if folder.name == "codes" and (folder / "schema").is_dir():
            return folder
    checkout = Path(__file__).resolve().parents[3] / "codes"
    if (checkout / "schema").is_dir():
        return checkout
    raise FileNotFoundError("no codes/ folder found here or above; run from a checkout of bouncecodes or pass --codes")


def _kind_of(codes: Path, path: Path) -> str | None:
    rel = path.relative_to(codes)
    if rel.parts == ("reasons.yaml",):
        return "reasons"
    if len(rel.parts) == 2:
        return {"reply": "reply", "enhanced": "enhanced", "phrases": "phrases", "providers": "provider",
                "software": "software", "logs": "logs"}.get(
            rel.parts[0]
        )
    return None


def _construct(node: yaml.Node | None) -> Any:
    """The data of a composed document, as ``yaml.safe_load`` gives it, without parsing the text again."""
    if node is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_source(codes: Path, path: Path) -> SourceFile:
    """One YAML file under ``codes``, parsed with line information (kind "" when the registry does
    not read files in its place, so lint can report it)."""
    kind = _kind_of(codes, path) or ""
    if path.suffix == ".yml":
        kind = ""
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(codes.parent).as_posix()
    try:
        node = yaml.compose(text, Loader=LOADER)
        data = _construct(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        line = min(line, len(text.rstrip().split("\n")))  # at the end of the file: its last line
        problem = getattr(exc, "problem", None) or str(exc)
        return SourceFile(path, rel, kind, text, None, None, f"not valid YAML: {problem}", line)
    return SourceFile(path, rel, kind, text, data, node)


def load_sources(codes: Path) -> list[SourceFile]:
    """Every registry YAML file under ``codes``, in a stable order (see :func:`load_source`)."""
    return [load_source(codes, path) for path in sorted(codes.rglob("*.y*ml"))
            if "schema" not in path.relative_to(codes).parts]


@cache
def load_schema(codes: Path, name: str) -> dict[str, Any]:
    return json.loads((codes / "schema" / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
