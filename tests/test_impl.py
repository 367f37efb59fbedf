"""--impl: the explorer, the fuzzer and replay driving a user's own seed-API class, unchanged.

The classes under test are in tests/impls/seed_style.py: a plain mutable Raft node written the
way a course lab would, and five small breakages of it. Each breakage must be found, with the
right kind of finding, by explore and by fuzz, and each saved trace must replay.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker import impl as impls
from checker import traces
from checker.cli.main import main
from checker.front import explore
from checker.fuzz.run import fuzz, fuzz_config
from checker.model.config import REFERENCE, Config, ImplTarget
from checker.model.outcome import Outcome, is_finding, outcome_for

ROOT = Path(__file__).resolve().parent.parent
SEED_STYLE = "tests/impls/seed_style.py"
#: Short enough that a call that never returns costs little; long enough for any real call.
TIMEOUT = "0.2"


def target(name: str) -> str:
    return f"{ROOT / SEED_STYLE}:{name}"


def impl_config(name: str, config: Config = REFERENCE["tiny"], **bounds) -> Config:
    impl = ImplTarget(target(name), call_timeout=float(TIMEOUT))
    return evolve(config, impl=impl, bounds=evolve(config.bounds, **bounds))


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def run(*args: str, hash_seed: str = "0", cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True)


# --- Our own facade and the plain seed-style class come out clean ---------------------------


def test_our_facade_through_impl_is_clean_and_its_state_count_is_pinned():
    """raft:RaftNode checked as any user's class: clean to depth 5 on the tiny bounds. It has more
    distinct states than the native model to the same depth (1,945 against 739) because the
    facade carries the seed's clock (elapsed times, the drawn timeout and the generator's state,
    which every heartbeat received advances), where the native model leaves time to the checker."""
    config = evolve(REFERENCE["tiny"], impl=ImplTarget("raft:RaftNode"))
    config = evolve(config, bounds=evolve(config.bounds, max_depth=5))

    result = explore(config)
    native = explore(evolve(config, impl=None))

    assert (None, False) == (result.violation, result.exhaustive)
    assert {"leader_elected", "later_leader_elected", "entry_committed"} == set(result.reached)
    assert (1945, 739) == (result.distinct, native.distinct)


def test_explore_impl_facade_on_the_command_line_exits_0(tmp_path):
    """`explore --impl raft:RaftNode` exits 0, names the target and the invariants it checked, and
    says the search was bounded by depth, not exhaustive; nothing is written."""
    code = main(["explore", "--impl", "raft:RaftNode", "--config", "tiny", "--max-depth", "4", "--json", "--quiet",
                 "--corpus", str(tmp_path / "corpus")])

    assert 0 == code
    assert not (tmp_path / "corpus").exists()


def test_explore_impl_json_names_the_target_and_the_surface_invariants(tmp_path, capsys):
    """The JSON result records the --impl target and lists exactly the invariants judged from the surface."""
    main(["explore", "--impl", "raft:RaftNode", "--config", "tiny", "--max-depth", "3", "--json", "--quiet",
          "--corpus", str(tmp_path)])
    captured = capsys.readouterr()
    last = last_json(captured.out)

    assert ("clean", False, "raft:RaftNode") == (last["result"], last["exhaustive"], last["config"]["impl"]["target"])
    assert list(impls.SURFACE) == last["checked"]
    assert "vote_safety (the votes a node casts are not part of the API)" in captured.err


@pytest.mark.slow
def test_seed_style_class_is_clean_and_exhaustive_on_the_tiny_bounds():
    """The plain seed-style class is finite under the tiny bounds (its timers reset and its random
    draws repeat), so the search empties its frontier: 13,884 distinct states, against 9,312 for
    the native model, whose states leave out the seed's timers, votes tallied and next indexes."""
    result = explore(impl_config("SeedRaft"))

    assert (None, True, 13884) == (result.violation, result.exhaustive, result.distinct)


def test_seed_style_class_is_clean_to_depth_7_on_the_async_network():
    """The same class, messages lost, duplicated and reordered: clean to depth 7, where a second
    leader has been elected."""
    result = explore(impl_config("SeedRaft", REFERENCE["async-tiny"], max_depth=7))

    assert result.violation is None
    assert {"leader_elected": 3, "later_leader_elected": 6} == result.reached


# --- Each breakage is found by explore, with the right kind, and its trace replays ----------

#: class -> (what explore reports, the bounds it needs, the shortest depth).
BROKEN = {
    "NoUpToDateCheck": ("leader_completeness", dict(config="tiny"), 6),
    "RaisesOnRefusal": ("exception", dict(config="tiny"), 3),
    "StaleReplyWithoutMatch": ("malformed_reply", dict(config="tiny"), 5),
    "CatchUpHeartbeats": ("timeout", dict(config="tiny"), 2),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_explore_finds_each_breakage_and_its_trace_replays(name, tmp_path, capsys):
    """explore --impl on a broken class exits 1 with the shortest trace, which replays to the same
    finding at the same step; an implementation failure is a result "error" naming its finding."""
    expected, bounds, depth = BROKEN[name]
    code = main(["explore", "--impl", target(name), "--config", bounds["config"], "--call-timeout", TIMEOUT,
                 "--json", "--quiet", "--corpus", str(tmp_path)])
    last = last_json(capsys.readouterr().out)
    kind = "error" if is_finding(expected) else "violation"
    named = last["finding"] if kind == "error" else last["invariant"]

    assert 1 == code
    assert (kind, expected, depth) == (last["result"], named, last["depth"])
    assert 1 == main(["replay", last["trace"]])
    assert f"at step {depth} (as recorded)" in capsys.readouterr().out


@pytest.mark.slow
def test_explore_finds_the_earlier_term_commit(tmp_path, capsys):
    """§5.4.2, Figure 8: a leader that commits an entry of an earlier term by counting replicas is
    caught at depth 10 on the four-terms bounds, as the native figure8 variant is (minutes)."""
    code = main(["explore", "--impl", target("EarlierTermCommit"), "--config", "four-terms", "--max-depth", "10",
                 "--json", "--quiet", "--corpus", str(tmp_path)])
    last = last_json(capsys.readouterr().out)

    assert 1 == code
    assert ("violation", "leader_completeness", 10) == (last["result"], last["invariant"], last["depth"])
    assert 1 == main(["replay", last["trace"]])


# --- Each breakage is found by fuzz too -----------------------------------------------------

#: class -> (what fuzz reports, seed, examples). Measured: each seed finds its bug within 40
#: examples, in a few seconds (NoUpToDateCheck seeds 1 and 3 found nothing in 100).
FUZZED = {
    "NoUpToDateCheck": ("leader_completeness", 0, 100),
    "RaisesOnRefusal": ("exception", 0, 100),
    "StaleReplyWithoutMatch": ("malformed_reply", 1, 100),
    "CatchUpHeartbeats": ("timeout", 3, 100),
}


@pytest.mark.parametrize("name", sorted(FUZZED))
def test_fuzz_finds_each_breakage_and_its_trace_replays(name):
    """fuzz on a broken class finds the same kind of finding as explore, shrinks it, and the trace
    replays without Hypothesis to the same finding at the same step."""
    expected, seed, examples = FUZZED[name]
    config = evolve(fuzz_config(seed=seed), impl=ImplTarget(target(name), call_timeout=float(TIMEOUT)))

    result = fuzz(config, examples=examples, seed=seed)

    assert result.violation is not None and expected == result.violation.invariant
    t = traces.Trace(config, result.trace, outcome_for(result.violation, len(result.trace)), "fuzz")
    replayed = traces.replay(traces.loads(traces.dumps(t)))
    assert replayed.reproduces(t.outcome)


@pytest.mark.slow
def test_fuzz_finds_the_earlier_term_commit():
    """§5.4.2 by fuzzing: seed 0 sees it in 1.5 to 3 minutes here, depending on load, shrunk to 10 steps."""
    config = evolve(fuzz_config(), impl=ImplTarget(target("EarlierTermCommit")))

    result = fuzz(config, examples=1500, seed=0)

    assert result.violation is not None
    assert result.violation.invariant in {"leader_completeness", "state_machine_safety", "committed_entries_stable"}
    t = traces.Trace(config, result.trace, outcome_for(result.violation, len(result.trace)), "fuzz")
    assert traces.replay(t).reproduces(t.outcome)


# --- Crashes, only with persistent attributes -----------------------------------------------


def test_crashes_are_offered_only_with_persistent_attributes():
    """Without --persistent no node crashes, whatever max_crashed says; with it, a crash keeps
    exactly the named attributes: forgetting voted_for lets a restarted node vote twice in a
    term, and two leaders are elected (§5.2); keeping it, the same schedule breaks nothing."""
    base = impl_config("SeedRaft", max_crashed=1, max_depth=6)
    without = impls.ImplModel(base)
    forgets = evolve(base, impl=evolve(base.impl, persistent=("current_term", "log")))
    keeps = evolve(base, impl=evolve(base.impl, persistent=("current_term", "voted_for", "log")))

    found = explore(forgets)
    again = traces.replay(traces.Trace(keeps, found.trace, Outcome("clean")))

    assert [] == [a for a in without.actions(without.initial()) if type(a).__name__ == "Crash"]
    assert ("election_safety", 6) == (found.violation.invariant, len(found.trace))
    assert ("clean", 6, None) == (again.outcome.result, again.steps, again.disabled_at)


# --- Replay is deterministic -----------------------------------------------------------------


def test_impl_traces_are_the_same_bytes_and_replay_the_same_across_processes_and_hash_seeds(tmp_path):
    """explore --impl in two fresh processes with different PYTHONHASHSEED values writes the same
    trace, byte for byte, and replaying it in a third gives the same finding at the same step."""
    paths = []
    for hash_seed in ("1", "31337"):
        proc = run("explore", "--impl", f"{SEED_STYLE}:RaisesOnRefusal", "--config", "tiny", "--json", "--quiet",
                   "--corpus", str(tmp_path / hash_seed), hash_seed=hash_seed)
        assert 1 == proc.returncode, proc.stderr
        paths.append(Path(last_json(proc.stdout)["trace"]))
    replays = [run("replay", str(paths[0]), "--json", hash_seed=h) for h in ("7", "4242")]

    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert [1, 1] == [p.returncode for p in replays]
    assert last_json(replays[0].stdout) == last_json(replays[1].stdout)
    assert ("error", "exception") == (last_json(replays[0].stdout)["result"], last_json(replays[0].stdout)["finding"])


def test_impl_fuzz_gives_the_same_trace_in_processes_with_different_hash_seeds(tmp_path):
    """fuzz --impl with the same --seed writes the same trace, byte for byte, under two PYTHONHASHSEED values."""
    paths = []
    for hash_seed in ("1", "31337"):
        proc = run("fuzz", "--impl", f"{SEED_STYLE}:StaleReplyWithoutMatch", "--seed", "1", "--examples", "100",
                   "--json", "--quiet", "--corpus", str(tmp_path / hash_seed), hash_seed=hash_seed)
        assert 1 == proc.returncode, proc.stderr
        paths.append(Path(last_json(proc.stdout)["trace"]))

    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert "malformed_reply" == last_json(proc.stdout)["finding"]


def test_canonical_form_is_the_same_under_any_hash_seed():
    """The fingerprint's canonical form sorts sets and dict keys by their own canonical text, so a
    set of strings reads the same in processes whose string hashes differ."""
    code = (
        "from checker.impl import canonical\n"
        "print(canonical({'votes': {'c', 'a', 'b', 'zz'}, 'peers': ['x', 'y'], 'd': {'q': 1, 'p': (2, 3)}}))"
    )
    outs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)

    assert 1 == len(outs)


def test_canonical_form_tells_apart_what_differs_and_equates_lists_with_tuples():
    """Equal states share a canonical form (lists and tuples alike, sets in any order); states that
    differ in any attribute, or in the type of an object, do not."""
    cls = impls.load_class(target("SeedRaft"))
    SeedRaft, LogEntry = cls, sys.modules[cls.__module__].LogEntry
    random.seed(0)
    a = SeedRaft(1, [2, 3])
    random.seed(0)
    b = SeedRaft(1, [2, 3])
    same = impls.canonical(a) == impls.canonical(b)
    b.log.append(LogEntry(1, 1, 1))
    after_append = impls.canonical(a) == impls.canonical(b)

    assert same and not after_append
    assert impls.canonical([1, (2, 3)]) == impls.canonical((1, [2, 3]))
    assert impls.canonical({3, 1, 2}) == impls.canonical({2, 3, 1})
    assert impls.canonical({"a": 1}) != impls.canonical({"a": 1.0})
    assert impls.canonical(LogEntry(1, 1, 1)) != impls.canonical(SeedRaft(1, [2]))


# --- Replaying against another class ---------------------------------------------------------


def test_replay_against_the_fixed_class_no_longer_fails(tmp_path, capsys):
    """A trace found in a broken class, replayed with --impl against the correct one: exit 0."""
    main(["explore", "--impl", target("RaisesOnRefusal"), "--config", "tiny", "--json", "--quiet",
          "--corpus", str(tmp_path)])
    path = last_json(capsys.readouterr().out)["trace"]

    assert 0 == main(["replay", "--impl", target("SeedRaft"), path])
    assert "no violation" in capsys.readouterr().out


# --- Bad input: exit 2, one line, nothing written ----------------------------------------------


def _write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text)
    return str(folder / name)


@pytest.mark.parametrize(
    "make, named",
    [
        (lambda d: "missing.py:Node", "no such file missing.py"),
        (lambda d: "no_such_package_xyz.mod:Node", "no module named no_such_package_xyz.mod"),
        (lambda d: _write(d, "broken.py", "def (:\n") + ":Node", "raised SyntaxError"),
        (lambda d: _write(d, "raises.py", "raise RuntimeError('no config file')\n") + ":Node", "raised RuntimeError: no config file"),
        (lambda d: _write(d, "empty.py", "x = 1\n") + ":Node", "has no class Node"),
        (lambda d: _write(d, "half.py", "class Node:\n    def tick(self, ms): return []\n") + ":Node", "lacks handle_request_vote"),
        (lambda d: _write(d, "args.py", "class Node:\n" + "".join(f"    def {m}(self): pass\n" for m in impls.METHODS)
                          + "    def __init__(self): pass\n") + ":Node", "constructor does not take"),
        (lambda d: _write(d, "nostate.py", "class Node:\n" + "".join(f"    def {m}(self, *a): pass\n" for m in impls.METHODS)
                          + "    def __init__(self, i, peers, r): self.current_term = self.commit_index = 0\n") + ":Node", "has no state"),
        (lambda d: "raft", "must be path/to/file.py:ClassName"),
    ],
)
def test_an_impl_that_cannot_be_loaded_exits_2_with_one_line(make, named, tmp_path):
    """A missing file or module, a file that does not import, a missing class or method, a wrong
    constructor, a malformed target: exit 2, one line naming the target and what is wrong, nothing written."""
    spec = make(tmp_path)
    before = sorted(tmp_path.iterdir())

    proc = run("explore", "--impl", spec, "--corpus", str(tmp_path / "corpus"), cwd=tmp_path)

    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.strip().splitlines()), proc.stderr
    assert spec in proc.stderr and named in proc.stderr and "Traceback" not in proc.stderr
    assert before == sorted(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args, named",
    [
        (["explore", "--impl", f"{SEED_STYLE}:SeedRaft", "--variant", "figure8"], "--variant and --impl"),
        (["explore", "--impl", f"{SEED_STYLE}:SeedRaft", "--persistent", "term,vote"], "no attribute term, vote"),
        (["explore", "--persistent", "current_term"], "--persistent applies only with --impl"),
        (["fuzz", "--impl", f"{SEED_STYLE}:Nope"], "has no class Nope"),
        (["explore", "--impl", f"{SEED_STYLE}:SeedRaft", "--call-timeout", "0"], "--call-timeout"),
        (["explore", "--impl-skip", "terms_monotonic"], "--impl-skip applies only with --impl"),
        (["explore", "--impl", f"{SEED_STYLE}:SeedRaft", "--impl-skip", "no_such"], "--impl-skip no_such"),
        # Not judged on a seed-API class in the first place: nothing to set aside.
        (["fuzz", "--impl", f"{SEED_STYLE}:SeedRaft", "--impl-skip", "vote_safety"], "--impl-skip vote_safety"),
    ],
)
def test_bad_impl_options_exit_2_with_one_line(args, named, tmp_path):
    """Options that do not go with --impl, or persistent attributes a node does not have: exit 2, one line."""
    proc = run(*args, "--corpus", str(tmp_path / "corpus"))

    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.strip().splitlines()), proc.stderr
    assert named in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "corpus").exists()


def test_a_skipped_invariant_is_not_checked_and_the_report_says_so(tmp_path, capsys):
    """--impl-skip leader_completeness on the class that breaks it at depth 6 (§5.4.1): the same
    search is clean to depth 6, leader_completeness is not in the checked list, and the summary
    names it as set aside."""
    args = ["explore", "--impl", target("NoUpToDateCheck"), "--config", "tiny", "--max-depth", "6",
            "--call-timeout", TIMEOUT, "--corpus", str(tmp_path)]
    assert 1 == main([*args, "--json", "--quiet"])
    assert "leader_completeness" == last_json(capsys.readouterr().out)["invariant"]

    assert 0 == main([*args, "--impl-skip", "leader_completeness"])
    out = capsys.readouterr().out
    checked = next(line for line in out.splitlines() if line.startswith("invariants checked: "))
    assert "leader_completeness" not in checked and "election_safety" in checked
    assert "leader_completeness (set aside by --impl-skip)" in out


def test_skip_is_recorded_in_the_trace_and_read_back_strictly(tmp_path):
    """A trace records what it set aside (only when something was: older traces read as
    before), reads it back as written, and refuses an unknown or unsorted list in one line."""
    plain = traces.Trace(impl_config("NoUpToDateCheck"), (), Outcome("clean"))
    skipping = evolve(plain, config=evolve(plain.config, impl=evolve(plain.config.impl, skip=("leader_completeness", "terms_monotonic"))))
    assert "skip" not in traces.dumps(plain)
    assert skipping == traces.loads(traces.dumps(skipping))
    doc = json.loads(traces.dumps(skipping))
    for bad in (["terms_monotonic", "leader_completeness"], ["no_such"], "terms_monotonic", ["terms_monotonic"] * 2):
        doc["config"]["impl"]["skip"] = bad
        with pytest.raises(traces.TraceError, match="config.impl.skip must be a sorted list of known invariants"):
            (tmp_path / "bad.json").write_text(json.dumps(doc))
            traces.load(tmp_path / "bad.json")


def test_replay_of_an_impl_trace_whose_class_is_gone_exits_2(tmp_path, capsys):
    """A trace recording a target that no longer loads: exit 2, naming the trace and the target."""
    main(["explore", "--impl", target("RaisesOnRefusal"), "--config", "tiny", "--json", "--quiet",
          "--corpus", str(tmp_path)])
    path = Path(last_json(capsys.readouterr().out)["trace"])
    doc = json.loads(path.read_text())
    doc["config"]["impl"]["target"] = str(tmp_path / "gone.py") + ":RaisesOnRefusal"
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(doc))

    code = main(["replay", str(moved)])
    err = capsys.readouterr().err

    assert 2 == code
    assert str(moved) in err and "gone.py" in err and 1 == len(err.strip().splitlines())


# --- Malformed messages and surfaces are findings too ----------------------------------------


def test_a_message_without_its_fields_is_a_malformed_message(tmp_path):
    """A tick that returns a message dict without "term" is reported as malformed_message, with the message's keys."""
    path = _write(
        tmp_path,
        "noterm.py",
        f"import sys\nsys.path.insert(0, {str(ROOT / 'tests' / 'impls')!r})\nfrom seed_style import SeedRaft\n"
        "class NoTerm(SeedRaft):\n"
        "    def tick(self, ms):\n"
        "        return [{k: v for k, v in m.items() if k != 'term'} for m in super().tick(ms)]\n",
    )
    config = evolve(REFERENCE["tiny"], impl=ImplTarget(path + ":NoTerm"))

    result = explore(config)

    assert ("malformed_message", 1) == (result.violation.invariant, len(result.trace))
    assert "without 'term'" in result.violation.message


def test_show_explains_an_implementation_failure_in_text_json_and_html(tmp_path, capsys):
    """show on a trace of a failing class: exit 1, the finding named as an implementation failure
    in the timeline, in the JSON summary (result "error") and in the HTML page."""
    main(["explore", "--impl", target("RaisesOnRefusal"), "--config", "tiny", "--json", "--quiet",
          "--corpus", str(tmp_path)])
    path = last_json(capsys.readouterr().out)["trace"]

    code = main(["show", path, "--json", "--html", str(tmp_path / "page.html")])
    captured = capsys.readouterr()
    out = captured.out

    assert 1 == code
    assert "result: implementation failure (exception) at step 3 (as recorded)" in captured.err
    assert ("error", "exception") == (last_json(out)["result"], last_json(out)["finding"])
    assert "implementation failure <b>exception</b>" in (tmp_path / "page.html").read_text()


def _readme_commands() -> list[str]:
    text = (ROOT / "docs" / "impl.md").read_text()
    section = text.split("## A worked example", 1)[1].split("\n## ", 1)[0]
    return [line[len("$ python -m checker "):] for line in section.splitlines() if line.startswith("$ python -m checker ")]


def test_the_readme_worked_example_runs_as_written(tmp_path):
    """Every command of docs/impl.md's worked example, but the 20-second exhaustive one, run from the
    repository's root with its trace folder moved into a temporary one: each exits as the page
    says, and the traces it names are the ones written."""
    readme = (ROOT / "docs" / "impl.md").read_text()
    commands = [c for c in _readme_commands() if "--max-depth 30" not in c]
    codes = []
    for command in commands:
        args = command.replace("/tmp/traces", str(tmp_path)).split()
        if any("*" in a for a in args):
            args = [x for a in args for x in (sorted(map(str, tmp_path.glob(Path(a).name))) if "*" in a else [a])]
        codes.append(run(*args).returncode)
    written = sorted(p.name for p in tmp_path.glob("*.json"))

    assert 5 == len(commands)
    assert [1, 1, 1, 1, 1] == codes
    assert 3 == len(written) and all(f"/tmp/traces/{name}" in readme for name in written)


def test_replaying_an_impl_trace_needs_neither_hypothesis_nor_the_explorer(tmp_path, capsys):
    """An --impl trace replays through checker.traces alone: in a fresh process, neither Hypothesis
    nor the explorer nor the fuzzer is imported."""
    main(["explore", "--impl", target("StaleReplyWithoutMatch"), "--config", "tiny", "--json", "--quiet",
          "--corpus", str(tmp_path)])
    path = last_json(capsys.readouterr().out)["trace"]
    code = (
        "import sys\nfrom checker import traces as trace\n"
        f"r = trace.replay(trace.load({path!r}))\n"
        "print(r.outcome.result, r.outcome.invariant, r.outcome.step, "
        "sorted(m for m in ('hypothesis', 'checker.search.parallel', 'checker.fuzz') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)

    assert "error malformed_reply 5 []" == proc.stdout.strip()


def _reachable(model, depth: int) -> set:
    """Every state within ``depth`` steps of the initial one: a plain breadth-first search."""
    seen = {model.initial()}
    frontier = list(seen)
    for _ in range(depth):
        nxt = []
        for w in frontier:
            for a in model.actions(w):
                after = model.step(w, a)
                if after is not None and after not in seen:
                    seen.add(after)
                    nxt.append(after)
        frontier = nxt
    return seen


@pytest.mark.parametrize("name", ["tiny", "async-tiny"])
def test_impl_drives_our_facade_exactly_as_the_native_model_drives_the_core(name):
    """The harness is faithful: the states --impl reaches with raft:RaftNode, with each node's clock
    left out (the only thing the facade holds that the native model does not), are exactly the
    native model's states to the same depth. So the extra states of --impl are the clock's alone."""
    from checker.model.native import Model
    from checker.model.world import World
    from raft.rules import CORRECT

    config = evolve(REFERENCE[name], impl=ImplTarget("raft:RaftNode"))
    depth = 5 if name == "tiny" else 6

    def without_clocks(w) -> World:
        nodes = tuple(evolve(o.node_state, clock=None) for o in w.objects)
        return World(nodes, w.network, w.cut, w.crashed, w.requests, w.elections, w.committed, w.commit_terms)

    through_impl = _reachable(impls.ImplModel(config), depth)
    native = _reachable(Model(evolve(config, impl=None), CORRECT), depth)

    assert len(through_impl) > len(native)
    assert native == {without_clocks(w) for w in through_impl}


def test_committed_entries_beyond_the_commit_index_are_a_malformed_state(tmp_path):
    """get_committed_entries() that returns the whole log, committed or not, breaks the API's
    contract as soon as a leader appends an entry: malformed_state, after the client request."""
    path = _write(
        tmp_path,
        "allcommitted.py",
        f"import sys\nsys.path.insert(0, {str(ROOT / 'tests' / 'impls')!r})\nfrom seed_style import SeedRaft\n"
        "class AllCommitted(SeedRaft):\n"
        "    def get_committed_entries(self):\n"
        "        return self.get_log()\n",
    )
    config = evolve(REFERENCE["tiny"], impl=ImplTarget(path + ":AllCommitted"))

    result = explore(config)

    assert ("malformed_state", 2) == (result.violation.invariant, len(result.trace))
    assert "not the entries of its log up to commit_index 0" in result.violation.message
