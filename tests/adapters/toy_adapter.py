"""The adapter of docs/adapters.md: tests/adapters/toyraft.py, unchanged, as raftcheck drives it."""

import copy
import sys
from pathlib import Path

from checker.impl.adapter import AdapterError, Observed, Send
from checker.model.config import ASYNC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toyraft import ToyRaft  # noqa: E402  (the library under test, as a user would import it)


class ToyNode:
    """One node as a value: the library's object and what the adapter simulates around it, a clock
    (seconds since the node started) and the transport it is given, which keeps what it sends."""

    def __init__(self) -> None:
        self.raft: ToyRaft | None = None
        self.sent: list[tuple[int, dict]] = []
        self.now = 0.0

    def send(self, dest: int, message: dict) -> None:
        self.sent.append((dest, message))


class ToyAdapter:
    """Replaces ToyRaft's transport (the ToyNode), its clock (``now``, passed in) and its disk (a dict)."""

    name = "toy"
    network = ASYNC  # No retransmission: it assumes nothing of ordering, and survives loss.
    persistent = True  # Term, vote and log are on "disk".

    def __init__(self, version: str | None, settings: dict[str, str]) -> None:
        if set(settings) - {"bug"} or settings.get("bug", "none") not in ("none", "figure8"):
            raise AdapterError(f"--impl-conf: the toy adapter takes bug=none|figure8, not {dict(settings)}")
        self.commit_any_term = settings.get("bug") == "figure8"

    def start(self, node_id: int, peers: tuple[int, ...], storage: dict) -> tuple[ToyNode, list[Send]]:
        node = ToyNode()
        timeout = 0.15 + 0.01 * node_id  # No random draw: the checker decides when timers fire anyway.
        node.raft = ToyRaft(node_id, peers, node, storage, 0.0, timeout, self.commit_any_term)
        return node, self.drain(node)

    def create(self, node_id, peers):
        return self.start(node_id, peers, {})

    def crash(self, node):
        return node.raft.storage  # What survives; the checker copies it and hands it to restart.

    def restart(self, node_id, peers, stable):
        return self.start(node_id, peers, stable)

    def copy(self, node):
        return copy.deepcopy(node)

    def key(self, node) -> str:
        r = node.raft
        # Times as durations from the node's own clock: an absolute time would make every state new.
        return repr((r.storage["term"], r.storage["vote"], r.storage["log"], r.role, r.commit, sorted(r.votes),
                     sorted(r.next_index.items()), sorted(r.match_index.items()), round(r.deadline - node.now, 6)))

    def advance(self, node, seconds=None):
        node.now = node.raft.deadline if seconds is None else node.now + seconds
        node.raft.on_time(node.now)
        return self.drain(node)

    def deliver(self, node, source, payload):
        node.raft.on_message(source, payload, node.now)
        return self.drain(node)

    def request(self, node, command):
        node.raft.propose(command)
        return self.drain(node)

    def connect(self, node, peer):
        return []  # ToyRaft is not told about connections.

    disconnect = connect

    def observe(self, node) -> Observed:
        r = node.raft
        leader = r.role == "leader"
        return Observed(r.role, r.storage["term"], r.storage["vote"], tuple(r.storage["log"]), r.commit,
                        dict(r.match_index) if leader else None, dict(r.next_index) if leader else None)

    def describe(self) -> str:
        return f"toyraft{' with the Figure 8 bug' if self.commit_any_term else ''}: transport, clock and disk simulated"

    def drain(self, node) -> list[Send]:
        sent, node.sent = node.sent, []
        return [Send(dest, m, summary(m)) for dest, m in sent]


def summary(m: dict) -> str:
    """A message in a few words, e.g. "append term 2 prev 1 commit 1 entries [2:1]"."""
    words = {"vote?": ("last", "last_term"), "vote": ("ok",), "appended": ("ok", "match"), "append": ("prev", "commit")}
    entries = " entries [" + ", ".join(f"{t}:{c}" for t, c in m["entries"]) + "]" if m["type"] == "append" else ""
    return f"{m['type']} term {m['term']} " + " ".join(f"{k} {m[k]}" for k in words[m["type"]]) + entries
