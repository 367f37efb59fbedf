"""Files and output: a closed stdout, an unusable --corpus, and a trace that cannot be saved."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker import traces
from checker.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FIGURE8 = sorted((ROOT / "corpus").glob("figure8-*.json"))[0]
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


# --- 2. The corpus directory is checked before a search starts -----------------------------


def bad_corpus(command: list[str], corpus: str, capsys) -> tuple[int, str, str, float]:
    started = time.monotonic()
    code = main([*command, "--corpus", corpus])
    out, err = capsys.readouterr()
    return code, out, err, time.monotonic() - started


# Short searches, so that without the check a test fails at once rather than after minutes; an
# empty stdout (no header, no summary) is what shows that no search started.
SEARCHES = [["explore", "--config", "tiny", "--workers", "1", "--quiet"], ["fuzz", "--examples", "20", "--quiet"]]


@pytest.mark.parametrize("command", SEARCHES, ids=["explore", "fuzz"])
def test_a_corpus_under_a_regular_file_is_bad_input_before_any_search(command, tmp_path, capsys):
    """--corpus FILE/sub exits 2 at once with one stderr line naming --corpus and the file in the way; no search, nothing written."""
    (tmp_path / "file").write_text("not a folder")

    code, out, err, seconds = bad_corpus(command, str(tmp_path / "file" / "sub"), capsys)

    assert 2 == code
    assert "" == out
    assert 1 == len(err.splitlines()), err
    assert "--corpus" in err and "is not a directory" in err and str(tmp_path / "file") in err
    assert seconds < 10
    assert ["file"] == [p.name for p in tmp_path.iterdir()]


@pytest.mark.parametrize("command", SEARCHES, ids=["explore", "fuzz"])
def test_a_corpus_that_cannot_be_made_is_bad_input_before_any_search(command, capsys):
    """--corpus /proc/x (no folder can be made there, even by root) exits 2 at once, one stderr line naming --corpus."""
    code, out, err, seconds = bad_corpus(command, "/proc/x", capsys)

    assert 2 == code
    assert "" == out
    assert 1 == len(err.splitlines()), err
    assert "--corpus /proc/x" in err and "cannot be made" in err
    assert seconds < 10
    assert not os.path.lexists("/proc/x")


def test_a_corpus_that_is_a_regular_file_is_bad_input(tmp_path, capsys):
    """--corpus FILE exits 2 with one line saying it is not a directory, the file untouched."""
    (tmp_path / "file").write_text("not a folder")

    code, out, err, _ = bad_corpus(SEARCHES[0], str(tmp_path / "file"), capsys)

    assert (2, "") == (code, out)
    assert "--corpus" in err and "is not a directory" in err and 1 == len(err.splitlines())
    assert "not a folder" == (tmp_path / "file").read_text()


def test_a_corpus_not_made_yet_is_fine_and_not_made_by_a_clean_run(tmp_path, capsys):
    """A --corpus that does not exist yet but can be made passes the check, and a clean search leaves it unmade."""
    corpus = tmp_path / "new" / "corpus"

    code = main(["explore", "--config", "tiny", "--quiet", "--workers", "1", "--corpus", str(corpus)])

    assert 0 == code, capsys.readouterr().err
    assert [] == list(tmp_path.iterdir())


# --- 3. A trace that cannot be saved is printed instead ------------------------------------


def disk_full(monkeypatch) -> None:
    """Every trace save fails as on a full disk, at the last moment (the temporary file is written)."""

    def link(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "link", link)


def printed_trace(err: str, command: str) -> traces.Trace:
    """The trace text that follows the one line saying why it could not be saved."""
    why = f"python -m checker {command}: cannot save the trace in "
    assert 1 == err.count(why), err
    line, _, rest = err.partition(why)[2].partition("\n")
    assert "No space left on device" in line
    return traces.loads(rest)


@pytest.mark.parametrize(
    "command", [["explore", *FOUND], ["fuzz", "--variant", "restart-forgets-vote", "--examples", "200", "--quiet"]], ids=["explore", "fuzz"]
)
def test_a_trace_that_cannot_be_saved_is_printed_to_stderr_and_still_exits_1(command, tmp_path, monkeypatch, capsys):
    """With the disk full at save time, explore and fuzz exit 1 and print the whole trace on stderr, the JSON tail's trace null."""
    disk_full(monkeypatch)

    code = main([*command, "--json", "--corpus", str(tmp_path / "corpus")])
    out, err = capsys.readouterr()

    assert 1 == code
    tail = json.loads(out.strip().splitlines()[-1])
    assert ("violation", "vote_safety", None) == (tail["result"], tail["invariant"], tail["trace"])
    t = printed_trace(err, command[0])
    assert ("violation", "vote_safety") == (t.outcome.result, t.outcome.invariant)
    assert "restart-forgets-vote" == t.config.variant
    assert traces.replay(t).reproduces(t.outcome)
    assert "Traceback" not in err


def test_a_shrunk_trace_that_cannot_be_saved_beside_its_input_is_printed_and_exits_1(tmp_path, monkeypatch, capsys):
    """shrink, unable to write beside its input, exits 1 (not 2: the input was good) and prints the shrunk trace on stderr."""
    source = tmp_path / "figure8.json"
    shutil.copy(FIGURE8, source)
    disk_full(monkeypatch)

    code = main(["shrink", str(source), "--json"])
    out, err = capsys.readouterr()

    assert 1 == code
    tail = json.loads(out.strip().splitlines()[-1])
    assert (None, str(source)) == (tail["trace"], tail["source"])
    t = printed_trace(err, "shrink")
    assert traces.load(source).outcome.invariant == t.outcome.invariant
    assert tail["after"] == len(t.actions)
    assert ["figure8.json"] == [p.name for p in tmp_path.iterdir()]
