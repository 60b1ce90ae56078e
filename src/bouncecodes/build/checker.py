"""Assets of the in-browser checker: the runtime archive and the Pyodide distribution it runs on.

The checker page runs the very same ``bouncecodes`` runtime under Pyodide in a Web Worker. This
module writes what that worker loads:

* :func:`build_runtime_zip` — one zip of the runtime package (``bouncecodes/**/*.py`` less
  ``build/``, ``site/`` and ``report/``, plus ``registry.json``), named after its content's SHA-256 so it can be
  cached forever, with deterministic bytes (fixed timestamps and modes, sorted entries);
* :func:`copy_pyodide` — the five files of the pinned npm ``pyodide`` package that loading needs,
  into a folder named after the Pyodide version (so it can be cached forever too);
* :func:`build_stdlib_zip` — optionally, a trimmed, byte-compiled standard library to pass as
  ``stdLibURL`` (Python starts about three times faster); the same run of Pyodide byte-compiles the
  runtime's modules too (:func:`compiled_runtime`), which is what the site then ships;
* :func:`build_checker_assets` — all of the above plus the ``manifest.json`` that ``checker.js``
  reads: the one call the site build makes.

Build time only; standard library only too, so it runs wherever the build does.
"""

from __future__ import annotations

import base64
import filecmp
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "MANIFEST_NAME",
    "PYODIDE_FILES",
    "STDLIB_WHOLE_PACKAGES",
    "CheckerAssetError",
    "build_checker_assets",
    "build_runtime_zip",
    "build_stdlib_zip",
    "compiled_runtime",
    "copy_pyodide",
    "pyodide_version",
    "runtime_files",
    "write_deterministic_zip",
]

#: The package directory of the runtime (``src/bouncecodes``).
PACKAGE_DIR = Path(__file__).resolve().parents[1]

#: Sub-packages of ``bouncecodes`` that are build or site tooling, or the HTML report (Jinja2),
#: never shipped to the browser.
EXCLUDED_SUBPACKAGES = frozenset({"build", "site", "report"})
# the command line is not part of what the browser runs (it would pull argparse, subprocess … into
# the trimmed standard library); its records come from bouncecodes.output, which the page uses too;
# nor is the Dask extra's module (it imports dask and pandas)
EXCLUDED_MODULES = frozenset({"cli.py", "cli_answers.py", "cli_options.py", "__main__.py", "dask.py"})

#: What ``loadPyodide`` fetches from its ``indexURL`` for a pure-Python program with no packages.
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)

#: 1980-01-01 00:00:00, the earliest time a zip entry can hold.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:[-.+][0-9A-Za-z.-]+)?$")


class CheckerAssetError(Exception):
    """An input of the checker's assets is missing (the registry not built, ``npm ci`` not run)."""


def runtime_files(package_dir: Path = PACKAGE_DIR) -> list[tuple[str, Path]]:
    """``(name in the archive, file)`` for every file of the runtime, sorted by name.

    Every ``.py`` under ``package_dir`` except the ``build/``, ``site/`` and ``report/`` sub-packages, the command
    line (``cli.py``, ``cli_answers.py``, ``__main__.py``), ``dask.py`` (the Dask extra's) and any ``__pycache__``, plus ``registry.json``. Names are ``bouncecodes/...`` with ``/`` separators."""
    package_dir = Path(package_dir)
    registry = package_dir / "registry.json"
    if not registry.is_file():
        raise CheckerAssetError(
            f"{registry} is missing: the runtime archive needs the compiled registry; run `bouncecodes build` first."
        )
    files: list[tuple[str, Path]] = [(f"{package_dir.name}/registry.json", registry)]
    for path in package_dir.rglob("*.py"):
        rel = path.relative_to(package_dir)
        if rel.parts[0] in EXCLUDED_SUBPACKAGES or rel.as_posix() in EXCLUDED_MODULES or "__pycache__" in rel.parts \
                or not path.is_file():
            continue
        files.append((f"{package_dir.name}/{rel.as_posix()}", path))
    files.sort(key=lambda item: item[0])
    return files


def write_deterministic_zip(entries: Iterable[tuple[str, bytes]], *, stored: bool = False) -> bytes:
    """The bytes of a zip holding ``entries`` (name, content): sorted, dated 1980-01-01, mode 0644,
    deflated (or ``stored`` as they are).

    The same entries always give the same bytes (with the same zlib)."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(entries, key=lambda item: item[0]):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = method
            info.create_system = 3  # Unix, so that external_attr reads as a mode everywhere
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compress_type=method, compresslevel=None if stored else 9)
    return buffer.getvalue()


def gzipped_stored(zip_bytes: bytes) -> bytes:
    """The same archive with its members stored, then gzipped as a whole (deterministically).

    A zip deflates each member alone; gzip over the stored members also finds what the ``.pyc`` files
    share, about 13 % fewer bytes for the trimmed stdlib. The page gunzips it with the browser's
    DecompressionStream, so this holds on hosts that do not compress ``.zip`` files too."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        entries = [(name, archive.read(name)) for name in archive.namelist()]
    return gzip.compress(write_deterministic_zip(entries, stored=True), compresslevel=9, mtime=0)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_hashed(out_dir: Path, stem: str, data: bytes, suffix: str = ".zip") -> Path:
    """Write ``data`` as ``out_dir/<stem>-<sha256[:12]><suffix>``; remove older ``<stem>-*<suffix>`` there."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"
    if not (target.is_file() and target.read_bytes() == data):
        _write_atomically(target, data)
    pattern = re.compile(rf"^{re.escape(stem)}-[0-9a-f]{{12}}{re.escape(suffix)}$")
    for stale in out_dir.iterdir():
        if stale != target and pattern.match(stale.name) and stale.is_file():
            stale.unlink()
    return target


def build_runtime_zip(out_dir: Path, *, package_dir: Path = PACKAGE_DIR) -> Path:
    """Write the runtime archive into ``out_dir`` and return its path, ``out_dir/bouncecodes-<sha256[:12]>.zip``.

    The archive holds ``bouncecodes/`` at its root, ready to be put on ``sys.path`` (zipimport).
    Its bytes depend only on the files' names and contents, so the name changes exactly when they
    do. Older ``bouncecodes-*.zip`` files in ``out_dir`` are removed. Raises
    :class:`CheckerAssetError` when ``registry.json`` has not been built."""
    entries = [(name, path.read_bytes()) for name, path in runtime_files(Path(package_dir))]
    return _write_hashed(Path(out_dir), Path(package_dir).name, write_deterministic_zip(entries))


def pyodide_version(node_modules: Path) -> str:
    """The version of the npm ``pyodide`` package installed under ``node_modules``."""
    manifest = Path(node_modules) / "pyodide" / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise CheckerAssetError(
            f"cannot read the pyodide version from {manifest} ({exc}); run `npm ci` at the repository root."
        ) from None
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        raise CheckerAssetError(f"{manifest} has an unexpected version: {version!r}")
    return version


def copy_pyodide(out_dir: Path, node_modules: Path) -> Path:
    """Copy the Pyodide files that loading needs into ``out_dir/pyodide/<version>/``; return that folder.

    Only :data:`PYODIDE_FILES` are copied (no source maps, type stubs or consoles). Files already
    there with the same bytes are left alone. Raises :class:`CheckerAssetError` when the package
    is not installed (``npm ci`` not run)."""
    source = Path(node_modules) / "pyodide"
    version = pyodide_version(Path(node_modules))
    missing = [name for name in PYODIDE_FILES if not (source / name).is_file()]
    if missing:
        raise CheckerAssetError(f"{source} lacks {', '.join(missing)}; run `npm ci` at the repository root.")
    target = Path(out_dir) / "pyodide" / version
    target.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        src, dst = source / name, target / name
        if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
            continue
        tmp = dst.with_name(f".{name}.tmp")
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    return target


# --- the trimmed, byte-compiled standard library ------------------------------------------------

#: Standard-library packages shipped whole in the trimmed zip, whatever the samples touch: a bounce
#: can carry any charset (``encodings``) and any MIME structure (``email``).
STDLIB_WHOLE_PACKAGES = ("email", "encodings")

#: Modules the checker's worker glue itself uses, beside the runtime.
STDLIB_GLUE_MODULES = ("json", "base64", "traceback")

#: Inputs classified under Pyodide while the module set is being recorded, one per input kind.
STDLIB_SAMPLES = (
    "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown",
    "550-5.7.26 Unauthenticated email is not accepted.\r\n550 5.7.26 https://support.google.com/mail/answer/81126",
    "Jan  1 00:00:00 mx postfix/smtp[1]: A1: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, dsn=5.2.2, "
    "status=bounced (host mx.example.org[192.0.2.1] said: 552 5.2.2 mailbox full (in reply to RCPT TO command))",
    "From: MAILER-DAEMON@example.net\nTo: a@example.org\nSubject: =?utf-8?q?Undeliverable=3A_hi?=\nMIME-Version: 1.0\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/html; '
    "charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n<p>Delivery has failed &amp; =E9</p>\n--b\n"
    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; example.net\n\nFinal-Recipient: rfc822; b@example.org\n"
    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--b--\n",
    "From MAILER-DAEMON Thu Jan  1 00:00:00 2024\nFrom: MAILER-DAEMON@example.net\nSubject: failure\n\n"
    "<c@example.org>: host mx.example.org said: 550 5.1.1 no such user\n",
    "type,timeLogged,orig,rcpt,dsnStatus,dsnDiag\nb,2026-01-01 00:00:00,a@example.net,d@example.org,5.1.1,"
    "\"smtp;550 5.1.1 no such user, sorry\"\n",
)

# Runs inside Pyodide (its own Python): records what the runtime needs, byte-compiles it, returns the entries.
_STDLIB_COLLECTOR = r'''
import ast, base64, importlib, json, os, py_compile, sys, zipfile

def _collect(runtime_zip, samples_json, whole_json, glue_json):
    stdlib = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip"
    wanted = set(sys.modules)  # everything Pyodide's own start-up imported
    runtime_names = []
    with zipfile.ZipFile(runtime_zip) as rz:
        for name in rz.namelist():
            if name.endswith(".py"):
                runtime_names.append(name)
                tree = ast.parse(rz.read(name), name)
                for node in ast.walk(tree):  # every import statement, function-level ones included
                    if isinstance(node, ast.Import):
                        candidates = [a.name for a in node.names]
                    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                    else:
                        continue
                    for mod in candidates:
                        if mod.split(".")[0] == "bouncecodes":
                            continue
                        try:
                            importlib.import_module(mod)
                        except ImportError:
                            pass
    sys.path.insert(0, runtime_zip)
    import bouncecodes
    for name in runtime_names:  # every runtime module, not only those `import bouncecodes` loads
        mod = name[:-3].replace("/", ".").removesuffix(".__init__")
        if mod.endswith("__main__"):
            continue
        importlib.import_module(mod)
    for sample in json.loads(samples_json):
        for data in (sample, sample.encode("utf-8"), sample.encode("utf-16")):
            [r.to_dict() for r in bouncecodes.classify(data)]
    for mod in json.loads(glue_json):
        importlib.import_module(mod)
    whole = tuple(json.loads(whole_json))
    with zipfile.ZipFile(stdlib) as sz:
        sources = [n for n in sz.namelist() if n.endswith(".py")]
        for name in sources:
            if name.split("/")[0] in whole:
                mod = name[:-3].replace("/", ".").removesuffix(".__init__")
                try:
                    importlib.import_module(mod)
                except Exception:  # a Windows-only codec and the like: shipped all the same
                    pass
        wanted |= set(sys.modules)
        entries = []
        os.makedirs("/tmp/stdlib-pyc", exist_ok=True)
        for name in sorted(sources):
            mod = name[:-3].replace("/", ".").removesuffix(".__init__")
            if mod not in wanted and name.split("/")[0] not in whole:
                continue
            src = "/tmp/stdlib-pyc/source.py"
            with open(src, "wb") as fh:
                fh.write(sz.read(name))
            cfile = py_compile.compile(src, cfile="/tmp/stdlib-pyc/out.pyc", dfile=f"{stdlib}/{name}", doraise=True,
                                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, optimize=2)
            with open(cfile, "rb") as fh:
                entries.append([name + "c", base64.b64encode(fh.read()).decode("ascii")])
        runtime = []  # the runtime's own modules, compiled as they are (optimisation level 0, like CPython's default)
        with zipfile.ZipFile(runtime_zip) as rz:
            for name in runtime_names:
                src = "/tmp/stdlib-pyc/runtime.py"
                with open(src, "wb") as fh:
                    fh.write(rz.read(name))
                cfile = py_compile.compile(src, cfile="/tmp/stdlib-pyc/runtime.pyc", dfile=name, doraise=True,
                                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                with open(cfile, "rb") as fh:
                    runtime.append([name + "c", base64.b64encode(fh.read()).decode("ascii")])
    return json.dumps({"python": sys.version, "entries": entries, "runtime": runtime})
'''

_STDLIB_DRIVER = r"""
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [indexURL, runtimeZip, request] = process.argv.slice(1);
const { loadPyodide } = await import(pathToFileURL(indexURL + "/pyodide.mjs").href);
const toStderr = (line) => process.stderr.write(line + "\n");
const pyodide = await loadPyodide({ indexURL: indexURL + "/", stdout: toStderr, stderr: toStderr });
const { code, samples, whole, glue } = JSON.parse(readFileSync(request, "utf8"));
pyodide.FS.mkdirTree("/lib/bouncecodes-runtime");
pyodide.FS.writeFile("/lib/bouncecodes-runtime/runtime.zip", readFileSync(runtimeZip));
pyodide.runPython(code);
const collect = pyodide.globals.get("_collect");
process.stdout.write("BOUNCECODES-STDLIB " + collect("/lib/bouncecodes-runtime/runtime.zip", samples, whole, glue) + "\n");
"""


def _run_collector(node_modules: Path, runtime_zip: Path, node: str) -> dict[str, list[tuple[str, bytes]]]:
    """Run :data:`_STDLIB_COLLECTOR` in Pyodide under Node: ``{"stdlib": entries, "runtime": entries}``."""
    import subprocess

    index = Path(node_modules).resolve() / "pyodide"
    pyodide_version(Path(node_modules))  # a clear error when `npm ci` has not been run
    request = {
        "code": _STDLIB_COLLECTOR,
        "samples": json.dumps(STDLIB_SAMPLES),
        "whole": json.dumps(STDLIB_WHOLE_PACKAGES),
        "glue": json.dumps(STDLIB_GLUE_MODULES),
    }
    with tempfile.TemporaryDirectory() as tmp:
        request_file = Path(tmp) / "request.json"
        request_file.write_text(json.dumps(request), encoding="utf-8")
        cmd = [node, "--input-type=module", "-e", _STDLIB_DRIVER, str(index), str(Path(runtime_zip).resolve()),
               str(request_file)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CheckerAssetError(f"cannot run Pyodide under Node to compile the standard library: {exc}") from None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BOUNCECODES-STDLIB ")]
    if proc.returncode != 0 or len(lines) != 1:
        raise CheckerAssetError(
            f"compiling the standard library under Pyodide failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    found = json.loads(lines[0].split(" ", 1)[1])
    return {key: [(str(name), base64.b64decode(data)) for name, data in found[key]] for key in ("entries", "runtime")}


def build_stdlib_zip(out_dir: Path, node_modules: Path, runtime_zip: Path, *, node: str = "node") -> Path:
    """Write a trimmed, byte-compiled standard library for ``loadPyodide({stdLibURL})``; return its path.

    Pyodide itself (run by ``node`` from ``node_modules/pyodide``) imports the runtime in
    ``runtime_zip`` and every module its import statements name, classifies
    :data:`STDLIB_SAMPLES`, and imports all of :data:`STDLIB_WHOLE_PACKAGES`; every standard-library
    module then loaded (Pyodide's start-up ones included) is compiled by that same Python into a
    sourceless ``.pyc`` (unchecked-hash, so no timestamps; optimisation level 2, so without
    docstrings and asserts: about 12 % fewer bytes to download) and written to
    ``out_dir/python_stdlib-<sha256[:12]>.zip``; older ``python_stdlib-*.zip`` files there are
    removed. The ``.pyc`` files only load on the exact Pyodide version that made them: serve the
    zip beside that version's files. Raises :class:`CheckerAssetError` if Node or Pyodide fails."""
    found = _run_collector(Path(node_modules), Path(runtime_zip), node)
    return _write_hashed(Path(out_dir), "python_stdlib", write_deterministic_zip(found["entries"]))


def compiled_runtime(runtime_zip: Path, compiled: Iterable[tuple[str, bytes]]) -> bytes:
    """The runtime archive with each ``.py`` replaced by its ``.pyc`` from ``compiled`` (same names + "c").

    Other files (``registry.json``) are kept as they are. Raises :class:`CheckerAssetError` when a
    module has no compiled form."""
    pyc = dict(compiled)
    entries: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(runtime_zip) as archive:
        for name in archive.namelist():
            if not name.endswith(".py"):
                entries.append((name, archive.read(name)))
            elif name + "c" in pyc:
                entries.append((name + "c", pyc[name + "c"]))
            else:
                raise CheckerAssetError(f"{name} was not compiled")
    return write_deterministic_zip(entries)


# --- everything at once, for the site build ----------------------------------------------------

#: The file, in the checker's asset folder, that tells checker.js the hashed names.
MANIFEST_NAME = "manifest.json"


def build_checker_assets(
    out_dir: Path,
    node_modules: Path,
    *,
    trimmed_stdlib: bool = True,
    cache_dir: Path | None = None,
    node: str = "node",
) -> dict[str, str]:
    """Write every asset the checker page loads into ``out_dir``, and ``out_dir/manifest.json``.

    ``out_dir`` gets ``pyodide/<version>/`` (:func:`copy_pyodide`) and ``bouncecodes-<hash>.zip``:
    with ``trimmed_stdlib``, the runtime archive of :func:`build_runtime_zip` with every module
    byte-compiled by Pyodide's own Python (:func:`compiled_runtime`: importing it takes a third of the
    time the sources take), beside ``python_stdlib-<hash>.zip`` (both from one run of Pyodide under
    ``node``, a few seconds, see :func:`build_stdlib_zip`); without, the sources as they are. Then
    ``manifest.json``: ``{"runtime", "pyodide", "stdlib", "runtime_gz", "stdlib_gz",
    "pyodide_version"}``, paths relative to ``out_dir``; the ``_gz`` ones are the same archives as
    :func:`gzipped_stored` writes them (``.zip.gz``), which the page prefers where the browser has
    DecompressionStream (``stdlib`` and both ``_gz`` are ``""`` without the trimmed zip). Returns the manifest.

    With ``cache_dir``, both compiled zips are kept there under a key of the runtime's sources and the
    Pyodide version, so rebuilds (``mkdocs serve``) only run Node when the runtime changed."""
    out_dir = Path(out_dir)
    pyodide_dir = copy_pyodide(out_dir, Path(node_modules))
    version = pyodide_dir.name
    stdlib = stdlib_gz = runtime_gz = ""
    with tempfile.TemporaryDirectory() as tmp:
        source = build_runtime_zip(Path(tmp))
        if not trimmed_stdlib:
            runtime = _write_hashed(out_dir, Path(PACKAGE_DIR).name, source.read_bytes())
        else:
            key_source = json.dumps([version, source.name, STDLIB_WHOLE_PACKAGES, STDLIB_GLUE_MODULES, STDLIB_SAMPLES,
                                     _STDLIB_COLLECTOR])
            key = hashlib.sha256(key_source.encode("utf-8")).hexdigest()[:16]
            cached: dict[str, Path] = {}
            if cache_dir is not None:
                cached = {kind: Path(cache_dir) / f"{kind}-key-{key}.zip" for kind in ("python_stdlib", "bouncecodes")}
            if cached and all(path.is_file() for path in cached.values()):
                stdlib_bytes, runtime_bytes = (cached["python_stdlib"].read_bytes(), cached["bouncecodes"].read_bytes())
            else:
                found = _run_collector(Path(node_modules), source, node)
                stdlib_bytes = write_deterministic_zip(found["entries"])
                runtime_bytes = compiled_runtime(source, found["runtime"])
                for kind, data in (("python_stdlib", stdlib_bytes), ("bouncecodes", runtime_bytes)):
                    if kind in cached:
                        cached[kind].parent.mkdir(parents=True, exist_ok=True)
                        _write_atomically(cached[kind], data)
            stdlib = _write_hashed(out_dir, "python_stdlib", stdlib_bytes).name
            runtime = _write_hashed(out_dir, Path(PACKAGE_DIR).name, runtime_bytes)
            stdlib_gz = _write_hashed(out_dir, "python_stdlib", gzipped_stored(stdlib_bytes), ".zip.gz").name
            runtime_gz = _write_hashed(out_dir, Path(PACKAGE_DIR).name, gzipped_stored(runtime_bytes), ".zip.gz").name
    manifest = {
        "runtime": runtime.name,
        "pyodide": f"pyodide/{version}/",
        "stdlib": stdlib,
        "runtime_gz": runtime_gz,
        "stdlib_gz": stdlib_gz,
        "pyodide_version": version,
    }
    _write_atomically(out_dir / MANIFEST_NAME, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return manifest
