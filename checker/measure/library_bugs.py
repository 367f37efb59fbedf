"""The published bugs of real Raft libraries that raftcheck rediscovers (#15, point 6): one record
per bug, each with how it is searched for and SandTable's published time to it (EuroSys 2024),
for ``python -m checker bench --only bugs``.

The library helpers add their rows to ``BUGS``; each row's trace lives in ``corpus/`` and a test
replays it. ``bench`` times the median seconds to the first counterexample over several seeds.
"""

from __future__ import annotations

from attrs import field, frozen

from checker.model.config import Bounds, Config, ImplTarget


@frozen
class LibraryBug:
    """One published bug: where it is, how raftcheck is set up to find it, what it breaks."""

    library: str  # As --impl names it: "pysyncobj", "raftos" (or an adapter's path.py:Class, for tests).
    version: str  # The release that has the bug, e.g. "0.3.11".
    issue: str  # The upstream issue, e.g. "#166".
    description: str  # What goes wrong, in a few words.
    invariant: str  # The invariant (or finding kind) expected to break.
    network: str  # "sync", "async" or "fifo".
    bounds: Bounds  # The search's bounds, for the fuzzer too (give a depth bound for explore).
    sandtable_seconds: float | None  # SandTable's published time to this bug; None if not given.
    sandtable_source: str  # Where that time is published (paper, table, page).
    settings: tuple[tuple[str, str], ...] = ()  # --impl-conf KEY=VALUE, sorted by key.
    nodes: int = 3
    engine: str = "fuzz"  # "fuzz" or "explore": what bench times.
    # The outcomes the search looks for; () for all. Where a release has a shallower bug that
    # always shows first (raftos 0.2.6 forgets its vote two steps in), a world that breaks any
    # other invariant is not expanded (checker.search.target.Targeted): the path found breaks
    # one of them first, and its trace replays to it under every invariant. (SandTable's models
    # of raftos check a chosen set of invariants, none about votes.)
    seek: tuple[str, ...] = ()
    # Where the counterexample trace is kept, relative to the repository (corpus/...).
    trace: str | None = field(default=None)

    @property
    def target(self) -> str:
        return self.library if ":" in self.library else f"{self.library}=={self.version}"

    def config(self, seed: int = 0) -> Config:
        """The configuration that looks for this bug."""
        impl = ImplTarget(self.target, settings=tuple(sorted(self.settings)))
        return Config(nodes=self.nodes, network=self.network, bounds=self.bounds, seed=seed, impl=impl)


#: Every published bug raftcheck has an adapter, a configuration and a trace for.
_SANDTABLE = "SandTable, EuroSys 2024 (doi:10.1145/3627703.3650077), Table 2"
#: raftos 0.2.6 on UDP: one request, one term (two for #27), no cut-offs, five datagrams in flight.
_RAFTOS = dict(max_term=1, max_requests=1, max_cut=0, max_crashed=0, max_in_flight=5)

BUGS: list[LibraryBug] = [
    LibraryBug(
        library="raftos", version="0.2.6", issue="#25",
        description="a reordered append response moves a leader's matchIndex backwards",
        invariant="match_index_monotonic", network="async", bounds=Bounds(**_RAFTOS, max_depth=8),
        sandtable_seconds=5.0, sandtable_source=_SANDTABLE + ", RaftOS#1",
        engine="explore", seek=("match_index_monotonic",),
        trace="corpus/raftos-0.2.6-async-match_index_monotonic-56afffe6fa.json",
    ),
    LibraryBug(
        library="raftos", version="0.2.6", issue="#26",
        description="a delayed append erases a follower's matched log: an entry committed on the leader alone",
        invariant="committed_on_majority", network="async", bounds=Bounds(**_RAFTOS, max_depth=7),
        sandtable_seconds=4.0, sandtable_source=_SANDTABLE + ", RaftOS#2",
        engine="explore", seek=("committed_on_majority",),
        trace="corpus/raftos-0.2.6-async-committed_on_majority-aa6fddf49e.json",
    ),
    LibraryBug(
        library="raftos", version="0.2.6", issue="#27",
        description="KeyError on a stale-term rejection of an append (it carries no request_id)",
        invariant="exception", network="async",
        bounds=Bounds(**{**_RAFTOS, "max_term": 2, "max_requests": 0}, max_depth=6),
        sandtable_seconds=None, sandtable_source=_SANDTABLE + ", RaftOS#3 (found by conformance checking: no time)",
        engine="explore", seek=("exception",),
        trace="corpus/raftos-0.2.6-async-exception-e56ee6ab28.json",
    ),
]
