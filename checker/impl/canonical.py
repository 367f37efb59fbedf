"""A canonical text of any Python value, the same in every process, and its fingerprint.
"""

from __future__ import annotations

import enum
import hashlib
import inspect
import random
from collections import deque
from collections.abc import Mapping, Set
from typing import Any


def canonical(value: Any) -> str:
    """A text that two equal states share and two different ones do not, the same in every
    process: no ``hash``, no ``id``, no default ``repr`` of an object (it holds an address)."""
    out: list[str] = []
    _canon(value, out, set())
    return "".join(out)


_ATOMS = (type(None), bool, int, float, str, bytes)


def _canon(v: Any, out: list[str], active: set[int]) -> None:
    t = type(v)
    if t in _ATOMS:
        out.append(repr(v))
        return
    if id(v) in active:
        out.append("<cycle>")
        return
    active.add(id(v))
    try:
        # Exact types first: the abstract-class checks below are slow, and these are most values.
        if t is list or t is tuple:
            _canon_sequence(v, out, active)
        elif t is dict:
            _canon_mapping(v, out, active)
        elif t is set or t is frozenset:
            _canon_set(v, out, active)
        elif isinstance(v, enum.Enum):
            out.append(f"{t.__qualname__}.{v.name}")
        elif isinstance(v, (int, float, str, bytes)):
            out.append(f"{t.__qualname__}({v!r})")
        elif isinstance(v, random.Random):
            out.append(f"Random({hashlib.blake2b(repr(v.getstate()).encode(), digest_size=8).hexdigest()})")
        elif isinstance(v, Mapping):
            _canon_mapping(v, out, active)
        elif isinstance(v, Set):
            _canon_set(v, out, active)
        elif isinstance(v, (list, tuple, deque)):
            _canon_sequence(v, out, active)
        elif inspect.isroutine(v) or inspect.isclass(v) or inspect.ismodule(v):
            out.append(f"<{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', getattr(v, '__name__', '?'))}>")
        else:
            out.append(t.__qualname__)
            out.append("(")
            for name, x in _attributes(v):
                out.append(name)
                out.append("=")
                _canon(x, out, active)
                out.append(",")
            out.append(")")
    finally:
        active.discard(id(v))


def _canon_sequence(v: Any, out: list[str], active: set[int]) -> None:
    out.append("(")
    for x in v:
        _canon(x, out, active)
        out.append(",")
    out.append(")")


def _canon_mapping(v: Any, out: list[str], active: set[int]) -> None:
    out.append("{")
    for text, k in sorted(((canonical_key(k, active), k) for k in v), key=lambda pair: pair[0]):
        out.append(text)
        out.append(":")
        _canon(v[k], out, active)
        out.append(",")
    out.append("}")


def _canon_set(v: Any, out: list[str], active: set[int]) -> None:
    out.append("set{")
    out.append(",".join(sorted(canonical_key(x, active) for x in v)))
    out.append("}")


def canonical_key(v: Any, active: set[int]) -> str:
    out: list[str] = []
    _canon(v, out, active)
    return "".join(out)


def _attributes(v: Any) -> list[tuple[str, Any]]:
    """An object's attributes, from its ``__dict__`` and its slots, sorted by name."""
    found: dict[str, Any] = {}
    for name in _slot_names(type(v)):
        try:
            found[name] = object.__getattribute__(v, name)
        except AttributeError:
            pass  # A slot never set.
    found.update(getattr(v, "__dict__", None) or {})
    return sorted(found.items())


_SLOTS: dict[type, tuple[str, ...]] = {}


def _slot_names(t: type) -> tuple[str, ...]:
    """Every slot a type's instances have, through its bases, under the names Python stores them."""
    names = _SLOTS.get(t)
    if names is None:
        found: list[str] = []
        for cls in t.__mro__:
            slots = cls.__dict__.get("__slots__", ())
            for name in (slots,) if isinstance(slots, str) else slots:
                if name.startswith("__") and not name.endswith("__"):
                    name = f"_{cls.__name__.lstrip('_')}{name}"  # Private names are mangled.
                if name not in ("__dict__", "__weakref__") and name not in found:
                    found.append(name)
        names = _SLOTS[t] = tuple(found)
    return names


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


_SEEDS: dict[tuple[Any, str], int] = {}


def _seed_for(node_id: Any, method: str) -> int:
    seed = _SEEDS.get((node_id, method))
    if seed is None:
        seed = _SEEDS[(node_id, method)] = int.from_bytes(digest(f"{node_id!r}:{method}"), "big")
    return seed

