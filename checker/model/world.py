"""One global state of the system being checked: the nodes, the network, the faults and the
history the invariants need, as one immutable value."""

from __future__ import annotations

from attrs import frozen

from raft.log import LogEntry
from raft.messages import Message
from raft.state import NodeState


def _message_key(m: Message) -> str:
    # Any total order will do, as long as it does not depend on hashing; repr of these values is stable.
    return repr(m)




@frozen(cache_hash=True)
class World:
    """One global state of the system being checked."""

    nodes: tuple[NodeState, ...]  # Node i is nodes[i - 1].
    # In flight: async, a bag, sorted by _message_key; fifo, each link's queue in the order sent,
    # the links sorted by (source, dest).
    network: tuple[Message, ...] = ()
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

