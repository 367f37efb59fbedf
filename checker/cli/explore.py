"""``explore``: bounded breadth-first search.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from attrs import evolve

from checker import traces
from checker.api import IMPL_DEFAULT_DEPTH, configuration, explore, save_trace
from checker.cli.options import (
    BOUNDS,
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_FOUND,
    EXIT_INTERRUPTED,
    BadInput,
    add_backend_options,
    add_bound_options,
    add_impl_options,
    check_backend,
    check_corpus,
    checked,
    decided,
    unchecked,
    default_workers,
    integer,
    node_count,
    variant_name,
    with_impl,
    worker_count,
)
from checker.cli.report import (
    explore_json,
    loop,
    print_counterexample,
    print_progress,
    print_summary,
    print_unsaved,
    what,
)
from checker.front import ENGINES, impl_portable
from checker.search.parallel import WorkerLost
from checker.model.config import NETWORKS, REFERENCE, Config, symmetry_sound
from checker.model.variants import get_variant

HELP = "bounded breadth-first search, exhaustive within its bounds"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``explore``."""
    parser.add_argument(
        "--config",
        choices=sorted(REFERENCE),
        help="reference configuration to start from (default: default, or with --variant alone the variant's own)",
    )
    parser.add_argument("--nodes", type=node_count, help="cluster size")
    parser.add_argument("--network", choices=NETWORKS, help="sync: the seed's inline harness; async: messages in flight; fifo: ordered links, as TCP gives "
        "(default with --impl of a library or adapter: the network it assumes)")
    parser.add_argument("--variant", type=variant_name, help="rules the nodes follow (see the variants command)")
    parser.add_argument("--seed", type=integer, help="recorded in the trace (the search itself is deterministic)")
    add_bound_options(parser, {name: "" for name, _ in BOUNDS})
    parser.add_argument("--corpus", default="corpus", help="where counterexample traces are saved (default: corpus)")
    add_impl_options(parser)
    parser.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=None,
        help="worker processes (default: one per core, one with --impl; the result does not depend on it)",
    )
    parser.add_argument(
        "--symmetry",
        choices=("auto", "on", "off"),
        default="auto",
        help="count worlds that differ only in node names once; auto (default): on for the async and fifo "
        "networks, where it is sound, off for sync, where it is not",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="fast",
        help="fast (default) or plain: the reference search, one process, whole worlds kept",
    )
    add_backend_options(parser)

# --- explore -------------------------------------------------------------------------------




def config_from_args(args: argparse.Namespace) -> tuple[Config, str]:
    """The configuration the options name, and where it comes from in words. A variant given
    alone starts from its own smallest configuration that shows its bug; --config, --nodes,
    --network or any bound given means the reference configuration (default: default)."""
    bounds = {name: getattr(args, name) for name, _ in BOUNDS if getattr(args, name) is not None}
    chosen = args.config is not None or args.nodes is not None or args.network is not None or bool(bounds)
    own = args.variant is not None and not chosen and get_variant(args.variant).config is not None
    config = configuration(None if own else args.config or "default", variant=args.variant, **bounds)
    changes: dict[str, Any] = {}
    for name in ("nodes", "network", "seed"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    config = with_impl(evolve(config, **changes), args)
    if config.impl is not None and args.max_depth is None:
        config = evolve(config, bounds=evolve(config.bounds, max_depth=IMPL_DEFAULT_DEPTH))
    if own:
        source = f"variant {args.variant}'s own configuration, the smallest that shows its bug; --config or bounds choose another"
    else:
        source = f"reference configuration {args.config or 'default'}"
    return config, source


def cmd_explore(args: argparse.Namespace) -> int:
    check_corpus(args.corpus)
    config, source = config_from_args(args)
    check_backend(args, impl_on_ray=True)
    if args.engine == "plain" and args.workers not in (None, 1):
        raise BadInput("--workers: the plain engine runs in one process")
    workers = 1 if args.engine == "plain" else args.workers or default_workers()
    if config.impl is not None and args.workers is None:
        # A user's class runs in this process unless asked otherwise: what it prints, and the
        # state of the process it runs in, are then the ones the user sees.
        workers = 1
    if args.symmetry == "on" and args.engine == "plain":
        raise BadInput("--symmetry on: the plain engine has no symmetry reduction")
    if config.impl is not None and args.engine == "fast" and workers != 1 and not impl_portable(config):
        if args.workers is not None:
            raise BadInput(
                f"--workers: the nodes of {config.impl.target} cannot be snapshotted as bytes, "
                "so its search runs in one process (--workers 1)"
            )
        workers = 1
    if config.impl is not None and args.backend == "ray" and not impl_portable(config):
        raise BadInput(
            f"--backend ray: the nodes of {config.impl.target} cannot be snapshotted as bytes, "
            "so its search runs in one process, on this machine"
        )
    if config.impl is not None and args.symmetry == "on":
        raise BadInput("--symmetry on: an --impl search has no symmetry reduction (nothing says your nodes are alike)")
    if args.symmetry == "on" and not symmetry_sound(config):
        raise BadInput(
            "--symmetry on: unsound on the sync network, whose harness handles messages in node order "
            "(use --network async or fifo, or --symmetry off)"
        )
    symmetry = config.impl is None and (
        args.symmetry == "on" or (args.symmetry == "auto" and args.engine == "fast" and symmetry_sound(config))
    )
    out = sys.stderr if args.json else sys.stdout
    print(
        f"explore: {config.nodes} nodes, {config.network} network, {what(config)} ({source})",
        file=out,
    )
    print(f"bounds: {config.bounds.describe()}", file=out, flush=True)
    if config.impl is not None:
        if args.engine == "plain":
            print("engine: plain search over whole worlds of the implementation's nodes, 1 worker, no symmetry reduction",
                  file=out, flush=True)
        else:
            print(
                f"engine: fast, worlds frozen as snapshots of the implementation's nodes, {workers} worker"
                f"{'s' if workers > 1 else ''}, no symmetry reduction",
                file=out,
                flush=True,
            )
        result = _explore_on(args, config, workers, False)
        if result is None:
            return EXIT_FAILED
    else:
        where = ""
        if args.backend == "ray":
            where = f" (Ray actors, {'cluster at ' + args.address if args.address else 'a local Ray instance'})"
        print(
            f"engine: {args.engine}{loop(args.engine, config, symmetry)}, {workers} worker{'s' if workers > 1 else ''}{where}, "
            "symmetry reduction " + ("on (worlds that differ only in node names count once)" if symmetry else "off"),
            file=out,
            flush=True,
        )
        result = _explore_on(args, config, workers, symmetry)
        if result is None:
            return EXIT_FAILED
    path = unsaved = None
    if result.violation is not None:
        status = EXIT_FOUND
    else:
        status = EXIT_INTERRUPTED if result.interrupted else EXIT_CLEAN
    # Ctrl-C from here on waits until the trace is saved and its path printed, then cuts the rest short.
    with decided(status), traces.signals_held():
        if result.violation is not None:
            try:
                path = save_trace(result.counterexample, args.corpus)
            except OSError as e:  # Checked before the search, but a disk fills up and permissions change.
                unsaved = e
        if result.violation is not None:
            print_counterexample(config, result, out)
        print_summary(result, path, out, checked(config), unchecked(config))
        if args.json:
            print(json.dumps(explore_json(config, result, path)))
        if unsaved is not None:
            print_unsaved("explore", result.counterexample, args.corpus, unsaved)
    return status




def _explore_on(args: argparse.Namespace, config: Config, workers: int, symmetry: bool):
    """The search on the chosen backend; None, said in one line, if a Ray cluster failed under it."""
    progress = None if args.quiet else print_progress
    if args.backend == "local":
        try:
            return explore(config, on_progress=progress, workers=workers, engine=args.engine, symmetry=symmetry)
        except WorkerLost as e:  # Not bad input, not a verdict: the run could not finish.
            print(f"python -m checker explore: {e}", file=sys.stderr, flush=True)
            return None
    from checker.search.ray_backend import ClusterFailure, RayUnavailable

    try:
        return explore(
            config, on_progress=progress, workers=workers, engine=args.engine, symmetry=symmetry, backend="ray", address=args.address
        )
    except RayUnavailable as e:
        raise BadInput(str(e)) from None
    except ClusterFailure as e:
        print(f"python -m checker explore: error: {e}", file=sys.stderr)
        return None
