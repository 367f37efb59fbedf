"""The world model: a whole cluster, its network and its faults as one immutable value.

As in Stateright, a model is three things: the initial world, the actions enabled in a world
(in a deterministic order), and the world an action leads to (``None`` when it is disabled).
Time is abstract: a ``Tick`` lets time pass at one node until its next timer fires, so a node
may time out at any moment, which covers every election timeout the real range allows.
"""

from __future__ import annotations

from typing import Any, Iterator

from attrs import frozen

from raft import transitions
from raft.log import LogEntry
from raft.messages import Message
from raft.rules import Rules
from raft.state import NodeState, Role

SYNC = "sync"
ASYNC = "async"
NETWORKS = (SYNC, ASYNC)


@frozen
class Bounds:
    """State constraints that make the search finite. An action that would leave them is disabled."""

    max_term: int = 3  # No node's term goes above this.
    max_requests: int = 2  # Client requests accepted in all.
    max_in_flight: int = 3  # Messages in the network at once (async only).
    max_cut: int = 1  # Nodes cut off at once.
    max_crashed: int = 0  # Nodes down at once.
    max_depth: int | None = None  # Steps from the initial world; None: no limit.

    def describe(self) -> str:
        depth = "unbounded" if self.max_depth is None else f"<= {self.max_depth}"
        return (
            f"terms <= {self.max_term}, client requests <= {self.max_requests}, "
            f"in-flight messages <= {self.max_in_flight}, nodes cut off at once <= {self.max_cut}, "
            f"nodes crashed at once <= {self.max_crashed}, depth {depth}"
        )


@frozen
class Config:
    """What to check: cluster size, network mode, which rules the nodes follow, and the bounds."""

    nodes: int = 3
    network: str = SYNC
    variant: str = "default"
    bounds: Bounds = Bounds()
    seed: int = 0  # Recorded in traces; the explorer itself draws nothing at random.
    impl: Any = None  # A user's class to check instead of the native core (checker.impl.ImplTarget), or None.

    @property
    def node_ids(self) -> tuple[int, ...]:
        return tuple(range(1, self.nodes + 1))


# --- Actions ------------------------------------------------------------------------------


@frozen
class Tick:
    """Time passes at a node until its next timer fires: a leader sends heartbeats, any other node times out."""

    node: int

    def describe(self, world: World) -> str:
        n = world.node(self.node)
        if n.role is Role.LEADER:
            return f"node {self.node} (leader of term {n.current_term}) sends heartbeats"
        return f"node {self.node} times out and starts an election for term {n.current_term + 1}"


@frozen
class ClientRequest:
    """A client hands the next command to a node."""

    node: int

    def describe(self, world: World) -> str:
        return f"a client sends command {world.requests + 1} to node {self.node}"


@frozen
class Cut:
    """A node is cut off: nothing it sends or is sent arrives until it is healed."""

    node: int

    def describe(self, world: World) -> str:
        return f"node {self.node} is cut off from the network"


@frozen
class Heal:
    """A cut-off node is reconnected."""

    node: int

    def describe(self, world: World) -> str:
        return f"node {self.node} is reconnected"


@frozen
class Crash:
    """A node stops; it keeps its state on stable storage and does nothing until it restarts."""

    node: int

    def describe(self, world: World) -> str:
        return f"node {self.node} crashes"


@frozen
class Restart:
    """A crashed node restarts from stable storage (term, vote and log), losing everything else."""

    node: int

    def describe(self, world: World) -> str:
        return f"node {self.node} restarts"


@frozen
class Deliver:
    """An in-flight message arrives (async network)."""

    message: Message

    def describe(self, world: World) -> str:
        return f"{describe_message(self.message)} is delivered"


@frozen
class Drop:
    """An in-flight message is lost (async network)."""

    message: Message

    def describe(self, world: World) -> str:
        return f"{describe_message(self.message)} is lost"


@frozen
class Duplicate:
    """An in-flight message is duplicated (async network)."""

    message: Message

    def describe(self, world: World) -> str:
        return f"{describe_message(self.message)} is duplicated"


Action = Tick | ClientRequest | Cut | Heal | Crash | Restart | Deliver | Drop | Duplicate


def describe_message(m: Message) -> str:
    kind = {
        "RequestVoteRequest": "vote request",
        "RequestVoteResponse": "vote reply",
        "AppendEntriesRequest": "append-entries",
        "AppendEntriesResponse": "append-entries reply",
    }[type(m).__name__]
    return f"the {kind} of term {m.term} from {m.source} to {m.dest}"


def _message_key(m: Message) -> str:
    # Any total order will do, as long as it does not depend on hashing; repr of these values is stable.
    return repr(m)


# --- The world ----------------------------------------------------------------------------


@frozen(cache_hash=True)
class World:
    """One global state of the system being checked."""

    nodes: tuple[NodeState, ...]  # Node i is nodes[i - 1].
    network: tuple[Message, ...] = ()  # In flight, a sorted bag (async only). Invariant: sorted by _message_key.
    cut: frozenset[int] = frozenset()
    crashed: frozenset[int] = frozenset()
    requests: int = 0  # Client requests accepted; the next command is requests + 1.
    # Ghost state, kept only because invariants about history need it.
    elections: frozenset[tuple[int, int]] = frozenset()  # (term, leader) of every election won.
    committed: tuple[LogEntry, ...] = ()  # The longest log prefix any node has ever known committed.
    commit_terms: tuple[int, ...] = ()  # The term in which each committed entry was first known committed.

    def node(self, node_id: int) -> NodeState:
        return self.nodes[node_id - 1]

    def reachable(self, node_id: int) -> bool:
        return node_id not in self.cut and node_id not in self.crashed


class Model:
    """A configuration made executable: initial world, enabled actions, and the next world."""

    def __init__(self, config: Config, rules: Rules) -> None:
        self.config = config
        self.rules = rules
        self.bounds = config.bounds
        self.ids = config.node_ids
        self.sync = config.network == SYNC
        # What happened inside the current step, when someone asked (Model.step_events); None on the hot path.
        self.events: list[Event] | None = None

    def initial(self) -> World:
        """Every node starts as a follower in term 0 with an empty log; nothing is in flight."""
        nodes = tuple(
            transitions.initial_state(i, tuple(p for p in self.ids if p != i)) for i in self.ids
        )
        return World(nodes=nodes)

    def actions(self, w: World) -> Iterator[Action]:
        """The actions to try in ``w``, in a fixed order; ``step`` returns None for those that
        turn out to be disabled."""
        b = self.bounds
        for i in self.ids:
            if i in w.crashed:
                yield Restart(i)
                continue
            yield Tick(i)
            if w.node(i).role is Role.LEADER and w.requests < b.max_requests:
                yield ClientRequest(i)
            if i in w.cut:
                yield Heal(i)
            elif len(w.cut) < b.max_cut:
                yield Cut(i)
            if len(w.crashed) < b.max_crashed:
                yield Crash(i)
        if not self.sync:
            previous = None
            for m in w.network:
                if m == previous:
                    continue  # Copies of one message lead to the same worlds.
                previous = m
                yield Deliver(m)
                yield Drop(m)
                yield Duplicate(m)

    def step(self, w: World, a: Action) -> World | None:
        """The world after action ``a``, or None where ``a`` is disabled in ``w``."""
        nodes = list(w.nodes)
        network = w.network
        requests = w.requests
        cut, crashed = w.cut, w.crashed
        ghost = _Ghost(w)
        if isinstance(a, Tick):
            i = a.node
            if i in crashed:
                return None
            n = nodes[i - 1]
            if n.role is Role.LEADER:
                n, sent = self._heartbeat(n)
            elif n.current_term >= self.bounds.max_term:
                return None
            else:
                n, sent = self._timeout(n)
            nodes[i - 1] = ghost.observe(n)
            if self.sync:
                self._exchange(nodes, sent, cut, crashed, ghost)
            else:
                network = self._send(network, sent, cut, crashed)
        elif isinstance(a, ClientRequest):
            i = a.node
            n = nodes[i - 1]
            if i in crashed or n.role is not Role.LEADER or requests >= self.bounds.max_requests:
                return None
            n, _ = self._client_request(n, requests + 1)
            nodes[i - 1] = ghost.observe(n)
            requests += 1
        elif isinstance(a, Cut):
            if a.node in cut or len(cut) >= self.bounds.max_cut:
                return None
            cut = cut | {a.node}
        elif isinstance(a, Heal):
            if a.node not in cut:
                return None
            cut = cut - {a.node}
        elif isinstance(a, Crash):
            if a.node in crashed or len(crashed) >= self.bounds.max_crashed:
                return None
            crashed = crashed | {a.node}
        elif isinstance(a, Restart):
            if a.node not in crashed:
                return None
            crashed = crashed - {a.node}
            nodes[a.node - 1] = self._restart(nodes[a.node - 1])
        else:
            m = a.message
            if self.sync or m not in network:
                return None
            if isinstance(a, Drop):
                network = _remove_one(network, m)
            elif isinstance(a, Duplicate):
                network = self._insert(network, (m,))
            else:
                if m.dest in crashed or m.dest in cut or m.source in cut:
                    return None
                network = _remove_one(network, m)
                n, replies = self._receive(nodes[m.dest - 1], m)
                nodes[m.dest - 1] = ghost.observe(n)
                network = self._send(network, replies, cut, crashed)
        if len(network) > self.bounds.max_in_flight:
            return None
        return World(
            nodes=tuple(nodes),
            network=network,
            cut=cut,
            crashed=crashed,
            requests=requests,
            elections=ghost.elections,
            committed=ghost.committed,
            commit_terms=ghost.commit_terms,
        )

    # The single-node transitions, one place each, so that a search engine can memoise them.

    def _timeout(self, n: NodeState):
        return transitions.timeout(n, self.rules)

    def _heartbeat(self, n: NodeState):
        return transitions.heartbeat(n, self.rules)

    def _client_request(self, n: NodeState, command: int):
        return transitions.client_request(n, command, self.rules)

    def _restart(self, n: NodeState) -> NodeState:
        return transitions.restart(n, self.rules)

    def _receive(self, n: NodeState, m: Message):
        return transitions.receive(n, m, self.rules)

    def _insert(self, network: tuple[Message, ...], messages: tuple[Message, ...]) -> tuple[Message, ...]:
        return _insert(network, messages)

    def step_events(self, w: World, a: Action) -> tuple[World | None, tuple[Event, ...]]:
        """``step``, plus what happened inside the step (messages sent, delivered, lost), for
        showing a trace. Opt-in and separate, so that ``step`` stays as fast as it was."""
        return _step_events(self, w, a)

    def _exchange(self, nodes: list[NodeState], sent, cut, crashed, ghost: _Ghost) -> None:
        """The seed's synchronous harness: each message, and then its reply, is handled at once;
        anything to or from an unreachable node is lost."""
        events = self.events
        if events is not None and sent:
            events.append(Event("act", node=nodes[sent[0].source - 1]))
        for m in sent:
            if events is not None:
                events.append(Event("send", m))
            if m.source in cut or m.dest in cut or m.dest in crashed:
                if events is not None:
                    events.append(Event("lose", m))
                continue
            n, replies = self._receive(nodes[m.dest - 1], m)
            nodes[m.dest - 1] = ghost.observe(n)
            if events is not None:
                events.append(Event("deliver", m, n))
            for r in replies:
                n, _ = self._receive(nodes[r.dest - 1], r)
                nodes[r.dest - 1] = ghost.observe(n)
                if events is not None:
                    events.extend((Event("send", r), Event("deliver", r, n)))

    def _send(self, network, sent, cut, crashed) -> tuple[Message, ...]:
        """Messages enter the network; those from or to an unreachable node are lost at once."""
        kept = tuple(m for m in sent if m.source not in cut and m.dest not in cut and m.dest not in crashed)
        if self.events is not None:
            for m in sent:
                self.events.append(Event("send", m))
                if m not in kept:
                    self.events.append(Event("lose", m))
        return self._insert(network, kept) if kept else network


class _Ghost:
    """The history the invariants need, updated after every single transition of a node, so that
    nothing that happens in the middle of a synchronous step (a leader elected and deposed in one
    tick, an entry committed just before its leader steps down) escapes it."""

    __slots__ = ("elections", "committed", "commit_terms")

    def __init__(self, w: World) -> None:
        self.elections = w.elections
        self.committed = w.committed
        self.commit_terms = w.commit_terms

    def observe(self, n: NodeState) -> NodeState:
        if n.role is Role.LEADER and (n.current_term, n.id) not in self.elections:
            self.elections = self.elections | {(n.current_term, n.id)}
        known, committed = n.commit_index, self.committed
        if known > len(committed) and n.log[1 : len(committed) + 1] == committed:
            # Extends what is known committed; a conflicting prefix is left for the invariants to report.
            self.committed = n.log[1 : known + 1]
            self.commit_terms = self.commit_terms + (n.current_term,) * (known - len(committed))
        return n


def _insert(network: tuple[Message, ...], messages: tuple[Message, ...]) -> tuple[Message, ...]:
    return tuple(sorted(network + messages, key=_message_key))


def _remove_one(network: tuple[Message, ...], m: Message) -> tuple[Message, ...]:
    k = network.index(m)
    return network[:k] + network[k + 1 :]


# --- What happened inside a step, for people reading a trace -------------------------------


@frozen
class Event:
    """One thing that happened inside a step, in order, reported by ``Model.step_events``.

    ``kind`` is "act" (the acting node after its own transition: a timeout or heartbeat, before
    any message is handled), "send", "deliver", "lose" (to or from an unreachable node, so lost
    at once), "drop" or "duplicate". ``node`` is the acting or receiving node's state just after.
    """

    kind: str
    message: Message | None = None
    node: NodeState | None = None


def _step_events(model: Model, w: World, a: Action) -> tuple[World | None, tuple[Event, ...]]:
    recorder = _Recorder(model)
    after = recorder.step(w, a)
    if after is None:
        return None, ()
    events = recorder.events
    if isinstance(a, Tick) and not (events and events[0].kind == "act"):
        events.insert(0, Event("act", node=after.node(a.node)))
    elif isinstance(a, (ClientRequest, Restart)):
        events.insert(0, Event("act", node=after.node(a.node)))
    elif isinstance(a, Deliver):
        events.insert(0, Event("deliver", a.message, after.node(a.message.dest)))
    elif isinstance(a, Drop):
        events.insert(0, Event("drop", a.message))
    elif isinstance(a, Duplicate):
        events.insert(0, Event("duplicate", a.message))
    return after, tuple(events)


class _Recorder(Model):
    """The model with its event log switched on, for ``Model.step_events``."""

    def __init__(self, model: Model) -> None:
        super().__init__(model.config, model.rules)
        self.events = []
