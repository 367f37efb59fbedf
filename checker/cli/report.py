"""What every search command prints: the counterexample, the summary, and the JSON tail.
"""

from __future__ import annotations

import sys
from typing import Any

from checker import traces
from checker.cli.options import checked
from checker.front import model_for
from checker.model.config import Config
from checker.model.invariants import SOMETIMES_CHECKS
from checker.model.outcome import Outcome, Violation, is_finding, outcome_for
from checker.model.world import World
from checker.search import parallel
from checker.search.bfs import Progress, SearchResult


def what(config: Config) -> str:
    if config.impl is not None:
        # The adapter's own words: library, release, settings and what it replaces.
        return f"implementation {model_for(config).adapter.describe()}"
    return f"variant {config.variant}"


def loop(engine: str, config, symmetry: bool) -> str:
    """Which loop the fast engine expands worlds with, and why not the C one where it cannot."""
    if engine != "fast":
        return ""
    if not parallel.native_loop():
        return " (Python loop: the C loop checker/search/_native.c was not built; pip install -e . builds it)"
    if not parallel.native_fits(model_for(config), symmetry):
        return (
            " (Python loop: the C loop does the sync, async and fifo networks, up to 64 messages in flight, "
            "symmetry reduction on up to 6 nodes)"
        )
    return " (C loop)"


def print_progress(p: Progress) -> None:
    rate = p.distinct / p.seconds if p.seconds else 0.0
    print(
        f"  depth {p.depth}: frontier {p.frontier:,}, distinct {p.distinct:,}, "
        f"states {p.states:,}, {rate:,.0f} distinct/s, {p.seconds:.0f} s",
        file=sys.stderr,
        flush=True,
    )



def print_counterexample(config: Config, result: SearchResult, out) -> None:
    model = model_for(config)
    world = model.initial()
    print(f"\ncounterexample, {len(result.trace)} steps:", file=out)
    for k, action in enumerate(result.trace, start=1):
        print(f"  {k:3}. {action.describe(world)}", file=out)
        after = model.step(world, action)
        if after is None:
            # The search took this step, so the model did not do the same again: an
            # implementation that is not deterministic under the checker's control.
            print(f"  (step {k} is not enabled when the trace is run again: the implementation did not repeat itself)", file=out)
            break
        world = after
    print(f"  {nodes_line(world)}", file=out)
    v = result.violation
    if is_finding(v.invariant):
        print(f"  implementation failure ({v.invariant}): {v.message}", file=out)
    else:
        print(f"  broken: {v.invariant}: {v.message}", file=out)


def nodes_line(w: World) -> str:
    parts = []
    for n in w.nodes:
        log = " ".join(f"{e.term}:{e.command}" for e in n.log[1:]) or "-"
        parts.append(f"node {n.id} {n.role.value} t{n.current_term} log[{log}] commit {n.commit_index}")
    return "; ".join(parts)


def print_summary(result: SearchResult, path, out, checked: list[str], unchecked: dict[str, str] | None = None) -> None:
    if result.violation is not None and is_finding(result.violation.invariant):
        verdict = f"IMPLEMENTATION FAILURE ({result.violation.invariant}) at depth {len(result.trace)}"
    elif result.violation is not None:
        verdict = f"VIOLATION of {result.violation.invariant} at depth {len(result.trace)}"
    elif result.interrupted:
        verdict = "interrupted: no violation so far, search NOT exhaustive"
    elif result.exhaustive:
        verdict = "clean: exhaustive, every reachable state within the bounds was checked"
    else:
        verdict = f"clean up to depth {result.depth} only: search NOT exhaustive (depth bound reached)"
    rate = result.distinct / result.seconds if result.seconds else 0.0
    print(f"\nresult: {verdict}", file=out)
    classes = " (classes of worlds equal up to node names)" if result.symmetry else ""
    print(
        f"states: {result.states:,} generated, {result.distinct:,} distinct{classes}, depth {result.depth}, "
        f"{result.seconds:.1f} s ({rate:,.0f} distinct/s), peak memory {result.peak_rss_bytes / 2**20:,.0f} MiB",
        file=out,
    )
    print(f"invariants checked: {', '.join(checked)}", file=out)
    if unchecked:
        left = [f"{name} ({why})" for name, why in unchecked.items()]
        print(f"not checked: {', '.join(left)}", file=out)
    reached = [f"{p.name} (depth {result.reached[p.name]})" for p in SOMETIMES_CHECKS if p.name in result.reached]
    missed = [p.name for p in SOMETIMES_CHECKS if p.name not in result.reached]
    print(f"sometimes reached: {', '.join(reached) or 'none'}", file=out)
    if missed:
        print(f"sometimes NOT reached: {', '.join(missed)} (the bounds may be too small to say much)", file=out)
    if path is not None:
        print(f"trace saved: {path}", file=out)


def print_unsaved(command: str, trace: traces.Trace, directory, error: OSError) -> None:
    """When a found trace could not be saved (disk full, permissions changed mid-run): one line on
    stderr saying why, then the trace file's whole text, so that the counterexample is not lost.
    The exit status stays that of a finding, 1."""
    print(
        f"python -m checker {command}: cannot save the trace in {directory} ({error.strerror or error}); "
        "its text follows, to save as a .json file by hand:",
        file=sys.stderr,
    )
    sys.stderr.write(traces.dumps(trace))
    sys.stderr.flush()


def outcome_json(v: Violation | None) -> dict[str, Any]:
    """The JSON result's verdict (``Outcome.summary_json``); an implementation failure's message too."""
    if v is None:
        return Outcome("clean").summary_json()
    o = outcome_for(v, 0)
    return {**o.summary_json(), "message": v.message} if o.result == "error" else o.summary_json()


def explore_json(config: Config, result: SearchResult, path) -> dict[str, Any]:
    v = result.violation
    return {
        **outcome_json(v),
        "trace": str(path) if path else None,
        "states": result.states,
        "distinct": result.distinct,
        "depth": result.depth,
        "seconds": round(result.seconds, 3),
        "exhaustive": result.exhaustive,
        "interrupted": result.interrupted,
        "symmetry": result.symmetry,
        "config": traces.config_to_json(config),
        "reached": result.reached,
        "peak_rss_bytes": result.peak_rss_bytes,
        "checked": checked(config),
    }


