"""When an action is enabled: the guards every world model shares, so that the native core
(``checker.model.native.Model``) and a user's class (``checker.impl.seed.ImplModel``) differ only
in what an action does.

A guard reads only what both kinds of world show (``View``): the faults, the client requests
made, the messages in flight, and each node's role and term (for a user's class, as its API's
surface shows them). The fast engine (``checker.search.encoded``) spells the same guards over
integers, for speed; the tests hold it to the native model.
"""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

from checker.model.config import Bounds
from raft.messages import Message
from raft.state import NodeState, Role


class View(Protocol):
    """What a guard may read of a world: an ``checker.model.world.World`` or an ``ImplWorld``."""

    nodes: Sequence[NodeState]  # Node i is nodes[i - 1].
    network: tuple[Message, ...]
    cut: frozenset[int]
    crashed: frozenset[int]
    requests: int


# Guards run on every step a search tries, so they read fields directly and not through methods.
_LEADER = Role.LEADER


def may_tick(w: View, i: int, bounds: Bounds) -> bool:
    """Time passes at a node that is up; a follower or candidate may not time out at the term
    bound (no node may start an election beyond it: what keeps terms, and the search, finite)."""
    if i in w.crashed:
        return False
    n = w.nodes[i - 1]
    return n.role is _LEADER or n.current_term < bounds.max_term


def may_request(w: View, i: int, bounds: Bounds) -> bool:
    """A client hands a command only to a leader that is up, and only ``max_requests`` in all."""
    return i not in w.crashed and w.nodes[i - 1].role is _LEADER and w.requests < bounds.max_requests


def may_cut(w: View, i: int, bounds: Bounds) -> bool:
    """A node not cut off yet may be, while fewer than ``max_cut`` are."""
    return i not in w.cut and len(w.cut) < bounds.max_cut


def may_heal(w: View, i: int) -> bool:
    """Only a cut-off node is reconnected."""
    return i in w.cut


def may_crash(w: View, i: int, bounds: Bounds) -> bool:
    """A node that is up may crash, while fewer than ``max_crashed`` are down."""
    return i not in w.crashed and len(w.crashed) < bounds.max_crashed


def may_restart(w: View, i: int) -> bool:
    """Only a crashed node restarts."""
    return i in w.crashed


def may_touch(w: View, m: Message, sync: bool) -> bool:
    """The network may drop or duplicate a message only where messages are in flight (the
    asynchronous network) and only one that is."""
    return not sync and m in w.network


def may_deliver(w: View, m: Message, sync: bool) -> bool:
    """A message in flight arrives only at a node that is up and connected, from one that is connected."""
    return may_touch(w, m, sync) and not (m.dest in w.crashed or m.dest in w.cut or m.source in w.cut)


def first_on_link(network: Sequence[Message], m: Message) -> bool:
    """On a fifo network only the oldest message on a link (its source and destination) can
    arrive: ``m`` is that one. ``network`` holds each link's messages in the order they were sent."""
    source, dest = m.source, m.dest
    for x in network:
        if x.source == source and x.dest == dest:
            return x == m
    return False


def fits(network: Sequence[Message], bounds: Bounds) -> bool:
    """A step that leaves more than ``max_in_flight`` messages in flight is not taken."""
    return len(network) <= bounds.max_in_flight


def terms_within(nodes: Iterable[NodeState], bounds: Bounds) -> bool:
    """No node past the term bound. The native core never gets there (only a timeout raises a term,
    and ``may_tick`` stops it at the bound); a user's class might, so its steps are held to it."""
    return all(n.current_term <= bounds.max_term for n in nodes)
