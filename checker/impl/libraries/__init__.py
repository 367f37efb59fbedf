"""Adapters for Raft libraries published on the package index, by the name users give to ``--impl``.

Each entry names the module and class of an adapter (``checker.impl.adapter.Adapter``); the
adapter is imported only when asked for, so that checking one library never imports another.
An adapter class is made as ``Class(version, settings)``: the release (from
``checker.impl.fetch``) and the ``--impl-conf KEY=VALUE`` settings as strings.
"""

from __future__ import annotations

import importlib

from checker.impl.adapter import AdapterError

#: ``--impl NAME``: (module, class) of its adapter.
ADAPTERS: dict[str, tuple[str, str]] = {
    "pysyncobj": ("checker.impl.libraries.pysyncobj", "PySyncObjAdapter"),
    "raftos": ("checker.impl.libraries.raftos", "RaftosAdapter"),
}


def adapter_class(name: str) -> type:
    """The adapter class for library ``name``; raises AdapterError for a library we do not drive."""
    if name not in ADAPTERS:
        known = ", ".join(sorted(ADAPTERS))
        raise AdapterError(f"--impl {name}: no adapter for a library called {name} (known: {known})")
    module, cls = ADAPTERS[name]
    return getattr(importlib.import_module(module), cls)
