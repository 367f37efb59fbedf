"""``fuzz``: Hypothesis stateful fuzzing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from checker import traces
from checker.api import save_trace
from checker.cli.options import (
    EXIT_CLEAN,
    EXIT_FOUND,
    EXIT_INTERRUPTED,
    add_bound_options,
    add_impl_options,
    check_corpus,
    checked,
    decided,
    integer,
    node_count,
    non_negative,
    steering,
    variant_name,
    with_bounds,
    with_impl,
)
from checker.cli.report import outcome_json, print_counterexample, print_unsaved, what
from checker.model.config import NETWORKS
from checker.model.invariants import SOMETIMES_CHECKS
from checker.model.variants import get_variant

HELP = "Hypothesis stateful fuzzing, shrunk counterexamples saved as traces"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``fuzz``."""
    parser.add_argument("--examples", type=non_negative, default=1000, help="examples to run (default 1000)")
    parser.add_argument(
        "--steps",
        type=non_negative,
        default=60,
        help="actions per run at most (default 60); with bursts, an example holds several runs",
    )
    parser.add_argument("--seed", type=integer, default=0, help="makes the run repeatable (default 0)")
    parser.add_argument("--nodes", type=node_count, help="cluster size (default 3, or the variant's own)")
    parser.add_argument("--network", choices=NETWORKS, help="default sync, the network the variant's bug needs, or with --impl of a library or adapter the network it assumes")
    parser.add_argument("--variant", type=variant_name, default="default", help="rules the nodes follow (see the variants command)")
    add_bound_options(
        parser,
        {
            "max_term": " (default 8)",
            "max_requests": " (default 4)",
            "max_in_flight": " (default 10)",
            "max_cut": " (default: a minority, at least 1)",
            "max_crashed": " (default: a minority)",
        },
    )
    parser.add_argument(
        "--steer",
        type=steering,
        default=None,
        help="steering choices, comma-separated: bursts, weights, settle (these three the default), swarm, "
        "targets; 'none' for plain rule choice, one Hypothesis rule per action",
    )
    parser.add_argument(
        "--shrink",
        choices=("fast", "full", "none"),
        default="fast",
        help="fast: delta debugging over the actions (default); full: Hypothesis's shrinker first, then that; none",
    )
    parser.add_argument("--corpus", default="corpus", help="where counterexample traces are saved (default: corpus)")
    add_impl_options(parser)
    parser.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

# --- fuzz ----------------------------------------------------------------------------------


def _whose(args: argparse.Namespace, own) -> str:
    """Says so when the cluster size or network is the variant's own rather than the default."""
    if own is None or (args.nodes is not None and args.network is not None):
        return ""
    return f" (variant {args.variant}'s own cluster and network, the fuzzer's bounds)"


def cmd_fuzz(args: argparse.Namespace) -> int:
    from checker.fuzz.run import (  # Hypothesis is only needed here.
        STEERING,
        fuzz,
        fuzz_config_for,
    )

    check_corpus(args.corpus)
    own = get_variant(args.variant).config
    config = with_impl(with_bounds(fuzz_config_for(args.variant, args.seed, args.nodes, args.network), args), args)
    out = sys.stderr if args.json else sys.stdout
    chosen = STEERING if args.steer is None else args.steer
    steer = f"steering: {', '.join(sorted(chosen))}" if chosen else "plain rule choice"
    print(
        f"fuzz: {config.nodes} nodes, {config.network} network{_whose(args, own)}, {what(config)}, seed {args.seed}, "
        f"up to {args.examples} examples, runs of up to {args.steps} actions, {steer}",
        file=out,
    )
    print(f"bounds: {config.bounds.describe()}", file=out, flush=True)

    def progress(t) -> None:
        seconds = time.monotonic() - t.started
        print(
            f"  examples {t.examples:,}, steps {t.steps:,}, invariant checks {t.checks:,}, "
            f"{t.steps / seconds:,.0f} steps/s, {seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    try:
        steering = STEERING if args.steer is None else args.steer
        result = fuzz(
            config,
            args.examples,
            args.steps,
            args.seed,
            steer=steering,
            shrink=args.shrink,
            on_progress=None if args.quiet else progress,
        )
    except KeyboardInterrupt:
        with decided(EXIT_INTERRUPTED):
            print("interrupted: no violation so far", file=out)
        return EXIT_INTERRUPTED
    path = unsaved = None
    if result.violation is not None:
        try:
            path = save_trace(result.counterexample, args.corpus)
        except OSError as e:  # Checked before the run, but a disk fills up and permissions change.
            unsaved = e
    status = EXIT_FOUND if result.violation is not None else EXIT_CLEAN
    with decided(status):
        _print_result(args, config, result, path, out)
        if unsaved is not None:
            print_unsaved("fuzz", result.counterexample, args.corpus, unsaved)
    return status


def _print_result(args: argparse.Namespace, config, result, path, out) -> None:
    """The counterexample if any, the verdict and the counts, and with --json the JSON tail."""
    if result.violation is not None:
        outcome = result.counterexample.outcome
        print_counterexample(config, result, out)
        if outcome.result == "error":
            verdict = f"IMPLEMENTATION FAILURE ({result.violation.invariant}), shrunk to {len(result.trace)} steps"
        else:
            verdict = f"VIOLATION of {result.violation.invariant}, shrunk to {len(result.trace)} steps"
    else:
        verdict = f"clean after {result.examples:,} examples (a random search: absence of evidence, not proof)"
    print(f"\nresult: {verdict}", file=out)
    print(
        f"examples {result.examples:,}, steps {result.steps:,}, invariant checks {result.checks:,}, "
        f"distinct states {result.distinct:,}, longest example {result.depth} steps, {result.seconds:.1f} s",
        file=out,
    )
    reached = [f"{p.name} (at step {result.reached[p.name]})" for p in SOMETIMES_CHECKS if p.name in result.reached]
    missed = [p.name for p in SOMETIMES_CHECKS if p.name not in result.reached]
    print(f"sometimes reached: {', '.join(reached) or 'none'}", file=out)
    if missed:
        print(f"sometimes NOT reached: {', '.join(missed)}", file=out)
    print(f"invariants checked: {', '.join(checked(config))}", file=out)
    if path is not None:
        print(f"trace saved: {path}", file=out)
    if args.json:
        v = result.violation
        print(
            json.dumps(
                {
                    **outcome_json(v),
                    "trace": str(path) if path else None,
                    "states": result.steps,
                    "distinct": result.distinct,
                    "depth": len(result.trace) if result.trace else result.depth,
                    "seconds": round(result.seconds, 3),
                    "examples": result.examples,
                    "steps": result.steps,
                    "config": traces.config_to_json(config),
                    "reached": result.reached,
                }
            )
        )


