"""What to check: cluster size, network mode, rules, bounds; and the named reference configurations.
"""

from __future__ import annotations

from attrs import frozen

SYNC = "sync"
ASYNC = "async"
# Per-link ordered delivery, as TCP gives: only the oldest message on a link can arrive, and
# messages are lost only when a link breaks (a node cut off or crashed).
FIFO = "fifo"
NETWORKS = (SYNC, ASYNC, FIFO)


#: Seconds a call may take before it counts as not returning.
DEFAULT_CALL_TIMEOUT = 1.0


@frozen
class ImplTarget:
    """Which class to check, and how to drive it; recorded in every trace of it."""

    # "path/to/file.py:ClassName" or "package.module:ClassName", as the user gave it; or a
    # library on the package index, "NAME==VERSION" (always with the version that was checked).
    target: str
    persistent: tuple[str, ...] = ()  # Attributes kept across a crash; empty: no crashes.
    call_timeout: float = DEFAULT_CALL_TIMEOUT
    election_timeout_range: tuple[int, int] = (150, 300)
    # A library's own settings, --impl-conf KEY=VALUE, sorted by key.
    settings: tuple[tuple[str, str], ...] = ()
    # Invariants set aside, --impl-skip NAME, sorted: not checked, and said so in every report.
    # For a consequence further along a history than the first invariant a bug breaks (PySyncObj
    # 0.3.15 forgets its term on restart, terms_monotonic; two leaders of one term come after).
    skip: tuple[str, ...] = ()
    # --check-determinism: every call into a node is made twice, on two copies of the node as it
    # was, and the two must send the same and leave the node in the same state (the adapter
    # contract: deterministic); otherwise a ``nondeterministic`` finding. About twice the work.
    check_determinism: bool = False

    @property
    def library(self) -> str | None:
        """The library's name for a target on the package index; None for a class."""
        return None if ":" in self.target else self.target.partition("==")[0]

    @property
    def version(self) -> str | None:
        return None if ":" in self.target else (self.target.partition("==")[2] or None)

    @property
    def class_name(self) -> str:
        if self.library is not None:
            return f"{self.library}-{self.version}" if self.version else self.library
        return self.target.rpartition(":")[2]

    @property
    def tick_ms(self) -> int:
        """What one Tick passes to ``tick``: the top of the range, so any follower times out."""
        return self.election_timeout_range[1]

    def describe(self) -> str:
        if self.library is not None:
            conf = ", ".join(f"{k}={v}" for k, v in self.settings) or "default settings"
            return f"{self.target}, {conf}, {self.call_timeout:g} s per call"
        crashes = f"persistent {','.join(self.persistent)}" if self.persistent else "no crashes (no --persistent)"
        return f"{self.target}, tick({self.tick_ms}) per Tick, {crashes}, {self.call_timeout:g} s per call"


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
    impl: ImplTarget | None = None  # A user's class to check instead of the native core (ImplTarget), or None.

    @property
    def node_ids(self) -> tuple[int, ...]:
        return tuple(range(1, self.nodes + 1))



REFERENCE: dict[str, Config] = {
    # Seconds: for the test suite.
    "tiny": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=2, max_requests=1, max_cut=1)),
    # Three terms, two requests: a third of a million worlds.
    "small": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=3, max_requests=2, max_cut=1)),
    # The README's main job and the benchmark's throughput run: over a million worlds, exhaustive
    # in a minute or two on a 2-core machine.
    "default": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=3, max_requests=3, max_cut=1)),
    # Deep enough for the Figure 8 story (the figure8 variant's bounds): four terms, two requests,
    # one node cut off.
    "four-terms": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=4, max_requests=2, max_cut=1)),
    # Messages that can be reordered, lost and duplicated.
    "async-tiny": Config(nodes=3, network=ASYNC, bounds=Bounds(max_term=2, max_requests=1, max_in_flight=2, max_cut=0)),
    # The benchmark's asynchronous job, beside default: its terms and requests, two messages in
    # flight, no node cut off (the network loses messages already); over four million classes
    # of worlds equal up to node names.
    "async": Config(nodes=3, network=ASYNC, bounds=Bounds(max_term=3, max_requests=3, max_in_flight=2, max_cut=0)),
    # Ordered links, as TCP gives: messages are lost only when a node is cut off, and its links break.
    "fifo-tiny": Config(nodes=3, network=FIFO, bounds=Bounds(max_term=2, max_requests=1, max_in_flight=2, max_cut=1)),
}


def symmetry_sound(config: Config) -> bool:
    """Whether renaming nodes maps every behaviour of ``config``'s model onto another one. On the
    asynchronous network it does: every node follows the same rules and messages wait in a bag.
    On the fifo network too: a step touches one node, or one link's oldest message, and renaming
    keeps each link's queue in order under its new name (docs/performance.md, "On the fifo
    network"; tests/test_engine.py adds up the classes and commutes renaming with stepping).
    The synchronous harness handles a node's messages, and their replies, in the order of the
    receivers' names, so that renaming can change what a step does, and not only in passing: a
    leader whose heartbeat meets a follower before a candidate of a higher term commits its
    entry before it steps down, and in the other order does not (docs/performance.md, "Why not
    on the synchronous network"; tests/test_engine.py finds the world). Merging renamed worlds
    there would lose behaviours."""
    return config.network in (ASYNC, FIFO)


