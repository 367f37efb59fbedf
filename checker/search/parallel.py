"""Breadth-first search over several worker processes, level by level.

The seen set is partitioned: every world has one owner among the W workers (``_owner``: a hash
of its node states), which alone decides whether it is new. A level goes in two steps:

1. **expand**: every worker expands the part of the frontier it holds, checks the transition
   properties of each step, and sorts the successors by owner. Successors travel in *global
   form*, with every node state, message and ghost history named by its fingerprint; the
   objects themselves travel once, as definitions, the first time a worker makes them.
2. **accept**: every owner takes the successors addressed to it, from worker 0's first, each
   worker's in the order it made them; it keeps the new ones as its part of the next frontier,
   records where each came from, and checks the ``always`` properties on them.

The workers only exchange bytes through the coordinator, one message per worker and round,
so the same scheme runs unchanged over any transport that can carry a list of byte strings
between processes (a cluster's message queue as well as these pipes; ``ray_backend``), with a
barrier after each step. Local worker processes on the C loop wait less (``_Sharing``): a
worker that has finished its part of an expansion takes over half of what is left of a busy
one's, and a worker that has accepted its part of a level goes on to expand it without
waiting for the others (``_accept_round``). Neither changes what the search finds.

On the synchronous and asynchronous networks, with or without symmetry reduction, both rounds
run in C where ``checker/search/_native.c`` was built: ``_Worker._expand_native`` and ``_accept_native`` hand it the
same frontier, tables and seen set, and it returns what the Python loop would, asking the same
Python methods for whatever its own tables miss. With more than one worker, each also ships
what it computed for those misses ("lessons"), so that the others need not compute it again.

Results are those of the single-process search: the same distinct worlds, transitions, depth
and, on a clean run, the same properties reached at the same depths. When a level holds
violations, the whole level is finished and the one reported is the one whose broken world
has the smallest fingerprint, so the choice does not depend on how many workers there are;
its counterexample has the shortest possible length, as with one worker, though it may be a
different path of that length than the single-process search reports.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import struct
import tempfile
import threading
import time
import traceback
from array import array
from typing import Any, Callable

from checker.model.config import ASYNC, FIFO, SYNC
from checker.model.native import Model
from checker.model.outcome import Violation, heard_interrupt
from checker.search.bfs import Progress, SearchResult, note_resident, peak_memory_bytes
from checker.search.encoded import CHUNK, MEMO_LIMIT, Encoded, _nth_action
from checker.search.layout import MOVES_NODES, Broken
from checker.search.store import Seen
from checker.search.verdicts import Judge

#: Seconds between a worker's reports on a long expansion, unless ``parallel_search`` is told otherwise.
PARTIAL_EVERY = 0.5
#: Frontier worlds the C loop expands between the Python loop's reports and seen-set lookups.
NATIVE_BLOCK = 1024

try:
    from checker.search import _native
except ImportError:  # Installed without a C compiler: the Python loop does the same, more slowly.
    _native = None


def native_loop() -> bool:
    """Whether the C loop was built, so that searches asked to use it (``parallel_search(native=True)``,
    the default) do, on the networks it knows (``native_fits``)."""
    return _native is not None


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, where the C library is glibc: see ``_give_back``."""
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, ImportError):
        return None


_TRIM = _malloc_trim()


def _give_back() -> None:
    """Hand the memory the last round freed back to the system. The round's large blocks (a
    level's blobs, outboxes, candidate tables) are freed when it ends, but glibc keeps freed
    blocks for later (it raises its mmap threshold once a large block is freed, and then takes
    them from the heap, which it shrinks only from the top), so that a worker's resident memory
    stayed at the highest of every round before, not at what it holds."""
    if _TRIM is not None:
        note_resident()  # The peak it had: the kernel's high-water mark may miss it (see bfs).
        _TRIM(0)


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class _Worker:
    """One worker's share: its part of the frontier and of the seen set, and its parent links."""

    def __init__(self, model: Model, index: int, workers: int, symmetry: bool = False, native: bool = True) -> None:
        self.model = model
        self.enc = Encoded(self.model)
        self.judge = Judge(self.enc, model.sometimes)
        self.index = index
        self.workers = workers
        self.symmetry = symmetry
        self.seen = Seen()
        self.frontier: list[bytes | None] = []  # Packed, as the candidates they were.
        self.frontier_fps: list[int] = []
        # Per level, for each world of this worker's part: (worker that made it, its parent's
        # position in that worker's part of the level above, the action's position).
        self.levels: list[tuple[array, array, array]] = []
        self.shipped = (0, 0, 0)  # Interned node states, messages and ghosts already sent out.
        self.kept: dict[int, bytes] = {}
        self.packing = _Packing()
        use_c = native and native_loop() and native_fits(model, symmetry)
        self.native = _native_loop(self.enc, self.judge, record=workers > 1, symmetry=symmetry) if use_c else None
        # Told, now and then during a long expansion, how many steps it has taken so far.
        self.report: Callable[[int], None] | None = None
        # Handed, between blocks of an expansion by the C loop, what would give part of the rest
        # away (``give``): it calls it if an idle worker asked for work (``_serve``).
        self.share: Callable[[Callable[[], Any]], None] | None = None
        self.end = 0  # Where this worker's own expansion of the level stops (``give`` moves it).
        self.stepped = 0  # Steps taken in this level so far, own and taken over.
        self.known = (0, 0, 0)  # Parts interned when this worker's expansion of the level began.

    def seed(self) -> tuple[Any, ...]:
        enc = self.enc
        init = enc.encode(self.model.initial())
        fp = enc.canonical_fingerprint(init) if self.symmetry else enc.fingerprint(init)
        level = (array("B"), array("I"), array("H"))
        broken = None
        g = None if self.symmetry else enc.global_form(init)
        if _owner(fp, g, self.workers, enc.k) == self.index:
            self.frontier, self.frontier_fps = [self.packing.pack(0, 0, 0, 0, init)], [fp]
            self.seen.add_level([fp])
            level[0].append(0), level[1].append(0), level[2].append(0)
            violation = self.judge.always(init)
            if violation is None:
                self.judge.note_sometimes(init, 0)
            else:
                broken = Broken(fp, 1, 0, 0, violation, self.index, 0)
        self.levels.append(level)
        return len(self.frontier), broken, dict(self.judge.reached)

    def expand(self) -> tuple[int, Any, list[bytes]]:
        """Every step from this worker's part of the frontier. Of the steps that reach one world,
        the one kept is the smallest (fingerprint of the world it leaves, action position), so
        parent links, and with them counterexamples, do not depend on the number of workers."""
        if self.native is not None:
            return self._expand_native()
        enc, judge, workers, me = self.enc, self.judge, self.workers, self.index
        global_form, canonical, symmetry = enc.global_form, enc.canonical_fingerprint, self.symmetry
        k = enc.k
        shift = k + 1
        moves_nodes = MOVES_NODES
        # Per other owner: fingerprint -> (parent's fingerprint, action position and changed
        # parts, parent position, global form of the world), to be shipped.
        made: list[dict[int, Any]] = [{} for _ in range(workers)]
        mine = made[me]  # Own new successors, packed (see ``_Packing``).
        pending: dict[int, tuple] = {}  # Own successors not yet looked up in the seen set.
        transitions = 0
        broken = None
        fps = self.frontier_fps
        frontier = self.frontier
        worlds, head, report = self.packing.worlds, _Packing.HEAD.size, self.report
        for position in range(len(frontier)):
            if report is not None and position & 1023 == 1023:
                report(transitions)
            packed = frontier[position]
            e = worlds[len(packed)].unpack_from(packed, head)
            # Expanded worlds go as we go (only positions are kept), and the new ones that are
            # kept packed reuse their memory.
            frontier[position] = None
            from_fp = fps[position]
            for kind, arg, n, after in enc.successors(e):
                transitions += 1
                if after == e:
                    continue  # A step that changes nothing stays in a world already seen.
                # Steps that change no node state (cuts, crashes, the network) change no ghost
                # history either, and no transition property can see them.
                changed = judge.step(e, kind, arg, after) if moves_nodes[kind] else 0
                if symmetry:
                    # Stored under the orbit's fingerprint, but the world kept is the one this
                    # step reached, so that every counterexample is a real path.
                    g = None
                    fp = canonical(after)
                    owner = fp % workers
                else:
                    g = global_form(after)
                    fp = hash(g)
                    owner = hash(g[:k]) % workers if workers > 1 else 0  # As ``_owner``.
                if changed.__class__ is not int:  # A broken step.
                    if broken is None or (fp, 0, from_fp, n) < broken.key:
                        broken = Broken(fp, 0, from_fp, n, changed, me, position)
                    continue
                # The action's position, and which parts of the world it changed (for ``always``),
                # in one integer that orders as the position does.
                n = n << shift | changed
                table = made[owner]
                # The frontier is in order of fingerprint and each world's steps in order of
                # position, so a step already held is the smaller one.
                if owner == me:
                    if fp not in pending and fp not in mine:
                        pending[fp] = (from_fp, n, position, after)
                elif fp not in table:
                    table[fp] = (from_fp, n, position, g if g is not None else global_form(after))
            if len(pending) >= CHUNK:
                self._settle(pending, mine)
        self._settle(pending, mine)
        return transitions, broken, self._ship(made)

    def _expand_native(self) -> tuple[int, Any, list[bytes]]:
        """``expand`` by the C loop, a block of the frontier at a time; the same result."""
        workers, me, report, share = self.workers, self.index, self.report, self.share
        mine: dict[int, bytes] = {}
        pending: dict[int, bytes] = {}  # Own successors, packed, not yet looked up in the seen set.
        steps: list[tuple] = []  # Broken steps: (fingerprint, parent's, action position, violation, position).
        frontier, fps, native = self.frontier, self.frontier_fps, self.native
        transitions = 0
        start = 0
        self.end = len(frontier)
        enc = self.enc
        self.known = (len(enc.nodes), len(enc.messages), len(enc.ghosts))
        while start < self.end:
            stop = min(start + NATIVE_BLOCK, self.end)
            transitions += native.expand(frontier, fps, start, stop, pending, mine, me, workers, steps)
            start = stop
            if len(pending) >= CHUNK:
                native.settle(pending, mine, self.seen.array)
            if report is not None:
                report(transitions)
            if share is not None:
                share(lambda: self.give(start))
        native.settle(pending, mine, self.seen.array)
        self.stepped = transitions
        # Per other owner, its successors as global records (see ``_native.c``), each world once.
        # (None at all before this worker's first expansion of a world.)
        made: list[Any] = (native.shipments() or [b""] * workers) if workers > 1 else [None]
        made[me] = mine
        return transitions, _broken_step(steps, me), self._ship(made)

    def give(self, done: int) -> tuple | None:
        """The second half of what is left of this worker's part of the level (from ``done``), for
        an idle worker to expand in its stead (``take``); None if too little is left to be worth
        the trip. The worlds go in global form with their positions here, so that the steps
        taken from them are recorded as this worker's, as if it had taken them itself, with the
        parts interned in this expansion, which they may name and the others do not know yet."""
        left = self.end - done
        if self.native is None or left < 2 * NATIVE_BLOCK:
            return None
        middle = done + left // 2
        records = self.native.give(self.frontier, self.frontier_fps, middle, self.end)
        self.end = middle
        enc = self.enc
        # Every part interned before this expansion is known to every worker: made by one and
        # shipped to all, or taken in from one that had.
        n0, m0, g0 = self.known
        # And what its tables learnt in this level so far: the taker would otherwise compute
        # again much of what these worlds' steps need (it still goes to everyone at the end).
        lessons = self.native.lessons(True)
        return (enc.nodes[n0:], enc.messages[m0:], enc.ghosts[g0:]), lessons, records, self.index

    def take(self, given: tuple) -> tuple[int, Any, list[bytes]]:
        """Expand worlds another worker gave away (``give``), after this worker's own ``expand``:
        its steps are recorded as the giver's, and of two steps to one world the smaller is kept,
        as in ``accept``, since these worlds do not follow this worker's own in order of
        fingerprint. The successors this worker owns join those its ``expand`` kept; the others'
        go out in blobs of their own, as ``expand``'s do."""
        definitions, lessons, records, maker = given
        self.define(definitions)
        native, workers, me, report = self.native, self.workers, self.index, self.report
        native.learn(lessons)
        del lessons
        frontier, fps, positions = native.take(records)
        del records
        pending: dict[int, bytes] = {}
        steps: list[tuple] = []
        kept = self.kept
        offset = positions[0] if positions else 0
        transitions = 0
        for start in range(0, len(frontier), NATIVE_BLOCK):
            stop = min(start + NATIVE_BLOCK, len(frontier))
            transitions += native.expand(frontier, fps, start, stop, pending, kept, me, workers, steps, maker, offset, 1)
            if len(pending) >= CHUNK:
                native.settle(pending, kept, self.seen.array)
            if report is not None:
                report(self.stepped + transitions)
        native.settle(pending, kept, self.seen.array)
        self.stepped += transitions
        made: list[Any] = native.shipments() or [b""] * workers
        made[me] = kept
        return transitions, _broken_step(steps, maker), self._ship(made, maker)

    def _ship(self, made: list[Any], maker: int | None = None) -> list[bytes]:
        """Blobs for the other owners, and what this worker owns kept here. ``maker``: whose part
        of the level the successors were made from (this worker's, unless taken over)."""
        enc, me = self.enc, self.index
        # Definitions of everything interned since the last round, for the other workers.
        n0, m0, g0 = self.shipped
        definitions = (enc.nodes[n0:], enc.messages[m0:], enc.ghosts[g0:])
        self.shipped = (len(enc.nodes), len(enc.messages), len(enc.ghosts))
        # What the C loop computed for its tables' misses, for the others to learn.
        lessons = self.native.lessons() if self.native is not None else b""
        # What this worker owns itself stays here rather than making a round trip as bytes.
        self.kept = made[me]
        maker = me if maker is None else maker
        blobs = []
        for d in range(self.workers):
            # Each owner's successors are let go once they are in its blob.
            items, made[d] = made[d], None
            blobs.append(b"" if d == me else _blob(definitions, lessons, items, maker))
            del items
        return blobs

    def _settle(self, pending: dict[int, tuple], mine: dict[int, bytes]) -> None:
        # Own successors seen in an earlier level are forgotten (if one is reached again in this
        # level, it is looked up again); the new ones are kept packed.
        for fp in self.seen.among(list(pending)):
            del pending[fp]
        records, record, me = self.packing.records, self.packing.record, self.index
        for fp, (from_fp, n, position, after) in pending.items():
            mine[fp] = (records.get(len(after)) or record(len(after))).pack(from_fp, n, position, me, *after)
        pending.clear()

    def accept(self, blobs: list[bytes], depth: int) -> tuple[Any, ...]:
        enc, judge = self.enc, self.judge
        # Candidates by fingerprint, packed, or None for one seen in an earlier level.
        candidates: dict[int, bytes | None] = self.kept
        self.kept = {}
        packing = self.packing
        for at in range(len(blobs)):
            # Each blob is let go once it is taken in, so that a level's blobs are not all
            # held until the level's worlds are accepted. (Empty: this worker's own.)
            blob, blobs[at] = blobs[at], b""
            if not blob:
                continue
            # ``sender``: the worker whose part of the level these successors were made from.
            definitions, lessons, items, sender = _unblob(blob)
            del blob  # Held now by ``items`` alone, if it holds the C loop's records.
            self.define(definitions)
            if not isinstance(items, dict):  # Global records from the C loop.
                self.native.learn(lessons)
                self.native.merge(candidates, items, sender, self.seen.array)
                del items
                continue
            fresh = []
            for fp, item in items.items():
                if fp not in candidates:
                    fresh.append(fp)
                    continue
                held = candidates[fp]
                from_fp, n, position, g = item
                if held is not None and (from_fp, n) < _Packing.HEAD.unpack_from(held)[:2]:
                    candidates[fp] = packing.pack(from_fp, n, position, sender, enc.from_global(g))
            old = set(self.seen.among(fresh))
            for fp in fresh:
                if fp in old:
                    candidates[fp] = None
                else:
                    from_fp, n, position, g = items[fp]
                    candidates[fp] = packing.pack(from_fp, n, position, sender, enc.from_global(g))
        if self.native is not None:
            return self._accept_native(candidates, depth)
        frontier: list[bytes] = []
        level = (array("B"), array("I"), array("H"))
        new_fps = sorted(fp for fp, held in candidates.items() if held is not None)
        broken = None
        shift = enc.k + 1
        for fp in new_fps:
            packed = candidates.pop(fp)
            _, via, position, sender, e = packing.unpack(packed)
            level[0].append(sender), level[1].append(position), level[2].append(via >> shift)
            frontier.append(packed)
            violation = judge.always(e, via & ((1 << shift) - 1))
            if violation is not None:
                if broken is None:
                    broken = Broken(fp, 1, 0, 0, violation, self.index, len(frontier) - 1)
            else:
                judge.note_sometimes(e, depth)
        self.seen.add_level(new_fps)
        self.levels.append(level)
        self.frontier, self.frontier_fps = frontier, new_fps
        return len(frontier), broken, dict(judge.reached)

    def define(self, definitions: tuple[list, list, list]) -> None:
        """Intern the node states, messages and ghost histories another worker defined."""
        enc = self.enc
        nodes, messages, ghosts = definitions
        for node in nodes:
            enc.node(node)
        for message in messages:
            enc.message(message)
        for ghost in ghosts:
            enc.ghost(*ghost)

    def _accept_native(self, candidates: dict[int, bytes | None], depth: int) -> tuple[Any, ...]:
        """The rest of ``accept`` by the C loop; the same result."""
        judge = self.judge
        frontier: list[bytes] = []
        new_fps, senders, ups, vias, broken = self.native.accept(
            candidates, frontier, lambda e: judge.note_sometimes(e, depth), judge.ghosts_noted,
            judge.reached, len(judge.sometimes),
        )
        level = (array("B", senders), array("I"), array("H"))
        level[1].frombytes(ups)
        level[2].frombytes(vias)
        if broken is not None:
            position, violation = broken
            broken = Broken(new_fps[position], 1, 0, 0, violation, self.index, position)
        self.seen.add_level(new_fps)
        self.levels.append(level)
        self.frontier, self.frontier_fps = frontier, new_fps
        return len(frontier), broken, dict(judge.reached)

    def parent(self, level: int, position: int) -> tuple[int, int, int]:
        senders, ups, vias = self.levels[level]
        return senders[position], ups[position], vias[position]


def _blob(definitions: tuple, lessons: bytes, items: Any, maker: int) -> bytes:
    """What a worker sends an owner in a round: the definitions, the lessons and the successors
    (a dictionary from the Python loop, global records as bytes from the C loop), and whose part
    of the level they were made from (the sender's, or a worker whose part it took over). The C
    loop's records go after the pickle as they are (``pickle.loads`` reads no further than its
    end), so that the owner reads them where they lie, not from a copy made by unpickling them."""
    if isinstance(items, dict):
        return pickle.dumps((definitions, lessons, items, -1, maker), pickle.HIGHEST_PROTOCOL)
    return pickle.dumps((definitions, lessons, None, len(items), maker), pickle.HIGHEST_PROTOCOL) + items


def _unblob(blob: bytes) -> tuple[tuple, bytes, Any, int]:
    """``_blob``'s parts again: (definitions, lessons, successors, maker), the C loop's records as
    a view of ``blob``."""
    definitions, lessons, items, size, maker = pickle.loads(blob)
    if items is None:
        items = memoryview(blob)[len(blob) - size:]
    return definitions, lessons, items, maker


def _broken_step(steps: list[tuple], maker: int) -> Broken | None:
    """The first of the broken steps the C loop found (in ``Broken.key`` order), from ``maker``'s part."""
    broken = None
    for fp, from_fp, n, violation, position in steps:
        if broken is None or (fp, 0, from_fp, n) < broken.key:
            broken = Broken(fp, 0, from_fp, n, violation, maker, position)
    return broken


def native_fits(model: Model, symmetry: bool) -> bool:
    """Whether the C loop searches ``model``: the synchronous, asynchronous and fifo networks (another
    one would run on the Python loop until the C loop learns it), with no more messages in flight
    than its worlds have room for, and with symmetry reduction on clusters small enough to try
    every renaming."""
    layout = _native.LAYOUT
    network = model.config.network
    if network == SYNC:
        fits = True
    elif network in (ASYNC, FIFO):
        fits = model.bounds.max_in_flight <= layout["MAX_NET"]
    else:
        return False
    return fits and len(model.ids) <= layout["MAX_NODES"] and (not symmetry or len(model.ids) <= layout["MAX_SYMMETRY_NODES"])


def _native_loop(enc: Encoded, judge: Judge, record: bool, symmetry: bool = False) -> Any:
    """The C loop over ``enc``'s interned parts, with their computations and ``judge``'s verdicts
    for what its own tables miss; with ``record``, it keeps what it computed as lessons for the
    other workers, who would otherwise compute much of it again in later levels (about a third
    of each worker's misses on ``default`` with two workers). On the asynchronous network it
    keeps the messages in flight in ``enc.order``, on the fifo one in ``enc.link`` order (each
    link's queue as sent); with ``symmetry``, it files worlds under
    ``enc.canonical_fingerprint``, asking ``enc``'s relabel methods for what its tables miss."""
    # Its fingerprints must be Python's, or the two loops would file worlds differently.
    for sample in ((), (0, 1, -1, -2), (1 << 61, (1 << 61) - 1, -(1 << 63), (1 << 63) - 1, 12345678901234567)):
        if _native.fingerprint(sample) != hash(sample):
            raise RuntimeError("checker._native hashes integers otherwise than this Python does")
    return _native.Sync(
        k=enc.k, max_term=enc.max_term, max_requests=enc.max_requests, max_cut=enc.max_cut,
        max_crashed=enc.max_crashed, verdict_limit=MEMO_LIMIT, record=record,
        leads=enc.leads, term=enc.term, commit=enc.commit, node_fp=enc.node_fp,
        source=enc.source, dest=enc.dest, committed=enc.committed, ghost_fp=enc.ghost_fp, message_fp=enc.message_fp,
        receive=enc.receive_new, act=enc.act_new, observe=enc.observe_new,
        node_verdict=judge.node_verdict, single_verdict=judge.single_verdict, pair_verdict=judge.pair_verdict,
        step=judge.step, always=judge.always,
        network=not enc.sync, max_in_flight=enc.max_in_flight if not enc.sync else 0, order=enc.order,
        perms=[tuple(perm) for perm in enc.perms] if symmetry else None,
        relabel_node=enc.relabel_node_new, relabel_message=enc.relabel_message_new, relabel_ghost=enc.relabel_ghost_new,
        fifo=enc.fifo,
    )


class _Packing:
    """Candidates for the next level spelled as one bytes object each: a head (the parent's
    fingerprint, the action's position with the changed parts, the parent's position, the
    worker that made it), then the world. A level's new worlds are held this way until they
    are accepted, and the frontier after that: about a third of the memory of the same fields
    as a tuple of Python integers. The search's loops read ``records`` and ``worlds`` directly."""

    HEAD = struct.Struct("<qIIB")

    def __init__(self) -> None:
        self.records: dict[int, struct.Struct] = {}  # By the world's length: the whole record.
        self.worlds: dict[int, struct.Struct] = {}  # By the record's size: the world after the head.

    def record(self, length: int) -> struct.Struct:
        """The layout of a record holding a world of ``length`` integers."""
        layout = self.records.get(length)
        if layout is None:
            layout = self.records[length] = struct.Struct(f"<qIIB{length}I")
            self.worlds[layout.size] = struct.Struct(f"<{length}I")
        return layout

    def pack(self, from_fp: int, n: int, position: int, maker: int, e: tuple[int, ...]) -> bytes:
        return self.record(len(e)).pack(from_fp, n, position, maker, *e)

    def unpack(self, packed: bytes) -> tuple[int, int, int, int, tuple[int, ...]]:
        """(parent's fingerprint, action position, parent position, maker, world)"""
        return (*self.HEAD.unpack_from(packed), self.worlds[len(packed)].unpack_from(packed, self.HEAD.size))


class _Local:
    """A worker in this process, behind the same two calls as a pipe to a worker process."""

    def __init__(self, model: Model, symmetry: bool, native: bool, hear: Callable[[int, int], None]) -> None:
        self.worker = _worker_class(model)(model, 0, 1, symmetry, native)
        self.worker.report = lambda transitions: hear(0, transitions)
        self.answer: Any = None

    def send(self, message: tuple) -> None:
        command, *args = message
        # "memory" answers 0: this process's own peak memory is counted once, by the coordinator.
        self.answer = 0 if command in ("memory", "stop") else getattr(self.worker, command)(*args)
        _give_back()

    def recv(self) -> Any:
        return self.answer


class _Outboxes:
    """Where local worker processes leave a round's successors for each other: one file per
    worker in memory (``/dev/shm`` where there is one), opened and unlinked by the coordinator
    before it forks the workers, so that every worker inherits them all and nothing is left
    behind however the search ends. A worker writes its blobs into its own file and tells the
    coordinator only where they lie; the coordinator passes that on, and each owner reads what
    is addressed to it straight from the sender's file. Through the pipes, every blob was
    copied to the coordinator and from it again, while both workers waited, at about a third
    of the speed of this file (a 1.5 MB blob: 2 to 3 ms a hop against 0.5 ms for writing and
    reading it here). A file is rewritten only in the next expand round, after every owner has
    read it in the accept round between."""

    def __init__(self, workers: int) -> None:
        where = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.fds: list[int] = []
        self.sizes = [0] * workers  # How far each file's contents reach.
        try:
            for _ in range(workers):
                handle, path = tempfile.mkstemp(prefix="raftcheck-outbox-", dir=where)
                self.fds.append(handle)
                os.unlink(path)
        except BaseException:
            self.close()
            raise

    def post(self, index: int, blobs: list[bytes], offset: int = 0) -> tuple[list[Any], int]:
        """Worker ``index`` leaves ``blobs`` in its file from ``offset`` on: for each, (``index``,
        offset, length), or the empty bytes; and where the next may go."""
        fd, posted, start = self.fds[index], [], offset
        for blob in blobs:
            if not blob:
                posted.append(b"")
                continue
            view = memoryview(blob)
            at = offset
            while view:
                written = os.pwrite(fd, view, at)
                view, at = view[written:], at + written
            posted.append((index, offset, len(blob)))
            offset += len(blob)
        if start == 0 and 2 * offset < self.sizes[index]:
            # A round's first blobs, and less than half the file: what lies beyond them is an
            # earlier round's, read by every owner already. Let go, or the file would hold the
            # largest round's blobs to the end of the search, when the seen sets are largest
            # (up to a tenth of a two-worker peak). Only once the rounds have shrunk by half, so
            # that the pages of a file still in use are not freed and taken again round by round.
            os.ftruncate(fd, offset)
            self.sizes[index] = offset
        self.sizes[index] = max(self.sizes[index], offset)
        return posted, offset

    def fetch(self, posted: list[Any]) -> list[bytes]:
        """What the senders left here: the bytes themselves, in the order of ``posted``."""
        blobs = []
        for where in posted:
            if isinstance(where, bytes):
                blobs.append(where)
                continue
            sender, offset, length = where
            parts, got = [], 0
            while got < length:
                part = os.pread(self.fds[sender], length - got, offset + got)
                if not part:
                    raise EOFError(f"worker {sender}'s outbox ends early")
                parts.append(part)
                got += len(part)
            blobs.append(parts[0] if len(parts) == 1 else b"".join(parts))
        return blobs

    def size(self) -> int:
        """Bytes of memory the files hold (each as large as its largest round's blobs)."""
        return sum(os.fstat(fd).st_blocks * 512 for fd in self.fds)

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []


def _serve(conn, model: Model, index: int, workers: int, symmetry: bool, native: bool, partial_every: float,
           outboxes: _Outboxes | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # The coordinator handles Ctrl-C and stops us.
    # Forked from a coordinator whose SIGTERM raises (checker.cli.main): here it ends the worker
    # at once, as by default; the coordinator hears the pipe close or stops us itself.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _return_large_blocks()
        # What this process inherited from the coordinator is the coordinator's: never collected
        # here. A collection would run finalizers of objects that are not this worker's (a Ray
        # client's gRPC channels, in a process that had called ray.init: their locks, held by
        # another of the coordinator's threads at the fork, hung a snapshot worker for ever).
        gc.freeze()
        cls = _worker_class(model)
        if not getattr(cls, "collects_garbage", False):
            gc.disable()  # As in parallel_search.
        worker = cls(model, index, workers, symmetry, native)
        last = time.monotonic()

        def report(transitions: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= partial_every:
                last = now
                conn.send(_Partial(transitions))

        # In a round that accepts a level and expands the next (``_accept_round``): whether every
        # worker has taken in what this one's outbox held ("go"), so that it may be written
        # again, or the search ends in this level ("halt"), so that the expansion is let go.
        said = {"go": True, "halt": False}

        def hear_coordinator(give: Callable[[], Any] | None) -> None:
            command, *_ = conn.recv()
            if command == "give":  # With None: asked too late, this worker's expansion had ended.
                conn.send(_Given(give() if give is not None and not said["halt"] else None))
            elif command in said:
                said[command] = True
                if command == "halt":
                    worker.end = 0  # Stops the expansion at the end of its block.
            else:
                raise RuntimeError(f"asked {command!r} in the middle of an expansion")

        def share(give: Callable[[], Any]) -> None:
            # Between blocks of an expansion the coordinator may have asked for part of the rest,
            # for a worker that has finished its own (``_expand_round``), or said "go" or "halt".
            while conn.poll():
                hear_coordinator(give)

        worker.report = report
        if outboxes is not None and hasattr(worker, "give"):
            worker.share = share
        written = 0  # Where this round's next blobs go in this worker's outbox.
        while True:
            command, *args = conn.recv()
            if command == "memory":  # Asked of every worker before any stops (see ``peak_memory_bytes``).
                conn.send(peak_memory_bytes())
                continue
            if command == "stop":
                conn.send(None)
                return
            if command == "give":  # Asked too late: this worker's expansion had ended.
                conn.send(_Given(None))
                continue
            then_expand = command == "accept" and len(args) > 2 and args.pop()
            if outboxes is not None and command == "accept":
                args[0] = outboxes.fetch(args[0])
            answer = getattr(worker, command)(*args)
            del args  # A round's blobs, read: not held through the next round.
            if then_expand:
                # The level's worlds are in: said at once, and the next level expanded meanwhile.
                conn.send(_Accepted(answer))
                del answer
                _give_back()
                said["go"] = said["halt"] = False
                answer = worker.expand()
                while not (said["go"] or said["halt"]):
                    hear_coordinator(None)
                if said["halt"]:
                    answer = (0, None, [])  # Not posted: the search ends in the level just accepted.
                command = "expand"
            if outboxes is not None and command in ("expand", "take") and answer[2]:
                transitions, broken, blobs = answer
                posted, written = outboxes.post(index, blobs, 0 if command == "expand" else written)
                answer = (transitions, broken, posted)
                del blobs  # Now in the file: not held through the accept round.
            conn.send(answer)
            del answer
            _give_back()
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # The coordinator is gone (killed, or stopped without a word): nobody to answer.
    except Exception:  # A bug of ours: the coordinator reports it with the worker's traceback.
        try:
            conn.send(_Failure(traceback.format_exc()))
        except OSError:
            pass


#: glibc's ``mallopt`` parameter, and the size from which a block is mapped on its own (its default).
M_MMAP_THRESHOLD, LARGE_BLOCK = -3, 128 * 1024


def _return_large_blocks() -> None:
    """Has glibc map every block of ``LARGE_BLOCK`` bytes or more on its own, so that it goes back
    to the system when freed. By default glibc raises that size to the largest block freed so far,
    so that a worker's large blocks (a round's blobs, the seen set's arrays, the C loop's tables
    as they grow) come from the heap and leave holes there when freed: about 8 MiB of each
    worker's peak on ``default`` with two workers. Only in a worker's own process, and only where
    the C library has ``mallopt`` (glibc); elsewhere nothing changes."""
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)


class WorkerLost(RuntimeError):
    """A worker process died under the search (killed, out of memory): the search cannot go on,
    and says which worker, how it died, and where the search was."""


class _Failure:
    """What a worker sends instead of an answer when it fails."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Accepted:
    """A worker's answer to the accept part of a round that goes on to expand the next level."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer


class _Given:
    """What a worker sends when asked to give part of its expansion away: ``_Worker.give``'s answer."""

    def __init__(self, given: Any) -> None:
        self.given = given


class _Partial:
    """What a worker sends, before its answer, about a long expansion: the steps taken so far."""

    def __init__(self, transitions: int) -> None:
        self.transitions = transitions


def _answer(conn, index: int, hear: Callable[[int, int], None] | None = None, partial_ok: bool = False) -> Any:
    """The worker's answer (with ``partial_ok``, possibly only a progress report, passed to ``hear``)."""
    while True:
        try:
            answer = conn.recv()
        except (EOFError, OSError):
            raise WorkerLost(index) from None
        if isinstance(answer, _Failure):
            raise RuntimeError(f"explorer worker {index} failed:\n{answer.text}")
        if not isinstance(answer, _Partial):
            return answer
        if hear is not None:
            hear(index, answer.transitions)
        if partial_ok:
            return answer


def _answers(pipes: list[Any], hear: Callable[[int, int], None] | None = None) -> list[Any]:
    """Every worker's answer, read as each comes: a worker that finishes first is not left blocked
    on sending a large answer while the coordinator waits for another."""
    if len(pipes) == 1:
        return [_answer(pipes[0], 0, hear)]
    answers: list[Any] = [None] * len(pipes)
    waiting = dict(enumerate(pipes))
    while waiting:
        for conn in multiprocessing.connection.wait(list(waiting.values())):
            index = next(i for i, c in waiting.items() if c is conn)
            answer = _answer(conn, index, hear, partial_ok=True)
            if not isinstance(answer, _Partial):
                answers[index] = answer
                del waiting[index]
    return answers


class _Sharing:
    """The bookkeeping of an expansion in which no worker sits idle while another still has much
    to do. A worker that finishes its own part of the level is handed the second half of what
    is left of a busy one's (``_Worker.give``, asked between two of its blocks), expands it
    (``_Worker.take``) and may be handed more; the busy one stops where its half ends. Levels
    split unevenly between the workers, and one may be slowed by the machine: each time, the
    others used to wait for it at the barriers (on ``default`` with two workers, 0.5 to 1.2 s of
    a 6 to 9 s run, at the two barriers of each level, on a quiet machine).

    Who takes over what depends on timing, the result does not: each step is recorded as taken
    from the part of the level its world belongs to, and of two steps to one world the smaller
    is kept wherever each was taken."""

    def __init__(self, pipes: list[Any], expanding: set[int]) -> None:
        workers = self.workers = len(pipes)
        self.pipes = pipes
        self.transitions = [0] * workers
        self.broken: list[list[Broken]] = [[] for _ in range(workers)]
        self.parts: list[list[Any]] = [[] for _ in range(workers)]
        self.expanding = expanding  # In their own part still, so may be asked to give.
        self.taking: set[int] = set()  # Expanding what another gave them.
        self.asked: dict[int, int] = {}  # Asked to give -> the idle worker it would go to.
        self.spent: set[int] = set()  # Said they had too little left to give.
        self.idle: list[int] = []
        self.halted = False  # The expansion is let go: nothing more is handed over.

    def busy(self) -> set[int]:
        return self.expanding | self.taking | set(self.asked)

    def hear(self, index: int, answer: Any) -> None:
        """Take in a worker's ``_Given`` or expansion answer."""
        if isinstance(answer, _Given):
            thief = self.asked.pop(index)
            if answer.given is None:
                self.spent.add(index)
                self.idle.append(thief)
            elif self.halted:
                self.idle.append(thief)
            else:
                _send(self.pipes[thief], thief, ("take", answer.given))
                self.taking.add(thief)
            return
        steps, step, posted = answer
        self.transitions[index] += steps
        if step is not None:
            self.broken[index].append(step)
        self.parts[index].append(posted)
        self.expanding.discard(index)
        self.taking.discard(index)
        self.idle.append(index)

    def hand_over(self) -> None:
        """Each idle worker asks one busy worker at a time; one that has too little left to
        share is left alone."""
        while self.idle and not self.halted:
            busy = sorted(i for i in self.expanding if i not in self.asked and i not in self.spent)
            if not busy:
                break
            thief = self.idle.pop(0)
            victim = busy[0]
            self.asked[victim] = thief
            _send(self.pipes[victim], victim, ("give",))

    def result(self) -> list[tuple[int, Any, list[Any]]]:
        """Per worker: (steps taken, the first broken step, the blobs of each part it made, in order)."""
        return [(self.transitions[i], _first(self.broken[i]), self.parts[i]) for i in range(self.workers)]


def _expand_round(pipes: list[Any], hear: Callable[[int, int], None]) -> list[tuple[int, Any, list[Any]]]:
    """An expand round in which workers take over parts of each other's (``_Sharing``)."""
    for index, conn in enumerate(pipes):
        _send(conn, index, ("expand",))
    sharing = _Sharing(pipes, set(range(len(pipes))))
    while sharing.busy():
        waiting = {pipes[i]: i for i in sharing.busy()}
        for conn in multiprocessing.connection.wait(list(waiting)):
            index = waiting[conn]
            answer = _answer(conn, index, hear, partial_ok=True)
            if not isinstance(answer, _Partial):
                sharing.hear(index, answer)
        sharing.hand_over()
    return sharing.result()


def _accept_round(
    pipes: list[Any], hear: Callable[[int, int], None], blobs: list[list[Any]], depth: int, ends: Callable[[list[Any]], bool]
) -> tuple[list[Any], list[tuple[int, Any, list[Any]]] | None]:
    """A round that accepts level ``depth`` and expands it at once, with the expansions shared as in
    ``_expand_round``: a worker that has taken in its part of the level goes on to expand it,
    without waiting at a barrier for the others to have taken in theirs. It writes its
    successors into its outbox only once every worker has read what the outbox held ("go"),
    and once all have taken in their parts, ``ends`` (of their answers) may say the search
    ends in this level: then the expansions stop where they are and are let go ("halt").
    Returns the accept answers, and the expansion's (None when let go)."""
    workers = len(pipes)
    for index, conn in enumerate(pipes):
        _send(conn, index, ("accept", blobs[index], depth, True))
    accepted: list[Any] = [None] * workers
    accepting = set(range(workers))
    sharing = _Sharing(pipes, set())
    while accepting or sharing.busy():
        waiting = {pipes[i]: i for i in accepting | sharing.busy()}
        for conn in multiprocessing.connection.wait(list(waiting)):
            index = waiting[conn]
            answer = _answer(conn, index, hear, partial_ok=True)
            if isinstance(answer, _Partial):
                continue
            if isinstance(answer, _Accepted):
                accepted[index] = answer.answer
                accepting.discard(index)
                sharing.expanding.add(index)
                if not accepting:
                    sharing.halted = ends(accepted)
                    word = "halt" if sharing.halted else "go"
                    for i, c in enumerate(pipes):
                        _send(c, i, (word,))
                continue
            sharing.hear(index, answer)
        sharing.hand_over()
    return accepted, None if sharing.halted else sharing.result()


def _send_each(pipes: list[Any], messages: list[Any]) -> None:
    """Send each worker its message at the same time (they are large: a round's successors)."""
    if len(pipes) == 1:
        _send(pipes[0], 0, messages[0])
        return
    lost: list[int] = []

    def send(index: int, conn, message) -> None:
        try:
            _send(conn, index, message)
        except WorkerLost:
            lost.append(index)

    threads = [threading.Thread(target=send, args=(k, conn, message)) for k, (conn, message) in enumerate(zip(pipes, messages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if lost:
        raise WorkerLost(min(lost))


def _send(conn, index: int, message: Any) -> None:
    """Sends a worker a message; WorkerLost if its end of the pipe is gone."""
    try:
        conn.send(message)
    except OSError:  # BrokenPipeError, ConnectionResetError: the worker died.
        raise WorkerLost(index) from None


def parallel_search(
    model: Model,
    workers: int = 1,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every: float = 1.0,
    symmetry: bool = False,
    native: bool = True,
    partial_every: float = PARTIAL_EVERY,
) -> SearchResult:
    """Breadth-first search of the native ``model`` against the whole invariant registry on ``workers``
    processes (one: in this process). The result does not depend on ``workers``.

    With ``symmetry``, worlds that differ only in the names of the nodes count as one (the
    distinct count is then of such classes); only sound where the model treats every node
    alike, which the synchronous harness does not (it handles messages in node order).

    ``native`` expands worlds with the C loop (``checker/search/_native.c``) where it was built
    and knows the network (``native_fits``); off, with the Python loop, which makes the same
    search (the tests hold the two to each other, and ``bench --python-loop`` times both). Worker processes report on a long
    expansion every ``partial_every`` seconds, so that progress comes within a level."""
    start = time.monotonic()
    # The search makes and keeps millions of tuples and no reference cycles: the cyclic garbage
    # collector would only walk them again and again (17% of a one-worker run of default).
    collecting = gc.isenabled()
    if not getattr(_worker_class(model), "collects_garbage", False):
        gc.disable()
    pipes: list[Any] = []
    processes: list[Any] = []
    distinct = states = depth = frontier = 0
    last_report = start
    partial = [0] * workers  # Steps taken so far in the level being expanded, per worker.

    def hear(index: int, transitions: int) -> None:
        nonlocal last_report
        partial[index] = transitions
        now = time.monotonic()
        if on_progress is not None and now - last_report >= progress_every:
            last_report = now
            on_progress(Progress(depth, frontier, states + sum(partial), distinct, now - start))

    outboxes = None
    if workers == 1:
        pipes.append(_Local(model, symmetry, native, hear))
    else:
        context = _context()
        # Forked workers inherit the outboxes' files; spawned ones pass the blobs through the pipes.
        outboxes = _Outboxes(workers) if context.get_start_method() == "fork" else None
        for index in range(workers):
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs, model, index, workers, symmetry, native, partial_every, outboxes), daemon=True
            )
            process.start()
            theirs.close()
            pipes.append(mine)
            processes.append(process)

    # Workers that finish their part of a level first take over part of another's (``_expand_round``):
    # the C loop's worlds can travel in global form, and the outboxes carry the extra blobs.
    sharing = (
        outboxes is not None and native and _worker_class(model) is _Worker and native_loop() and native_fits(model, symmetry)
    )

    def everyone(command: str, *args) -> list[Any]:
        for index, conn in enumerate(pipes):
            _send(conn, index, (command, *args))
        return _answers(pipes, hear)

    reached: dict[str, int] = {}
    violation: Violation | None = None
    trace = None
    exhaustive = interrupted = finished = False
    lost: WorkerLost | None = None
    bounds = model.bounds
    expanded = None  # A level's expansion, when made in the round that accepted it.
    try:
        answers = everyone("seed")
        frontier = distinct = sum(a[0] for a in answers)
        broken = _first([a[1] for a in answers])
        level = 0  # Where the broken world sits, or the world a broken step leaves.
        _merge(reached, [a[2] for a in answers])
        while broken is None:
            if not frontier:
                exhaustive = True
                break
            if bounds.max_depth is not None and depth >= bounds.max_depth:
                break
            before = (states, distinct, dict(reached))
            if expanded is None:
                if sharing:
                    expanded = _expand_round(pipes, hear)
                else:  # Each worker's blobs, as the one part it made.
                    expanded = [(t, b, [posted]) for t, b, posted in everyone("expand")]
            states += sum(a[0] for a in expanded)
            partial[:] = [0] * workers
            blobs = [[part[index] for s in range(workers) for part in expanded[s][2]] for index in range(workers)]
            this = expanded
            if sharing and (bounds.max_depth is None or depth + 1 < bounds.max_depth):
                # The next level is expanded as its worlds come in, unless this one breaks something.
                accepted, expanded = _accept_round(
                    pipes, hear, blobs, depth + 1, lambda accepted: _level_broken(this, accepted, depth) is not None
                )
            else:
                _send_each(pipes, [("accept", blobs[index], depth + 1) for index in range(workers)])
                accepted, expanded = _answers(pipes), None
            del blobs
            frontier = sum(a[0] for a in accepted)
            distinct += frontier
            _merge(reached, [a[2] for a in accepted])
            found = _level_broken(this, accepted, depth)
            if found is not None:
                broken, level = found
                if hasattr(_worker_class(model), "cut"):
                    # Workers that stop at their first broken step: the counts up to the first of all.
                    cuts = everyone("cut", broken.parent, broken.action, broken.worker)
                    states, distinct = before[0] + sum(c[0] for c in cuts), before[1] + sum(c[1] for c in cuts)
                    reached = before[2]
                    _merge(reached, [c[2] for c in cuts])
                break
            if frontier:
                depth += 1
            if on_progress is not None:
                now = time.monotonic()
                if now - last_report >= progress_every:
                    last_report = now
                    # With the steps the next level's expansion, begun in this round, has taken.
                    on_progress(Progress(depth, frontier, states + sum(partial), distinct, now - start))
        if broken is not None:
            violation = broken.violation
            trace = _path(pipes, model, level, broken.worker, broken.position)
            if not broken.at_world:  # A broken step: the way to the world it leaves, then the step.
                w = model.initial()
                for action in trace:
                    w = model.step(w, action)
                trace = trace + (_nth_action(model, w, broken.action),)
            depth = len(trace)
        finished = True
    except KeyboardInterrupt:
        heard_interrupt()  # Stopping the workers may take longer than the re-raise (cli.main).
        interrupted = True
    except WorkerLost as e:
        lost = e
    finally:
        # Workers that finished report their peak memory and leave; after Ctrl-C or a failure
        # they are stopped where they are. Each process's figure is taken while all are still
        # there, so that the pages they share count in each for its share alone.
        peak = 0
        if finished:
            peak = sum(everyone("memory")) + peak_memory_bytes()
        for index, (conn, process) in enumerate(zip(pipes, processes)):
            if finished:
                _send(conn, index, ("stop",))
                _answer(conn, index)
            else:
                process.terminate()
            process.join()
        if outboxes is not None:
            # Memory too, though no process maps it: at its largest now, as nothing shrinks it.
            peak += outboxes.size()
            outboxes.close()
        if collecting:
            gc.enable()
    if lost is not None:
        index = lost.args[0]
        code = processes[index].exitcode
        how = f"killed by signal {-code} ({signal.Signals(-code).name})" if code and code < 0 else f"exit status {code}"
        raise WorkerLost(
            f"explorer worker {index} died ({how}) while the search was at depth {depth} "
            f"with {distinct:,} distinct states; the search is incomplete"
        )
    return SearchResult(
        violation=violation,
        trace=trace,
        states=states,
        distinct=distinct,
        depth=depth,
        seconds=time.monotonic() - start,
        exhaustive=exhaustive,
        interrupted=interrupted,
        reached=reached,
        peak_rss_bytes=peak if finished else peak_memory_bytes(),  # Stopped early: this process's alone.
        symmetry=symmetry,
    )


def _worker_class(model: Any) -> type:
    """The worker for ``model``: the native one for the native model, and for any other model
    (an implementation behind an adapter) the one that keeps its worlds frozen by the model's
    own codec (``checker.search.snapshots``)."""
    if isinstance(model, Model):
        return _Worker
    from checker.search.snapshots import SnapshotWorker

    return SnapshotWorker


def _owner(fp: int, g: tuple[int, ...] | None, workers: int, k: int) -> int:
    """The worker that owns a world, from its fingerprint and its global form (None with
    symmetry reduction). Without symmetry it depends on the node states alone, so that a step
    that changes only the network, a cut or a crash stays with the worker that took it. With it,
    it must be the same for every renaming of the nodes, as the fingerprint is."""
    if g is None:
        return fp % workers
    return hash(g[:k]) % workers


def _first(candidates: list[Broken | None]) -> Broken | None:
    found = [c for c in candidates if c is not None]
    return min(found, key=lambda c: c.key) if found else None


def _level_broken(expanded: list, accepted: list, depth: int):
    """What a level's answers say broke, as (the broken record, the level it belongs to), or
    None. A broken step leaves from this level; a broken world sits in the next one. Shared by
    the local workers and the Ray actors, whose answers have the same shape."""
    stepped = _first([a[1] for a in expanded])
    arrived = _first([a[1] for a in accepted])
    if stepped is None and arrived is None:
        return None
    broken = _first([stepped, arrived])
    return broken, (depth if broken is stepped else depth + 1)


def _merge(reached: dict[str, int], reports: list[dict[str, int]]) -> None:
    for report in reports:
        for name, at in report.items():
            if name not in reached or at < reached[name]:
                reached[name] = at


def _path(pipes, model: Model, level: int, where: int, position: int) -> tuple:
    """The actions from the initial world to the world at ``position`` of worker ``where``'s part
    of ``level``, by asking each worker in turn for a parent link."""
    picks: list[int] = []
    while level > 0:
        pipes[where].send(("parent", level, position))
        where, position, n = _answer(pipes[where], where)
        picks.append(n)
        level -= 1
    w = model.initial()
    actions = []
    for n in reversed(picks):
        action = _nth_action(model, w, n)
        w = model.step(w, action)
        actions.append(action)
    return tuple(actions)
