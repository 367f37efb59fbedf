"""An adapter model's worlds as short byte strings, for a search that keeps one level of them.

The plain search keeps every world it has seen, whole: each holds its nodes as the adapter's
values, their keys and what they show, about 3 KB for three seed-style nodes. The partitioned
search (``checker.search.snapshots``) needs far less: fingerprints for the worlds seen, and the
worlds of the level it is expanding. This codec spells each of those as a few dozen bytes, made
of references to parts it keeps once, however many worlds share them:

- a node: its snapshot (the adapter's ``snapshot(node)``, bytes), with its key and what it shows
  (``NodeState``), under an id that is a digest of the snapshot;
- the ghost history (elections, entries known committed and their terms);
- each message in flight (its name, payload and canonical text).

Each part has an id, a digest of its content, the same in every process; and a position in the
table of parts of each process that holds it. A world kept by the process that froze it names its
parts by their positions (4 bytes each); one frozen for another process names them by their ids
(``freeze(w, shared=True)``, 8 bytes each), and that process, once it has been sent the parts it
lacks (``definitions`` and ``define``), takes it into its own form (``localize``) to thaw it.

A thawed world holds no node values: a step restores the node it touches from its snapshot
(``restore``), which is the copy it would have made of the node anyway (the driver copies a node
before it changes it), so a successor costs one restore per node touched instead of a copy, and
a snapshot only when the world is new. Nodes the step does not touch keep their ids.

An adapter that gives no ``snapshot`` / ``restore`` (optional methods of the adapter interface;
the seed-API adapter gives them, the libraries' adapters do not: their nodes hold locks, event
loops, futures and open files) is not ``portable``: its worlds are kept as they are (``freeze``
and ``thaw`` return them unchanged), so only one worker, in the coordinator's process, can
search it; that still keeps one level of worlds, not all of them.
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
import struct
from typing import Any, Callable

_PROTOCOL = pickle.HIGHEST_PROTOCOL

#: How many calls the driver's call memo holds at most (``WorldCodec.remember``): about 300 bytes
#: each for a seed-style node (its key, what it sent as bytes, and the tuples around them).
MEMO_SIZE = 1 << 15


#: A frozen world: its fingerprint, client requests made, the nodes cut off and crashed (bit
#: masks), how many messages are in flight, its flags (``_FAILED``, ``_SHARED``); then the parts
#: of its k node snapshots, its ghost and its messages, then the finding, pickled, if any. A
#: world kept by the process that froze it names its parts by their positions in that process's
#: table of them (4 bytes each); one shipped to another process, by their ids (8 bytes each).
_HEAD = struct.Struct("<8sHHHHB")
_FAILED = 1  # It holds a finding.
_SHARED = 2  # Its parts are named by their ids, not by this process's positions.


def _mask(nodes: frozenset[int]) -> int:
    mask = 0
    for i in nodes:
        mask |= 1 << (i - 1)
    return mask


def _id(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


class SnapshotError(ValueError):
    """A node that cannot be snapshotted in the middle of a search that needs it to be."""


class WorldCodec:
    """Freezes and thaws one model's worlds; one per process, holding the parts it has seen."""

    def __init__(self, model: Any, world: type) -> None:
        self._world = world  # The driver's AdapterWorld (the driver makes the codec; no import back).
        self.model = model
        self.k = len(model.ids)
        adapter = model.adapter
        snapshot = getattr(adapter, "snapshot", None)
        restore = getattr(adapter, "restore", None)
        # Only an adapter that says how offers it: a node that pickles at the start may hold
        # something that does not later (raftos's futures), and a pickle round trip is the
        # adapter's copy only where the adapter says so.
        self._given = callable(snapshot) and callable(restore)
        self._snapshot: Callable[[Any], bytes] = snapshot if self._given else _pickled
        self._restore: Callable[[bytes], Any] = restore if self._given else pickle.loads
        self.parts: dict[int, Any] = {}  # Id -> a node's (snapshot, key, NodeState), or a ghost, or a message.
        self.defined: list[int] = []  # Ids of parts made here, in order, for the other workers.
        # The parts a world kept here names, by position (``_local``): their ids, and their values,
        # as ``parts`` holds them; and each one's position by its id.
        self._names: list[int] = []
        self._values: list[Any] = []
        self._positions: dict[int, int] = {}
        self._nothing = (None,) * self.k
        # Sets of node ids by their bit masks (bit i - 1: node i).
        self._members = [frozenset(i + 1 for i in range(self.k) if mask >> i & 1) for mask in range(1 << self.k)]
        # The driver's call memo (``_Step.invoke``): (node id, snapshot id before, the call and
        # its arguments) -> (snapshot id after, what the node shows after, what it sent); at
        # most ``memo_size`` calls (``remember``).
        self.calls: dict[tuple, tuple] = {}
        self.memo_size = MEMO_SIZE
        self.forgotten = 0  # Calls the memo has forgotten, to make room.
        # One object for each value the memo's calls share (``remember``).
        self._shared: dict = {}
        self._ids: dict[int, int] = {}  # And for each snapshot id the calls name.
        # The ghost of the world thawed last, and its id: its successors mostly keep it as it
        # is (the same objects), and are then frozen with that id without pickling it again.
        self._ghost: tuple = (None, None, None, 0)
        self.portable = self._portable()

    def _portable(self) -> bool:
        """Whether worlds can be frozen to bytes: the adapter gives ``snapshot`` and ``restore``,
        and the initial world's nodes snapshot and thaw."""
        if not self._given:
            return False
        w = self.model.initial()
        if w.finding is not None:
            return False
        try:
            for node in w.objects:
                self._restore(self._snapshot(node))
            pickle.dumps((w.network, w.payloads, w.elections, w.committed, w.commit_terms), _PROTOCOL)
        except Exception:
            return False
        return True

    @staticmethod
    def fingerprint(w: Any) -> int:
        """The world's fingerprint as a signed 64-bit integer, the seen set's."""
        return int.from_bytes(w.fingerprint, "big", signed=True)

    def freeze(self, w: Any, shared: bool = False) -> Any:
        """``w`` as bytes (its parts kept here), or ``w`` itself where the codec is not portable.
        ``shared``: for another process, which ``localize`` s it once it has the parts
        (``definitions``); otherwise for this one, half the size."""
        if not self.portable:
            return w
        parts, defined = self.parts, self.defined
        frozen = w.frozen if w.frozen is not None else self._nothing
        ids = []
        for i, snapshot in enumerate(frozen):
            if snapshot is None:
                snapshot, data = self.identify(i + 1, w.objects[i])
                if snapshot not in parts:
                    parts[snapshot] = (data, w.keys[i], w.nodes[i])
                    defined.append(snapshot)
            ids.append(snapshot)
        last = self._ghost
        if last[0] is w.elections and last[1] is w.committed and last[2] is w.commit_terms:
            ghost = last[3]  # The world it was made from's ghost, unchanged (the same objects).
        else:
            ghost = self._intern((w.elections, w.committed, w.commit_terms))
        ids.append(ghost)
        ids.extend(self._intern((m, p, t)) for m, (p, t) in zip(w.network, w.payloads))
        flags = _FAILED if w.finding is not None else 0
        if shared:
            body = struct.pack(f"<{len(ids)}q", *ids)
            flags |= _SHARED
        else:
            body = self._pack(ids)
        head = _HEAD.pack(w.fingerprint, w.requests, _mask(w.cut), _mask(w.crashed), len(ids) - self.k - 1, flags)
        return head + body + (pickle.dumps(w.finding, _PROTOCOL) if w.finding is not None else b"")

    def _pack(self, ids: list[int]) -> bytes:
        positions = self._positions
        local = [positions.get(i) for i in ids]
        if None in local:
            local = [self._local(i) if k is None else k for i, k in zip(ids, local)]
        return struct.pack(f"<{len(ids)}I", *local)

    def _local(self, part: int) -> int:
        """The position of the part ``part`` in this process's table, given it if it has none."""
        k = self._positions.get(part)
        if k is None:
            value = self.parts[part]  # A KeyError: a part no worker has defined here.
            k = self._positions[part] = len(self._names)
            self._names.append(part)
            self._values.append(value)
        return k

    def localize(self, data: bytes) -> bytes:
        """A world another process froze ``shared``, as this process keeps it: the same world,
        its parts named by their positions here. Its parts must have been ``define`` d."""
        fingerprint, requests, cut, crashed, count, flags = _HEAD.unpack_from(data)
        if not flags & _SHARED:
            raise ValueError("a world frozen for this process, not for another")
        n = self.k + 1 + count
        ids = struct.unpack_from(f"<{n}q", data, _HEAD.size)
        head = _HEAD.pack(fingerprint, requests, cut, crashed, count, flags & ~_SHARED)
        return head + self._pack(list(ids)) + data[_HEAD.size + 8 * n :]

    def identify(self, node_id: int, node: Any) -> tuple[int, bytes]:
        """Node ``node_id``'s snapshot and its id."""
        try:
            data = self._snapshot(node)
        except Exception as e:
            raise SnapshotError(
                f"node {node_id} of {self.model.adapter.name} cannot be snapshotted ({type(e).__name__}: {e}); "
                "search it with --engine plain"
            ) from None
        return _id(data), data

    def learn(self, snapshot: int, data: bytes, key: str, shown: Any) -> None:
        """A node state met for the first time: its snapshot, key and what it shows.

        Its key is then taken for any node whose snapshot is the same bytes: the adapter's key
        is a function of the node's state (its contract: deterministic), and a world's node is,
        to this search, its snapshot, from which every later step restores it."""
        if snapshot not in self.parts:
            self.parts[snapshot] = (data, key, shown)
            self.defined.append(snapshot)

    def remember(self, call: tuple, outcome: tuple) -> None:
        """A call made, and what it did, for the driver's call memo. Where the memo holds
        ``memo_size`` calls already, the older half of them (in the order they were made) is
        forgotten first: a call that is not remembered is made again, with the same outcome by
        the adapter's contract (deterministic), so what the memo holds changes only how often
        the implementation is called, never what the search finds; and the order is the
        search's, so the same calls are forgotten in every run.

        Calls share most of what they hold: a search makes the same call on many node states,
        many calls send the same messages (at depth 8 of the Figure 8 run, 702 different
        calls and 691 different payloads among 13,362 calls and 11,760 messages sent), and
        the node states calls start from and end in are a few thousand, named by tens of
        thousands of calls. Each such value, a call's arguments, what it sent (values of tuples
        of bytes, strings, numbers and messages, read only) and the snapshot ids before and
        after (each a fresh 48-byte integer as the digest or a frozen world gave it), is kept
        once, the first equal one; the tables of them are started afresh when the memo
        forgets, so that they stay bounded too."""
        calls, shared, ids = self.calls, self._shared, self._ids
        if len(calls) >= self.memo_size:
            older = list(itertools.islice(calls, max(1, len(calls) // 2)))
            for old in older:
                del calls[old]
            self.forgotten += len(older)
            shared.clear()
            ids.clear()
        i, before, descriptor = call
        after, shown, sent = outcome
        before = ids.setdefault(before, before)
        after = ids.setdefault(after, after)
        try:
            descriptor = shared.setdefault(descriptor, descriptor)
            sent = tuple(shared.setdefault(x, x) for x in sent)
            sent = shared.setdefault(sent, sent)
        except TypeError:  # A message that cannot be hashed: kept as it is.
            pass
        calls[(i, before, descriptor)] = (after, shown, sent)

    def _intern(self, value: Any) -> int:
        key = _id(pickle.dumps(value, _PROTOCOL))
        if key not in self.parts:
            self.parts[key] = value
            self.defined.append(key)
        return key

    def thaw(self, data: Any) -> Any:
        """The world ``freeze`` made ``data`` of (for this process), its nodes held as snapshot ids."""
        if not self.portable:
            return data
        fingerprint, requests, cut, crashed, count, flags = _HEAD.unpack_from(data)
        if flags & _SHARED:
            raise ValueError("a world frozen for another process: localize it first")
        k = self.k
        local = struct.unpack_from(f"<{k + 1 + count}I", data, _HEAD.size)
        finding = pickle.loads(data[_HEAD.size + 4 * (k + 1 + count) :]) if flags & _FAILED else None
        values, names = self._values, self._names
        nodes = [values[i] for i in local[:k]]
        w = self._world.__new__(self._world)
        w.objects = self._nothing
        w.keys = tuple(n[1] for n in nodes)
        w.nodes = tuple(n[2] for n in nodes)
        inflight = [values[m] for m in local[k + 1 :]]
        w.network = tuple(m for m, _, _ in inflight)
        w.payloads = tuple((p, t) for _, p, t in inflight)
        w.cut = self._members[cut]
        w.crashed = self._members[crashed]
        w.requests = requests
        g = local[k]
        w.elections, w.committed, w.commit_terms = values[g]
        self._ghost = (w.elections, w.committed, w.commit_terms, names[g])
        w.finding = finding
        w.fingerprint = fingerprint
        w._hash = int.from_bytes(fingerprint, "big")
        w.frozen = tuple(names[i] for i in local[:k])
        return w

    def restore(self, snapshot: int) -> Any:
        """A fresh, independent node from the snapshot ``snapshot`` names."""
        return self._restore(self.parts[snapshot][0])

    def definitions(self) -> list[tuple[int, Any]]:
        """The parts made here since the last call, for the other workers."""
        out = [(i, self.parts[i]) for i in self.defined]
        self.defined = []
        return out

    def define(self, definitions: list[tuple[int, Any]]) -> None:
        """Parts another worker made."""
        parts = self.parts
        for i, value in definitions:
            if i not in parts:
                parts[i] = value


def _pickled(node: Any) -> bytes:
    return pickle.dumps(node, _PROTOCOL)
