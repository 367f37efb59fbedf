"""The native world model: a whole cluster, its network and its faults as one immutable value.

As in Stateright, a model is three things: the initial world, the actions enabled in a world
(in a deterministic order), and the world an action leads to (``None`` when it is disabled).
Time is abstract: a ``Tick`` lets time pass at one node until its next timer fires, so a node
may time out at any moment, which covers every election timeout the real range allows.
"""

from __future__ import annotations

from typing import Callable, Iterator

from attrs import frozen

from checker.model.actions import (
    Action,
    ClientRequest,
    Crash,
    Cut,
    Deliver,
    Drop,
    Duplicate,
    Heal,
    Restart,
    Tick,
)
from checker.model.config import FIFO, SYNC, Config
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
)
from checker.model.invariants import SOMETIMES_CHECKS, check_step, check_world
from checker.model.outcome import Violation
from checker.model.world import World, _message_key
from raft import transitions
from raft.messages import Message
from raft.rules import Rules
from raft.state import NodeState, Role


class Model:
    """A configuration made executable: initial world, enabled actions, and the next world."""

    def __init__(self, config: Config, rules: Rules, observer: Observer | None = None) -> None:
        self.config = config
        self.rules = rules
        self.bounds = config.bounds
        self.ids = config.node_ids
        self.sync = config.network == SYNC
        # Ordered links: only the oldest message on a link arrives, none is dropped or
        # duplicated, and a node cut off or crashed loses what is queued on its links.
        self.fifo = config.network == FIFO
        # Told what happens inside each step (``Model.step_events`` passes an EventLog); by
        # default NO_OBSERVER, which does nothing.
        self.observer = NO_OBSERVER if observer is None else observer

    # The properties every engine checks, on the model so that an engine needs only the model.

    def check_world(self, w: World) -> Violation | None:
        """The first always property that ``w`` breaks, if any."""
        return check_world(w)

    def check_step(self, before: World, action: Action, after: World) -> Violation | None:
        """The first transition property that the step breaks, if any."""
        return check_step(before, action, after)

    @property
    def sometimes(self) -> list[tuple[str, Callable[[World], bool]]]:
        """The sometimes properties, by name, reported after every run."""
        return [(p.name, p.check) for p in SOMETIMES_CHECKS]

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
        if self.fifo:
            heads = set()
            for m in w.network:
                if (m.source, m.dest) not in heads:
                    heads.add((m.source, m.dest))
                    yield Deliver(m)
        elif not self.sync:
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
        b = self.bounds
        # Whether ``a`` is enabled is decided by the guards every model shares
        # (``checker.model.enabling``); what follows each is what it does to this model's world.
        if isinstance(a, Tick):
            i = a.node
            if not may_tick(w, i, b):
                return None
            n = nodes[i - 1]
            n, sent = self._heartbeat(n) if n.role is Role.LEADER else self._timeout(n)
            nodes[i - 1] = ghost.observe(n)
            if self.sync:
                self._exchange(nodes, sent, cut, crashed, ghost)
            else:
                network = self._send(network, sent, cut, crashed)
        elif isinstance(a, ClientRequest):
            i = a.node
            if not may_request(w, i, b):
                return None
            n, _ = self._client_request(nodes[i - 1], requests + 1)
            nodes[i - 1] = ghost.observe(n)
            requests += 1
        elif isinstance(a, Cut):
            if not may_cut(w, a.node, b):
                return None
            cut = cut | {a.node}
            if self.fifo:
                network = _break_links(network, a.node)
        elif isinstance(a, Heal):
            if not may_heal(w, a.node):
                return None
            cut = cut - {a.node}
        elif isinstance(a, Crash):
            if not may_crash(w, a.node, b):
                return None
            crashed = crashed | {a.node}
            if self.fifo:
                network = _break_links(network, a.node)
        elif isinstance(a, Restart):
            if not may_restart(w, a.node):
                return None
            crashed = crashed - {a.node}
            nodes[a.node - 1] = self._restart(nodes[a.node - 1])
        else:
            m = a.message
            if isinstance(a, Deliver):
                if not may_deliver(w, m, self.sync) or (self.fifo and not first_on_link(network, m)):
                    return None
                network = _remove_one(network, m)
                n, replies = self._receive(nodes[m.dest - 1], m)
                nodes[m.dest - 1] = ghost.observe(n)
                network = self._send(network, replies, cut, crashed)
            elif self.fifo or not may_touch(w, m, self.sync):
                return None  # A fifo link neither loses nor copies a message.
            elif isinstance(a, Drop):
                network = _remove_one(network, m)
            else:
                network = self._insert(network, (m,))
        if not fits(network, b):
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
        showing a trace. Opt-in and separate, so that ``step``, which the searches call, records nothing."""
        return _step_events(self, w, a)

    def _exchange(self, nodes: list[NodeState], sent, cut, crashed, ghost: _Ghost) -> None:
        """The seed's synchronous harness: each message, and then its reply, is handled at once;
        anything to or from an unreachable node is lost."""
        if not sent:
            return
        observer = self.observer
        observer.act(nodes[sent[0].source - 1])
        for m in sent:
            observer.send(m)
            if m.source in cut or m.dest in cut or m.dest in crashed:
                observer.lose(m)
                continue
            n, replies = self._receive(nodes[m.dest - 1], m)
            nodes[m.dest - 1] = ghost.observe(n)
            observer.deliver(m, n)
            for r in replies:
                n, _ = self._receive(nodes[r.dest - 1], r)
                nodes[r.dest - 1] = ghost.observe(n)
                observer.send(r)
                observer.deliver(r, n)

    def _send(self, network, sent, cut, crashed) -> tuple[Message, ...]:
        """Messages enter the network; those from or to an unreachable node are lost at once."""
        kept = tuple(m for m in sent if m.source not in cut and m.dest not in cut and m.dest not in crashed)
        self.observer.enter(sent, kept)
        if not kept:
            return network
        return _append(network, kept) if self.fifo else self._insert(network, kept)


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


def _append(network: tuple[Message, ...], messages: tuple[Message, ...]) -> tuple[Message, ...]:
    """A fifo network: each message at the back of its link's queue; the links in a fixed order
    (by source and destination), each link's messages in the order they were sent."""
    return tuple(sorted(network + messages, key=_link))


def _link(m: Message) -> tuple:
    return (m.source, m.dest)


def _break_links(network: tuple[Message, ...], i: int) -> tuple[Message, ...]:
    """A fifo network when node i's links break: what was queued to or from it is lost."""
    return tuple(m for m in network if m.source != i and m.dest != i)


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


class Observer:
    """What a model tells, as it happens, of what goes on inside a step, in order (as etcd-io/raft's
    ``state_trace``). This one ignores all of it: ``NO_OBSERVER``, every model's default, so that
    a step with nobody watching pays only for calls that return at once."""

    __slots__ = ()

    def act(self, node: NodeState) -> None:
        """A node's own transition (a timeout or heartbeat) sent messages; ``node`` is its state after."""

    def send(self, m: Message) -> None:
        """``m`` is sent."""

    def deliver(self, m: Message, node: NodeState) -> None:
        """``m`` arrived and was handled; ``node`` is the receiver's state after."""

    def lose(self, m: Message) -> None:
        """``m`` is lost at once: it is from or to an unreachable node."""

    def enter(self, sent: tuple[Message, ...], kept: tuple[Message, ...]) -> None:
        """``sent`` go out onto the network (asynchronous), where only ``kept`` arrive."""


NO_OBSERVER = Observer()


class EventLog(Observer):
    """An observer that writes down what it is told, as ``Event`` values, for ``Model.step_events``."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: list[Event] = []

    def act(self, node: NodeState) -> None:
        self.events.append(Event("act", node=node))

    def send(self, m: Message) -> None:
        self.events.append(Event("send", m))

    def deliver(self, m: Message, node: NodeState) -> None:
        self.events.append(Event("deliver", m, node))

    def lose(self, m: Message) -> None:
        self.events.append(Event("lose", m))

    def enter(self, sent: tuple[Message, ...], kept: tuple[Message, ...]) -> None:
        for m in sent:
            self.send(m)
            if m not in kept:
                self.lose(m)


def _step_events(model: Model, w: World, a: Action) -> tuple[World | None, tuple[Event, ...]]:
    log = EventLog()
    after = Model(model.config, model.rules, log).step(w, a)
    if after is None:
        return None, ()
    events = log.events
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
    elif isinstance(a, (Cut, Crash)) and model.fifo:
        # The links of the node broke: what was queued on them is lost.
        kept = list(after.network)
        for m in w.network:
            if m in kept:
                kept.remove(m)
            else:
                events.append(Event("lose", m))
    return after, tuple(events)
