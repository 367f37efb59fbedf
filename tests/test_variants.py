"""The zoo of known bugs: every variant is found by the explorer on its configuration, breaking the
invariant the registry expects, with its shortest counterexample committed in corpus/; correct Raft
replays each counterexample without a violation and comes out clean on the same configurations."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve, fields

from checker import traces
from checker.front import explore
from checker.fuzz.run import fuzz_bounds
from checker.measure import zoo
from checker.model.config import REFERENCE
from checker.model.invariants import REGISTRY, SOMETIMES
from checker.model.native import Model
from checker.model.outcome import Outcome
from checker.model.variants import (
    VARIANTS,
    bug_variants,
    explore_command,
    get_variant,
    on_correct_rules,
)
from raft.rules import CORRECT, Rules

ROOT = Path(__file__).resolve().parent.parent
CORPUS = {p: traces.load(p) for p in sorted((ROOT / "corpus").glob("*.json"))}
BUGS = bug_variants()

# Explorations longer than a few seconds on the project's 2-core machine.
SLOW = {"figure8", "vote-index-first", "commit-log-end", "duplicate-votes"}

# (invariant, depth of the shortest counterexample, distinct states searched to find it), pinned
# like the reference configurations in test_explorer.py: a change here is a change to the model.
# The fast explorer finishes the level where it finds a violation, so its distinct count is that of
# every level up to the broken world's; the plain one stops at the first broken world it meets. On
# the async network the fast explorer counts worlds equal up to node names once (symmetry
# reduction), here and in CLEAN below; the plain explorer counts every world.
FOUND = {
    "figure8": ("leader_completeness", 10, 248537),
    "vote-no-log-check": ("leader_completeness", 6, 1516),
    "vote-index-first": ("leader_completeness", 9, 85812),
    "vote-length-only": ("leader_completeness", 8, 26888),
    "restart-forgets-vote": ("vote_safety", 3, 28),
    "stepdown-forgets-vote": ("vote_safety", 5, 109),
    "truncate-always": ("committed_entries_stable", 11, 137),
    "match-log-end": ("leader_completeness", 6, 679),
    "commit-log-end": ("state_machine_safety", 10, 95156),
    "heartbeat-no-check": ("commit_index_in_log", 8, 4250),
    "stale-replies": ("election_safety", 9, 3909),
    "match-backwards": ("match_index_monotonic", 10, 118),
    "duplicate-votes": ("election_safety", 13, 1819),
    "seed": ("match_index_monotonic", 10, 118),
}
FOUND_PLAIN = {
    "figure8": 131402,
    "vote-no-log-check": 794,
    "vote-index-first": 42205,
    "vote-length-only": 13301,
    "restart-forgets-vote": 22,
    "stepdown-forgets-vote": 70,
    "truncate-always": 251,
    "match-log-end": 380,
    "commit-log-end": 58131,
    "heartbeat-no-check": 2784,
    "stale-replies": 12613,
    "match-backwards": 193,
    "duplicate-votes": 34468,
    "seed": 193,
}

# Correct Raft on each variant's configuration: (depth bound, distinct states), pinned. A depth
# bound of None means searched to exhaustion. vote-index-first's bounds take correct Raft 1,384,784
# distinct states and about 8 minutes to exhaust (clean), too long for a test, so it is searched to
# the depth of the bug's counterexample. None where test_explorer.py already runs the same bounds
# to exhaustion (the four-terms and small reference configurations).
CLEAN = {
    "figure8": None,
    "vote-no-log-check": (None, 9312),
    "vote-index-first": (9, 85764),
    "vote-length-only": None,
    "restart-forgets-vote": (None, 220),
    "stepdown-forgets-vote": (None, 140),
    "truncate-always": (None, 142),
    "match-log-end": (None, 1183),
    "commit-log-end": None,
    "heartbeat-no-check": (None, 9312),
    "stale-replies": (None, 34310),
    "match-backwards": (None, 142),
    "duplicate-votes": (None, 1641),
    "seed": (None, 142),
}
CLEAN_SLOW = {"stale-replies", "duplicate-votes", "vote-index-first"}


def _param(v, slow: set[str]):
    marks = [pytest.mark.slow] if v.name in slow else []
    return pytest.param(v, id=v.name, marks=marks)


def _explored_trace(name: str) -> tuple[Path, traces.Trace]:
    """The explorer's counterexample for variant ``name`` on its registered configuration."""
    config = get_variant(name).config
    found = [(p, t) for p, t in CORPUS.items() if t.engine == "explore" and t.config == config]
    assert 1 == len(found), f"expected one explore trace for {name} on {explore_command(config)}, found {len(found)}"
    return found[0]


def test_registry_lists_twelve_bug_variants_the_seed_and_correct_raft():
    """The zoo holds at least twelve known bugs, plus the seed's design and correct Raft itself."""
    names = {v.name for v in BUGS}

    assert len(names - {"seed"}) >= 12
    assert {"seed", "default"} <= set(VARIANTS)
    assert set(FOUND) == names


@pytest.mark.parametrize("v", [pytest.param(v, id=v.name) for v in BUGS])
def test_registry_entry_is_complete(v):
    """Each bug variant switches at least one rule, names a registered safety invariant, and carries a
    configuration of its own network mode that names it, so commands and tests can use it as is."""
    safety = {i.name for i in REGISTRY if i.kind != SOMETIMES}

    assert v.rules != CORRECT
    assert v.invariant in safety
    assert (v.name, v.network) == (v.config.variant, v.config.network)
    assert v.description and v.source and v.faults


def test_seed_is_a_combination_of_single_switches():
    """The seed variant is made of the same switches as the single-bug variants, so each of its
    departures can also be studied alone (match-backwards is one of them)."""
    switched = {f.name for f in fields(Rules) if getattr(get_variant("seed").rules, f.name)}

    assert {"truncate_on_mismatch", "match_may_decrease"} == switched
    assert Rules(match_may_decrease=True) == get_variant("match-backwards").rules


@pytest.mark.parametrize("v", [pytest.param(v, id=v.name) for v in BUGS])
def test_corpus_trace_breaks_the_expected_invariant(v):
    """Every variant has its explorer counterexample in corpus/, recorded as breaking the invariant
    the registry expects; replaying it reproduces that violation at the recorded step."""
    _, t = _explored_trace(v.name)

    result = traces.replay(t)

    assert ("violation", v.invariant) == (t.outcome.result, t.outcome.invariant)
    assert (v.invariant, t.outcome.step) == (result.outcome.invariant, result.outcome.step)


def _parting_step(t: traces.Trace) -> int | None:
    """The first step after which the variant's world differs from correct Raft's, if any."""
    bug = Model(t.config, get_variant(t.config.variant).rules)
    good = Model(t.config, CORRECT)
    a = b = bug.initial()
    for k, action in enumerate(t.actions, start=1):
        a, b = bug.step(a, action), good.step(b, action)
        if a != b:
            return k
    return None


@pytest.mark.parametrize("v", [pytest.param(v, id=v.name) for v in BUGS])
def test_counterexample_is_harmless_under_correct_rules(v):
    """The same actions under correct Raft break nothing: they run clean to the end, or stop at an
    action that correct Raft never enables, which can only come after the step where the variant's
    behaviour parts from correct Raft's."""
    _, t = _explored_trace(v.name)
    parted = _parting_step(t)

    result = traces.replay(evolve(t, config=on_correct_rules(t.config)))

    assert "clean" == result.outcome.result, result.outcome.message
    assert parted is not None and parted <= t.outcome.step
    if result.disabled_at is not None:
        assert result.disabled_at > parted


@pytest.mark.parametrize("v", [_param(v, SLOW) for v in BUGS])
def test_explorer_finds_each_variant_on_its_configuration(v):
    """The explorer finds each bug on the registered configuration, breaking the expected invariant,
    and its shortest counterexample is exactly the committed one (the search is deterministic)."""
    path, t = _explored_trace(v.name)

    result = explore(v.config)

    assert FOUND[v.name] == (result.violation.invariant, len(result.trace), result.distinct)
    assert v.invariant == result.violation.invariant
    assert t.actions == result.trace, path


@pytest.mark.parametrize("v", [_param(v, SLOW) for v in BUGS])
def test_plain_explorer_finds_the_same_invariant_at_the_same_depth(v):
    """The reference search, one process and whole worlds, agrees with the fast one on what breaks
    and how deep; it stops at the first broken world it meets, so it has searched fewer states."""
    invariant, depth, _ = FOUND[v.name]

    result = explore(v.config, engine="plain")

    assert (invariant, depth, FOUND_PLAIN[v.name]) == (result.violation.invariant, len(result.trace), result.distinct)
    assert traces.replay(traces.Trace(v.config, result.trace, Outcome("violation", invariant, depth, ""), "explore")).outcome.invariant == invariant


@pytest.mark.parametrize("v", [_param(v, CLEAN_SLOW) for v in BUGS if CLEAN[v.name] is not None])
def test_correct_raft_is_clean_on_each_variant_configuration(v):
    """Correct Raft passes the very explorations that catch each bug: to exhaustion, or where that
    takes minutes, at least as deep as the bug's counterexample."""
    depth, distinct = CLEAN[v.name]
    config = on_correct_rules(v.config)

    result = explore(evolve(config, bounds=evolve(config.bounds, max_depth=depth)))

    assert (None, depth is None, distinct) == (result.violation, result.exhaustive, result.distinct)
    if depth is not None:
        assert (depth, FOUND[v.name][1]) == (result.depth, depth)


@pytest.mark.slow
def test_seed_is_clean_on_its_own_synchronous_harness():
    """The seed's departures from Figure 2 break nothing on the seed's own synchronous harness: on the
    small reference bounds it is clean, exhaustively (with as many distinct states as correct Raft)."""
    result = explore(evolve(REFERENCE["small"], variant="seed"))

    assert (None, True, 372884) == (result.violation, result.exhaustive, result.distinct)


def test_configurations_left_to_test_explorer_are_its_reference_bounds():
    """Where correct Raft's clean run is not repeated here, the configuration is one whose exhaustive
    clean run test_explorer.py already pins (the small and four-terms reference configurations)."""
    pinned = {(c.nodes, c.network, c.bounds) for c in (REFERENCE["small"], REFERENCE["four-terms"])}

    for v in BUGS:
        if CLEAN[v.name] is None:
            assert (v.config.nodes, v.config.network, v.config.bounds) in pinned, v.name


def test_table_rows_are_measured_and_say_what_was_unexpected():
    """The README table is built from measured rows; a fuzz engine that finds nothing leaves its
    fuzzer columns "not found" and "—", and a variant that broke something unexpected says so in
    its row."""
    v = get_variant("restart-forgets-vote")
    row = zoo.measure(v, engine=lambda config, seed: None, seeds=(0, 1, 2))
    odd = evolve(row, invariant="election_safety")

    table = zoo.markdown([row, odd])

    lines = table.splitlines()
    assert 4 == len(lines)
    assert lines[2].startswith("| `restart-forgets-vote` | vote_safety | sync |")
    assert lines[2].endswith("| 3 | 28 | " + f"{row.seconds:.1f}" + " | not found (0/3) | — |")
    assert "election_safety (expected vote_safety)" in lines[3]


def test_table_reports_fuzzer_medians_from_the_engine():
    """Given a fuzz engine, each row reports the median seconds and shrunk length over the seeds
    that found the bug, and how many did when some missed."""
    answers = {0: (3.0, 7), 1: None, 2: (1.0, 5)}

    row = zoo.measure(get_variant("restart-forgets-vote"), engine=lambda config, seed: answers[seed], seeds=(0, 1, 2))

    assert zoo.FuzzFigures(found=2, tried=3, median_seconds=2.0, median_length=6.0) == row.fuzz
    assert zoo.markdown([row]).endswith("| 2.0 (2/3) | 6 |")


def test_table_survives_a_failing_fuzz_engine():
    """An engine that raises on some seed costs that seed only; the row says so."""

    def engine(config, seed):
        if seed == 1:
            raise RuntimeError("engine bug")
        return (1.0, 4)

    row = zoo.measure(get_variant("restart-forgets-vote"), engine=engine, seeds=(0, 1, 2))

    assert (2, 1) == (row.fuzz.found, row.fuzz.errors)
    assert zoo.markdown([row]).endswith("| 1.0 (2/3, engine error on 1) | 4 |")


@pytest.mark.parametrize("v", [pytest.param(v, id=v.name) for v in BUGS])
def test_fuzzer_runs_on_the_variant_cluster_and_network(v):
    """The table fuzzes each variant with its own rules, cluster size and network mode, within the
    fuzz engine's own bounds."""
    config = zoo.fuzz_configuration(v, seed=7)

    assert (v.name, v.config.nodes, v.config.network) == (config.variant, config.nodes, config.network)
    assert fuzz_bounds(v.config.nodes) == config.bounds
