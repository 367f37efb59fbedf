"""Option types and the options several commands share; how a bad one is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, NoReturn

from attrs import evolve

from checker import impl as impls
from checker.front import model_for
from checker.impl import targets
from checker.impl.fetch import split_target
from checker.impl.libraries import ADAPTERS
from checker.model.config import DEFAULT_CALL_TIMEOUT, Config, ImplTarget
from checker.model.invariants import SAFETY
from checker.model.variants import UnknownVariant, get_variant

EXIT_CLEAN, EXIT_FOUND, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Stopped by SIGTERM (128 + 15, what a shell reports for a process the signal ends).
EXIT_TERMINATED = 143
#: The checker could not finish: a worker process died under it (killed, out of memory).
EXIT_FAILED = 3


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so that every place that stops a run cleanly on
    Ctrl-C (the summary so far, workers stopped, no partial file) does so on SIGTERM too."""


class BadInput(Exception):
    """Bad user input: reported as one line, exit status 2."""


class OutputClosed(Exception):
    """Stdout was closed (``| head``) after the command had decided its exit status, ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Decided(Exception):
    """Ctrl-C or SIGTERM came after the command had decided its exit status, ``status`` (a trace
    saved): the output is cut short, the status stands."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@contextlib.contextmanager
def decided(status: int) -> Iterator[None]:
    """Around what a command prints once its exit status is settled (a trace saved, say): a reader
    that closes stdout early, or a Ctrl-C, cuts the output short, but not the status (see
    checker.cli.main)."""
    try:
        yield
    except BrokenPipeError:
        raise OutputClosed(status) from None
    except KeyboardInterrupt:
        raise Decided(status) from None


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of argparse's usage block.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")

    def _get_values(self, action: argparse.Action, arg_strings: list[str]):
        # argparse drops a value of "--" (``--variant=--``) as if it ended the options, and then
        # stores an empty list for an option that takes one value, past its type check: bad input.
        value = super()._get_values(action, arg_strings)
        if action.option_strings and action.nargs is None and isinstance(value, list):
            raise argparse.ArgumentError(action, 'expected a value ("--" cannot be one)')
        return value


def non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def at_least_one(text: str) -> int:
    value = non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def node_count(text: str) -> int:
    value = non_negative(text)
    if not 1 <= value <= 9:
        raise argparse.ArgumentTypeError(f"must be between 1 and 9, not {value}")
    return value


def worker_count(text: str) -> int:
    n = non_negative(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a worker count (at least 1)")
    return n


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Not on Linux.
        return max(1, os.cpu_count() or 1)


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def steering(text: str) -> frozenset[str]:
    # checker.fuzz.STEERING_CHOICES, without importing Hypothesis here.
    choices = ("bursts", "weights", "swarm", "settle", "targets")
    if text == "none":
        return frozenset()
    chosen = frozenset(c for c in text.split(",") if c)
    unknown = sorted(chosen - set(choices))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown steering {', '.join(unknown)} (choices: {', '.join(choices)}, none)")
    return chosen


def variant_name(text: str) -> str:
    try:
        return get_variant(text).name
    except UnknownVariant as e:
        raise argparse.ArgumentTypeError(str(e)) from None


#: The bounds a user may set, as Bounds fields, with what each limits.
BOUNDS = [
    ("max_term", "highest term any node may reach"),
    ("max_requests", "client requests in all"),
    ("max_in_flight", "messages in the network at once (async)"),
    ("max_cut", "nodes cut off at once"),
    ("max_crashed", "nodes crashed at once"),
    ("max_depth", "steps from the initial state"),
]


def add_bound_options(parser: argparse.ArgumentParser, offered: dict[str, str]) -> None:
    """``--max-*`` options for the bounds named in ``offered``, each help text followed by its suffix there."""
    for name, what in BOUNDS:
        if name in offered:
            parser.add_argument("--" + name.replace("_", "-"), type=non_negative, help=what + offered[name])


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """``--backend`` and ``--address``: where the workers run (the result never depends on it)."""
    parser.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="local (default): worker processes on this machine; ray: actors on a Ray cluster (docs/cluster.md)",
    )
    parser.add_argument(
        "--address",
        metavar="ADDR",
        help="with --backend ray: join the running Ray cluster there (host:port, or auto); "
        "without it a local Ray instance is started with --workers CPUs",
    )


def check_backend(args: argparse.Namespace, impl_on_ray: bool = False) -> None:
    """BadInput unless the backend options fit together and Ray is there when asked for, so that
    nothing starts that could not finish. ``impl_on_ray``: the command runs an ``--impl`` target
    on Ray (explore does, where its nodes snapshot as bytes, and checks that itself; fuzz does, each
    seed loading the target in its own task)."""
    if args.address is not None and args.backend != "ray":
        raise BadInput(f"--address {args.address}: names a Ray cluster, and needs --backend ray")
    if args.backend == "ray":
        if getattr(args, "impl", None) is not None and not impl_on_ray:
            raise BadInput("--backend ray: an --impl run goes in one process, on this machine")
        if getattr(args, "engine", "fast") != "fast":
            raise BadInput("--backend ray: runs the fast engine only")
        try:
            import ray  # noqa: F401
        except ImportError:
            raise BadInput("--backend ray: Ray is not installed (pip install 'raftcheck[ray]')") from None
        if args.address is not None:
            from checker.search.ray_backend import RayUnavailable, reachable

            try:
                reachable(args.address)
            except RayUnavailable as e:
                raise BadInput(str(e)) from None


def with_bounds(config: Config, args: argparse.Namespace) -> Config:
    """``config`` with the bounds the user gave on the command line."""
    given = {name: getattr(args, name, None) for name, _ in BOUNDS}
    return evolve(config, bounds=evolve(config.bounds, **{k: v for k, v in given.items() if v is not None}))


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def attribute_names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if not n.isidentifier()]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"must be attribute names separated by commas, not {text!r}")
    return names


def add_impl_options(parser: argparse.ArgumentParser) -> None:
    """``--impl`` and how to drive what it names (see checker.impl)."""
    parser.add_argument(
        "--impl",
        metavar="TARGET",
        help="check another Raft instead: a library on the package index, NAME or NAME==VERSION "
        f"({', '.join(sorted(ADAPTERS))}), or your own class, path/to/file.py:ClassName or package.module:ClassName "
        "(the seed's RaftNode API, or an adapter: docs/adapters.md)",
    )
    parser.add_argument(
        "--impl-conf",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="with --impl: a setting of the library or adapter (repeatable)",
    )
    parser.add_argument(
        "--impl-skip",
        metavar="INVARIANT",
        action="append",
        default=[],
        help="with --impl: do not check this invariant (repeatable; recorded in the trace), to reach what "
        "follows a bug further along than the first invariant it breaks",
    )
    parser.add_argument(
        "--check-determinism",
        action="store_true",
        help="with --impl: make every call into a node twice, on two copies of the node, and report a "
        "nondeterministic finding where the two differ (recorded in the trace; about twice the work)",
    )
    parser.add_argument(
        "--persistent",
        type=attribute_names,
        help="with --impl of a seed-API class: attributes kept across a crash, comma-separated "
        "(e.g. current_term,voted_for,log); without it nodes never crash",
    )
    parser.add_argument(
        "--call-timeout",
        type=positive_seconds,
        default=DEFAULT_CALL_TIMEOUT,
        help=f"with --impl: seconds a call may take before it counts as not returning (default {DEFAULT_CALL_TIMEOUT:g})",
    )


def check_corpus(directory: str) -> None:
    """BadInput, naming --corpus, unless a trace could be saved in ``directory``: it is a directory
    files can be created in, or it does not exist yet and can be made (save() makes it). Called
    before a search starts, so that a counterexample found after an hour has somewhere to go.
    Creates nothing: where the directory would be made, a temporary file is made and removed at
    once in the nearest folder that exists, the only sure test (permissions, read-only mounts,
    /proc) short of writing."""
    folder = Path(directory)
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        if existing == folder:
            raise BadInput(f"--corpus {directory}: is not a directory")
        raise BadInput(f"--corpus {directory}: cannot be made, {existing} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".tmp-", suffix=".probe", dir=existing)
    except OSError as e:
        where = "traces cannot be written there" if existing == folder else f"cannot be made in {existing}"
        raise BadInput(f"--corpus {directory}: {where} ({e.strerror or e})") from None
    os.close(fd)
    os.unlink(probe)


def with_impl(config: Config, args: argparse.Namespace) -> Config:
    """``config`` with what ``--impl`` names, loaded to be sure it can be (a library fetched, its
    version made explicit); BadInput if not. Without --network, a library or an adapter is
    checked on the network its adapter says the implementation assumes."""
    conf = getattr(args, "impl_conf", None) or []
    skip = tuple(sorted(set(getattr(args, "impl_skip", None) or [])))
    twice = bool(getattr(args, "check_determinism", False))
    if args.impl is None:
        if args.persistent is not None:
            raise BadInput("--persistent applies only with --impl")
        if conf:
            raise BadInput("--impl-conf applies only with --impl")
        if skip:
            raise BadInput("--impl-skip applies only with --impl")
        if getattr(args, "check_determinism", False):
            raise BadInput("--check-determinism applies only with --impl")
        return config
    if getattr(args, "variant", None) not in (None, "default"):
        raise BadInput("--variant and --impl exclude each other: a variant is a rule set of the native core")
    try:
        settings = targets.parse_settings(conf)
        if ":" not in args.impl:
            name, version = split_target(args.impl)
            if args.persistent is not None:
                raise BadInput(f"--persistent applies to a seed-API class, not to the library {name}")
            impl = ImplTarget(name if version is None else f"{name}=={version}", (), args.call_timeout, settings=settings,
                              skip=skip, check_determinism=twice)
        else:
            impl = ImplTarget(args.impl, args.persistent or (), args.call_timeout, settings=settings, skip=skip,
                              check_determinism=twice)
        network = targets.default_network(impl)
        if network is not None and getattr(args, "network", None) is None:
            config = evolve(config, network=network)
        config = targets.check_target(evolve(config, impl=impl))
    except ValueError as e:  # ImplLoadError, AdapterError: one line each.
        raise BadInput(str(e)) from None
    if config.impl.library is None and not impls.is_adapter(impls.load_class(config.impl.target)) and not config.impl.persistent:
        # Nothing survives a crash that the user has not named, so nodes do not crash: say so in the bounds.
        config = evolve(config, bounds=evolve(config.bounds, max_crashed=0))
    return config


def loadable(config: Config, path: str) -> Config:
    """A trace's configuration, its --impl target loaded to be sure it can be (a library fetched
    again, the release the trace records); BadInput naming the trace if not."""
    if config.impl is None:
        return config
    try:
        return targets.check_target(config)
    except ValueError as e:
        raise BadInput(f"{path}: {e}") from None


def checked(config: Config) -> list[str]:
    """The invariants a run on ``config`` checks."""
    if config.impl is None:
        return [i.name for i in SAFETY]
    return model_for(config).checked


def unchecked(config: Config) -> dict[str, str]:
    """The invariants a run on ``config`` leaves out, each with why (only for --impl)."""
    if config.impl is None:
        return {}
    return dict(model_for(config).unobserved)
