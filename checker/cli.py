"""The command line: ``python -m checker COMMAND``.

Exit status, for every command: 0 ran to completion and found nothing; 1 found a violation
(the trace was saved and its path printed); 2 bad input (one line on stderr, nothing written);
130 interrupted with Ctrl-C after printing the summary so far.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, NoReturn

from attrs import evolve

from checker import impl as impls
from checker import parallel
from checker import trace as traces
from checker.configs import REFERENCE
from checker.explorer import ENGINES, Progress, SearchResult, explore, symmetry_sound
from checker.invariants import SAFETY, SOMETIMES_CHECKS
from checker.show import cmd_show
from checker.shrink import cmd_shrink
from checker.variants import VARIANTS, UnknownVariant, explore_command, get_variant
from checker.world import NETWORKS, SYNC, Config, World

EXIT_CLEAN, EXIT_FOUND, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(Exception):
    """Bad user input: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of argparse's usage block.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def _node_count(text: str) -> int:
    value = _non_negative(text)
    if not 1 <= value <= 9:
        raise argparse.ArgumentTypeError(f"must be between 1 and 9, not {value}")
    return value


def _worker_count(text: str) -> int:
    n = _non_negative(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a worker count (at least 1)")
    return n


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Not on Linux.
        return max(1, os.cpu_count() or 1)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def _steering(text: str) -> frozenset[str]:
    # checker.fuzz.STEERING_CHOICES, without importing Hypothesis here.
    choices = ("bursts", "weights", "swarm", "settle", "targets")
    if text == "none":
        return frozenset()
    chosen = frozenset(c for c in text.split(",") if c)
    unknown = sorted(chosen - set(choices))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown steering {', '.join(unknown)} (choices: {', '.join(choices)}, none)")
    return chosen


def _variant_name(text: str) -> str:
    try:
        return get_variant(text).name
    except UnknownVariant as e:
        raise argparse.ArgumentTypeError(str(e)) from None


#: The bounds a user may set, as Bounds fields, with what each limits.
_BOUNDS = [
    ("max_term", "highest term any node may reach"),
    ("max_requests", "client requests in all"),
    ("max_in_flight", "messages in the network at once (async)"),
    ("max_cut", "nodes cut off at once"),
    ("max_crashed", "nodes crashed at once"),
    ("max_depth", "steps from the initial state"),
]


def _add_bound_options(parser: argparse.ArgumentParser, offered: dict[str, str]) -> None:
    """``--max-*`` options for the bounds named in ``offered``, each help text followed by its suffix there."""
    for name, what in _BOUNDS:
        if name in offered:
            parser.add_argument("--" + name.replace("_", "-"), type=_non_negative, help=what + offered[name])


def _with_bounds(config: Config, args: argparse.Namespace) -> Config:
    """``config`` with the bounds the user gave on the command line."""
    given = {name: getattr(args, name, None) for name, _ in _BOUNDS}
    return evolve(config, bounds=evolve(config.bounds, **{k: v for k, v in given.items() if v is not None}))


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def _attribute_names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if not n.isidentifier()]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"must be attribute names separated by commas, not {text!r}")
    return names


def _add_impl_options(parser: argparse.ArgumentParser) -> None:
    """``--impl`` and how to drive the class it names (see checker.impl)."""
    parser.add_argument(
        "--impl", metavar="TARGET", help="check your own class instead: path/to/file.py:ClassName or package.module:ClassName"
    )
    parser.add_argument(
        "--persistent",
        type=_attribute_names,
        help="with --impl: attributes kept across a crash, comma-separated (e.g. current_term,voted_for,log); "
        "without it nodes never crash",
    )
    parser.add_argument(
        "--call-timeout",
        type=_positive_seconds,
        default=impls.DEFAULT_CALL_TIMEOUT,
        help=f"with --impl: seconds a call may take before it counts as not returning (default {impls.DEFAULT_CALL_TIMEOUT:g})",
    )


def _with_impl(config: Config, args: argparse.Namespace) -> Config:
    """``config`` with the user's class from ``--impl``, loaded to be sure it can be; BadInput if not."""
    if args.impl is None:
        if args.persistent is not None:
            raise BadInput("--persistent applies only with --impl")
        return config
    if getattr(args, "variant", None) not in (None, "default"):
        raise BadInput("--variant and --impl exclude each other: a variant is a rule set of the native core")
    impl = impls.ImplTarget(args.impl, args.persistent or (), args.call_timeout)
    try:
        impls.load_class(impl.target)
        impls.check_instance(impl, config.node_ids)
    except impls.ImplLoadError as e:
        raise BadInput(str(e)) from None
    if not impl.persistent:
        # Nothing survives a crash that the user has not named, so nodes do not crash: say so in the bounds.
        config = evolve(config, bounds=evolve(config.bounds, max_crashed=0))
    return evolve(config, impl=impl)


def _checked(config: Config) -> list[str]:
    """The invariants a run on ``config`` checks."""
    if config.impl is None:
        return [i.name for i in SAFETY]
    return [i.name for i in SAFETY if i.name in impls.SURFACE]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m checker", description="raftcheck: model checking and fuzzing for Raft")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    ex = commands.add_parser("explore", help="bounded breadth-first search, exhaustive within its bounds")
    ex.add_argument("--config", choices=sorted(REFERENCE), default="default", help="reference configuration to start from")
    ex.add_argument("--nodes", type=_node_count, help="cluster size")
    ex.add_argument("--network", choices=NETWORKS, help="sync: the seed's inline harness; async: messages in flight")
    ex.add_argument("--variant", type=_variant_name, help="rules the nodes follow (see the variants command)")
    ex.add_argument("--seed", type=_integer, help="recorded in the trace (the search itself is deterministic)")
    _add_bound_options(ex, {name: "" for name, _ in _BOUNDS})
    ex.add_argument("--corpus", default="corpus", help="where counterexample traces are saved (default: corpus)")
    _add_impl_options(ex)
    ex.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    ex.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    ex.add_argument(
        "--workers",
        type=_worker_count,
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
    fz.add_argument("--examples", type=_non_negative, default=1000, help="examples to run (default 1000)")
    fz.add_argument(
        "--steps",
        type=_non_negative,
        default=60,
        help="actions per run at most (default 60); with bursts, an example holds several runs",
    )
    fz.add_argument("--seed", type=_integer, default=0, help="makes the run repeatable (default 0)")
    fz.add_argument("--nodes", type=_node_count, default=3, help="cluster size (default 3)")
    fz.add_argument("--network", choices=NETWORKS, default="sync")
    fz.add_argument("--variant", type=_variant_name, default="default")
    _add_bound_options(
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
        type=_steering,
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
    _add_impl_options(fz)
    fz.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    fz.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    bn = commands.add_parser("bench", help="performance figures for the reference configurations and the fuzzer")
    bn.add_argument("--only", choices=("explore", "fuzz"), help="run one part only")
    bn.add_argument("--configs", default="tiny,default", help="reference configurations to explore (comma-separated)")
    bn.add_argument("--workers", default="1,2", help="worker counts for the fast explorer (comma-separated; default 1,2)")
    bn.add_argument("--repeat", type=_non_negative, default=3, help="runs per configuration and worker count (default 3)")
    bn.add_argument("--plain", action="store_true", help="also run the plain reference explorer, for comparison")
    bn.add_argument(
        "--python-loop",
        action="store_true",
        help="also run the fast explorer with its Python loop instead of the C one, for comparison",
    )
    bn.add_argument("--variants", help="variants to fuzz (comma-separated; default: every known-bug variant)")
    bn.add_argument("--seeds", type=_non_negative, default=5, help="seeds per variant and engine (default 5)")
    bn.add_argument("--time-limit", type=_non_negative, default=30, help="seconds per fuzz or walk run (default 30)")
    bn.add_argument(
        "--engines",
        default="fuzz,walk",
        help="engines to time (comma-separated; default fuzz,walk; also fuzz+swarm, fuzz+targets, uniform-bursts, per-kind)",
    )
    bn.add_argument("--corpus", default="corpus", help="where the explorer's shortest traces are read from")
    bn.add_argument("--json", action="store_true", help="end with one JSON object on stdout")

    rp = commands.add_parser("replay", help="re-run saved traces, checking every invariant after each step")
    rp.add_argument("traces", nargs="+", metavar="TRACE")
    rp.add_argument("--variant", type=_variant_name, help="replay under these rules instead of the recorded ones")
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
    sh.add_argument("--variant", type=_variant_name, help="show it under these rules instead of the recorded ones")
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


# --- explore -------------------------------------------------------------------------------


#: The depth bound of an --impl search when none is given: the checker cannot see whether a
#: class's attributes stay finite (our own facade's timeout generator never repeats), so it
#: does not assume they do.
IMPL_DEFAULT_DEPTH = 8


def _config_from_args(args: argparse.Namespace) -> Config:
    config = _with_bounds(REFERENCE[args.config], args)
    changes: dict[str, Any] = {}
    for name in ("nodes", "network", "variant", "seed"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    config = _with_impl(evolve(config, **changes), args)
    if config.impl is not None and args.max_depth is None:
        config = evolve(config, bounds=evolve(config.bounds, max_depth=IMPL_DEFAULT_DEPTH))
    return config


def _what(config: Config) -> str:
    if config.impl is not None:
        return f"implementation {config.impl.describe()}"
    return f"variant {config.variant}"


def _loop(engine: str, config, symmetry: bool) -> str:
    """Which loop the fast engine expands worlds with, and why not the C one where it cannot."""
    if engine != "fast":
        return ""
    if config.network != SYNC or symmetry:
        return " (Python loop: the C loop does the synchronous network without symmetry reduction)"
    if not parallel.native_loop():
        return " (Python loop: the C loop checker/_native.c was not built; pip install -e . builds it)"
    return " (C loop)"


def _print_progress(p: Progress) -> None:
    rate = p.distinct / p.seconds if p.seconds else 0.0
    print(
        f"  depth {p.depth}: frontier {p.frontier:,}, distinct {p.distinct:,}, "
        f"states {p.states:,}, {rate:,.0f} distinct/s, {p.seconds:.0f} s",
        file=sys.stderr,
        flush=True,
    )


def cmd_explore(args: argparse.Namespace) -> int:
    config = _config_from_args(args)
    if args.engine == "plain" and args.workers not in (None, 1):
        raise BadInput("--workers: the plain engine runs in one process")
    workers = 1 if args.engine == "plain" else args.workers or default_workers()
    if args.symmetry == "on" and args.engine == "plain":
        raise BadInput("--symmetry on: the plain engine has no symmetry reduction")
    if config.impl is not None and args.workers not in (None, 1):
        raise BadInput("--workers: an --impl search runs in one process")
    if config.impl is not None and args.symmetry == "on":
        raise BadInput("--symmetry on: an --impl search has no symmetry reduction (nothing says your nodes are alike)")
    if args.symmetry == "on" and not symmetry_sound(config):
        raise BadInput(
            "--symmetry on: unsound on the sync network, whose harness handles messages in node order "
            "(use --network async, or --symmetry off)"
        )
    symmetry = config.impl is None and (
        args.symmetry == "on" or (args.symmetry == "auto" and args.engine == "fast" and symmetry_sound(config))
    )
    out = sys.stderr if args.json else sys.stdout
    print(
        f"explore: {config.nodes} nodes, {config.network} network, {_what(config)} "
        f"(reference configuration {args.config})",
        file=out,
    )
    print(f"bounds: {config.bounds.describe()}", file=out, flush=True)
    if config.impl is not None:
        print("engine: plain search over snapshots of the implementation's nodes, 1 worker, no symmetry reduction", file=out, flush=True)
        result = impls.explore(config, on_progress=None if args.quiet else _print_progress)
    else:
        print(
            f"engine: {args.engine}{_loop(args.engine, config, symmetry)}, {workers} worker{'s' if workers > 1 else ''}, "
            "symmetry reduction " + ("on (worlds that differ only in node names count once)" if symmetry else "off"),
            file=out,
            flush=True,
        )
        result = explore(
            config,
            on_progress=None if args.quiet else _print_progress,
            workers=workers,
            engine=args.engine,
            symmetry=symmetry,
        )
    path = None
    if result.violation is not None:
        outcome = traces.outcome_for(result.violation, len(result.trace))
        path = traces.save(traces.Trace(config, result.trace, outcome, "explore"), args.corpus)
        _print_counterexample(config, result, out)
    _print_summary(result, path, out, _checked(config))
    if args.json:
        print(json.dumps(_explore_json(config, result, path)))
    if result.violation is not None:
        return EXIT_FOUND
    return EXIT_INTERRUPTED if result.interrupted else EXIT_CLEAN


def _print_counterexample(config: Config, result: SearchResult, out) -> None:
    model = traces.model_for(config)
    world = model.initial()
    print(f"\ncounterexample, {len(result.trace)} steps:", file=out)
    for k, action in enumerate(result.trace, start=1):
        print(f"  {k:3}. {action.describe(world)}", file=out)
        world = model.step(world, action)
    print(f"  {_nodes_line(world)}", file=out)
    v = result.violation
    if impls.is_finding(v.invariant):
        print(f"  implementation failure ({v.invariant}): {v.message}", file=out)
    else:
        print(f"  broken: {v.invariant}: {v.message}", file=out)


def _nodes_line(w: World) -> str:
    parts = []
    for n in w.nodes:
        log = " ".join(f"{e.term}:{e.command}" for e in n.log[1:]) or "-"
        parts.append(f"node {n.id} {n.role.value} t{n.current_term} log[{log}] commit {n.commit_index}")
    return "; ".join(parts)


def _print_summary(result: SearchResult, path, out, checked: list[str]) -> None:
    if result.violation is not None and impls.is_finding(result.violation.invariant):
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
    if len(checked) < len(SAFETY):
        left = [f"{name} ({why})" for name, why in impls.NOT_OBSERVABLE.items()]
        print(f"not checked, judged from the API's surface only: {', '.join(left)}", file=out)
    reached = [f"{p.name} (depth {result.reached[p.name]})" for p in SOMETIMES_CHECKS if p.name in result.reached]
    missed = [p.name for p in SOMETIMES_CHECKS if p.name not in result.reached]
    print(f"sometimes reached: {', '.join(reached) or 'none'}", file=out)
    if missed:
        print(f"sometimes NOT reached: {', '.join(missed)} (the bounds may be too small to say much)", file=out)
    if path is not None:
        print(f"trace saved: {path}", file=out)


def _outcome_json(v) -> dict[str, Any]:
    """The JSON result's verdict: an implementation failure is an "error" naming its finding."""
    if v is None:
        return {"result": "clean", "invariant": None}
    if impls.is_finding(v.invariant):
        return {"result": "error", "invariant": None, "finding": v.invariant, "message": v.message}
    return {"result": "violation", "invariant": v.invariant}


def _explore_json(config: Config, result: SearchResult, path) -> dict[str, Any]:
    v = result.violation
    return {
        **_outcome_json(v),
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
        "checked": _checked(config),
    }


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
            recorded = t.config.impl or impls.ImplTarget(args.impl)
            t = evolve(t, config=evolve(t.config, impl=evolve(recorded, target=args.impl)))
        if t.config.impl is not None:
            try:
                impls.load_class(t.config.impl.target)
            except impls.ImplLoadError as e:
                raise BadInput(f"{path}: {e}") from None
        loaded[k] = (path, t)
    for path, t in loaded:
        r = traces.replay(t)
        o = r.outcome
        if o.result in ("violation", "error"):
            found = True
            same = "as recorded" if r.reproduces(t.outcome) else f"recorded: {t.outcome.invariant} at step {t.outcome.step}"
            verb = f"fails ({o.invariant})" if o.result == "error" else f"violates {o.invariant}"
            line = f"{path}: {verb} at step {o.step} ({same}): {o.message}"
        elif r.disabled_at is not None:
            line = f"{path}: no violation; step {r.disabled_at} ({_action_text(t, r.disabled_at)}) is no longer enabled"
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
                    "result": first["result"],
                    "invariant": first["invariant"] if first["result"] != "error" else None,
                    "finding": first["invariant"] if first["result"] == "error" else None,
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


def _action_text(t: traces.Trace, step: int) -> str:
    return json.dumps(traces.action_to_json(t.actions[step - 1]))


# --- variants ------------------------------------------------------------------------------


def cmd_variants(args: argparse.Namespace) -> int:
    if args.table:
        return _variants_table(args)
    rows = [
        {"name": v.name, "description": v.description, "invariant": v.invariant, "network": v.network, "source": v.source}
        for v in VARIANTS.values()
    ]
    if args.json:
        print(json.dumps({"variants": rows}))
        return EXIT_CLEAN
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        breaks = r["invariant"] or "nothing (correct Raft)"
        print(f"{r['name']:<{width}}  {r['description']}")
        print(f"{'':<{width}}  breaks: {breaks}; network: {r['network']}; source: {r['source']}")
        v = VARIANTS[r["name"]]
        if v.config is not None:
            print(f"{'':<{width}}  faults: {v.faults}; shown by: {explore_command(v.config)}")
    return EXIT_CLEAN


def _variants_table(args: argparse.Namespace) -> int:
    from checker import zoo

    engine = zoo.fuzz_engine()
    limit = getattr(sys.modules.get("checker.fuzz"), "FIRST_COUNTEREXAMPLE_LIMIT", None) if engine else None
    within = f", up to {limit:g} s a seed (a miss is reported as not found)" if limit else ""
    fuzzing = f"fuzzing with seeds {', '.join(map(str, zoo.FUZZ_SEEDS))}{within}" if engine else "no fuzz engine installed"
    print(f"variants: exploring every bug variant on its configuration; {fuzzing}", file=sys.stderr, flush=True)

    def progress(row: zoo.Row) -> None:
        print(f"  {row.variant.name}: {row.invariant or 'nothing found'} at depth {row.depth}", file=sys.stderr, flush=True)

    rows = zoo.measure_all(engine, on_row=progress)
    if args.json:
        print(json.dumps({"rows": [zoo.to_json(r) for r in rows]}))
    else:
        print(zoo.markdown(rows))
    return EXIT_CLEAN


# --- fuzz ----------------------------------------------------------------------------------


def cmd_fuzz(args: argparse.Namespace) -> int:
    from checker.fuzz import STEERING, fuzz, fuzz_config  # Hypothesis is only needed here.

    config = _with_impl(_with_bounds(fuzz_config(args.nodes, args.network, args.variant, args.seed), args), args)
    out = sys.stderr if args.json else sys.stdout
    chosen = STEERING if args.steer is None else args.steer
    steer = f"steering: {', '.join(sorted(chosen))}" if chosen else "plain rule choice"
    print(
        f"fuzz: {config.nodes} nodes, {config.network} network, {_what(config)}, seed {args.seed}, "
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
        print("interrupted: no violation so far", file=out)
        return EXIT_INTERRUPTED
    path = None
    if result.violation is not None:
        outcome = traces.outcome_for(result.violation, len(result.trace))
        path = traces.save(traces.Trace(config, result.trace, outcome, "fuzz"), args.corpus)
        _print_counterexample(config, result, out)
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
    print(f"invariants checked: {', '.join(_checked(config))}", file=out)
    if path is not None:
        print(f"trace saved: {path}", file=out)
    if args.json:
        v = result.violation
        print(
            json.dumps(
                {
                    **_outcome_json(v),
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
    return EXIT_FOUND if result.violation is not None else EXIT_CLEAN


# --- bench ---------------------------------------------------------------------------------


def cmd_bench(args: argparse.Namespace) -> int:
    from pathlib import Path

    from checker import bench

    configs = [n for n in args.configs.split(",") if n]
    for name in configs:
        if name not in REFERENCE:
            raise BadInput(f"--configs: unknown reference configuration {name!r} (known: {', '.join(sorted(REFERENCE))})")
    if args.variants is None:
        variants = [v.name for v in VARIANTS.values() if v.invariant is not None]
    else:
        variants = [n for n in args.variants.split(",") if n]
        for name in variants:
            try:
                get_variant(name)
            except UnknownVariant as e:
                raise BadInput(f"--variants: {e}") from None
    if args.seeds < 1:
        raise BadInput("--seeds must be at least 1")
    if args.repeat < 1:
        raise BadInput("--repeat must be at least 1")
    try:
        worker_counts = [_worker_count(n) for n in args.workers.split(",") if n]
    except argparse.ArgumentTypeError as e:
        raise BadInput(f"--workers: {e}") from None
    engines = tuple(e for e in args.engines.split(",") if e)
    unknown = [e for e in engines if e not in bench.ENGINES]
    if unknown or not engines:
        raise BadInput(f"--engines: unknown engine {', '.join(unknown) or '(none given)'} (known: {', '.join(bench.ENGINES)})")
    out = sys.stderr if args.json else sys.stdout
    runs, rows, speedup = [], [], None
    if args.only in (None, "explore"):
        print(
            f"explorer: exhaustive runs of {', '.join(configs)}, each in a fresh process, "
            f"{args.repeat} of each taking turns",
            file=out,
            flush=True,
        )
        runs, speedup = bench.bench_explore(
            configs,
            worker_counts,
            args.repeat,
            args.plain,
            python_loop=args.python_loop,
            on_run=lambda r: print(
                f"  {r['config']} {r['engine']} ({r['loop']} loop) x{r['workers']}: {r['distinct']:,} distinct in {r['seconds']:.1f} s",
                file=sys.stderr,
                flush=True,
            ),
        )
        print(bench.explore_table(runs), file=out, flush=True)
        if speedup is not None:
            print(f"speed-up on 2 workers against 1 ({configs[-1]}): {speedup:.2f}x", file=out, flush=True)
    if args.only in (None, "fuzz"):
        print(
            f"\nfuzzing: seconds until a violation is first seen, median over {args.seeds} seeds, "
            f"{args.time_limit} s limit per run (a miss counts as the limit)",
            file=out,
            flush=True,
        )
        rows = bench.bench_fuzz(
            variants,
            args.seeds,
            float(args.time_limit),
            Path(args.corpus),
            engines=engines,
            on_row=lambda r: print(f"  {r['variant']}: done", file=sys.stderr, flush=True),
        )
        print(bench.fuzz_table(rows), file=out, flush=True)
    if args.json:
        print(json.dumps({"runs": runs, "speedup_2_workers": speedup, "fuzz": rows}))
    return EXIT_CLEAN
