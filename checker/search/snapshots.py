"""A worker of the partitioned search (``checker.search.parallel``) for any model with a world codec.

The native worker (``parallel._Worker``) knows the native model's worlds as integers. This one
knows nothing of a world but what the model's codec tells it (``model.codec``: ``fingerprint``,
``freeze``, ``thaw``, ``definitions``, ``define``, ``portable``; ``checker.impl.codec`` for an
implementation behind an adapter), and drives the model by Stateright's three parts and its
checks alone, as the plain search does. It has the native worker's interface (``seed``,
``expand``, ``accept``, ``parent``), so the coordinator runs it unchanged, and keeps what the
native one keeps:

- the seen set: 64-bit fingerprints of every finished level (``checker.search.store.Seen``);
- per level, a parent link for each world of its part: the worker that made it, its parent's
  position in that worker's part of the level above, the action's position there (7 bytes);
- the worlds of one level only, frozen (a few dozen bytes each, their parts kept once).

Successors go to their owner (fingerprint modulo the number of workers) as frozen bytes, with
the parts the others have not been sent yet. Of the steps that reach one world, the one kept is
the smallest (fingerprint of the world it leaves, action position), world and parent link both,
so that what is kept does not depend on the number of workers; counterexamples are rebuilt from
the links by re-executing the actions from the initial world (``parallel._path``).

Every step is checked with ``check_step`` and every new world with ``check_world``, as by the
plain search, so a clean run finds the same distinct worlds and transitions; a level that holds
violations is finished, and the one reported is the one with the smallest key (``Broken.key``).
"""

from __future__ import annotations

import pickle
from array import array
from typing import Any, Callable

import numpy as np

from checker.search.layout import Broken
from checker.search.store import Seen


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
        self.seen = Seen()
        self.frontier: list[Any] = []  # Frozen worlds of this worker's part of the level, by fingerprint.
        self.frontier_fps: list[int] = []
        self.levels: list[tuple[array, array, array]] = []
        # Own successors of the last expansion, new to the seen set: fingerprint -> (parent's
        # fingerprint, action position, parent position, maker, frozen world).
        self.kept: dict[int, tuple] = {}
        self.reached: dict[str, int] = {}
        self.report: Callable[[int], None] | None = None

    def _note_sometimes(self, w: Any, at: int) -> None:
        for name, holds in self.model.sometimes:
            if name not in self.reached and holds(w):
                self.reached[name] = at

    def _known(self, fp: int) -> bool:
        seen = self.seen.array
        if not len(seen):
            return False
        k = int(np.searchsorted(seen, fp))
        return k < len(seen) and int(seen[k]) == fp

    def seed(self) -> tuple[Any, ...]:
        model, codec = self.model, self.codec
        w = model.initial()
        fp = codec.fingerprint(w)
        level = (array("B"), array("I"), array("H"))
        broken = None
        if fp % self.workers == self.index:
            self.frontier, self.frontier_fps = [codec.freeze(w)], [fp]
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
        """Every step from this worker's part of the frontier, checked; the successors sorted by owner."""
        model, codec, workers, me, report = self.model, self.codec, self.workers, self.index, self.report
        actions, step, check_step = model.actions, model.step, model.check_step
        fingerprint, freeze, thaw = codec.fingerprint, codec.freeze, codec.thaw
        made: list[dict[int, tuple]] = [{} for _ in range(workers)]
        mine = made[me]
        old: set[int] = set()  # Own successors found in the seen set, not to be looked up again.
        transitions = 0
        broken = None
        frontier, fps = self.frontier, self.frontier_fps
        for position in range(len(frontier)):
            if report is not None and position & 63 == 63:
                report(transitions)
            w = thaw(frontier[position])
            frontier[position] = None  # Expanded worlds go as we go.
            from_fp = fps[position]
            for n, action in enumerate(actions(w)):
                after = step(w, action)
                if after is None:
                    continue
                transitions += 1
                fp = fingerprint(after)
                violation = check_step(w, action, after)
                if violation is not None:
                    if broken is None or (fp, 0, from_fp, n) < broken.key:
                        broken = Broken(fp, 0, from_fp, n, violation, me, position)
                    continue
                owner = fp % workers
                table = made[owner]
                # The frontier is in order of fingerprint and each world's steps in order of
                # position, so a step already held is the smaller one.
                if fp in table or fp in old:
                    continue
                if owner == me and self._known(fp):
                    old.add(fp)
                    continue
                table[fp] = (from_fp, n, position, me, freeze(after))
        self.kept = mine
        out = []
        definitions = codec.definitions() if workers > 1 else []
        for d in range(workers):
            out.append(b"" if d == me else pickle.dumps((definitions, made[d]), pickle.HIGHEST_PROTOCOL))
        return transitions, broken, out

    def accept(self, blobs: list[bytes], depth: int) -> tuple[Any, ...]:
        model, codec, me = self.model, self.codec, self.index
        candidates: dict[int, tuple | None] = self.kept  # None: seen in an earlier level.
        self.kept = {}
        for sender, blob in enumerate(blobs):
            if sender == me:
                continue
            definitions, items = pickle.loads(blob)
            codec.define(definitions)
            for fp, item in items.items():
                if fp in candidates:
                    held = candidates[fp]
                    if held is not None and item[:2] < held[:2]:
                        candidates[fp] = item
                elif self._known(fp):
                    candidates[fp] = None
                else:
                    candidates[fp] = item
        frontier: list[Any] = []
        level = (array("B"), array("I"), array("H"))
        new_fps = sorted(fp for fp, held in candidates.items() if held is not None)
        broken = None
        for fp in new_fps:
            _, n, position, sender, frozen = candidates.pop(fp)
            level[0].append(sender), level[1].append(position), level[2].append(n)
            frontier.append(frozen)
            w = codec.thaw(frozen)
            violation = model.check_world(w)
            if violation is not None:
                if broken is None:
                    broken = Broken(fp, 1, 0, 0, violation, me, len(frontier) - 1)
            else:
                self._note_sometimes(w, depth)
        candidates.clear()
        self.seen.add_level(new_fps)
        self.levels.append(level)
        self.frontier, self.frontier_fps = frontier, new_fps
        return len(frontier), broken, dict(self.reached)

    def parent(self, level: int, position: int) -> tuple[int, int, int]:
        senders, ups, vias = self.levels[level]
        return senders[position], ups[position], vias[position]
