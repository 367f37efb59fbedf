"""The published bugs of the Raft libraries under test, each as the run that finds it again.

A plain list of records, one per bug (or per consequence, where one report has two), that
``bench --only bugs`` times: the library and the release that has the bug, the settings, network
and bounds of the search, the invariant it breaks, the corpus trace that replays it, and the
time SandTable (Tang et al., EuroSys 2024) published for it, where it did.

Where a release has several bugs and a shallower one always shows first, a record names the
invariants it looks for (``target``): worlds that break any other invariant are not expanded
(``checker.search.target.Targeted``), so the path found breaks the target first, and its trace
replays to it under every invariant.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

#: SandTable's Table 2 (EuroSys '24, p. 744, "Time" column: specification-level exploration
#: with TLC, then confirmed in the implementation).
SANDTABLE_TABLE_2 = "SandTable, EuroSys 2024, Table 2 (doi:10.1145/3627703.3650077)"


@frozen
class LibraryBug:
    library: str
    version: str
    issue: str  # The library's tracker, e.g. "bakwc/PySyncObj#166".
    title: str
    invariant: str  # The name in checker.model.invariants that its counterexample breaks.
    network: str
    bounds: dict[str, Any] = field(factory=dict)  # checker.model.config.Bounds fields.
    settings: dict[str, str] = field(factory=dict)  # --impl-conf KEY=VALUE.
    # "explore" (breadth-first, the shortest path), "fuzz" (python -m checker fuzz, seed 0), or
    # "walk" (uniform random walks over the same model, seeded, runs of ``walk_length``).
    engine: str = "explore"
    target: tuple[str, ...] = ()  # The invariants looked for; () for all of them.
    seed: int = 0
    walk_length: int = 50
    corpus: str = ""  # The trace under corpus/ that replays it.
    sandtable_seconds: float | None = None
    sandtable_source: str = ""
    note: str = ""


_ASYNC = "async"
#: raftos 0.2.6 forgets its vote two steps from the start (docs/raftos.md, "Found here"): every
#: raftos record looks for its own invariant only (``target``), as SandTable checked one per bug.
_RAFTOS_BOUNDS = {"max_term": 1, "max_requests": 1, "max_cut": 0, "max_in_flight": 5}

BUGS: list[LibraryBug] = [
    LibraryBug(
        library="raftos", version="0.2.6", issue="zhebrak/raftos#25",
        title="a reordered response moves a leader's matchIndex backwards",
        invariant="match_index_monotonic", network=_ASYNC, target=("match_index_monotonic",),
        bounds={**_RAFTOS_BOUNDS, "max_depth": 8},
        corpus="corpus/raftos-0.2.6-async-match_index_monotonic-56afffe6fa.json",
        sandtable_seconds=5.0, sandtable_source=SANDTABLE_TABLE_2 + ", RaftOS#1: 5s",
    ),
    LibraryBug(
        library="raftos", version="0.2.6", issue="zhebrak/raftos#26",
        title="a delayed append erases a follower's matched log (a committed entry on the leader alone)",
        invariant="committed_on_majority", network=_ASYNC, target=("committed_on_majority",),
        bounds={**_RAFTOS_BOUNDS, "max_depth": 7},
        corpus="corpus/raftos-0.2.6-async-committed_on_majority-aa6fddf49e.json",
        sandtable_seconds=4.0, sandtable_source=SANDTABLE_TABLE_2 + ", RaftOS#2: 4s",
    ),
    LibraryBug(
        library="raftos", version="0.2.6", issue="zhebrak/raftos#27",
        title="KeyError on a stale-term rejection of an append (no request_id)",
        invariant="exception", network=_ASYNC, target=("exception",),
        bounds={**_RAFTOS_BOUNDS, "max_term": 2, "max_requests": 0, "max_depth": 6},
        corpus="corpus/raftos-0.2.6-async-exception-e56ee6ab28.json",
        sandtable_source=SANDTABLE_TABLE_2 + ", RaftOS#3: found by conformance checking, no time",
    ),
]

__all__ = ["BUGS", "LibraryBug", "SANDTABLE_TABLE_2"]
