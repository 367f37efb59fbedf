"""Files and output: a closed stdout, an unusable --corpus, and a trace that cannot be saved."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from checker.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
# The smallest variant configuration with a counterexample: three steps, found in well under a second.
FOUND = ["--variant", "restart-forgets-vote", "--workers", "1", "--quiet"]


def into_closed_pipe(*args: str, cwd: Path = ROOT) -> tuple[int, str]:
    """Runs ``python -m checker ARGS`` with stdout a pipe whose reading end is closed before the
    command writes anything (as ``| head -1`` does once it has its line, but without a race);
    returns the exit status and stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "checker", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return proc.wait(timeout=120), err


class ClosedAt(io.StringIO):
    """A stdout whose reader goes away when ``marker`` is written: that write and all later ones
    raise BrokenPipeError."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.closed_pipe = marker, False

    def write(self, text: str) -> int:
        if self.closed_pipe or self.marker in text:
            self.closed_pipe = True
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)

    def flush(self) -> None:
        if self.closed_pipe:
            raise BrokenPipeError(32, "Broken pipe")


# --- 1. A closed stdout ends quietly -------------------------------------------------------


def test_variants_into_a_closed_pipe_ends_quietly_with_status_0():
    """variants with its stdout closed (| head -1) prints no traceback, nothing at all on stderr, and exits 0."""
    code, err = into_closed_pipe("variants")

    assert "Traceback" not in err
    assert "" == err
    assert 0 == code


def test_explore_json_into_a_closed_pipe_still_exits_1_with_the_trace_saved(tmp_path):
    """explore --json that finds a violation exits 1, trace saved, when its reader has gone: no traceback."""
    code, err = into_closed_pipe("explore", *FOUND, "--json", "--corpus", str(tmp_path / "corpus"))

    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert 1 == code
    assert 1 == len(list((tmp_path / "corpus").glob("*.json")))


def test_explore_cut_off_while_printing_the_counterexample_still_exits_1(tmp_path, monkeypatch):
    """A reader that closes stdout in the middle of the counterexample does not turn the saved violation's 1 into another status."""
    monkeypatch.setattr(sys, "stdout", ClosedAt("counterexample"))

    code = main(["explore", *FOUND, "--corpus", str(tmp_path)])

    assert 1 == code
    assert 1 == len(list(tmp_path.glob("*.json")))
