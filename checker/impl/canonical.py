"""A canonical text of any Python value, the same in every process, and its fingerprint.
"""

from __future__ import annotations

import enum
import hashlib
import inspect
import random
import re
from collections import deque
from collections.abc import Mapping, Set
from typing import Any


def canonical(value: Any) -> str:
    """A text that two equal states share and two different ones do not, the same in every
    process: no ``hash``, no ``id``, no default ``repr`` of an object (it holds an address)."""
    out: list[str] = []
    _canon(value, out, set())
    return "".join(out)


#: The module a user's file target is imported as (``checker.impl.seed._import_file``) is named
#: with a digest of the file's absolute path, so that two files called raft.py do not collide in
#: one process; a function or class of that file held by a node is written without the digest,
#: so that a fingerprint does not depend on the folder the file sits in (another checkout,
#: another machine) or the path the target was given by.
_located = re.compile(r"^(_raftcheck_impl_.*)_[0-9a-f]{8}$")

_ATOMS = (type(None), bool, int, float, str, bytes)
_ATOM = frozenset(_ATOMS)

# What each type of value is written as: decided once per type, by the checks in the order they
# were always made, since each depends on the type alone (``isinstance`` of the value, and the
# ``inspect`` predicates, which look at its type). Most values of a node are a few types.
_SEQUENCE, _MAPPING, _SET, _ENUM, _WRAPPED, _RANDOM, _ROUTINE, _OBJECT = range(8)
_KINDS: dict[type, int] = {list: _SEQUENCE, tuple: _SEQUENCE, dict: _MAPPING, set: _SET, frozenset: _SET}


def _kind(v: Any) -> int:
    t = type(v)
    if isinstance(v, enum.Enum):
        kind = _ENUM
    elif isinstance(v, (int, float, str, bytes)):
        kind = _WRAPPED
    elif isinstance(v, random.Random):
        kind = _RANDOM
    elif isinstance(v, Mapping):
        kind = _MAPPING
    elif isinstance(v, Set):
        kind = _SET
    elif isinstance(v, (list, tuple, deque)):
        kind = _SEQUENCE
    elif inspect.isroutine(v) or inspect.isclass(v) or inspect.ismodule(v):
        kind = _ROUTINE
    else:
        kind = _OBJECT
    if v.__class__ is t:  # A value that claims another class is judged each time.
        _KINDS[t] = kind
    return kind


def _canon(v: Any, out: list[str], active: set[int]) -> None:
    t = type(v)
    if t in _ATOM:
        out.append(repr(v))
        return
    if id(v) in active:
        out.append("<cycle>")
        return
    kind = _KINDS.get(t)
    if kind is None:
        kind = _kind(v)
    active.add(id(v))
    try:
        if kind is _OBJECT:
            out.append(t.__qualname__)
            out.append("(")
            d = getattr(v, "__dict__", None)
            # Without slots, its attributes are its __dict__'s (as _attributes finds them).
            for name, x in sorted(d.items()) if d is not None and not _slot_names(t) else _attributes(v):
                out.append(name)
                out.append("=")
                if type(x) in _ATOM:
                    out.append(repr(x))
                else:
                    _canon(x, out, active)
                out.append(",")
            out.append(")")
        elif kind is _SEQUENCE:
            _canon_sequence(v, out, active)
        elif kind is _MAPPING:
            _canon_mapping(v, out, active)
        elif kind is _SET:
            _canon_set(v, out, active)
        elif kind is _ENUM:
            out.append(f"{t.__qualname__}.{v.name}")
        elif kind is _WRAPPED:
            out.append(f"{t.__qualname__}({v!r})")
        elif kind is _RANDOM:
            out.append(f"Random({hashlib.blake2b(repr(v.getstate()).encode(), digest_size=8).hexdigest()})")
        else:
            module = _located.sub(r"\1", getattr(v, "__module__", None) or "")
            out.append(f"<{module}.{getattr(v, '__qualname__', getattr(v, '__name__', '?'))}>")
    finally:
        active.discard(id(v))


def _canon_sequence(v: Any, out: list[str], active: set[int]) -> None:
    out.append("(")
    for x in v:
        if type(x) in _ATOM:
            out.append(repr(x))
        else:
            _canon(x, out, active)
        out.append(",")
    out.append(")")


def _canon_mapping(v: Any, out: list[str], active: set[int]) -> None:
    out.append("{")
    for text, k in sorted(((canonical_key(k, active), k) for k in v), key=_first):
        out.append(text)
        out.append(":")
        x = v[k]
        if type(x) in _ATOM:
            out.append(repr(x))
        else:
            _canon(x, out, active)
        out.append(",")
    out.append("}")


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _canon_set(v: Any, out: list[str], active: set[int]) -> None:
    out.append("set{")
    out.append(",".join(sorted(canonical_key(x, active) for x in v)))
    out.append("}")


def canonical_key(v: Any, active: set[int]) -> str:
    if type(v) in _ATOM:
        return repr(v)
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

