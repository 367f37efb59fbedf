"""``checker.impl.canonical`` held to a plain reference: its fast path (each type's form decided
once and cached, atoms written inline, an object's ``__dict__`` read directly) must write exactly
the text the straightforward formulation writes, value by value, since that text is what a
node's key and a message's fingerprint are made of (a different text is a different state).

The reference below is written from the rules the module's docstrings state, in the order the
type checks were made before the fast path (git history of checker/impl/canonical.py): exact
built-in containers first, then enums, subclasses of the atoms, ``random.Random``, any mapping,
any set, any other sequence, routines, classes and modules, and anything else as an object of
named attributes (``__dict__`` and slots, sorted by name). No caching anywhere.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import hashlib
import importlib
import inspect
import random
from collections.abc import Mapping, Set
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

# The module (checker.impl exports its function under the same name).
fast = importlib.import_module("checker.impl.canonical")


def reference(value: Any) -> str:
    """The canonical text, the slow and obvious way."""
    return _ref(value, frozenset())


def _ref(v: Any, active: frozenset[int]) -> str:
    if type(v) in (type(None), bool, int, float, str, bytes):
        return repr(v)
    if id(v) in active:
        return "<cycle>"
    inner = active | {id(v)}
    t = type(v)
    if t is list or t is tuple:
        return _ref_sequence(v, inner)
    if t is dict:
        return _ref_mapping(v, inner)
    if t is set or t is frozenset:
        return _ref_set(v, inner)
    if isinstance(v, enum.Enum):
        return f"{t.__qualname__}.{v.name}"
    if isinstance(v, (int, float, str, bytes)):
        return f"{t.__qualname__}({v!r})"
    if isinstance(v, random.Random):
        return f"Random({hashlib.blake2b(repr(v.getstate()).encode(), digest_size=8).hexdigest()})"
    if isinstance(v, Mapping):
        return _ref_mapping(v, inner)
    if isinstance(v, Set):
        return _ref_set(v, inner)
    if isinstance(v, (list, tuple, collections.deque)):
        return _ref_sequence(v, inner)
    if inspect.isroutine(v) or inspect.isclass(v) or inspect.ismodule(v):
        return f"<{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', getattr(v, '__name__', '?'))}>"
    attributes: dict[str, Any] = {}
    for cls in t.__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{cls.__name__.lstrip('_')}{name}"
            if name in ("__dict__", "__weakref__") or name in attributes:
                continue
            try:
                attributes[name] = object.__getattribute__(v, name)
            except AttributeError:
                pass
    attributes.update(getattr(v, "__dict__", None) or {})
    return t.__qualname__ + "(" + "".join(f"{k}={_ref(x, inner)}," for k, x in sorted(attributes.items())) + ")"


def _ref_sequence(v: Any, active: frozenset[int]) -> str:
    return "(" + "".join(_ref(x, active) + "," for x in v) + ")"


def _ref_mapping(v: Any, active: frozenset[int]) -> str:
    keyed = sorted(((_ref(k, active), k) for k in v), key=lambda pair: pair[0])
    return "{" + "".join(f"{text}:{_ref(v[k], active)}," for text, k in keyed) + "}"


def _ref_set(v: Any, active: frozenset[int]) -> str:
    return "set{" + ",".join(sorted(_ref(x, active) for x in v)) + "}"


# --- Values of every kind canonical tells apart --------------------------------------------


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Term(int):
    pass


class Name(str):
    pass


class Table(dict):
    pass


class Row(list):
    pass


Point = collections.namedtuple("Point", "x y")


@attrs.define
class Entry:
    term: Any
    command: Any


@attrs.frozen
class FrozenEntry:
    term: Any
    index: Any


@dataclasses.dataclass
class Vote:
    term: Any
    granted: Any


class Plain:
    """A hand-written object, as a course lab writes a node: attributes in ``__dict__``."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


class Slotted:
    __slots__ = ("a", "__hidden", "unset")

    def __init__(self, a: Any, hidden: Any) -> None:
        self.a = a
        self.__hidden = hidden


class SlottedWithDict(Slotted):
    """Slots of a base class and a ``__dict__`` of its own."""

    def __init__(self, a: Any, hidden: Any, **more: Any) -> None:
        super().__init__(a, hidden)
        self.__dict__.update(more)


def _function() -> None:
    pass


atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.binary(max_size=6),
)
hashables = st.recursive(
    st.one_of(atoms, st.sampled_from([Colour.RED, Level.HIGH, Term(3), Name("n")])),
    lambda inner: st.one_of(st.tuples(inner, inner), st.frozensets(inner, max_size=3), st.builds(FrozenEntry, inner, inner)),
    max_leaves=6,
)
others = st.sampled_from([_function, Plain, collections, random.Random(7), len, Colour])


def _containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.lists(inner, max_size=3).map(collections.deque),
        st.lists(inner, max_size=3).map(Row),
        st.dictionaries(hashables, inner, max_size=4),
        st.dictionaries(hashables, inner, max_size=3).map(Table),
        st.sets(hashables, max_size=4),
        st.frozensets(hashables, max_size=3),
        st.builds(Point, inner, inner),
        st.builds(Entry, inner, inner),
        st.builds(Vote, inner, inner),
        st.builds(lambda a, b: Plain(state=a, log=b, _private=1), inner, inner),
        st.builds(Slotted, inner, inner),
        st.builds(lambda a, b, c: SlottedWithDict(a, b, extra=c), inner, inner, inner),
    )


values = st.recursive(st.one_of(hashables, others), _containers, max_leaves=25)


@settings(max_examples=300)
@given(values)
def test_canonical_writes_what_the_plain_formulation_writes(value):
    """On nested containers of every kind, atoms (bools apart from ints, floats, None, bytes),
    enums, subclasses of atoms and containers, attrs and dataclass objects, plain and slotted
    objects, routines, classes, modules and generators: the same text, twice (the second time
    from the per-type forms the first call decided)."""
    expected = reference(value)
    assert fast.canonical(value) == expected
    assert fast.canonical(value) == expected


def test_canonical_tells_apart_what_the_reference_tells_apart():
    """A few values the fast path writes inline, where a wrong shortcut would merge states."""
    cases = [True, 1, 1.0, "1", b"1", Term(1), Level.LOW, (1,), [1], {1}, frozenset({1}), {1: 1}, Point(1, None)]
    texts = [fast.canonical(v) for v in cases]
    assert texts == [reference(v) for v in cases]
    assert len(set(texts)) == len(texts) - 2  # (1,) and [1] are one sequence; {1} and frozenset({1}) one set.


def test_canonical_writes_cycles_as_the_reference_does():
    """A container that holds itself, and an object that holds itself through a dict."""
    loop: list[Any] = [1]
    loop.append(loop)
    node = Plain(peers={})
    node.peers["me"] = node
    for value in (loop, node, [loop, loop], (node, {"n": node})):
        assert fast.canonical(value) == reference(value)


HOLDER = '''
import enum


class Role(enum.Enum):
    FOLLOWER = 1


def helper(x):
    return x


class Node:
    def __init__(self):
        self.f = helper
        self.kind = Role
        self.role = Role.FOLLOWER
'''


def test_a_users_function_or_class_held_by_a_node_reads_the_same_from_any_folder(tmp_path):
    """A file target is imported under a module name with a digest of its absolute path; a node
    holding one of its functions or classes fingerprints the same from two folders (two
    checkouts, two machines), and the same given by a relative path or an absolute one."""
    from checker.impl.canonical import canonical
    from checker.impl.seed import _import_file  # As load_class imports a file target.

    texts = []
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "holder.py").write_text(HOLDER)
        path = tmp_path / folder / "holder.py"
        texts.append(canonical(_import_file(f"{path}:Node", path).Node()))
    assert texts[0] == texts[1]
    assert "helper" in texts[0] and "Role>" in texts[0]


def test_a_fuzz_run_of_a_file_target_does_not_depend_on_the_path_it_was_given_by(monkeypatch):
    """The same actions and finding given relatively from the checkout's root, absolutely, and
    relatively from a folder below (only the target as given is recorded differently; a frame
    of the file is named relative to the working directory)."""
    from pathlib import Path

    from attrs import evolve

    from checker.fuzz.run import fuzz, fuzz_config
    from checker.model.config import ImplTarget

    root = Path(__file__).resolve().parent.parent
    runs = []
    for cwd, target in ((root, "tests/impls/seed_style.py:RaisesOnRefusal"),
                        (root, f"{root}/tests/impls/seed_style.py:RaisesOnRefusal"),
                        (root / "tests", "impls/seed_style.py:RaisesOnRefusal")):
        monkeypatch.chdir(cwd)
        config = evolve(fuzz_config(3), impl=ImplTarget(target))
        config = evolve(config, bounds=evolve(config.bounds, max_crashed=0))
        r = fuzz(config, 2, 6, seed=3)
        runs.append((r.trace, r.violation.invariant, r.steps, r.distinct, r.violation.message.replace("impls/seed_style.py", "F").replace("tests/F", "F")))
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][1] == "exception"
