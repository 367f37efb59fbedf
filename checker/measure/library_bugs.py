"""The published bugs of real Raft libraries that raftcheck rediscovers (#15, point 6): one record
per bug, each with how it is searched for and SandTable's published time to it (EuroSys 2024),
for ``python -m checker bench --only bugs``.

The library helpers add their rows to ``BUGS``; each row's trace lives in ``corpus/`` and a test
replays it. ``bench`` times the median seconds to the first counterexample over several seeds.

Most records search against every invariant, as ``explore`` and ``fuzz`` do. Where a release
has several bugs and a shallower one always shows first (PySyncObj 0.3.11 breaks
``leader_commits_current_term``, its #169, ten steps in, before its other bugs can show), a
record names the invariants it looks for (``only``): ``find`` does not expand worlds that
break any other invariant, so the path found breaks the target first, and its trace replays to
it with every invariant checked.
"""

from __future__ import annotations

import random
import time

from attrs import field, frozen

from checker.model.config import Bounds, Config, ImplTarget

#: SandTable's Table 2 (EuroSys '24, p. 744, "Time" column: specification-level exploration
#: with TLC, then confirmed in the implementation).
SANDTABLE_TABLE_2 = "SandTable, EuroSys 2024, Table 2 (doi:10.1145/3627703.3650077)"


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
    engine: str = "fuzz"  # "fuzz", "explore" or "walk" (seeded random walks, see ``find``).
    # Where the counterexample trace is kept, relative to the repository (corpus/...).
    trace: str | None = field(default=None)
    only: tuple[str, ...] = ()  # The invariants looked for; () for all of them (see above).
    # Invariants set aside (--impl-skip), recorded in the trace: replay does not check them either.
    skip: tuple[str, ...] = ()
    walk_length: int = 50  # engine "walk": actions per walk.
    note: str = ""

    @property
    def target(self) -> str:
        return self.library if ":" in self.library else f"{self.library}=={self.version}"

    def config(self, seed: int = 0) -> Config:
        """The configuration that looks for this bug."""
        impl = ImplTarget(self.target, settings=tuple(sorted(self.settings)), skip=tuple(sorted(self.skip)))
        return Config(nodes=self.nodes, network=self.network, bounds=self.bounds, seed=seed, impl=impl)


_FIFO = "fifo"

#: Every published bug raftcheck has an adapter, a configuration and a trace for.
_SANDTABLE = "SandTable, EuroSys 2024 (doi:10.1145/3627703.3650077), Table 2"
#: raftos 0.2.6 on UDP: one request, one term (two for #27), no cut-offs, five datagrams in flight.
_RAFTOS = dict(max_term=1, max_requests=1, max_cut=0, max_crashed=0, max_in_flight=5)

BUGS: list[LibraryBug] = [
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="#169",
        description="a leader commits an entry of an earlier term by counting replicas (Figure 8)",
        invariant="leader_commits_current_term", network=_FIFO, engine="explore",
        bounds=Bounds(max_term=2, max_requests=0, max_cut=0, max_in_flight=6, max_depth=12),
        sandtable_seconds=120.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#5: 2min",
        trace="corpus/pysyncobj/pysyncobj-0.3.11-fifo-leader_commits_current_term-fa261db0ff.json",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="#166",
        description="a new leader's first append lowers a follower's commit index",
        invariant="committed_entries_stable", network=_FIFO, engine="explore",
        only=("committed_entries_stable",),
        bounds=Bounds(max_term=2, max_requests=0, max_cut=0, max_in_flight=6, max_depth=12),
        sandtable_seconds=6.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#2: 6s",
        trace="corpus/pysyncobj/pysyncobj-0.3.11-fifo-committed_entries_stable-eb29d70fcc.json",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="#167",
        description="after stale rejections a leader's nextIndex is not above its matchIndex",
        invariant="next_index_above_match", network=_FIFO, engine="walk",
        only=("next_index_above_match",),
        bounds=Bounds(max_term=3, max_requests=2, max_cut=1, max_in_flight=8),
        sandtable_seconds=7.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#3: 7s",
        trace="corpus/pysyncobj/pysyncobj-0.3.11-fifo-next_index_above_match-9b0a31a39d.json",
        note="FIFO: the rejections are stale because the leader sent ahead before the link broke",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.11", issue="#167",
        description="a leader's matchIndex moves backwards (a resent backlog is acknowledged one short)",
        invariant="match_index_monotonic", network=_FIFO, engine="walk",
        only=("match_index_monotonic",),
        bounds=Bounds(max_term=3, max_requests=2, max_cut=1, max_in_flight=8),
        sandtable_seconds=35.0, sandtable_source=SANDTABLE_TABLE_2 + ", PySyncObj#4: 35s",
        trace="corpus/pysyncobj/pysyncobj-0.3.11-fifo-match_index_monotonic-335f832c9b.json",
        note="FIFO, as SandTable's own model of it (FifoNetwork.tla, one partition)",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.15", issue="#201/#202",
        description="term and vote not kept across a restart (two leaders in one term follow)",
        invariant="terms_monotonic", network=_FIFO, engine="explore", settings=(("journalFile", "file"),),
        bounds=Bounds(max_term=2, max_requests=0, max_cut=0, max_crashed=1, max_in_flight=6, max_depth=10),
        sandtable_seconds=None, sandtable_source="not in SandTable (reported 2026)",
        trace="corpus/pysyncobj/pysyncobj-0.3.15-fifo-terms_monotonic-a2addf9102.json",
        note="the bug itself, three steps in: a restarted node is back in term 0",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.15", issue="#201/#202",
        description="a node votes, restarts with no term or vote, and votes again: two leaders of one term",
        invariant="election_safety", network=_FIFO, engine="explore", settings=(("journalFile", "file"),),
        only=("election_safety",), skip=("terms_monotonic",),
        bounds=Bounds(max_term=1, max_requests=0, max_cut=0, max_crashed=1, max_in_flight=6, max_depth=10),
        sandtable_seconds=None, sandtable_source="not in SandTable (reported 2026)",
        trace="corpus/pysyncobj/pysyncobj-0.3.15-fifo-election_safety-29d9fc8eb0.json",
        note="terms_monotonic set aside: it breaks at the restart, before the second election",
    ),
    # Found by this project in the latest release (docs/pysyncobj.md, "Checking the latest release").
    LibraryBug(
        library="pysyncobj", version="0.3.17", issue="new: docs/pysyncobj.md finding 1",
        description="a follower erases entries the leader already counts: a committed entry on one node",
        invariant="committed_on_majority", network=_FIFO, engine="fuzz",
        settings=(("appendEntriesBatchSizeBytes", "15"),),
        bounds=Bounds(max_term=8, max_requests=4, max_cut=1, max_crashed=1, max_in_flight=10),
        sandtable_seconds=None, sandtable_source="not in SandTable (new)",
        trace="corpus/pysyncobj/pysyncobj-0.3.17-fifo-committed_on_majority-58d3d94768.json",
    ),
    LibraryBug(
        library="pysyncobj", version="0.3.17", issue="new: docs/pysyncobj.md finding 2",
        description="a large entry's transmission is labelled finished early; the follower's handler raises",
        invariant="exception", network=_FIFO, engine="explore",
        settings=(("appendEntriesBatchSizeBytes", "64"), ("commandPadding", "40")),
        bounds=Bounds(max_term=1, max_requests=1, max_cut=0, max_in_flight=10, max_depth=12),
        sandtable_seconds=None, sandtable_source="not in SandTable (new)",
        trace="corpus/pysyncobj/pysyncobj-0.3.17-fifo-exception-6e8b385b0c.json",
    ),
    LibraryBug(
        library="raftos", version="0.2.6", issue="#25",
        description="a reordered append response moves a leader's matchIndex backwards",
        invariant="match_index_monotonic", network="async", bounds=Bounds(**_RAFTOS, max_depth=8),
        sandtable_seconds=5.0, sandtable_source=_SANDTABLE + ", RaftOS#1",
        engine="explore", only=("match_index_monotonic",),
        trace="corpus/raftos-0.2.6-async-match_index_monotonic-56afffe6fa.json",
    ),
    LibraryBug(
        library="raftos", version="0.2.6", issue="#26",
        description="a delayed append erases a follower's matched log: an entry committed on the leader alone",
        invariant="committed_on_majority", network="async", bounds=Bounds(**_RAFTOS, max_depth=7),
        sandtable_seconds=4.0, sandtable_source=_SANDTABLE + ", RaftOS#2",
        engine="explore", only=("committed_on_majority",),
        trace="corpus/raftos-0.2.6-async-committed_on_majority-aa6fddf49e.json",
    ),
    LibraryBug(
        library="raftos", version="0.2.6", issue="#27",
        description="KeyError on a stale-term rejection of an append (it carries no request_id)",
        invariant="exception", network="async",
        bounds=Bounds(**{**_RAFTOS, "max_term": 2, "max_requests": 0}, max_depth=6),
        sandtable_seconds=None, sandtable_source=_SANDTABLE + ", RaftOS#3 (found by conformance checking: no time)",
        engine="explore", only=("exception",),
        trace="corpus/raftos-0.2.6-async-exception-c5dfbbd77c.json",
    ),
    # Found by this project (docs/raftos.md, "Found here"); SandTable also reports two leaders in
    # raftos. vote_safety (the forgotten vote itself) breaks first, so it is set aside.
    LibraryBug(
        library="raftos", version="0.2.6", issue="new: docs/raftos.md, two leaders",
        description="a leader steps down, forgets its vote, and votes for a second leader of its term",
        invariant="election_safety", network="async", engine="walk", walk_length=40,
        only=("election_safety",), skip=("vote_safety",), settings=(("step_down_missed_heartbeats", "1"),),
        bounds=Bounds(max_term=1, max_requests=0, max_cut=0, max_crashed=0, max_in_flight=6),
        sandtable_seconds=None, sandtable_source=_SANDTABLE + " (two leaders in raftos; no time given here)",
        trace="corpus/raftos-0.2.6-async-election_safety-4adf8bf205.json",
        note="step_down_missed_heartbeats=1 (raftos's setting; default 5) makes the step-down one heartbeat away",
    ),
    # The same bug with raftos's default settings: the step-down comes after six heartbeat periods,
    # twelve datagrams nobody answers, deeper than a breadth-first search goes here; the fuzzer
    # reaches it (nothing else breaks first without requests, crashes or a second term).
    LibraryBug(
        library="raftos", version="0.2.6", issue="new: docs/raftos.md, two leaders (default settings)",
        description="a leader steps down after six unanswered heartbeats, forgets its vote, and votes for a second leader",
        invariant="election_safety", network="async", engine="fuzz", skip=("vote_safety",),
        bounds=Bounds(max_term=1, max_requests=0, max_cut=1, max_crashed=0, max_in_flight=20),
        sandtable_seconds=None, sandtable_source=_SANDTABLE + " (two leaders in raftos; no time given here)",
        trace="corpus/raftos-0.2.6-async-election_safety-d6bd8fba44.json",
        note="raftos's default settings; vote_safety set aside",
    ),
]


def find(bug: LibraryBug, seed: int = 0, budget: float = 600.0):
    """Run the record's search: (seconds, the violation or None, the path as actions).
    ``explore``: breadth-first (the shortest path); ``fuzz``: ``checker.api.fuzz`` with ``seed``
    (only without a target); ``walk``: uniform random walks from ``random.Random(seed)``."""
    from checker.front import model_for
    from checker.search.bfs import search
    from checker.search.target import Targeted

    config = bug.config(seed)
    plain = model_for(config)
    # With ``only``: a step into any other outcome is disabled, and only those outcomes count.
    model = Targeted(plain, bug.only) if bug.only else plain

    def verdict(before, action, after):
        return model.check_step(before, action, after) or model.check_world(after)

    start = time.monotonic()
    if bug.engine == "explore":
        result = search(
            model,
            model.check_world,
            verdict,
            max_depth=config.bounds.max_depth,
        )
        return time.monotonic() - start, result.violation, tuple(result.trace or ())
    if bug.engine == "fuzz":
        from checker.fuzz import run

        if bug.only:
            raise ValueError(f"{bug.issue}: the fuzzer checks every invariant; 'only' needs explore or walk")
        # As python -m checker fuzz runs it (1000 examples), stopped at the budget.
        result = run.fuzz(config, 1000, 60, seed, steer=run.STEERING, shrink="fast", time_limit=budget)
        return time.monotonic() - start, result.violation, tuple(result.trace or ())
    rng = random.Random(seed)
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
            v = verdict(w, a, after)
            w = after
            if v is not None:
                return time.monotonic() - start, v, tuple(path)
    return time.monotonic() - start, None, ()


def counterexample(bug: LibraryBug, seed: int = 0, budget: float = 600.0):
    """``find``, as a trace ready for ``save_trace`` (None if nothing was found)."""
    from checker.model.outcome import outcome_for
    from checker.traces.format import Trace

    _, violation, path = find(bug, seed, budget)
    if violation is None:
        return None
    return Trace(bug.config(seed), path, outcome_for(violation, len(path)), engine=bug.engine)
