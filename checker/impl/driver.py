"""Any Raft behind an adapter (``checker.impl.adapter``), as a model every engine can drive.

The model has Stateright's three parts, like ``checker.model.native.Model`` (initial world,
enabled actions, next world) and carries its own checks, so the explorer, the fuzzer, replay,
shrink and show drive it unchanged. The actions are the native model's, decided by the same
guards (``checker.model.enabling``) on what the adapter shows of each node; only their effect is
this model's own: calls into the implementation, through the adapter, in the call sandbox
(``checker.impl.sandbox``: time limits, and failures as findings naming the library's frames).

Networks (``Config.network``, by default the one the adapter says its implementation assumes):

- ``sync``, the seed's harness: the messages a node sends in a step are delivered at once, in
  order, and each reply to them too; what a node sends on receiving a reply is not delivered.
- ``async``, a bag: any message in flight may be delivered, dropped or duplicated.
- ``fifo``, ordered links as TCP gives: only the oldest message on a link (its source and
  destination) can be delivered; none is dropped or duplicated. A link breaks when either end is
  cut off or crashes: what was queued on it is lost, and both ends (those up) are told
  (``Adapter.disconnect``); when it comes back (a heal, a restart) both are told
  (``Adapter.connect``).

A message is named in actions and traces by a ``checker.model.actions.Packet`` (its ends, the
adapter's words for it and a digest of its payload's canonical form) or by the value the adapter
gives as ``Send.message``.

Snapshots: a world holds its nodes as values that are never called again once the world exists;
a step copies a node (``Adapter.copy``) the first time it touches it. Payloads are deep-copied
when sent and again when delivered, as a network would, so no two nodes share an object.

Fingerprints: a world's identity is a digest of every node's ``Adapter.key``, the messages in
flight (their names and the canonical form of their payloads, in the network's order), the faults,
the client requests made, the ghost history and the finding, if any: the same in every process
and under any ``PYTHONHASHSEED``.

Crashes (only where ``Adapter.persistent``): a crashed node keeps its last value, untouched, and
is shown as it was; on restart the driver calls ``Adapter.crash`` on a copy of it for what
survives, then ``Adapter.restart`` with that.
"""

from __future__ import annotations

import copy
import hashlib
import numbers
import pickle
from collections.abc import Mapping
from typing import Any, Callable, Iterator

from attrs import evolve

from checker.impl.adapter import UNKNOWN, Adapter, AdapterError, Observed, Send
from checker.impl.canonical import canonical, digest
from checker.impl.sandbox import CallFailed, Sandbox, _exception_line
from checker.model.actions import (
    Action,
    ClientRequest,
    Crash,
    Cut,
    Deliver,
    Drop,
    Duplicate,
    Heal,
    Packet,
    Restart,
    Tick,
)
from checker.model.config import DEFAULT_CALL_TIMEOUT, FIFO, SYNC, Config
from checker.model.enabling import (
    first_on_link,
    fits,
    may_crash,
    may_cut,
    may_deliver,
    may_heal,
    may_request,
    may_restart,
    may_tick,
    may_touch,
    terms_within,
)
from checker.model.invariants import OBSERVED_ALWAYS, OBSERVED_TRANSITION, SOMETIMES_CHECKS
from checker.model.native import Event, Model, _Ghost
from checker.model.outcome import Violation
from checker.model.world import _message_key
from raft.log import SENTINEL, LogEntry
from raft.state import NodeState, Role

ROLES = {role.value: role for role in Role}


def copy_value(value: Any) -> Any:
    """An independent deep copy of ``value``: through pickle, several times faster than
    ``copy.deepcopy`` on plain objects, with the same result for them (both rebuild an object
    from ``__reduce_ex__``); by ``copy.deepcopy`` for a value whose class says how to copy it
    (``__deepcopy__``) or that cannot be pickled."""
    if not hasattr(type(value), "__deepcopy__"):
        try:
            return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        except Exception:
            pass
    return copy.deepcopy(value)


def _copy_with_bytes(value: Any) -> tuple[Any, bytes | None]:
    """``copy_value(value)``, and the pickled bytes the copy was made from (None where it was
    made by ``copy.deepcopy``), which name the value's content for the call memo."""
    if not hasattr(type(value), "__deepcopy__"):
        try:
            data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            return pickle.loads(data), data
        except Exception:
            pass
    return copy.deepcopy(value), None


#: The ghost history of the last world made, and its text in a fingerprint (``AdapterWorld``).
_ghost_text: list = [None, None, None, ""]


class AdapterWorld:
    """One global state: the nodes (the adapter's values), what the checker sees of them, the
    network, the faults, and the history the invariants need. Immutable by convention: nothing
    calls into a world's nodes once it exists. Equal when their fingerprints are."""

    __slots__ = (
        "objects",
        "keys",
        "nodes",
        "network",
        "payloads",
        "cut",
        "crashed",
        "requests",
        "elections",
        "committed",
        "commit_terms",
        "finding",
        "fingerprint",
        "_hash",
        "frozen",
    )

    def __init__(
        self,
        objects: tuple[Any, ...],
        keys: tuple[str, ...],
        nodes: tuple[NodeState, ...],
        network: tuple[Any, ...],
        payloads: tuple[tuple[Any, str], ...],
        cut: frozenset[int],
        crashed: frozenset[int],
        requests: int,
        elections: frozenset[tuple[int, int]],
        committed: tuple[LogEntry, ...],
        commit_terms: tuple[int, ...],
        finding: Violation | None,
        frozen: tuple[int | None, ...] | None = None,
    ) -> None:
        self.objects = objects  # Node i is objects[i - 1], the adapter's value.
        self.keys = keys  # Adapter.key of each node.
        self.nodes = nodes  # What the adapter shows of each node (Adapter.observe), as NodeState.
        # In flight, named as actions name them: async, sorted as in checker.model.native;
        # fifo, each link's queue in the order sent, the links by (source, dest).
        self.network = network
        self.payloads = payloads  # Aligned with network: (the payload as sent, its canonical form).
        self.cut = cut
        self.crashed = crashed
        self.requests = requests
        self.elections = elections
        self.committed = committed
        self.commit_terms = commit_terms
        self.finding = finding  # An implementation failure (or a broken contract) in reaching this world.
        # Per node, where a world thawed from bytes (``checker.impl.codec``) keeps it: the id of
        # its snapshot, from which a step restores the node it touches (its objects[i - 1] is then
        # None); None for a node held as a value. None throughout for a world never frozen.
        self.frozen = frozen
        # The text of the ghost is kept for the last ghost seen: most steps leave it as it was,
        # the same objects. Spelled as repr spells the whole tuple (its items' reprs, joined).
        ghost = _ghost_text
        if not (ghost[0] is elections and ghost[1] is committed and ghost[2] is commit_terms):
            ghost[:] = elections, committed, commit_terms, f"{sorted(elections)!r}, {committed!r}, {commit_terms!r}"
        parts = [
            "|".join(keys),
            repr(network),
            "|".join(text for _, text in payloads),
            f"({sorted(cut)!r}, {sorted(crashed)!r}, {requests!r}, {ghost[3]})",
            repr(finding),
        ]
        self.fingerprint = digest("\n".join(parts))
        self._hash = int.from_bytes(self.fingerprint, "big")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AdapterWorld) and self.fingerprint == other.fingerprint

    def node(self, node_id: int) -> NodeState:
        return self.nodes[node_id - 1]

    def reachable(self, node_id: int) -> bool:
        return node_id not in self.cut and node_id not in self.crashed


class AdapterModel:
    """A configuration made executable over an adapter's nodes: initial world, enabled actions,
    next world, and the checks."""

    def __init__(self, config: Config, adapter: Adapter, sandbox: Sandbox | None = None) -> None:
        self.config = config
        self.adapter = adapter
        # No crashes unless the implementation keeps something on stable storage.
        self.bounds = config.bounds if adapter.persistent else evolve(config.bounds, max_crashed=0)
        self.ids = config.node_ids
        self.sync = config.network == SYNC
        self.fifo = config.network == FIFO
        unobserved = dict(getattr(adapter, "unobserved", {}) or {})
        # --impl-skip: invariants the user sets aside, said as unchecked like the adapter's own.
        for name in config.impl.skip if config.impl is not None else ():
            if name in unobserved or name not in {i.name for i in OBSERVED_ALWAYS + OBSERVED_TRANSITION}:
                raise AdapterError(f"--impl-skip {name}: not an invariant checked on {config.impl.target}")
            unobserved[name] = "set aside by --impl-skip"
        self.unobserved: Mapping[str, str] = unobserved
        self.always = [i for i in OBSERVED_ALWAYS if i.name not in unobserved]
        self.transition = [i for i in OBSERVED_TRANSITION if i.name not in unobserved]
        if sandbox is None:
            timeout = config.impl.call_timeout if config.impl is not None else DEFAULT_CALL_TIMEOUT
            # A finding names the library's frames first: those outside raftcheck's checker package.
            sandbox = Sandbox(timeout)
        self.sandbox = sandbox
        # Each adapter call is timed as a whole, unless the adapter times its own calls into the
        # implementation (``times_its_calls``, as the seed-API adapter does, method by method).
        self.timed = not getattr(adapter, "times_its_calls", False)
        # --check-determinism: each call made twice, from two copies of the node (``_Step.again``).
        self.twice = config.impl is not None and config.impl.check_determinism
        self._codec: Any = None

    @property
    def codec(self) -> Any:
        """This process's ``checker.impl.codec.WorldCodec`` for the model's worlds, made on first use."""
        if self._codec is None:
            from checker.impl.codec import WorldCodec

            self._codec = WorldCodec(self, AdapterWorld)
        return self._codec

    @property
    def checked(self) -> list[str]:
        """The invariants this model checks, in the registry's order."""
        return [i.name for i in self.always + self.transition]

    # --- Stateright's three parts --------------------------------------------------------

    def initial(self) -> AdapterWorld:
        """Every node is made as the implementation starts one; what they send at once is in flight
        (on the sync network, delivered)."""
        s = _Step(self, None)
        try:
            self.sandbox.run(lambda: (s.create_all(), s.settle()))
        except CallFailed as f:
            return s.finish(f.violation)
        return s.finish()

    def actions(self, w: AdapterWorld) -> Iterator[Action]:
        """The actions to try in ``w``, in the native model's fixed order (``Model.actions`` reads
        only what an AdapterWorld also has); none after a failure."""
        if w.finding is not None:
            return iter(())
        return Model.actions(self, w)

    def step(self, w: AdapterWorld, a: Action) -> AdapterWorld | None:
        """The world after ``a``, or None where ``a`` is disabled in ``w``."""
        if w.finding is not None:
            return None
        b = self.bounds
        s = _Step(self, w)
        if isinstance(a, Tick):
            i = a.node
            if not may_tick(w, i, b):
                return None
            action: Callable[[], None] = lambda: s.tick(i)
        elif isinstance(a, ClientRequest):
            i = a.node
            if not may_request(w, i, b):
                return None
            action = lambda: s.client_request(i)
        elif isinstance(a, Cut):
            if not may_cut(w, a.node, b):
                return None
            s.cut = w.cut | {a.node}
            if not self.fifo:
                return s.finish()
            action = lambda: s.links_changed(w, a.node)
        elif isinstance(a, Heal):
            if not may_heal(w, a.node):
                return None
            s.cut = w.cut - {a.node}
            if not self.fifo:
                return s.finish()
            action = lambda: s.links_changed(w, a.node)
        elif isinstance(a, Crash):
            if not may_crash(w, a.node, b):
                return None
            s.crashed = w.crashed | {a.node}
            if not self.fifo:
                return s.finish()
            action = lambda: s.links_changed(w, a.node)
        elif isinstance(a, Restart):
            if not may_restart(w, a.node):
                return None
            s.crashed = w.crashed - {a.node}
            action = lambda: s.restart(w, a.node)
        else:
            m = a.message
            if isinstance(a, Deliver):
                if not may_deliver(w, m, self.sync) or (self.fifo and not first_on_link(w.network, m)):
                    return None
                action = lambda: s.deliver(m)
            elif self.fifo or not may_touch(w, m, self.sync):
                return None  # A fifo link neither loses nor copies a message.
            else:
                if isinstance(a, Drop):
                    s.remove(m)
                else:
                    k = w.network.index(m)
                    s.network.append((m, *w.payloads[k]))
                return s.finish() if fits(s.network, b) else None
        try:
            self.sandbox.run(lambda: (action(), s.settle()))
        except CallFailed as f:
            return s.finish(f.violation)
        if not terms_within(s.nodes, b):
            return None  # A state constraint: terms beyond the bound are not explored.
        if not fits(s.network, b):
            return None
        return s.finish()

    # --- What happens inside a step, for showing a trace ----------------------------------

    #: While ``step_events`` runs, the list its step writes its events into; None otherwise, so
    #: that ``step``, which the searches call, records nothing.
    _recording: list | None = None

    def step_events(self, w: AdapterWorld, a: Action) -> tuple[AdapterWorld | None, tuple[Event, ...]]:
        """``step``, plus what happened inside it, as ``checker.model.native.Model.step_events``
        reports it: the acting node after its own call ("act"), each message sent, delivered
        (with its receiver after), dropped or duplicated, and lost (sent to or from a node that
        is unreachable, or queued on a fifo link that broke)."""
        self._recording = events = []
        try:
            after = self.step(w, a)
        finally:
            self._recording = None
        if after is None:
            return None, ()
        if isinstance(a, (Drop, Duplicate)):
            events.insert(0, Event("drop" if isinstance(a, Drop) else "duplicate", a.message))
        elif isinstance(a, Deliver) and not any(e.kind == "deliver" and e.message == a.message for e in events):
            # Its handler failed (a finding): it was delivered all the same.
            events.insert(0, Event("deliver", a.message, after.node(a.message.dest)))
        return after, tuple(events)

    # --- The checks ------------------------------------------------------------------------

    @property
    def sometimes(self) -> list[tuple[str, Callable[[AdapterWorld], bool]]]:
        """The sometimes properties, judged from what the adapter shows like the always ones."""
        return [(p.name, p.check) for p in SOMETIMES_CHECKS]

    def check_world(self, w: AdapterWorld) -> Violation | None:
        """The implementation failure that produced ``w``, or the first invariant it breaks."""
        if w.finding is not None:
            return w.finding
        for inv in self.always:
            message = inv.check(w)
            if message is not None:
                return Violation(inv.name, message)
        return None

    def check_step(self, before: AdapterWorld, action: Action, after: AdapterWorld) -> Violation | None:
        """The implementation failure in the step, or the first transition invariant it breaks."""
        if after.finding is not None:
            return after.finding
        for inv in self.transition:
            message = inv.check(before, action, after)
            if message is not None:
                return Violation(inv.name, message)
        return None


class _Step:
    """The working copy of one step: nodes copied when first touched, the network, the ghost."""

    def __init__(self, model: AdapterModel, w: AdapterWorld | None) -> None:
        self.model = model
        self.adapter = model.adapter
        self.sandbox = model.sandbox
        n = len(model.ids)
        if w is None:
            self.objects: list[Any] = [None] * n
            self.keys: list[str] = [""] * n
            self.nodes: list[NodeState] = [NodeState(id=i, peers=self.peers(i)) for i in model.ids]
            self.network: list[tuple[Any, Any, str]] = []
            self.cut: frozenset[int] = frozenset()
            self.crashed: frozenset[int] = frozenset()
            self.requests = 0
            self.ghost = _Ghost.__new__(_Ghost)
            self.ghost.elections, self.ghost.committed, self.ghost.commit_terms = frozenset(), (), ()
        else:
            self.objects = list(w.objects)
            self.keys = list(w.keys)
            self.nodes = list(w.nodes)
            self.network = [(m, p, t) for m, (p, t) in zip(w.network, w.payloads)]
            self.cut, self.crashed, self.requests = w.cut, w.crashed, w.requests
            self.ghost = _Ghost(w)
        # For a world thawed from bytes (else None): per node, the id of the snapshot of its state
        # now, or None once a call changed it in a way no snapshot names yet.
        self.frozen: list[int | None] | None = list(w.frozen) if w is not None and w.frozen is not None else None
        self.touched: set[int] = set()
        # Nodes whose value in ``objects`` is this step's own (a copy, restored or made anew).
        self.owned: set[int] = set()
        # The call memo of the codec (checker.impl.codec.WorldCodec.calls), for a thawed world.
        self.memo: dict | None = model._codec.calls if self.frozen is not None else None
        # Payloads of this step by id(), with the digest of their bytes and the bytes (the
        # payload is held here too, so that no other object takes its id during the step).
        self.pids: dict[int, tuple[Any, int, bytes]] = {}
        self.events: list[Event] | None = model._recording  # Only for AdapterModel.step_events.

    def note(self, kind: str, m: Any = None, node: int | None = None) -> None:
        """One event of the step, when they are recorded; ``node``: the one whose state after it goes with it."""
        if self.events is not None:
            self.events.append(Event(kind, m, None if node is None else self.nodes[node - 1]))

    def peers(self, i: int) -> tuple[int, ...]:
        return tuple(p for p in self.model.ids if p != i)

    def settle(self) -> None:
        """The key of every node the step touched (inside the sandbox, like every call). In a
        world thawed from bytes, a node is snapshotted first: one the codec holds already (most
        are: a search meets each node state many times) has its key there, and either way the
        successor keeps the snapshot's id, so that freezing it snapshots nothing again."""
        codec = self.model._codec if self.frozen is not None else None
        for i in sorted(self.touched):
            obj = self.objects[i - 1]
            if codec is None:
                self.keys[i - 1] = self.call(i, "key", lambda: self.adapter.key(obj))
                continue
            snapshot = self.frozen[i - 1]
            if snapshot is not None:  # Named by a snapshot already (a memo hit, or learned).
                self.keys[i - 1] = codec.parts[snapshot][1]
                continue
            self.keys[i - 1] = self.learn(i)

    def learn(self, i: int) -> str:
        """Node i's live value snapshotted, named, and its key: from the codec where it holds
        that snapshot already, else from the adapter, and learned."""
        codec = self.model._codec
        obj = self.objects[i - 1]
        snapshot, data = codec.identify(i, obj)
        known = codec.parts.get(snapshot)
        if known is not None:
            key = known[1]
        else:
            key = self.call(i, "key", lambda: self.adapter.key(obj))
            codec.learn(snapshot, data, key, self.nodes[i - 1])
        self.frozen[i - 1] = snapshot
        return key

    def invoke(
        self, i: int, descriptor: tuple | None, what: str | Callable[[], str], fn: Callable[[Any], Any]
    ) -> list[tuple[Any, Any, str]]:
        """``fn(node)``, a call into node i (``what``, in a finding, or what makes it when the
        call is made), then what it sent and what
        it shows now. In a thawed world, memoized by node i's snapshot and ``descriptor`` (the
        call and its arguments; None: not memoized): a call the search has made before on the
        same node state with the same arguments is not made again, since the adapter's contract
        says it would do the same (deterministic), and only its outcome is replayed, what the
        ghost saw included. A call that fails is never memoized."""
        memo = self.memo
        before = self.frozen[i - 1] if memo is not None and descriptor is not None else None
        if before is not None:
            done = memo.get((i, before, descriptor))
            if done is not None:
                after, shown, sent = done
                self.frozen[i - 1] = after
                self.objects[i - 1] = None  # Restored from ``after`` if a later call needs it.
                self.owned.discard(i)
                self.touched.add(i)
                self.nodes[i - 1] = self.ghost.observe(shown)
                # Each payload as its bytes, unpickled only where something needs the value
                # (``loaded``): on the sync network the reply is delivered at once, most often
                # to a call the memo replays too, which needs only the payload's digest.
                return [(name, _Unloaded(data, pid), text) for name, data, text, pid in sent]
        if callable(what):
            what = what()
        node = self.node(i)
        twin = self.twin(i, node) if self.model.twice else None
        made = self.call(i, what, lambda: fn(node))
        if twin is not None:
            self.again(i, what, node, made, lambda: (twin, fn(twin)))
        out = self.sends(i, made, what)
        self.observe(i)
        if memo is None:
            return out
        self.frozen[i - 1] = None
        if before is None:
            return out
        sent = []
        for name, payload, text in out:
            known = self.pids.get(id(payload))
            if known is None:
                return out  # A payload copied by deepcopy: no bytes name it.
            sent.append((name, known[2], text, known[1]))
        self.learn(i)
        after = self.frozen[i - 1]
        # What it shows, as the codec keeps it with the snapshot (equal, and shared, not copied).
        self.model._codec.remember((i, before, descriptor), (after, self.model._codec.parts[after][2], tuple(sent)))
        return out

    def twin(self, i: int, node: Any) -> Any:
        """A second copy of node i as it is before a call, for ``again``."""
        try:
            return self.adapter.copy(node)
        except Exception as e:
            raise CallFailed("exception", f"node {i} cannot be copied ({self.adapter.name} copy): {_exception_line(e)}") from None

    def again(self, i: int, what: str, node: Any, made: Any, run: Callable[[], tuple[Any, Any]]) -> None:
        """--check-determinism: the call ``what`` made again (``run``: on a twin of the node as it
        was, or a second node made as the first was) must send what the first sent, in order, and
        leave a node with the same key; the adapter's contract says it does (deterministic), and
        the search, its call memo and replay all rely on it. Otherwise a ``nondeterministic``
        finding, in one line naming the first difference."""
        head = f"node {i}'s {what}, made twice from the same state,"
        try:
            other, sent = self.call(i, what, run)
        except CallFailed as f:
            raise CallFailed("nondeterministic", f"{head} failed only the second time: {f.violation.message}") from None
        first, second = _heard(made), _heard(sent)
        if first != second:
            k = next((k for k, (a, b) in enumerate(zip(first, second)) if a != b), min(len(first), len(second)))
            one = first[k] if k < len(first) else "nothing"
            two = second[k] if k < len(second) else "nothing"
            raise CallFailed("nondeterministic", f"{head} sent {one} the first time and {two} the second (message {k + 1})")
        keys = [self.call(i, "key", lambda n=n: self.adapter.key(n)) for n in (node, other)]
        if keys[0] != keys[1]:
            raise CallFailed("nondeterministic", f"{head} left it in two states: key {_clip(keys[0])} the first time, "
                                                 f"{_clip(keys[1])} the second")

    def payload_id(self, payload: Any) -> int | None:
        if type(payload) is _Unloaded:
            return payload.pid
        known = self.pids.get(id(payload))
        return known[1] if known is not None else None

    def loaded(self, payload: Any) -> Any:
        """The payload itself, where a memo hit left it as bytes (``_Unloaded``)."""
        if type(payload) is not _Unloaded:
            return payload
        self.sandbox.arm()  # Unpickling may build the implementation's objects.
        value = pickle.loads(payload.data)
        self.pids[id(value)] = (value, payload.pid, payload.data)
        return value

    def finish(self, finding: Violation | None = None) -> AdapterWorld:
        if self.model.fifo:
            self.network.sort(key=lambda x: (x[0].source, x[0].dest))  # Stable: each link keeps its order.
        else:
            self.network.sort(key=lambda x: (_message_key(x[0]), x[2]))
        return AdapterWorld(
            objects=tuple(self.objects),
            keys=tuple(self.keys),
            nodes=tuple(self.nodes),
            network=tuple(m for m, _, _ in self.network),
            payloads=tuple((p, t) for _, p, t in self.network),
            cut=self.cut,
            crashed=self.crashed,
            requests=self.requests,
            elections=self.ghost.elections,
            committed=self.ghost.committed,
            commit_terms=self.ghost.commit_terms,
            finding=finding,
            frozen=tuple(self.frozen) if self.frozen is not None else None,
        )

    # --- Calling the adapter ------------------------------------------------------------------

    def call(self, i: int, what: str, fn: Callable[[], Any]) -> Any:
        return self.sandbox.call(i, what, fn, seed=None, timed=self.model.timed)

    def node(self, i: int) -> Any:
        """Node i's value for this step: a copy of the world's, made on first touch."""
        if i not in self.owned:
            self.sandbox.arm()  # A restore or a copy may run the implementation's code.
            snapshot = self.frozen[i - 1] if self.frozen is not None else None
            try:
                if snapshot is not None:
                    # Thawed from bytes: a fresh node from its snapshot is the copy (checker.impl.codec).
                    self.objects[i - 1] = self.model.codec.restore(snapshot)
                else:
                    self.objects[i - 1] = self.adapter.copy(self.objects[i - 1])
            except Exception as e:
                raise CallFailed("exception", f"node {i} cannot be copied ({self.adapter.name} copy): {_exception_line(e)}") from None
            self.touched.add(i)
            self.owned.add(i)
        return self.objects[i - 1]

    def sends(self, i: int, sent: Any, what: str) -> list[tuple[Any, Any, str]]:
        """What node i sent, checked and deep-copied as a network would, each with its name."""
        if not isinstance(sent, (list, tuple)):
            raise CallFailed("malformed_message", f"node {i}'s {what} returned {_brief(sent)}, not a list of Send")
        peers = self.peers(i)
        out = []
        if sent:
            self.sandbox.arm()  # Copying a payload may run the implementation's code.
        # On the sync network a message the adapter names itself is handled at once and never
        # held in flight, so nothing reads its canonical text (a world's fingerprint holds only
        # what is in flight): it is not written.
        inline = self.model.sync
        for k, s in enumerate(sent):
            if not isinstance(s, Send):
                raise CallFailed("malformed_message", f"{_where(i, what, k)} that is {_brief(s)}, not a Send")
            if s.dest not in peers:
                raise CallFailed("malformed_message", f"{_where(i, what, k)} to {s.dest!r}, not to one of its peers {list(peers)}")
            try:
                if self.memo is None:
                    payload = copy_value(s.payload)
                else:
                    payload, data = _copy_with_bytes(s.payload)
                    if data is not None:
                        self.pids[id(payload)] = (payload, _pid(data), data)
                text = "" if inline and s.message is not None else canonical(payload)
            except Exception as e:
                raise CallFailed("malformed_message", f"{_where(i, what, k)} that cannot be copied: {_exception_line(e)}") from None
            name = s.message
            if name is None:
                name = Packet(i, s.dest, str(s.summary), digest(text).hex())
            out.append((name, payload, text))
        return out

    def observe(self, i: int) -> None:
        """What node i shows now, checked, as a NodeState; the ghost sees it (elections won,
        entries known committed)."""
        obj = self.objects[i - 1]
        seen = self.call(i, "observe", lambda: self.adapter.observe(obj))
        self.nodes[i - 1] = self.ghost.observe(_node_state(i, self.peers(i), seen))

    def route(self, sent: list[tuple[Any, Any, str]]) -> None:
        """Messages a node sent: on the sync network handled at once, with their replies; on
        the others into the network, where those from or to an unreachable node are lost."""
        if self.model.sync:
            self.exchange(sent)
        else:
            self.network.extend((m, self.loaded(p), t) for m, p, t in sent if self.reachable(m))
            for m, _, _ in sent:
                self.note("send", m)
                if not self.reachable(m):
                    self.note("lose", m)

    def reachable(self, m: Any) -> bool:
        return m.source not in self.cut and m.dest not in self.cut and m.dest not in self.crashed

    def receive(self, m: Any, payload: Any) -> list[tuple[Any, Any, str]]:
        """Message ``m`` arrives at its destination; what that node sent back."""
        j = m.dest
        what = lambda: f"deliver({m.summary if isinstance(m, Packet) else _summary(m)} from {m.source})"
        pid = self.payload_id(payload) if self.memo is not None else None
        descriptor = ("deliver", m.source, pid) if pid is not None else None
        out = self.invoke(j, descriptor, what, lambda node: self.adapter.deliver(node, m.source, self.loaded(payload)))
        self.note("deliver", m, j)
        return out

    # --- The actions -----------------------------------------------------------------------

    def create_all(self) -> None:
        sent = []
        for i in self.model.ids:
            made = self.call(i, "create", lambda: self.adapter.create(i, self.peers(i)))
            node, out = _made(i, made, "create")
            if self.model.twice:
                self.again(i, "create", node, out, lambda: _made(i, self.adapter.create(i, self.peers(i)), "create"))
            self.objects[i - 1] = node
            self.touched.add(i)
            self.owned.add(i)
            sent.append(self.sends(i, out, "create"))
            self.observe(i)
        for out in sent:
            self.route(out)

    def tick(self, i: int) -> None:
        out = self.invoke(i, ("advance",), "advance", lambda node: self.adapter.advance(node))
        self.note("act", node=i)
        self.route(out)

    def client_request(self, i: int) -> None:
        self.requests += 1
        command = self.requests
        what = f"request({command})"
        out = self.invoke(i, ("request", command), what, lambda node: self.adapter.request(node, command))
        self.note("act", node=i)
        self.route(out)

    def restart(self, w: AdapterWorld, i: int) -> None:
        """A crashed node starts again from what its stable storage kept."""
        node = self.node(i)
        stable = self.call(i, "crash", lambda: self.adapter.crash(node))
        try:
            stable = copy_value(stable)
        except Exception as e:
            raise CallFailed("exception", f"node {i}'s stable storage cannot be copied: {_exception_line(e)}") from None
        # Twice (--check-determinism): each restart from its own copy of what survived.
        first = copy_value(stable) if self.model.twice else stable
        made = self.call(i, "restart", lambda: self.adapter.restart(i, self.peers(i), first))
        node, out = _made(i, made, "restart")
        if self.model.twice:
            self.again(i, "restart", node, out,
                       lambda: _made(i, self.adapter.restart(i, self.peers(i), copy_value(stable)), "restart"))
        self.objects[i - 1] = node
        self.touched.add(i)
        self.owned.add(i)
        if self.frozen is not None:
            self.frozen[i - 1] = None  # A new node: no snapshot names it yet.
        sent = self.sends(i, out, "restart")
        self.observe(i)
        self.note("act", node=i)
        self.route(sent)
        if self.model.fifo:
            self.links_changed(w, i, restarted=True)

    def deliver(self, m: Any) -> None:
        k = next(k for k, (x, _, _) in enumerate(self.network) if x == m)
        _, payload, _ = self.network.pop(k)
        # The network's copy belongs to the world before.
        self.sandbox.arm()  # Copying a payload may run the implementation's code.
        if self.memo is None:
            payload = copy_value(payload)
        else:
            payload, data = _copy_with_bytes(payload)
            if data is not None:
                self.pids[id(payload)] = (payload, _pid(data), data)
        self.route(self.receive(m, payload))

    def remove(self, m: Any) -> None:
        k = next(k for k, (x, _, _) in enumerate(self.network) if x == m)
        del self.network[k]

    def exchange(self, sent: list[tuple[Any, Any, str]]) -> None:
        """The seed's synchronous harness: each message, then each reply to it, is handled at
        once; anything from or to a node cut off or crashed is lost, and what a node sends on
        handling a reply is not delivered."""
        for m, payload, _ in sent:
            self.note("send", m)
            if not self.reachable(m):
                self.note("lose", m)
                continue
            for r, reply, _ in self.receive(m, payload):
                self.note("send", r)
                if self.reachable(r):
                    self.receive(r, reply)
                else:
                    self.note("lose", r)

    def links_changed(self, w: AdapterWorld, i: int, restarted: bool = False) -> None:
        """Fifo: node i was cut off, healed, crashed or restarted. A link that broke loses what was
        queued on it and both ends that are up hear of it; a link that came up is announced at
        both ends. A restarted node takes every link to be up, so it hears of those that are not."""
        up_before = lambda p: w.reachable(i) and w.reachable(p)
        up_now = lambda p: self.up(i) and self.up(p)
        kept = [x for x in self.network if up_now_link(self, x[0])]
        if self.events is not None and len(kept) < len(self.network):
            for m, _, _ in self.network:
                if not up_now_link(self, m):
                    self.note("lose", m)  # Queued on a link that broke.
        self.network = kept
        for p in self.peers(i):
            before, now = up_before(p), up_now(p)
            if restarted:
                if not now:
                    self.notify(i, p, connected=False)
                elif not before:
                    self.notify(p, i, connected=True)
            elif before and not now:
                self.notify(i, p, connected=False)
                self.notify(p, i, connected=False)
            elif now and not before:
                self.notify(i, p, connected=True)
                self.notify(p, i, connected=True)

    def up(self, i: int) -> bool:
        return i not in self.cut and i not in self.crashed

    def notify(self, i: int, peer: int, connected: bool) -> None:
        """Node i (if it is up) hears that its link to ``peer`` came up or broke."""
        if i in self.crashed:
            return
        what = f"{'connect' if connected else 'disconnect'}({peer})"
        method = self.adapter.connect if connected else self.adapter.disconnect
        self.route(self.invoke(i, (what,), what, lambda node: method(node, peer)))


def _heard(sent: Any) -> list[str]:
    """What a call sent, as words to compare two calls by: each message's summary, destination
    and a digest of its canonical form (anything that is not a Send, as it is: ``sends`` refuses
    it after)."""
    if not isinstance(sent, (list, tuple)):
        return [_brief(sent)]
    out = []
    for s in sent:
        if isinstance(s, Send):
            try:
                text = canonical(s.payload)
            except Exception:
                text = _brief(s.payload)
            out.append(f"{s.summary} to {s.dest} ({digest(text).hex()[:10]})")
        else:
            out.append(_brief(s))
    return out


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Unloaded:
    """A payload replayed from the call memo, as its pickled bytes and their digest."""

    __slots__ = ("data", "pid")

    def __init__(self, data: bytes, pid: int) -> None:
        self.data = data
        self.pid = pid


def _pid(data: bytes) -> int:
    """A payload's content, named by the digest of its pickled bytes."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def _where(i: int, what: str, k: int) -> str:
    return f"node {i}'s {what} returned a message (#{k + 1})"


def up_now_link(s: _Step, m: Any) -> bool:
    return s.up(m.source) and s.up(m.dest)


def _made(i: int, made: Any, what: str) -> tuple[Any, Any]:
    if not (isinstance(made, tuple) and len(made) == 2):
        raise CallFailed("malformed_message", f"node {i}'s {what} returned {_brief(made)}, not (node, sends)")
    return made


def _node_state(i: int, peers: tuple[int, ...], seen: Any) -> NodeState:
    """What an adapter shows of node i, checked, in the native model's terms."""
    if not isinstance(seen, Observed):
        raise CallFailed("malformed_state", f"node {i}'s observe returned {_brief(seen)}, not an Observed")
    if seen.role not in ROLES:
        raise CallFailed("malformed_state", f"node {i}'s role is {_brief(seen.role)}, not 'follower', 'candidate' or 'leader'")
    for name, value in (("term", seen.term), ("commit_index", seen.commit_index)):
        if not _int(value):
            raise CallFailed("malformed_state", f"node {i}'s {name} is {_brief(value)}, not a whole number")
    log = [SENTINEL]
    for k, entry in enumerate(seen.log, start=1):
        if not (isinstance(entry, tuple) and len(entry) == 2 and _int(entry[0])):
            raise CallFailed("malformed_state", f"node {i}'s log holds {_brief(entry)} at index {k}, not (term, command)")
        try:
            hash(entry[1])
        except TypeError:
            raise CallFailed("malformed_state", f"node {i}'s log holds an unhashable command at index {k}") from None
        log.append(LogEntry(term=int(entry[0]), index=k, command=entry[1]))
    vote = None if seen.voted_for == UNKNOWN else seen.voted_for
    return NodeState(
        id=i,
        peers=peers,
        current_term=int(seen.term),
        voted_for=vote,
        log=tuple(log),
        role=ROLES[seen.role],
        commit_index=int(seen.commit_index),
        match_index=_per_peer(i, peers, seen.match_index, "match_index"),
        next_index=_per_peer(i, peers, seen.next_index, "next_index"),
    )


def _per_peer(i: int, peers: tuple[int, ...], values: Mapping[int, int] | None, name: str) -> tuple[int, ...]:
    """A leader's per-peer index, aligned with ``peers``; () where it is not shown."""
    if values is None:
        return ()
    if not isinstance(values, Mapping) or not all(p in values and _int(values[p]) for p in peers):
        raise CallFailed("malformed_state", f"node {i}'s {name} is {_brief(values)}, not a whole number for each peer")
    return tuple(int(values[p]) for p in peers)


def _summary(m: Any) -> str:
    """A native message's words, for a finding's message."""
    from checker.model.actions import describe_message

    return describe_message(m).removeprefix("the ")


def _int(value: Any) -> bool:
    """A whole number, not a bool (terms and indexes)."""
    if type(value) is int:
        return value >= 0
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


def _brief(value: Any) -> str:
    """A short, stable description of a value from the implementation."""
    if value is None or isinstance(value, (bool, int, float, str)):
        text = repr(value)
    elif isinstance(value, Mapping):
        keys = ", ".join(sorted(repr(k) for k in value))
        text = f"a dict with keys {{{keys}}}"
    else:
        text = f"a {type(value).__name__}"
    return text if len(text) <= 120 else text[:117] + "..."
