"""``fuzz --impl`` over several seeds, on worker processes and on Ray (checker.fuzz.spread): each
seed builds its model where it runs from the target's name, and the first seed, in order, that
finds is the result, so the finding, the trace saved and the summary do not depend on
``--workers`` or ``--backend``.

``NoUpToDateCheck`` (tests/impls/seed_style.py) with one example of runs of 8 actions: seeds 0
to 4 find nothing, seed 5 finds leader_completeness (asserted below, so that the tests show a
later seed's finding winning over earlier clean ones).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker.api import save_trace
from checker.fuzz.run import STEERING, fuzz_config
from checker.fuzz.spread import _one, fuzz_seeds
from checker.impl import targets
from checker.model.config import ImplTarget

ROOT = Path(__file__).resolve().parent.parent
RELATIVE = "tests/impls/seed_style.py:NoUpToDateCheck"
SEEDS = 8
FINDS = 5  # The first seed that finds.


def cli(*args: str, cwd: Path = ROOT, hashseed: str = "0") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hashseed}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def configs(target: str = str(ROOT / RELATIVE)):
    config = targets.check_target(evolve(fuzz_config(3), impl=ImplTarget(target)))
    config = evolve(config, bounds=evolve(config.bounds, max_crashed=0))
    return [evolve(config, seed=k) for k in range(SEEDS)]


def saved(result, directory: Path) -> bytes:
    return Path(save_trace(result.counterexample, directory)).read_bytes()


def counts(r):
    return (r.config.seed, r.violation, r.trace, r.examples, r.steps, r.checks, r.distinct, r.depth, r.reached)


def test_seed_style_finding_and_trace_are_the_same_on_1_and_2_workers(tmp_path):
    heard = []
    one = fuzz_seeds(configs(), 1, 8, STEERING, workers=1, on_seed=lambda r: heard.append(r.config.seed))
    two = fuzz_seeds(configs(), 1, 8, STEERING, workers=2)
    assert heard == list(range(FINDS + 1))  # In order, and the seeds before the finding were clean.
    assert one.violation is not None and one.violation.invariant == "leader_completeness"
    assert FINDS == one.config.seed
    assert counts(one) == counts(two)
    assert saved(one, tmp_path / "one") == saved(two, tmp_path / "two")


def mask(text: str) -> str:
    """The output without its timings, and without the header's "N at a time", which names the workers."""
    text = re.sub(r", \d+ at a time,", ",", text.replace("/local", "/X").replace("/spread", "/X"))
    return re.sub(r"\d+(\.\d+)? s\b", "T s", text)


def test_fuzz_impl_cli_on_2_workers_prints_and_saves_what_1_does_and_the_trace_replays(tmp_path):
    """The command line, a relative target, another PYTHONHASHSEED for the 2 workers: the same
    summary (timings aside) and trace bytes; the trace replays in a fresh process (exit 1)."""
    args = ["fuzz", "--impl", RELATIVE, "--examples", "1", "--steps", "8", "--seeds", str(SEEDS), "--quiet"]
    local = cli(*args, "--corpus", str(tmp_path / "local"))
    spread = cli(*args, "--workers", "2", "--corpus", str(tmp_path / "spread"), hashseed="12345")
    assert (1, 1) == (local.returncode, spread.returncode), spread.stderr
    assert f"(seed {FINDS})" in local.stdout
    assert mask(local.stdout) == mask(spread.stdout)
    (a,), (b,) = (tmp_path / "local").iterdir(), (tmp_path / "spread").iterdir()
    assert a.read_bytes() == b.read_bytes()
    assert "" == spread.stderr  # No traceback from the workers stopped after the finding.
    again = cli("replay", str(b), hashseed="99")
    assert 1 == again.returncode, again.stderr
    assert "leader_completeness" in again.stdout


def test_a_seed_runs_in_the_folder_it_was_given_in(tmp_path, monkeypatch):
    """A worker elsewhere (a Ray cluster's, in a folder of its own) loads a relative target from
    the folder the seeds were named in, and names the implementation's frames from there."""
    config = evolve(configs(RELATIVE.replace("NoUpToDateCheck", "RaisesOnRefusal"))[0], seed=0)
    monkeypatch.chdir(tmp_path)
    result = _one((config, 1, 3, STEERING, "fast", str(ROOT)))
    assert Path.cwd() == tmp_path  # Put back.
    assert result.violation is not None and result.violation.invariant == "exception"
    assert "at tests/impls/seed_style.py:" in result.violation.message


def test_a_library_fuzzed_on_2_workers_prints_the_json_of_1(tmp_path):
    """pysyncobj 0.3.11 (from the library cache): each worker imports the release itself."""
    args = ["fuzz", "--impl", "pysyncobj==0.3.11", "--examples", "1", "--steps", "10", "--seeds", "3", "--json", "--quiet"]
    one = cli(*args, "--corpus", str(tmp_path / "one"))
    two = cli(*args, "--workers", "2", "--corpus", str(tmp_path / "two"), hashseed="7")
    assert (0, 0) == (one.returncode, two.returncode), two.stderr
    a, b = (json.loads(p.stdout.splitlines()[-1]) for p in (one, two))
    del a["seconds"], b["seconds"]
    assert a == b and a["examples"] == 3 and a["distinct"] > 100
    assert not list(tmp_path.iterdir())


def test_an_impl_that_cannot_load_on_several_workers_is_one_line_and_exit_2(tmp_path):
    proc = cli("fuzz", "--impl", "tests/impls/no_such_file.py:X", "--seeds", "3", "--workers", "2",
               "--corpus", str(tmp_path / "c"))
    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.splitlines()) and "no_such_file.py" in proc.stderr
    assert "" == proc.stdout and not (tmp_path / "c").exists()


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def test_seed_style_fuzz_on_ray_is_the_local_run(ray_instance, tmp_path):
    """Each Ray task builds the model from the configuration: the finding and trace bytes of the
    local run on 1 worker."""
    local = fuzz_seeds(configs(), 1, 8, STEERING, workers=1)
    remote = fuzz_seeds(configs(), 1, 8, STEERING, workers=2, backend="ray")
    assert FINDS == remote.config.seed
    assert counts(local) == counts(remote)
    assert saved(local, tmp_path / "local") == saved(remote, tmp_path / "ray")
