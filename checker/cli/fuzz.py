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
    EXIT_FAILED,
    EXIT_FOUND,
    EXIT_INTERRUPTED,
    BadInput,
    add_backend_options,
    add_bound_options,
    add_impl_options,
    at_least_one,
    check_backend,
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
    worker_count,
)
from checker.cli.report import outcome_json, print_counterexample, print_unsaved, what
from checker.model.config import NETWORKS
from checker.model.invariants import SOMETIMES_CHECKS
from checker.model.variants import get_variant

HELP = "Hypothesis stateful fuzzing, shrunk counterexamples saved as traces"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``fuzz``."""
    parser.add_argument("--examples", type=at_least_one, default=1000, help="examples to run (at least 1; default 1000)")
    parser.add_argument(
        "--steps",
        type=non_negative,
        default=60,
        help="actions per run at most (default 60); with bursts, an example holds several runs",
    )
    parser.add_argument("--seed", type=integer, default=0, help="makes the run repeatable (default 0)")
    parser.add_argument(
        "--seeds",
        type=worker_count,
        default=1,
        help="fuzz seeds --seed, --seed + 1, ... this many (default 1); the first, in that order, that finds "
        "something is the result, and later seeds stop",
    )
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=1,
        help="seeds run at once (default 1; the result does not depend on it); with --backend ray, "
        "the CPUs of a local Ray instance",
    )
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
    add_backend_options(parser)
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
    # Each seed of an --impl run builds its model where it runs, from the target's name: nothing of
    # the implementation travels but the result (checker.fuzz.spread), so Ray takes any target.
    check_backend(args, impl_on_ray=True)
    own = get_variant(args.variant).config
    config = with_impl(with_bounds(fuzz_config_for(args.variant, args.seed, args.nodes, args.network), args), args)
    out = sys.stderr if args.json else sys.stdout
    chosen = STEERING if args.steer is None else args.steer
    steer = f"steering: {', '.join(sorted(chosen))}" if chosen else "plain rule choice"
    print(
        f"fuzz: {config.nodes} nodes, {config.network} network{_whose(args, own)}, {what(config)}, {_which_seeds(args)}, "
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
        if args.seeds == 1 and args.backend == "local":
            result = fuzz(
                config,
                args.examples,
                args.steps,
                args.seed,
                steer=steering,
                shrink=args.shrink,
                on_progress=None if args.quiet else progress,
            )
        else:
            result = _fuzz_seeds(args, config, steering)
            if result is None:
                return EXIT_FAILED
            config = result.config  # The seed that found, if one did.
    except KeyboardInterrupt:
        with decided(EXIT_INTERRUPTED):
            print("interrupted: no violation so far", file=out)
        return EXIT_INTERRUPTED
    path = unsaved = None
    status = EXIT_FOUND if result.violation is not None else EXIT_CLEAN
    # Ctrl-C from here on waits until the trace is saved and its path printed, then cuts the rest short.
    with decided(status), traces.signals_held():
        if result.violation is not None:
            try:
                path = save_trace(result.counterexample, args.corpus)
            except OSError as e:  # Checked before the run, but a disk fills up and permissions change.
                unsaved = e
        _print_result(args, config, result, path, out)
        if unsaved is not None:
            print_unsaved("fuzz", result.counterexample, args.corpus, unsaved)
    return status


def _which_seeds(args: argparse.Namespace) -> str:
    where = ""
    if args.backend == "ray":
        where = f" on Ray ({'cluster at ' + args.address if args.address else 'a local instance'})"
    elif args.seeds > 1:
        where = f", {args.workers} at a time"
    if args.seeds == 1:
        return f"seed {args.seed}{where}"
    return f"seeds {args.seed} to {args.seed + args.seeds - 1}{where}"


def _fuzz_seeds(args: argparse.Namespace, config, steering):
    """Seeds --seed on, over local workers or a Ray cluster (checker.fuzz.spread); None, said in
    one line, if the cluster failed under the run."""
    from attrs import evolve

    from checker.fuzz.spread import fuzz_seeds

    # Each seed's configuration is the one ``fuzz --seed S`` makes alone: only the seed differs.
    configs = [evolve(config, seed=args.seed + k) for k in range(args.seeds)]

    def heard(r) -> None:
        if not args.quiet:
            said = f"VIOLATION of {r.violation.invariant}" if r.violation is not None else "clean"
            print(f"  seed {r.config.seed}: {said} after {r.examples:,} examples, {r.seconds:.1f} s", file=sys.stderr, flush=True)

    run = dict(workers=args.workers, backend=args.backend, address=args.address, on_seed=heard)
    if args.backend == "local":
        return fuzz_seeds(configs, args.examples, args.steps, steering, args.shrink, **run)
    from checker.search.ray_backend import ClusterFailure, RayUnavailable

    try:
        return fuzz_seeds(configs, args.examples, args.steps, steering, args.shrink, **run)
    except RayUnavailable as e:
        raise BadInput(str(e)) from None
    except ClusterFailure as e:
        print(f"python -m checker fuzz: error: {e}", file=sys.stderr)
        return None


def _print_result(args: argparse.Namespace, config, result, path, out) -> None:
    """The counterexample if any, the verdict and the counts, and with --json the JSON tail."""
    if result.violation is not None:
        outcome = result.counterexample.outcome
        print_counterexample(config, result, out)
        if outcome.result == "error":
            verdict = f"IMPLEMENTATION FAILURE ({result.violation.invariant}), shrunk to {len(result.trace)} steps"
        else:
            verdict = f"VIOLATION of {result.violation.invariant}, shrunk to {len(result.trace)} steps"
        if result.unshrunk:
            verdict = verdict.replace("shrunk to", "interrupted while shrinking, kept as found:")
        if args.seeds > 1:
            verdict += f" (seed {result.config.seed})"
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


