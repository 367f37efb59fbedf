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
BUGS: list[LibraryBug] = []
