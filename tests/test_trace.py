"""Trace files: round trips, atomic writes that never clobber, replay, and the committed corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker import traces
from checker.model.actions import Deliver, Tick
from checker.model.config import Config
from checker.model.outcome import Outcome
from raft.log import LogEntry
from raft.messages import AppendEntriesRequest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "corpus").glob("*.json"))


def _sample() -> traces.Trace:
    message = AppendEntriesRequest(2, 1, 3, 0, 0, (LogEntry(2, 1, 1),), 0)
    return traces.Trace(
        config=Config(network="async"),
        actions=(Tick(1), Deliver(message)),
        outcome=Outcome("violation", "log_matching", 2, "made up for the test"),
    )


def test_round_trip():
    """A trace written and read back is the same trace, message contents included."""
    t = _sample()

    assert t == traces.loads(traces.dumps(t))


def test_save_is_idempotent_and_leaves_no_temporary_files(tmp_path):
    """Saving one trace twice gives one file, and no temporary file is left behind."""
    first = traces.save(_sample(), tmp_path)
    second = traces.save(_sample(), tmp_path)

    assert first == second
    assert [first.name] == sorted(p.name for p in tmp_path.iterdir())


def test_save_never_overwrites_a_different_file(tmp_path):
    """A different file already holding the trace's name is kept, and the trace goes under a new name."""
    t = _sample()
    squatter = tmp_path / traces.file_name(t)
    squatter.write_text("someone else's notes\n")

    path = traces.save(t, tmp_path)

    assert "someone else's notes\n" == squatter.read_text()
    assert path != squatter
    assert t == traces.load(path)


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_trace_replays_to_its_recorded_outcome(path):
    """Every committed trace reproduces exactly the outcome it records: same invariant, same step."""
    t = traces.load(path)

    result = traces.replay(t)

    assert (t.outcome.result, t.outcome.invariant, t.outcome.step) == (
        result.outcome.result,
        result.outcome.invariant,
        result.outcome.step,
    )


def test_corpus_is_not_empty():
    """The corpus holds at least the figure8 counterexample, so the replay tests above test something."""
    assert any(p.name.startswith("figure8-") for p in CORPUS)


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_corpus_replays_in_a_fresh_process_under_any_hash_seed(hash_seed):
    """Replay in a new interpreter with another PYTHONHASHSEED reproduces every recorded violation."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "replay", *map(str, CORPUS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert 1 == proc.returncode, proc.stderr
    assert len(CORPUS) == proc.stdout.count("(as recorded)")
