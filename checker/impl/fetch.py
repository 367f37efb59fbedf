"""Libraries under test, fetched from the package index into a cache, never into this repository.

``--impl pysyncobj==0.3.11`` names a published release; ``--impl pysyncobj`` the newest one
the index offers today (the trace records which, so that ``replay`` fetches the same again).
Each release is installed once, without its dependencies, into its own folder of the cache
(``$RAFTCHECK_CACHE``, by default ``~/.cache/raftcheck/libraries``): first into a temporary
folder beside it, then renamed, so that an interrupted download leaves nothing half-installed.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from checker.impl.adapter import AdapterError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_VERSION = re.compile(r"^[0-9][A-Za-z0-9.+!-]*$")


def cache_root() -> Path:
    """Where fetched releases are kept."""
    configured = os.environ.get("RAFTCHECK_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "raftcheck" / "libraries"


def split_target(text: str) -> tuple[str, str | None]:
    """``"name==1.2"`` as ``("name", "1.2")``, ``"name"`` as ``("name", None)``; raises AdapterError."""
    name, sep, version = text.partition("==")
    name = name.strip().lower()
    if not _NAME.match(name) or (sep and not _VERSION.match(version.strip())):
        raise AdapterError(f"--impl {text}: must be NAME or NAME==VERSION (for example pysyncobj==0.3.11)")
    return name, (version.strip() if sep else None)


def fetch(name: str, version: str | None) -> tuple[str, Path]:
    """The release's version and the folder it is installed in, fetching it first if needed."""
    root = cache_root()
    if version is not None:
        folder = root / f"{name}-{version}"
        if folder.is_dir():
            return version, folder
    try:
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    except OSError as e:
        raise AdapterError(f"--impl {name}: cannot use the library cache {root}: {e.strerror or e}") from None
    try:
        wanted = f"{name}=={version}" if version is not None else name
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--no-compile", "--target", str(scratch), wanted],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            last = [line for line in done.stderr.splitlines() if line.strip()]
            why = last[-1].strip() if last else f"pip exited with status {done.returncode}"
            raise AdapterError(f"--impl {wanted}: cannot fetch it from the package index: {why}")
        found = _installed_version(scratch, name)
        if found is None:
            raise AdapterError(f"--impl {wanted}: pip installed no distribution called {name}")
        folder = root / f"{name}-{found}"
        if folder.is_dir():
            return found, folder  # Fetched meanwhile by another process, or newest already cached.
        os.replace(scratch, folder)
        return found, folder
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _installed_version(folder: Path, name: str) -> str | None:
    wanted = re.sub(r"[-_.]+", "_", name).lower()
    for info in folder.glob("*.dist-info"):
        dist, _, version = info.name[: -len(".dist-info")].rpartition("-")
        if re.sub(r"[-_.]+", "_", dist).lower() == wanted:
            return version
    return None


def import_library(name: str, version: str | None, module: str) -> tuple[str, ModuleType]:
    """The release's version and its top-level ``module``, imported from the cache. One release
    of a library per process: asking for a second one is refused."""
    found, folder = fetch(name, version)
    loaded = sys.modules.get(module)
    if loaded is not None:
        where = Path(getattr(loaded, "__file__", "") or "").resolve()
        if folder.resolve() not in where.parents:
            raise AdapterError(
                f"--impl {name}=={found}: another copy of {module} is already imported in this process ({where})"
            )
        return found, loaded
    sys.path.insert(0, str(folder))
    try:
        return found, importlib.import_module(module)
    except Exception as e:
        raise AdapterError(f"--impl {name}=={found}: importing {module} raised {type(e).__name__}: {e}") from None
