"""The command line: ``python -m checker COMMAND``.

Exit status, for every command: 0 ran to completion and found nothing; 1 found a violation
(the trace was saved and its path printed); 2 bad input (one line on stderr, nothing written);
130 interrupted with Ctrl-C after printing the summary so far (143 for SIGTERM, which stops a run
the same way); 3 the checker could not finish (a worker process died under it).
"""

from __future__ import annotations

import _thread
import argparse
import gc
import os
import signal
import sys
import threading

from checker.cli import bench as cli_bench
from checker.cli import explore as cli_explore
from checker.cli import fuzz as cli_fuzz
from checker.cli import replay as cli_replay
from checker.cli import show as cli_show
from checker.cli import shrink as cli_shrink
from checker.cli import variants as cli_variants
from checker.model.outcome import forget_interrupt, interrupt_heard
from checker.cli.options import (
    EXIT_BAD_INPUT,
    EXIT_CLEAN,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    BadInput,
    Decided,
    OutputClosed,
    Parser,
    Terminated,
)

#: The commands, in the order ``--help`` lists them; each module has HELP, add_arguments and its cmd_ function.
COMMANDS = {
    "explore": (cli_explore, cli_explore.cmd_explore),
    "fuzz": (cli_fuzz, cli_fuzz.cmd_fuzz),
    "bench": (cli_bench, cli_bench.cmd_bench),
    "replay": (cli_replay, cli_replay.cmd_replay),
    "variants": (cli_variants, cli_variants.cmd_variants),
    "show": (cli_show, cli_show.cmd_show),
    "shrink": (cli_shrink, cli_shrink.cmd_shrink),
}


#: The commands that only print what is asked of them: when their reader closes stdout early
#: (``variants | head -1``), they have done what was wanted, and exit 0.
LISTING = {"variants", "show", "bench"}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m checker", description="raftcheck: model checking and fuzzing for Raft")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for name, (module, _) in COMMANDS.items():
        module.add_arguments(commands.add_parser(name, help=module.HELP))
    return parser


#: Seconds after a Ctrl-C or SIGTERM at which, if the command is still running, it is raised
#: again (and again, as long as it runs): Python drops an exception its handler raises inside a
#: garbage-collector callback ("Exception ignored in ..."), and Hypothesis runs one at every
#: collection, so a single Ctrl-C during fuzz could be lost and the run go on.
REINTERRUPT_EVERY = 5.0


def main(argv: list[str] | None = None) -> int:
    received: list[int] = []
    done, deciding = threading.Event(), threading.Lock()

    def again() -> None:
        while not done.wait(REINTERRUPT_EVERY):
            with deciding:  # Never once the command has returned (see the finally below).
                if done.is_set() or interrupt_heard():
                    # An engine caught it and is writing its summary (stopping workers with
                    # gigabytes to free can take longer than this): let it finish.
                    return
                _thread.interrupt_main(received[0])

    def soon(signum: int) -> None:
        with deciding:
            if not done.is_set():
                _thread.interrupt_main(signum)

    def on_signal(signum, frame) -> None:
        if done.is_set():
            return  # A re-raise that came as the command returned: it has stopped already.
        if not received:
            threading.Thread(target=again, daemon=True, name="raftcheck-reinterrupt").start()
        received.append(signum)
        if _in_gc_callback(frame):
            # Raised here, Python would print "Exception ignored in ..." and drop it: raise it
            # instead a moment later, outside the collection.
            later = threading.Timer(0.05, soon, (signum,))
            later.daemon = True
            later.start()
            return
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    # SIGTERM stops a run as Ctrl-C does (the summary so far, workers stopped), with status 143.
    # Only the main thread may set a handler (a library caller's thread keeps the defaults).
    here = threading.current_thread() is threading.main_thread()
    forget_interrupt()
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)} if here else {}
    try:
        status = _main(argv)
    finally:
        with deciding:
            done.set()
        for s, handler in previous.items():
            signal.signal(s, handler)
    terminated = signal.SIGTERM in received[:1]
    return EXIT_TERMINATED if terminated and status == EXIT_INTERRUPTED else status


def _in_gc_callback(frame) -> bool:
    """Whether ``frame`` runs inside a garbage-collector callback (``gc.callbacks``), where
    Python drops whatever a signal handler raises."""
    codes = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    codes.discard(None)
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


def _main(argv: list[str] | None) -> int:
    command, status = None, None
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as e:  # Bad usage (status 2) or --help (status 0): argparse has printed why.
            return e.code if isinstance(e.code, int) else EXIT_BAD_INPUT
        command = args.command
        try:
            status = COMMANDS[command][1](args)
        except BadInput as e:
            print(f"python -m checker {command}: error: {e}", file=sys.stderr)
            status = EXIT_BAD_INPUT
        sys.stdout.flush()  # Here, so that a reader gone by now does not turn into an error at exit.
        return status
    except OutputClosed as e:
        _quiet_closed_streams()
        return e.status
    except Decided as e:  # Ctrl-C while printing a result already settled (a trace saved).
        return e.status
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM where the command has no summary of its own to print (its own
        # handling, where it has one, returned 130 already): one line, no traceback.
        try:
            print(f"python -m checker{' ' + command if command else ''}: interrupted", file=sys.stderr, flush=True)
        except (OSError, ValueError, KeyboardInterrupt):
            pass
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader closed stdout (or stderr) early. No traceback: the exit status is the
        # command's own when it had returned one (only the final flush failed); else 0 for a
        # command that only lists (the reader had what it wanted, as with `ls | head`), and for
        # a search or replay, which had not decided anything, 130 as for any run stopped before
        # its end (0 would claim "clean"). Commands that save a trace settle their status before
        # printing the result (options.decided), so a saved trace still exits 1.
        _quiet_closed_streams()
        if status is not None:
            return status
        return EXIT_CLEAN if command is None or command in LISTING else EXIT_INTERRUPTED


def _quiet_closed_streams() -> None:
    """Points a closed stdout or stderr at os.devnull, so that the interpreter's final flush of
    what is still buffered does not raise again ("Exception ignored ... BrokenPipeError")."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass
