"""A worker of the partitioned search (``checker.search.parallel``) for any model with a world codec.

The native worker (``parallel._Worker``) knows the native model's worlds as integers. This one
knows nothing of a world but what the model's codec tells it (``model.codec``: ``fingerprint``,
``freeze``, ``thaw``, ``definitions``, ``define``, ``portable``; ``checker.impl.codec`` for an
implementation behind an adapter), and drives the model by Stateright's three parts and its
checks alone, as the plain search does. It has the native worker's interface (``seed``,
``expand``, ``accept``, ``parent``), so the coordinator runs it unchanged, and keeps what the
native one keeps:

- the seen set: 64-bit fingerprints of every finished level, one sorted array (``_Seen``);
- per level, a parent link for each world of its part: the worker that made it, its parent's
  position in that worker's part of the level above, the action's position there (7 bytes);
- the worlds of one level only, frozen (a few dozen bytes each, their parts kept once).

Successors go to their owner (fingerprint modulo the number of workers) as frozen bytes, with
the parts the others have not been sent yet. Each world carries its path: the positions of the
actions that reach it, level by level. A level is expanded in order of path, which is the order
in which the plain breadth-first search meets its worlds, and of the steps that reach one world
the one kept is the one with the smallest path (world and parent link both): the one the plain
search meets first. Neither depends on the number of workers. Counterexamples are rebuilt from
the links by re-executing the actions from the initial world (``parallel._path``).

Every step is checked with ``check_step`` and every world not seen before with ``check_world``,
as it is taken, so a clean run finds the plain search's distinct worlds and transitions. Each
worker stops at its first step that breaks something (a step, or the world it reaches); the one
reported is the first of them in path order, the smallest ``Broken.key`` (which leads with the
path of the world the step leaves, as an integer), and ``cut`` makes the counts those of the
steps before it, so that they do not depend on how far the other workers got: a broken run
counts what the plain search counts and reports its counterexample. An implementation search is
costly per step (calls into the implementation, snapshots), so stopping early in the level that
breaks saves much of it: on the Figure 8 bounds that level is half of all steps.
"""

from __future__ import annotations

import bisect
import heapq
import pickle
import struct
from array import array
from typing import Any, Callable, Iterable

from checker.search.layout import Broken


#: A successor's record is its path (``_path``), then this head, then its frozen world: the
#: parent's position in its maker's part of the level, and the maker.
_HEAD = struct.Struct("<IB")
#: An action's position, as it is written into a path.
_STEP = struct.Struct(">H")


def _record(path: bytes, position: int, maker: int, frozen: bytes) -> bytes:
    """A world's path comes first: the records of one level then compare as their paths do, with
    no key made for them (a path names one world, so no two records of a level have one)."""
    return path + _HEAD.pack(position, maker) + frozen


def _path(record: bytes, length: int) -> bytes:
    """A world's path: the positions of the actions that first reach it from the initial world,
    level by level (two bytes each, most significant first; ``length`` bytes in all, twice the
    level's depth). Two paths of one level compare as the tuples of positions do: the order in
    which the plain breadth-first search meets the worlds of a level."""
    return record[:length]


def _split(record: bytes, length: int) -> tuple[tuple[int, int, int], memoryview]:
    position, maker = _HEAD.unpack_from(record, length)
    return (_STEP.unpack_from(record, length - 2)[0], position, maker), memoryview(record)[length + _HEAD.size :]


def _body(record: bytes, length: int) -> memoryview:
    return memoryview(record)[length + _HEAD.size :]


def _fingerprint_at(record: bytes, at: int) -> int:
    """The fingerprint of the world a record holds, its frozen world's first 8 bytes
    (``checker.impl.codec``), at ``at``: as ``WorldCodec.fingerprint`` gives it."""
    return int.from_bytes(record[at : at + 8], "big", signed=True)


class _Made:
    """One level's new worlds for one owner, as their records in the order they were made (the
    order of path), and a table that finds a record by fingerprint: open addressing, at most
    half full, each slot the record's position (4 bytes), the fingerprint read back from the
    record itself. About 16 bytes a world beside the record, where a dict of fingerprints
    would take 88 (its entry, and a 32-byte integer for each key): on the Figure 8 bounds
    the largest level makes 86,788 worlds, 1.5 MiB of table instead of 5.5."""

    __slots__ = ("records", "slots", "mask", "at")

    def __init__(self, at: int) -> None:
        self.records: list[bytes] = []
        self.slots = array("i", [-1]) * 1024
        self.mask = 1023
        self.at = at  # Where a record's fingerprint starts.

    def _find(self, fp: int) -> tuple[int, bool]:
        """The slot that holds ``fp``'s record, or the empty one where it would go."""
        slots, records, at, mask = self.slots, self.records, self.at, self.mask
        k = fp & mask
        while True:
            j = slots[k]
            if j < 0:
                return k, False
            if int.from_bytes(records[j][at : at + 8], "big", signed=True) == fp:
                return k, True
            k = (k + 1) & mask

    def __contains__(self, fp: int) -> bool:
        return self._find(fp)[1]

    def add(self, fp: int, record: bytes) -> None:
        """``record``, of a world ``fp`` whose record is not held."""
        k, _ = self._find(fp)
        self.slots[k] = len(self.records)
        self.records.append(record)
        if 2 * len(self.records) > self.mask:
            self._grow()

    def _grow(self) -> None:
        size = 4 * (self.mask + 1)
        self.slots = slots = array("i", [-1]) * size
        self.mask = mask = size - 1
        at = self.at
        for j, record in enumerate(self.records):
            k = _fingerprint_at(record, at) & mask
            while slots[k] >= 0:
                k = (k + 1) & mask
            slots[k] = j


class _Held(dict):
    """``_Made`` for worlds kept whole (the codec is not portable; one worker): a dict of them by
    fingerprint, which a world's record does not hold."""

    add = dict.__setitem__

    @property
    def records(self) -> list[tuple]:
        return list(self.values())


def _sorted_fingerprints(records: list[bytes], at: int) -> Any:
    """The fingerprints of ``records``, in order, one at a time: sorted in eight runs and merged,
    so that no more than an eighth of them are ever integer objects at once."""
    step = max(1, -(-len(records) // 8))
    runs = [array("q", sorted(_fingerprint_at(r, at) for r in records[k : k + step]))
            for k in range(0, len(records), step)]
    return heapq.merge(*runs)


class _Seen:
    """The fingerprints of every finished level, as one sorted array of 8-byte integers, like
    ``checker.search.store.Seen`` but without NumPy: this worker looks fingerprints up one at a
    time, as it makes them, where a bisection is as quick, and NumPy alone would be a third of
    the memory of a one-worker search of a few hundred thousand worlds."""

    def __init__(self) -> None:
        self.array = array("q")

    def __contains__(self, fp: int) -> bool:
        seen = self.array
        k = bisect.bisect_left(seen, fp)
        return k < len(seen) and seen[k] == fp

    def add_level(self, fingerprints: Iterable[int]) -> None:
        """``fingerprints``, in order and none of them known, merged in: the runs of known ones
        between two new ones copied whole (one bisection per new fingerprint)."""
        old = self.array
        if not len(old):
            self.array = array("q", fingerprints)
            return
        merged = array("q")
        start = 0
        for fp in fingerprints:
            k = bisect.bisect_left(old, fp, start)
            merged.extend(old[start:k])
            merged.append(fp)
            start = k
        merged.extend(old[start:])
        self.array = merged


# Where the codec keeps worlds whole (one worker, nothing shipped), a record is a tuple (the
# path first, for the same reason).
def _whole(path: bytes, position: int, maker: int, world: Any) -> tuple:
    return (path, position, maker, world)


def _whole_path(record: tuple, length: int) -> bytes:
    return record[0]


def _whole_split(record: tuple, length: int) -> tuple[tuple, Any]:
    return (_STEP.unpack_from(record[0], length - 2)[0], record[1], record[2]), record[3]


def _whole_body(record: tuple, length: int) -> Any:
    return record[3]


class SnapshotWorker:
    """One worker's share: its part of the frontier (frozen) and of the seen set, its parent links."""

    #: Its frontier is bytes, which the cyclic garbage collector does not walk, and the
    #: implementation's objects may hold cycles: the coordinator leaves the collector on.
    collects_garbage = True

    def __init__(self, model: Any, index: int, workers: int, symmetry: bool = False, native: bool = True) -> None:
        if symmetry:
            raise ValueError("symmetry reduction needs the native model")
        self.model = model
        self.codec = model.codec
        if workers > 1 and not self.codec.portable:
            raise ValueError("worlds whose nodes cannot be snapshotted are searched in one process")
        self.index = index
        self.workers = workers
        self.seen = _Seen()
        # This worker's part of the level, by fingerprint: each world's record as it arrived
        # (the frozen world after the head that says where it came from, not copied out).
        self.frontier: list[Any] = []
        self.body = _body if self.codec.portable else _whole_body
        self.path = _path if self.codec.portable else _whole_path
        self.length = 0  # Of the paths of the frontier's worlds (``_path``).
        self.levels: list[tuple[array, array, array]] = []
        # Own successors of the last expansion, new to the seen set, by fingerprint: their records
        # (path, parent position, maker, frozen world).
        self.kept: _Made | _Held | None = None
        self.reached: dict[str, int] = {}
        self.properties = len({name for name, _ in model.sometimes})
        self.report: Callable[[int], None] | None = None

    def _note_sometimes(self, w: Any, at: int) -> None:
        for name, holds in self.model.sometimes:
            if name not in self.reached and holds(w):
                self.reached[name] = at

    def _known(self, fp: int) -> bool:
        return fp in self.seen

    def seed(self) -> tuple[Any, ...]:
        model, codec = self.model, self.codec
        w = model.initial()
        fp = codec.fingerprint(w)
        level = (array("B"), array("I"), array("H"))
        broken = None
        if fp % self.workers == self.index:
            record = _record if codec.portable else _whole
            self.frontier = [record(b"", 0, 0, codec.freeze(w))]
            self.seen.add_level([fp])
            level[0].append(0), level[1].append(0), level[2].append(0)
            violation = model.check_world(w)
            if violation is None:
                self._note_sometimes(w, 0)
            else:
                broken = Broken(fp, 1, 0, 0, violation, self.index, 0)
        self.levels.append(level)
        return len(self.frontier), broken, dict(self.reached)

    def expand(self) -> tuple[int, Any, list[bytes]]:
        """Every step from this worker's part of the frontier, in order of the parent's path
        and then of the action's position, checked as it is taken (``check_step``,
        then ``check_world`` on a world not seen before); the successors sorted by owner. At the
        first step that breaks something, this worker stops (see ``cut``)."""
        model, codec, workers, me, report = self.model, self.codec, self.workers, self.index, self.report
        actions, step, check_step, check_world = model.actions, model.step, model.check_step, model.check_world
        fingerprint, freeze, thaw = codec.fingerprint, codec.freeze, codec.thaw
        frontier, body, path_of, length = self.frontier, self.body, self.path, self.length
        fp_at = length + 2 + _HEAD.size  # Where a successor's record holds its fingerprint.
        made = [_Made(fp_at) if codec.portable else _Held() for _ in range(workers)]
        mine = made[me]
        old: set[int] = set()  # Own successors found in the seen set, not to be looked up again.
        transitions = 0
        broken = None
        # Steps taken once each parent is expanded, and the parents' paths one after the other
        # (``length`` bytes each), for ``cut``.
        self.taken = taken = array("Q")
        self.expanded = paths = bytearray()
        record = _record if codec.portable else _whole
        pack = _STEP.pack
        for position in range(len(frontier)):
            if report is not None and position & 63 == 63:
                report(transitions)
            held_record = frontier[position]
            frontier[position] = None  # Expanded worlds go as we go.
            w = thaw(body(held_record, length))
            from_path = path_of(held_record, length)
            paths += from_path
            for n, action in enumerate(actions(w)):
                after = step(w, action)
                if after is None:
                    continue
                transitions += 1
                fp = fingerprint(after)
                owner = fp % workers
                table = made[owner]
                # The frontier is in order of path and each world's steps in order of position,
                # so a step already held is the smaller one (and its world was checked).
                held = fp in table or fp in old
                if not held and owner == me and self._known(fp):
                    old.add(fp)
                    held = True
                violation = check_step(w, action, after)
                at_world = 0
                if violation is None and not held:
                    violation = check_world(after)  # A world seen before passed it then.
                    at_world = 1
                if violation is not None:
                    # Reported as the step from its parent, so that the first in the order of
                    # expansion has the smallest key on any number of workers (``Broken.key``).
                    at = int.from_bytes(from_path, "big")
                    broken = Broken(at, 0, at, n, violation, me, position)
                    self.broken_world = at_world
                    break
                if not held:
                    # Frozen for its owner: in this process's form when that is this one.
                    table.add(fp, record(from_path + pack(n), position, me, freeze(after, owner != me)))
            if broken is not None:
                break
            taken.append(transitions)
        self.stopped = transitions
        self.kept = mine
        out = []
        definitions = codec.definitions() if workers > 1 else []
        for d in range(workers):
            out.append(b"" if d == me else pickle.dumps((definitions, made[d].records), pickle.HIGHEST_PROTOCOL))
        return transitions, broken, out

    def accept(self, blobs: list[bytes], depth: int) -> tuple[Any, ...]:
        model, codec, me = self.model, self.codec, self.index
        self.length = length = 2 * depth
        at = length + _HEAD.size  # Where a record holds its world's fingerprint.
        mine = self.kept  # Own successors, new to the seen set, in order of path.
        self.kept = None
        runs = [mine.records]
        del mine
        for sender, blob in enumerate(blobs):
            if sender == me:
                continue
            definitions, records = pickle.loads(blob)
            codec.define(definitions)
            runs.append(records)  # In order of path too, as their maker made them.
        if len(runs) == 1:
            new = runs[0]
        else:
            # Taken in order of path, the first record of a world is its smallest (a path names
            # one world, so no two records of a level have one, and records compare as their paths).
            level = _Made(at)
            maker_at, localize = at - 1, codec.localize
            for record in heapq.merge(*runs):
                fp = _fingerprint_at(record, at)
                if fp not in level and not self._known(fp):
                    if record[maker_at] != me:  # Frozen by another: its parts named as they are here.
                        record = record[:at] + localize(memoryview(record)[at:])
                    level.add(fp, record)
            new = level.records
            del level
        del runs
        links = (array("B"), array("I"), array("H"))
        self.reached_before = dict(self.reached)
        self.depth = depth
        split = _split if codec.portable else _whole_split
        for record in new:
            (n, position, sender), frozen = split(record, length)
            links[0].append(sender), links[1].append(position), links[2].append(n)
            if len(self.reached) < self.properties:  # A world is thawed only for one still to reach.
                self._note_sometimes(codec.thaw(frozen), depth)
        self.frontier = None  # The level expanded, let go before the next is merged into the seen set.
        if codec.portable:
            self.seen.add_level(_sorted_fingerprints(new, at))
        else:
            self.seen.add_level(sorted(codec.fingerprint(record[3]) for record in new))
        self.levels.append(links)
        self.frontier = new
        return len(new), None, dict(self.reached)

    def cut(self, parent: int, action: int, worker: int) -> tuple[int, int, dict[str, int]]:
        """What the level that broke counts up to its first broken step, (``parent``, ``action``)
        from ``worker``'s part, so that the counts do not depend on how far each worker got
        past it: the steps taken before it (and it), the new worlds reached before it (and the
        broken world, if the world broke rather than the step), and the sometimes properties
        those worlds reach."""
        # Paths of one level have one length, so they compare as the integers they spell.
        if worker == self.index:
            transitions = self.stopped
            distinct = self.broken_world
        else:
            paths, length = self.expanded, self.length - 2  # The level expanded, above this one.
            starts = range(0, len(paths), length) if length else range(len(self.taken))
            before = bisect.bisect_left([int.from_bytes(paths[k : k + length], "big") for k in starts], parent)
            transitions = self.taken[before - 1] if before else 0
            distinct = 0
        self.reached = dict(self.reached_before)
        step = parent << 16 | action  # The broken step's path.
        for position, record in enumerate(self.frontier):
            if int.from_bytes(self.path(record, self.length), "big") < step:
                distinct += 1
                if len(self.reached) < self.properties:
                    self._note_sometimes(self.codec.thaw(self.body(record, self.length)), self.depth)
        return transitions, distinct, dict(self.reached)

    def parent(self, level: int, position: int) -> tuple[int, int, int]:
        senders, ups, vias = self.levels[level]
        return senders[position], ups[position], vias[position]
