"""The command line: ``python -m checker COMMAND``.

Exit status, for every command: 0 ran to completion and found nothing; 1 found a violation
(the trace was saved and its path printed); 2 bad input (one line on stderr, nothing written);
130 interrupted with Ctrl-C after printing the summary so far.
"""

from __future__ import annotations

import argparse
import sys

from checker.cli.bench import cmd_bench
from checker.cli.explore import cmd_explore
from checker.cli.fuzz import cmd_fuzz
from checker.cli.options import (
    BOUNDS,
    EXIT_BAD_INPUT,
    BadInput,
    Parser,
    add_bound_options,
    add_impl_options,
    integer,
    node_count,
    non_negative,
    steering,
    variant_name,
    worker_count,
)
from checker.cli.replay import cmd_replay
from checker.cli.show import cmd_show
from checker.cli.shrink import cmd_shrink
from checker.cli.variants import cmd_variants
from checker.front import ENGINES
from checker.model.config import NETWORKS, REFERENCE


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m checker", description="raftcheck: model checking and fuzzing for Raft")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    ex = commands.add_parser("explore", help="bounded breadth-first search, exhaustive within its bounds")
    ex.add_argument("--config", choices=sorted(REFERENCE), default="default", help="reference configuration to start from")
    ex.add_argument("--nodes", type=node_count, help="cluster size")
    ex.add_argument("--network", choices=NETWORKS, help="sync: the seed's inline harness; async: messages in flight")
    ex.add_argument("--variant", type=variant_name, help="rules the nodes follow (see the variants command)")
    ex.add_argument("--seed", type=integer, help="recorded in the trace (the search itself is deterministic)")
    add_bound_options(ex, {name: "" for name, _ in BOUNDS})
    ex.add_argument("--corpus", default="corpus", help="where counterexample traces are saved (default: corpus)")
    add_impl_options(ex)
    ex.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    ex.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    ex.add_argument(
        "--workers",
        type=worker_count,
        default=None,
        help="worker processes (default: one per core; the result does not depend on it)",
    )
    ex.add_argument(
        "--symmetry",
        choices=("auto", "on", "off"),
        default="auto",
        help="count worlds that differ only in node names once; auto (default): on for the async network, "
        "where it is sound, off for sync, where it is not",
    )
    ex.add_argument(
        "--engine",
        choices=ENGINES,
        default="fast",
        help="fast (default) or plain: the reference search, one process, whole worlds kept",
    )

    fz = commands.add_parser("fuzz", help="Hypothesis stateful fuzzing, shrunk counterexamples saved as traces")
    fz.add_argument("--examples", type=non_negative, default=1000, help="examples to run (default 1000)")
    fz.add_argument(
        "--steps",
        type=non_negative,
        default=60,
        help="actions per run at most (default 60); with bursts, an example holds several runs",
    )
    fz.add_argument("--seed", type=integer, default=0, help="makes the run repeatable (default 0)")
    fz.add_argument("--nodes", type=node_count, default=3, help="cluster size (default 3)")
    fz.add_argument("--network", choices=NETWORKS, default="sync")
    fz.add_argument("--variant", type=variant_name, default="default")
    add_bound_options(
        fz,
        {
            "max_term": " (default 8)",
            "max_requests": " (default 4)",
            "max_in_flight": " (default 10)",
            "max_cut": " (default: a minority, at least 1)",
            "max_crashed": " (default: a minority)",
        },
    )
    fz.add_argument(
        "--steer",
        type=steering,
        default=None,
        help="steering choices, comma-separated: bursts, weights, settle (these three the default), swarm, "
        "targets; 'none' for plain rule choice, one Hypothesis rule per action",
    )
    fz.add_argument(
        "--shrink",
        choices=("fast", "full", "none"),
        default="fast",
        help="fast: delta debugging over the actions (default); full: Hypothesis's shrinker first, then that; none",
    )
    fz.add_argument("--corpus", default="corpus", help="where counterexample traces are saved (default: corpus)")
    add_impl_options(fz)
    fz.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    fz.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    bn = commands.add_parser("bench", help="performance figures for the reference configurations and the fuzzer")
    bn.add_argument("--only", choices=("explore", "fuzz"), help="run one part only")
    bn.add_argument("--configs", default="tiny,default", help="reference configurations to explore (comma-separated)")
    bn.add_argument("--workers", default="1,2", help="worker counts for the fast explorer (comma-separated; default 1,2)")
    bn.add_argument("--repeat", type=non_negative, default=3, help="runs per configuration and worker count (default 3)")
    bn.add_argument("--plain", action="store_true", help="also run the plain reference explorer, for comparison")
    bn.add_argument(
        "--python-loop",
        action="store_true",
        help="also run the fast explorer with its Python loop instead of the C one, for comparison",
    )
    bn.add_argument("--variants", help="variants to fuzz (comma-separated; default: every known-bug variant)")
    bn.add_argument("--seeds", type=non_negative, default=5, help="seeds per variant and engine (default 5)")
    bn.add_argument("--time-limit", type=non_negative, default=30, help="seconds per fuzz or walk run (default 30)")
    bn.add_argument(
        "--engines",
        default="fuzz,walk",
        help="engines to time (comma-separated; default fuzz,walk; also fuzz+swarm, fuzz+targets, uniform-bursts, per-kind)",
    )
    bn.add_argument("--corpus", default="corpus", help="where the explorer's shortest traces are read from")
    bn.add_argument("--json", action="store_true", help="end with one JSON object on stdout")

    rp = commands.add_parser("replay", help="re-run saved traces, checking every invariant after each step")
    rp.add_argument("traces", nargs="+", metavar="TRACE")
    rp.add_argument("--variant", type=variant_name, help="replay under these rules instead of the recorded ones")
    rp.add_argument("--impl", metavar="TARGET", help="replay against this class instead of the recorded one (or the native core)")
    rp.add_argument("--json", action="store_true")

    va = commands.add_parser("variants", help="list the known-bug variants")
    va.add_argument("--json", action="store_true")
    va.add_argument(
        "--table",
        action="store_true",
        help="explore (and fuzz, if a fuzz engine is installed) every bug variant on its configuration "
        "and print the results as a Markdown table",
    )

    sh = commands.add_parser("show", help="print a trace as a readable timeline (--html FILE writes a self-contained page)")
    sh.add_argument("trace", metavar="TRACE")
    sh.add_argument("--html", metavar="FILE", help="also write the trace as one self-contained HTML page")
    sh.add_argument("--variant", type=variant_name, help="show it under these rules instead of the recorded ones")
    sh.add_argument("--json", action="store_true", help="end with one JSON object: the summary and every step decoded")

    sk = commands.add_parser("shrink", help="minimise a trace, keeping the invariant it breaks; saved beside it")
    sk.add_argument("trace", metavar="TRACE")
    sk.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # Bad usage (status 2) or --help (status 0): argparse has printed why.
        return e.code if isinstance(e.code, int) else EXIT_BAD_INPUT
    try:
        return {"bench": cmd_bench, "fuzz": cmd_fuzz, "explore": cmd_explore, "replay": cmd_replay, "variants": cmd_variants, "show": cmd_show, "shrink": cmd_shrink}[args.command](args)
    except BadInput as e:
        print(f"python -m checker {args.command}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


