"""raftcheck: model checking and fuzzing for Raft, as a library.

    from checker import explore, fuzz

    result = explore(variant="figure8")
    assert result.verdict == "violation" and result.invariant == "leader_completeness"

Everything listed in ``__all__`` is public and stays; everything else is private by path.
``docs/library.md`` has a pytest recipe. ``FuzzResult`` is loaded with the fuzzer, on first use,
so that replaying a trace never imports Hypothesis.
"""

from checker.api import (
    ExploreResult,
    configuration,
    explore,
    fuzz,
    load_trace,
    replay,
    save_trace,
    shrink,
)
from checker.model.config import REFERENCE, Bounds, Config, ImplTarget
from checker.model.outcome import Outcome, Violation
from checker.model.variants import VARIANTS, Variant
from checker.search.bfs import Progress
from checker.traces import ReplayResult, ShrinkError, ShrinkResult, Trace, TraceError

__all__ = [
    "REFERENCE",
    "VARIANTS",
    "Bounds",
    "Config",
    "ExploreResult",
    "FuzzResult",
    "ImplTarget",
    "Outcome",
    "Progress",
    "ReplayResult",
    "ShrinkError",
    "ShrinkResult",
    "Trace",
    "TraceError",
    "Variant",
    "Violation",
    "configuration",
    "explore",
    "fuzz",
    "load_trace",
    "replay",
    "save_trace",
    "shrink",
]


def __getattr__(name: str):
    if name == "FuzzResult":
        from checker.fuzz.run import FuzzResult

        return FuzzResult
    raise AttributeError(f"module 'checker' has no attribute {name!r}")
