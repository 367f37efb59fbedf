"""The command line: results, JSON, exit status, determinism, and one clear line for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FIGURE8 = sorted((ROOT / "corpus").glob("figure8-*.json"))[0]


def run(*args: str, hash_seed: str = "0", cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_explore_tiny_json_reports_exhaustive_clean_search(tmp_path, capsys):
    """explore --json ends with one JSON object giving the verdict, counts and that the search was exhaustive."""
    code = main(["explore", "--config", "tiny", "--json", "--quiet", "--corpus", str(tmp_path)])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert 0 == code
    assert ("clean", None, None, 9312, True) == (
        last["result"],
        last["invariant"],
        last["trace"],
        last["distinct"],
        last["exhaustive"],
    )
    assert {"states", "depth", "seconds"} <= set(last)
    assert [] == list(tmp_path.iterdir())


def test_explore_figure8_saves_the_committed_trace_byte_for_byte(tmp_path):
    """explore --variant figure8 exits 1 and saves a trace identical to the committed one, in a fresh
    process under another PYTHONHASHSEED: the search and the file are deterministic."""
    proc = run("explore", "--config", "four-terms", "--variant", "figure8", "--json", "--quiet", "--corpus", str(tmp_path), hash_seed="987")
    last = json.loads(proc.stdout.strip().splitlines()[-1])

    assert 1 == proc.returncode, proc.stderr
    assert ("violation", "leader_completeness", 10) == (last["result"], last["invariant"], last["depth"])
    assert FIGURE8.read_bytes() == Path(last["trace"]).read_bytes()


def test_replay_under_correct_rules_no_longer_violates(capsys):
    """The figure8 trace replayed with --variant default violates nothing: exit 0."""
    assert 0 == main(["replay", "--variant", "default", str(FIGURE8)])
    assert "no violation" in capsys.readouterr().out


def test_variants_json_lists_figure8():
    """variants --json names each variant with its description, invariant, network, source, faults and configuration."""
    proc = run("variants", "--json")
    variants = {v["name"]: v for v in json.loads(proc.stdout)["variants"]}

    assert 0 == proc.returncode
    assert {"name", "description", "invariant", "network", "source", "faults", "config"} == set(variants["figure8"])
    assert "leader_completeness" == variants["figure8"]["invariant"]


def _valid_trace() -> dict:
    return json.loads(FIGURE8.read_text())


BAD_TRACES = {
    "truncated": lambda: FIGURE8.read_text()[:200],
    "newer-version": lambda: json.dumps({**_valid_trace(), "version": 99}),
    "node-out-of-range": lambda: json.dumps({**_valid_trace(), "actions": [{"action": "tick", "node": 7}]}),
    "unknown-action": lambda: json.dumps({**_valid_trace(), "actions": [{"action": "fly", "node": 1}]}),
    "string-for-number": lambda: json.dumps({**_valid_trace(), "config": {**_valid_trace()["config"], "nodes": "3"}}),
    "unknown-variant": lambda: json.dumps({**_valid_trace(), "config": {**_valid_trace()["config"], "variant": "zzz"}}),
    "not-a-trace": lambda: json.dumps({"hello": "world"}),
    "not-json": lambda: "\x00\x01 binary junk",
}


@pytest.mark.parametrize("kind", sorted(BAD_TRACES))
def test_replay_of_a_bad_trace_exits_2_with_one_line(kind, tmp_path):
    """A truncated, hand-edited, foreign or newer-version trace: exit 2, one line naming the file, nothing written."""
    path = tmp_path / f"{kind}.json"
    path.write_text(BAD_TRACES[kind]())
    before = sorted(tmp_path.iterdir())

    proc = run("replay", str(path), cwd=tmp_path)

    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.strip().splitlines()), proc.stderr
    assert str(path) in proc.stderr and "Traceback" not in proc.stderr
    assert before == sorted(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args, named",
    [
        (["explore", "--variant", "nope"], "--variant"),
        (["explore", "--max-term", "-1"], "--max-term"),
        (["explore", "--nodes", "0"], "--nodes"),
        (["explore", "--network", "carrier-pigeon"], "--network"),
        (["explore", "--frobnicate"], "--frobnicate"),
        (["replay", "does-not-exist.json"], "does-not-exist.json"),
        (["replay", "."], "."),
        (["teleport"], "teleport"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(args, named, tmp_path):
    """Unknown options and variants, negative bounds, missing files: exit 2, one line naming the input, nothing written."""
    proc = run(*args, cwd=tmp_path)

    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.strip().splitlines()), proc.stderr
    assert named in proc.stderr and "Traceback" not in proc.stderr
    assert [] == list(tmp_path.iterdir())
