"""The adapter interface: how raftcheck drives one implementation's nodes.

An adapter stands between the checker and one Raft implementation: the seed-API classes of
``--impl file.py:Class``, or a library from the package index (``--impl pysyncobj==0.3.11``).
The checker owns the cluster, the network, time, faults and client requests; the adapter turns
each of them into calls of the implementation's own code, unchanged, and reports back what the
nodes sent and what they now look like. It replaces only what a deterministic simulation must
own (a clock, a random generator, a transport or timers, where the journal lives) and says so in
its docstring.

The contract, which ``checker.impl.driver`` relies on and the tests hold every adapter to:

- **Deterministic.** The same calls on equal nodes give equal results and equal sends, in every
  process and under any ``PYTHONHASHSEED``. An adapter seeds every generator the library uses
  from the node's id (never from the wall clock) and never reads real time.
- **Nodes are values between calls.** ``copy(node)`` gives an independent node (its memory and
  its stable storage); the checker copies a node before it changes it, and never calls into a
  node that belongs to a world already seen. Nothing a node holds may be shared with another
  node.
- **Sends are data.** Every call returns the messages the node sent during it, in the order it
  sent them, as ``Send`` values; the payload is copied by the checker (``copy.deepcopy``) and
  must be built of plain values (dicts, lists, tuples, strings, numbers, bytes, attrs or
  dataclass instances), so that it has a canonical form.
- **Identity is the protocol state.** ``key(node)`` is a string that is equal for two nodes
  exactly when the checker should treat them as the same state: everything that can change
  what the node does next, with times as durations from the node's own clock (an absolute
  clock would make every state new).
- **Links start up.** On a fifo network a node made by ``create`` or ``restart`` takes every
  link to be up; the checker calls ``disconnect`` at once for each that is not (its peer cut
  off or crashed), and ``connect`` and ``disconnect`` at both ends whenever a link comes up or
  breaks later. On the other networks neither is ever called.
- **Failures are the implementation's.** An exception raised by the library propagates out of
  the adapter's method unchanged; the checker turns it into a finding. An adapter raises
  ``AdapterError`` only for its own misuse (a setting it does not know, say). Where the
  implementation breaks its own documented contract without raising (a reply of the wrong
  shape, say), the adapter may raise ``checker.impl.sandbox.CallFailed`` with a finding's kind
  from ``checker.model.outcome.FINDINGS``.

Amended once the driver ran (backwards compatible, both optional): ``Send.message`` lets an
adapter name a message by a value of its own that traces already know (the seed-API adapter
uses the native messages of ``raft.messages``, so that its traces keep their format), and
``Adapter.unobserved`` names the invariants an adapter cannot judge, with why.
"""

from __future__ import annotations

from typing import Any, ClassVar, Hashable, Mapping, Protocol, runtime_checkable

from attrs import field, frozen


class AdapterError(ValueError):
    """Bad settings or a library that cannot be driven; one line naming what is wrong."""


@frozen
class Send:
    """One message a node sent: to whom, what (the library's own payload), and in words."""

    dest: int
    payload: Any
    # A short, stable description for timelines and traces, e.g. "append_entries term 2
    # prev 1/1 entries [2:'c1'] commit 1". It must not contain addresses or times.
    summary: str
    # How actions and traces name the message; None (the usual): a checker.model.actions.Packet
    # made of the two ends, the summary and a digest of the payload.
    message: Any = field(default=None, eq=False)


@frozen
class Observed:
    """What the checker can see of one node, in the paper's terms; the invariants judge these."""

    role: str  # "follower", "candidate" or "leader"
    term: int
    # The node's vote in its current term: a node id, None for no vote, or UNKNOWN where the
    # library does not show it.
    voted_for: Any
    # The log, index 1 first, as (term, command) pairs; commands are hashable (the adapter
    # turns the library's encoding back into the request number the checker sent, or a short
    # stable text for the library's own entries, such as a no-op a new leader appends).
    log: tuple[tuple[int, Hashable], ...]
    commit_index: int
    # A leader's view of each peer, where the library shows it; None otherwise.
    match_index: Mapping[int, int] | None = field(default=None, eq=False)
    next_index: Mapping[int, int] | None = field(default=None, eq=False)


#: ``Observed.voted_for`` when the library keeps its vote out of sight.
UNKNOWN = "unknown"

#: The methods that make a class an adapter (rather than a class with the seed's API), for
#: ``--impl path/to/file.py:MyAdapter``.
METHODS = ("create", "copy", "key", "advance", "deliver", "connect", "disconnect", "crash", "restart",
           "request", "observe", "describe")


@runtime_checkable
class Adapter(Protocol):
    """Drives the nodes of one implementation. One instance per model: it holds the library,
    its version and its settings, never a node; nodes are the values its methods return."""

    #: The name users give on the command line (``--impl NAME`` or ``NAME==VERSION``).
    name: ClassVar[str]
    #: The network the implementation assumes: ``checker.model.config.SYNC``, ``ASYNC`` or ``FIFO``.
    network: ClassVar[str]
    #: Whether the library keeps state on stable storage, so that crash and restart mean something.
    persistent: ClassVar[bool]
    # Optional, and so not a member of the protocol (isinstance does not ask for it): a class
    # attribute ``unobserved``, a mapping from the names of invariants of
    # ``checker.model.invariants`` that what ``observe`` shows cannot judge (no votes shown, no
    # matchIndex) to why; the driver leaves those out.

    def create(self, node_id: int, peers: tuple[int, ...]) -> tuple[Any, list[Send]]:
        """A new node, as the library starts one, and what it sent while starting."""

    def copy(self, node: Any) -> Any:
        """An independent copy of ``node``: memory, clock and stable storage."""

    def key(self, node: Any) -> str:
        """The node's protocol state as a canonical string (see the contract above)."""

    def advance(self, node: Any, seconds: float | None = None) -> list[Send]:
        """Time passes at ``node``: by ``seconds``, or (None) until its next timer fires and
        the library has handled it. Returns what the node sent."""

    def deliver(self, node: Any, source: int, payload: Any) -> list[Send]:
        """A message from ``source`` arrives at ``node``; returns what the node sent."""

    def connect(self, node: Any, peer: int) -> list[Send]:
        """The link to ``peer`` comes (back) up, where the library is told about connections
        (FIFO networks); a no-op returning ``[]`` elsewhere."""

    def disconnect(self, node: Any, peer: int) -> list[Send]:
        """The link to ``peer`` breaks, where the library is told about connections."""

    def crash(self, node: Any) -> Any:
        """The node stops; returns what survives on stable storage (opaque to the checker,
        copied with ``copy.deepcopy``). Only called when ``persistent`` is true."""

    def restart(self, node_id: int, peers: tuple[int, ...], stable: Any) -> tuple[Any, list[Send]]:
        """A node started again from what ``crash`` returned, and what it sent while starting."""

    def request(self, node: Any, command: int) -> list[Send]:
        """A client hands ``command`` to ``node`` through the library's own replication path
        (refused quietly, as the library refuses, where the node is not the leader)."""

    def observe(self, node: Any) -> Observed:
        """What the node shows now."""

    def describe(self) -> str:
        """One line for summaries: library, version, settings, and what the adapter replaces."""
