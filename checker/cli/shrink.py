"""``shrink TRACE``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from attrs import evolve

from checker import traces
from checker.cli.options import EXIT_FOUND, EXIT_INTERRUPTED, decided, loadable
from checker.cli.report import print_unsaved
from checker.model.world import World
from checker.traces.shrink import ShrinkError, ShrinkInterrupted, shrink

HELP = "minimise a trace, keeping the invariant it breaks; saved beside it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``shrink``."""
    parser.add_argument("trace", metavar="TRACE")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on stdout")


def _bad_input(message: str) -> int:
    print(f"python -m checker shrink: error: {message}", file=sys.stderr)
    return 2


def cmd_shrink(args) -> int:
    """``shrink TRACE``: write the shrunk trace next to the original and say how much shorter
    it is. Exit 1 (the violation reproduced, and saved, or printed to stderr when it cannot be
    saved), or 2 for bad input."""
    try:
        t = traces.load(args.trace)
        t = evolve(t, config=loadable(t.config, args.trace))
        result = shrink(t)
    except traces.TraceError as e:
        return _bad_input(str(e))
    except ShrinkError as e:
        return _bad_input(f"{args.trace}: {e}")
    except ShrinkInterrupted as e:
        with decided(EXIT_INTERRUPTED):
            print(
                f"shrink {args.trace}: interrupted after {e.candidates} candidates replayed ({e.seconds:.1f} s): "
                f"{e.before} -> {e.after} steps so far; nothing saved",
                file=sys.stderr if args.json else sys.stdout,
            )
        return EXIT_INTERRUPTED
    path = unsaved = None
    # Ctrl-C from here on waits until the trace is saved and its path printed, then cuts the rest short.
    with decided(EXIT_FOUND), traces.signals_held():
        try:
            path = traces.save(result.trace, Path(args.trace).parent)
        except OSError as e:
            # Not bad input: the violation reproduced and was shrunk; the shrunk trace goes to stderr.
            unsaved = e
        _print_result(args, result, path)
        if unsaved is not None:
            print_unsaved("shrink", result.trace, Path(args.trace).parent, unsaved)
    return EXIT_FOUND


def _print_result(args, result, path) -> None:
    """The shrunk trace's steps, where it is saved, and with --json the JSON tail."""
    out = sys.stderr if args.json else sys.stdout
    o = result.trace.outcome
    print(f"shrink {args.trace}: {o.invariant}", file=out)
    print(
        f"steps: {result.before} -> {result.after} ({result.candidates} candidates replayed, {result.seconds:.1f} s)",
        file=out,
    )
    world: World | None = None
    for s in traces.replay_steps(result.trace):
        if s.action is not None:
            print(f"  {s.step:3}. {s.action.describe(world)}", file=out)
        world = s.world
    print(f"  broken at step {o.step}: {o.invariant}: {o.message}", file=out)
    if path is not None:
        print(f"trace saved: {path}", file=out)
    if args.json:
        print(
            json.dumps(
                {
                    **o.summary_json(),
                    "trace": str(path) if path is not None else None,
                    "states": result.steps,
                    "distinct": result.after + 1,
                    "depth": result.after,
                    "seconds": round(result.seconds, 3),
                    "source": args.trace,
                    "before": result.before,
                    "after": result.after,
                    "step": o.step,
                    "candidates": result.candidates,
                }
            )
        )
