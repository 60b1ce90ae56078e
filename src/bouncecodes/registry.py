"""Load the compiled registry (``registry.json``) once, standard library only."""

from __future__ import annotations

import functools
import json
import os

from .errors import RegistryNotBuiltError
from .model import Registry

__all__ = ["load_registry", "registry_bytes"]


def registry_bytes() -> bytes:
    """The raw bytes of the packaged ``registry.json``."""
    try:
        with open(os.path.join(os.path.dirname(__file__), "registry.json"), "rb") as fh:  # the fast path
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


@functools.cache
def load_registry() -> Registry:
    """The packaged registry, parsed once per process."""
    return Registry.from_dict(json.loads(registry_bytes()))
