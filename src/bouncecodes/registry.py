"""Load the compiled registry (``registry.json``) once, standard library only.

``bouncecodes build`` writes beside it ``registry.marshal``: the same data in :mod:`marshal`'s form,
with the CRC-32 of the JSON it was made from. Reading it takes half the time of parsing the JSON
(and spares importing :mod:`json`); it is used only when its CRC is the JSON's and this Python
reads it, else the JSON is parsed. The checker's archive carries the JSON only."""

from __future__ import annotations

import binascii
import functools
import os

from .errors import RegistryNotBuiltError
from .model import Registry

__all__ = ["load_registry", "marshal_copy", "registry_bytes"]

_HERE = os.path.dirname(__file__)
MARSHAL_NAME = "registry.marshal"


def registry_bytes() -> bytes:
    """The raw bytes of the packaged ``registry.json``."""
    try:
        with open(os.path.join(_HERE, "registry.json"), "rb") as fh:  # the fast path
            return fh.read()
    except OSError:
        pass
    from importlib import resources  # only here: it costs ~10 ms to import

    try:  # inside a zip (the checker's archive on Pyodide's sys.path) and other loaders
        return resources.files("bouncecodes").joinpath("registry.json").read_bytes()
    except (FileNotFoundError, OSError):
        raise RegistryNotBuiltError(
            "registry.json is missing from the bouncecodes package. It is generated from codes/: "
            "run `bouncecodes build` (or reinstall with `pip install -e .`)."
        ) from None


def marshal_copy(raw: bytes) -> bytes:
    """What ``registry.marshal`` holds for the JSON ``raw``."""
    import json
    import marshal

    return marshal.dumps((binascii.crc32(raw), json.loads(raw)))


def _from_marshal(raw: bytes) -> dict[str, object] | None:
    """The registry's data from ``registry.marshal`` when it was made from ``raw``; else None."""
    import marshal

    try:
        with open(os.path.join(_HERE, MARSHAL_NAME), "rb") as fh:
            crc, data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None  # absent, or written by a Python whose form this one does not read
    return data if crc == binascii.crc32(raw) and isinstance(data, dict) else None  # type: ignore[no-any-return]


@functools.cache
def load_registry() -> Registry:
    """The packaged registry, parsed once per process."""
    raw = registry_bytes()
    data = _from_marshal(raw)
    if data is None:
        import json

        data = json.loads(raw)
    return Registry.from_dict(data)  # type: ignore[arg-type]
