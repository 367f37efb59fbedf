"""The published bugs of the Raft libraries under test, each as the run that finds it again.

A plain list of records, one per bug (or per consequence, where one report has two), that
``bench --only bugs`` times: the library and the release that has the bug, the settings, network
and bounds of the search, the invariant it breaks, the corpus trace that replays it, and the
time SandTable (Tang et al., EuroSys 2024) published for it, where it did.

``find(bug)`` runs a record's search. Most records search against every invariant, as
``explore`` and ``fuzz`` do. Where a release has several bugs and a shallower one always shows
first (PySyncObj 0.3.11 breaks ``leader_commits_current_term``, its #169, ten steps in, before
its other bugs can show), a record names the invariants it looks for (``target``): worlds that
break any other invariant are not expanded, so the path found breaks the target first, and its
trace replays to it under every invariant.
"""

from __future__ import annotations

import random
import time
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


_FIFO = "fifo"

BUGS: list[LibraryBug] = [
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="bakwc/PySyncObj#169",
        title="a leader commits an entry of an earlier term by counting replicas (Figure 8)",
        invariant="leader_commits_current_term", network=_FIFO,
        bounds={"max_term": 2, "max_requests": 0, "max_cut": 0, "max_in_flight": 6, "max_depth": 12},
        corpus="corpus/pysyncobj/pysyncobj-0.3.11-fifo-leader_commits_current_term-fa261db0ff.json",
        sandtable_seconds=120.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#5: 2min",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="bakwc/PySyncObj#166",
        title="a new leader's first append lowers a follower's commit index",
        invariant="committed_entries_stable", network=_FIFO, target=("committed_entries_stable",),
        bounds={"max_term": 2, "max_requests": 0, "max_cut": 0, "max_in_flight": 6, "max_depth": 12},
        corpus="corpus/pysyncobj/pysyncobj-0.3.11-fifo-committed_entries_stable-eb29d70fcc.json",
        sandtable_seconds=6.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#2: 6s",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="bakwc/PySyncObj#167",
        title="after stale rejections a leader's nextIndex is not above its matchIndex",
        invariant="next_index_above_match", network=_FIFO, target=("next_index_above_match",),
        engine="walk", seed=1,
        bounds={"max_term": 3, "max_requests": 2, "max_cut": 1, "max_in_flight": 8},
        corpus="corpus/pysyncobj/pysyncobj-0.3.11-fifo-next_index_above_match-9b0a31a39d.json",
        sandtable_seconds=7.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#3: 7s",
        note="FIFO: the rejections are stale because the leader sent them before the link broke; no reordering needed",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="bakwc/PySyncObj#167",
        title="a leader's matchIndex moves backwards (a resent backlog is acknowledged one short)",
        invariant="match_index_monotonic", network=_FIFO, target=("match_index_monotonic",),
        engine="walk", seed=1,
        bounds={"max_term": 3, "max_requests": 2, "max_cut": 1, "max_in_flight": 8},
        corpus="corpus/pysyncobj/pysyncobj-0.3.11-fifo-match_index_monotonic-335f832c9b.json",
        sandtable_seconds=35.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#4: 35s",
        note="FIFO, as SandTable's own model of it (FifoNetwork.tla with one partition)",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.15", issue="bakwc/PySyncObj#201, #202",
        title="term and vote not kept across a restart (two leaders in one term follow)",
        invariant="terms_monotonic", network=_FIFO, settings={"journalFile": "file"},
        bounds={"max_term": 2, "max_requests": 0, "max_cut": 0, "max_crashed": 1, "max_in_flight": 6, "max_depth": 10},
        corpus="corpus/pysyncobj/pysyncobj-0.3.15-fifo-terms_monotonic-a2addf9102.json",
        note="not in SandTable (reported 2026); two leaders of one term: tests/test_pysyncobj.py",
    ),
    # Found by this project in the latest release (docs/pysyncobj.md, "Findings in 0.3.17").
    LibraryBug(
        library="pysyncobj", version="0.3.17", issue="new (docs/pysyncobj.md, finding 1)",
        title="a follower erases entries the leader already counts: a committed entry on one node",
        invariant="committed_on_majority", network=_FIFO, settings={"appendEntriesBatchSizeBytes": "15"},
        engine="fuzz", bounds={"max_term": 8, "max_requests": 4, "max_cut": 1, "max_crashed": 1, "max_in_flight": 10},
        corpus="corpus/pysyncobj/pysyncobj-0.3.17-fifo-committed_on_majority-58d3d94768.json",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.17", issue="new (docs/pysyncobj.md, finding 2)",
        title="a large entry's transmission is labelled finished early; the follower's handler raises",
        invariant="exception", network=_FIFO,
        settings={"appendEntriesBatchSizeBytes": "64", "commandPadding": "40"},
        bounds={"max_term": 1, "max_requests": 1, "max_cut": 0, "max_in_flight": 10, "max_depth": 12},
        corpus="corpus/pysyncobj/pysyncobj-0.3.17-fifo-exception-c0cdd86a27.json",
    ),
]


def config_for(bug: LibraryBug):
    """The configuration a record searches."""
    from checker.model.config import Bounds, Config, ImplTarget

    impl = ImplTarget(f"{bug.library}=={bug.version}", settings=tuple(sorted(bug.settings.items())))
    return Config(nodes=3, network=bug.network, bounds=Bounds(**bug.bounds), impl=impl)


class _Targeted:
    """A model whose worlds that break an invariant outside ``target`` have no successors."""

    def __init__(self, model, target: tuple[str, ...]):
        self.model, self.target = model, set(target)

    def verdict(self, before, action, after):
        if after.finding is not None:
            return after.finding
        return self.model.check_step(before, action, after) or self.model.check_world(after)

    def initial(self):
        return self.model.initial()

    def actions(self, w):
        return self.model.actions(w)

    def step(self, w, a):
        after = self.model.step(w, a)
        if after is None or not self.target:
            return after
        v = self.verdict(w, a, after)
        return None if v is not None and v.invariant not in self.target else after

    def wanted(self, v):
        return v is not None and (not self.target or v.invariant in self.target)


def find(bug: LibraryBug, budget: float = 600.0):
    """Run the record's search: (seconds, violation or None, the path as a tuple of actions)."""
    from checker.front import model_for
    from checker.search.bfs import search

    config = config_for(bug)
    model = _Targeted(model_for(config), bug.target)
    start = time.monotonic()
    if bug.engine == "explore":
        result = search(
            model,
            lambda w: (lambda v: v if model.wanted(v) else None)(model.model.check_world(w)),
            lambda b, a, w: (lambda v: v if model.wanted(v) else None)(model.verdict(b, a, w)),
            max_depth=config.bounds.max_depth,
        )
        return time.monotonic() - start, result.violation, tuple(result.trace or ())
    if bug.engine == "fuzz":
        from checker.api import fuzz

        result = fuzz(config, seed=bug.seed)
        return time.monotonic() - start, result.violation, tuple(result.trace or ())
    rng = random.Random(bug.seed)
    init = model.initial()
    while time.monotonic() - start < budget:
        w, path = init, []
        for _ in range(bug.walk_length):
            choices = list(model.actions(w))
            rng.shuffle(choices)
            for a in choices:
                after = model.step(w, a)
                if after is not None:
                    break
            else:
                break
            path.append(a)
            v = model.verdict(w, a, after)
            w = after
            if model.wanted(v):
                return time.monotonic() - start, v, tuple(path)
    return time.monotonic() - start, None, ()


def counterexample(bug: LibraryBug, budget: float = 600.0):
    """``find``, as a trace ready for ``save_trace`` (None if nothing was found)."""
    from checker.model.outcome import outcome_for
    from checker.traces.format import Trace

    _, violation, path = find(bug, budget)
    if violation is None:
        return None
    return Trace(config_for(bug), path, outcome_for(violation, len(path)), engine=bug.engine)


__all__ = ["BUGS", "LibraryBug", "SANDTABLE_TABLE_2", "config_for", "counterexample", "find"]
