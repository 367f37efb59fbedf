"""The Ray backend on implementations behind an adapter (``--impl ... --backend ray``): each actor
builds the model from the configuration and runs the snapshot worker (checker.search.snapshots);
the counts, verdict and counterexample are the local backend's. As tests/test_ray.py, one local
Ray instance of two CPUs for the module; the command-line test joins it with ``--address``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import ray
from attrs import evolve

from checker.front import model_for
from checker.model.config import REFERENCE, ImplTarget
from checker.search.parallel import parallel_search
from checker.search.ray_backend import ray_search

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_TOY = str(ROOT / "tests" / "adapters" / "toy_snapshots.py") + ":SnapshotToy"
TOY = str(ROOT / "tests" / "adapters" / "toy_adapter.py") + ":ToyAdapter"


@pytest.fixture(scope="module")
def address():
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def outcome(r):
    return (r.violation, r.trace, r.states, r.distinct, r.depth, r.exhaustive, r.reached)


def toy(config: str, bug: str = "none", **bounds):
    c = REFERENCE[config]
    settings = (("bug", bug),) if bug != "none" else ()
    return evolve(c, impl=ImplTarget(SNAPSHOT_TOY, settings=settings), bounds=evolve(c.bounds, **bounds))


def test_an_adapter_search_on_ray_actors_is_the_local_one(address):
    """The toy adapter with snapshots, clean (async) and with the Figure 8 bug (a broken level,
    counted up to its first broken step by every actor): on 2 actors, what 2 local workers find."""
    for config in (toy("async-tiny", max_depth=7), toy("tiny", bug="figure8", max_depth=6)):
        model = model_for(config)
        local = parallel_search(model, 2)
        remote = ray_search(model, 2, cpus=0.5, build=model_for)
        assert outcome(local) == outcome(remote)
    assert remote.violation is not None and local.distinct > 100


@pytest.mark.slow
def test_explore_impl_of_a_library_on_ray_prints_the_local_json(address, tmp_path):
    """``explore --impl raftos==0.2.6 --backend ray --workers 2`` (each actor fetches the release
    from the cache and builds its model) prints the counts and verdict of the local run."""
    args = ["explore", "--impl", "raftos==0.2.6", "--max-term", "1", "--max-requests", "1", "--max-in-flight", "4",
            "--max-cut", "0", "--max-crashed", "0", "--max-depth", "5", "--workers", "2", "--json", "--quiet"]
    remote = cli(*args, "--backend", "ray", "--address", address, "--corpus", str(tmp_path / "ray"))
    local = cli(*args, "--corpus", str(tmp_path / "local"))
    assert (0, 0) == (remote.returncode, local.returncode), remote.stderr
    a, b = json.loads(remote.stdout.splitlines()[-1]), json.loads(local.stdout.splitlines()[-1])
    keep = ("result", "invariant", "states", "distinct", "depth", "exhaustive", "reached")
    assert {k: b[k] for k in keep} == {k: a[k] for k in keep}
    assert b["distinct"] > 500


def test_an_adapter_without_snapshots_on_ray_is_one_line_and_exit_2(tmp_path):
    """Its worlds cannot travel between actors: refused before Ray starts."""
    proc = cli("explore", "--impl", TOY, "--config", "async-tiny", "--backend", "ray", "--corpus", str(tmp_path))
    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.splitlines())
    assert "--backend ray: the nodes of" in proc.stderr and "cannot be snapshotted as bytes" in proc.stderr
    assert "" == proc.stdout
