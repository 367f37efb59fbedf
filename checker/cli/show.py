"""``show TRACE``: the timeline on stdout, and with ``--html FILE`` a self-contained page.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from attrs import evolve

from checker import traces
from checker.cli.options import loadable, variant_name
from checker.views.text import render_text
from checker.views.timeline import timeline, timeline_json

HELP = "print a trace as a readable timeline (--html FILE writes a self-contained page)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``show``."""
    parser.add_argument("trace", metavar="TRACE")
    parser.add_argument("--html", metavar="FILE", help="also write the trace as one self-contained HTML page")
    parser.add_argument("--variant", type=variant_name, help="show it under these rules instead of the recorded ones")
    parser.add_argument("--json", action="store_true", help="end with one JSON object: the summary and every step decoded")

# --- The command ---------------------------------------------------------------------------


def html_target_problem(path: str) -> str | None:
    """Why the page cannot be written at ``path``, checked before anything is written."""
    target = Path(path)
    folder = target.parent
    if not folder.exists():
        return f"directory {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a directory"
    if target.is_dir():
        return "is a directory"
    if not os.access(folder, os.W_OK):
        return f"directory {folder} is not writable"
    return None


def _bad_input(command: str, message: str) -> int:
    print(f"python -m checker {command}: error: {message}", file=sys.stderr)
    return 2


def cmd_show(args) -> int:
    """``show TRACE``: the timeline on stdout (or stderr with --json), a page with --html.
    Exit 1 when the trace shows a violation, 0 when not, 2 for bad input."""
    try:
        t = traces.load(args.trace)
    except traces.TraceError as e:
        return _bad_input("show", str(e))
    if args.html is not None:
        problem = html_target_problem(args.html)
        if problem is not None:
            return _bad_input("show", f"--html {args.html}: {problem}")
    if args.variant is not None:
        t = evolve(t, config=evolve(t.config, variant=args.variant))
    t = evolve(t, config=loadable(t.config, args.trace))
    tl = timeline(t, args.trace)
    out = sys.stderr if args.json else sys.stdout
    colour = out.isatty() and "NO_COLOR" not in os.environ
    out.write(render_text(tl, colour))
    if args.html is not None:
        from checker.views.html import write_html

        try:
            write_html(tl, args.html)
        except OSError as e:
            return _bad_input("show", f"--html {args.html}: cannot be written ({e.strerror or e})")
        print(f"page written: {args.html}", file=out)
    out.flush()
    if args.json:
        print(json.dumps(timeline_json(tl, args.html)))
    return 1 if tl.broken is not None else 0
