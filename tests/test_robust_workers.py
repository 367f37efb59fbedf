"""Worker faults: an explorer worker process killed in the middle of a search (SIGKILL, as the
kernel's out-of-memory killer does) ends the search with one clear line on stderr naming the
worker and how it died, exit status 3, and no hang; the other worker is stopped too.

The moments come from a generator seeded by the case: the same moments in every run; ``MOMENTS``
of them in the default suite, more under HYPOTHESIS_PROFILE=ci or nightly.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_robust_signals import session_processes

ROOT = Path(__file__).resolve().parent.parent
MOMENTS_BY_PROFILE = {"fast": 2, "ci": 4, "nightly": 12}
MOMENTS = MOMENTS_BY_PROFILE[os.environ.get("HYPOTHESIS_PROFILE", "fast")]
#: Seconds after the workers exist at which one is killed.
WINDOW = (0.0, 2.5)
ENDS_WITHIN, GONE_WITHIN = 30, 2.0
EXIT_FAILED = 3


def count_cases(profile: str) -> int:
    """Killed workers the suite tries under a profile."""
    return 2 * MOMENTS_BY_PROFILE[profile]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.parametrize("victim", [0, 1], ids=["first-worker", "second-worker"])
def test_a_worker_killed_mid_search_ends_it_in_one_line_with_status_3(victim, tmp_path):
    """explore --workers 2 with one worker SIGKILLed at a seeded moment: exit 3, one stderr line
    saying which worker died of what, no traceback, nothing written, no process left after 2 s."""
    rng = random.Random(f"worker {victim}")
    for moment in range(MOMENTS):
        corpus = tmp_path / str(moment)
        delay = rng.uniform(*WINDOW)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "checker", "explore", "--config", "four-terms", "--workers", "2", "--quiet", "--corpus", str(corpus)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            workers = sorted(_children(proc.pid))
            assert 2 == len(workers), f"no two workers: {workers}"
            time.sleep(delay)
            assert proc.poll() is None, f"the search ended before the kill at {delay:.2f} s: make it longer"
            os.kill(workers[victim], signal.SIGKILL)
            out, err = (s.decode(errors="replace") for s in proc.communicate(timeout=ENDS_WITHIN))
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        case = f"worker {victim} killed at {delay:.2f} s: exit {proc.returncode}\nstderr:\n{err[-3000:]}"
        assert EXIT_FAILED == proc.returncode, case
        lines = err.splitlines()
        assert 1 == len(lines), case
        assert f"explorer worker {victim} died (killed by signal 9 (SIGKILL))" in lines[0], case
        assert "the search is incomplete" in lines[0], case
        assert not corpus.exists(), case
        gone = time.monotonic() + GONE_WITHIN
        while session_processes(proc.pid) and time.monotonic() < gone:
            time.sleep(0.05)
        assert [] == session_processes(proc.pid), case
