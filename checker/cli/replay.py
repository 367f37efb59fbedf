"""``replay TRACE...``.
"""

from __future__ import annotations

import argparse
import json
import sys

from attrs import evolve

from checker import traces
from checker.cli.options import EXIT_CLEAN, EXIT_FOUND, BadInput, loadable, variant_name
from checker.model.config import ImplTarget
from checker.model.outcome import Outcome

HELP = "re-run saved traces, checking every invariant after each step"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``replay``."""
    parser.add_argument("traces", nargs="+", metavar="TRACE")
    parser.add_argument("--variant", type=variant_name, help="replay under these rules instead of the recorded ones")
    parser.add_argument("--impl", metavar="TARGET", help="replay against this class or library release instead of the recorded one (or the native core)")
    parser.add_argument("--json", action="store_true")

# --- replay --------------------------------------------------------------------------------


def cmd_replay(args: argparse.Namespace) -> int:
    loaded = []
    for path in args.traces:  # Validate every file before replaying any.
        try:
            loaded.append((path, traces.load(path)))
        except traces.TraceError as e:
            raise BadInput(str(e)) from None
    found = False
    reports = []
    if args.impl is not None and args.variant is not None:
        raise BadInput("--variant and --impl exclude each other: a variant is a rule set of the native core")
    for k, (path, t) in enumerate(loaded):
        if args.variant is not None:
            t = evolve(t, config=evolve(t.config, variant=args.variant, impl=None))
        if args.impl is not None:
            recorded = t.config.impl or ImplTarget(args.impl)
            t = evolve(t, config=evolve(t.config, impl=evolve(recorded, target=args.impl)))
        loaded[k] = (path, evolve(t, config=loadable(t.config, path)))
    for path, t in loaded:
        r = traces.replay(t)
        o = r.outcome
        if o.result in ("violation", "error"):
            found = True
            same = "as recorded" if r.reproduces(t.outcome) else f"recorded: {t.outcome.invariant} at step {t.outcome.step}"
            verb = f"fails ({o.invariant})" if o.result == "error" else f"violates {o.invariant}"
            line = f"{path}: {verb} at step {o.step} ({same}): {o.message}"
        elif r.disabled_at is not None:
            line = f"{path}: no violation; step {r.disabled_at} ({action_text(t, r.disabled_at)}) is no longer enabled"
        else:
            line = f"{path}: no violation in {r.steps} steps"
        print(line, file=sys.stderr if args.json else sys.stdout)
        reports.append(
            {
                "trace": str(path),
                "result": o.result,
                "invariant": o.invariant,
                "step": o.step,
                "reproduces": r.reproduces(t.outcome),
                "steps": r.steps,
            }
        )
    if args.json:
        first = next((rep for rep in reports if rep["result"] != "clean"), reports[0])
        print(
            json.dumps(
                {
                    **Outcome(first["result"], first["invariant"]).summary_json(),
                    "trace": first["trace"],
                    "states": sum(rep["steps"] for rep in reports),
                    "distinct": sum(rep["steps"] for rep in reports) + len(reports),
                    "depth": max(rep["steps"] for rep in reports),
                    "seconds": 0.0,
                    "traces": reports,
                }
            )
        )
    return EXIT_FOUND if found else EXIT_CLEAN


def action_text(t: traces.Trace, step: int) -> str:
    return json.dumps(traces.action_to_json(t.actions[step - 1]))


