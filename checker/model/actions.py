"""The actions of the world model, as values, each with its words for a person reading a trace.
"""

from __future__ import annotations

from attrs import frozen

from raft.messages import Message
from raft.state import Role


@frozen(cache_hash=True)
class Packet:
    """A message of an implementation under test, as actions and traces name it: its ends, the
    adapter's words for it (``checker.impl.adapter.Send.summary``), and a digest of the payload's
    canonical form, which tells apart messages the words do not."""

    source: int
    dest: int
    summary: str
    payload: str  # 16 hex digits: checker.impl.canonical.digest of the payload's canonical form.


@frozen
class Tick:
    """Time passes at a node until its next timer fires: a leader sends heartbeats, any other node times out."""

    node: int

    def describe(self, world) -> str:
        n = world.node(self.node)
        if n.role is Role.LEADER:
            return f"node {self.node} (leader of term {n.current_term}) sends heartbeats"
        return f"node {self.node} times out and starts an election for term {n.current_term + 1}"


@frozen
class ClientRequest:
    """A client hands the next command to a node."""

    node: int

    def describe(self, world) -> str:
        return f"a client sends command {world.requests + 1} to node {self.node}"


@frozen
class Cut:
    """A node is cut off: nothing it sends or is sent arrives until it is healed."""

    node: int

    def describe(self, world) -> str:
        return f"node {self.node} is cut off from the network"


@frozen
class Heal:
    """A cut-off node is reconnected."""

    node: int

    def describe(self, world) -> str:
        return f"node {self.node} is reconnected"


@frozen
class Crash:
    """A node stops; it keeps its state on stable storage and does nothing until it restarts."""

    node: int

    def describe(self, world) -> str:
        return f"node {self.node} crashes"


@frozen
class Restart:
    """A crashed node restarts from stable storage (term, vote and log), losing everything else."""

    node: int

    def describe(self, world) -> str:
        return f"node {self.node} restarts"


@frozen
class Deliver:
    """An in-flight message arrives (async network; on a fifo network, the oldest on its link)."""

    message: Message | Packet

    def describe(self, world) -> str:
        return f"{describe_message(self.message)} is delivered"


@frozen
class Drop:
    """An in-flight message is lost (async network)."""

    message: Message | Packet

    def describe(self, world) -> str:
        return f"{describe_message(self.message)} is lost"


@frozen
class Duplicate:
    """An in-flight message is duplicated (async network)."""

    message: Message | Packet

    def describe(self, world) -> str:
        return f"{describe_message(self.message)} is duplicated"


Action = Tick | ClientRequest | Cut | Heal | Crash | Restart | Deliver | Drop | Duplicate


def describe_message(m: Message | Packet) -> str:
    if isinstance(m, Packet):
        return f"the message from {m.source} to {m.dest} ({m.summary})"
    kind = {
        "RequestVoteRequest": "vote request",
        "RequestVoteResponse": "vote reply",
        "AppendEntriesRequest": "append-entries",
        "AppendEntriesResponse": "append-entries reply",
    }[type(m).__name__]
    return f"the {kind} of term {m.term} from {m.source} to {m.dest}"
