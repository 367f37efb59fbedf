"""The fast explorer against the plain one: the same worlds, the same answers, on any number of workers."""

from __future__ import annotations

import itertools
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker import traces
from checker.front import explore, model_for
from checker.model.config import ASYNC, FIFO, REFERENCE, Bounds, Config
from checker.model.invariants import SOMETIMES_CHECKS, check_step, check_world
from checker.model.native import Model
from checker.model.outcome import Outcome
from checker.model.actions import Tick
from checker.model.variants import bug_variants, get_variant
from checker.search import parallel
from checker.search.encoded import Encoded, _relabel, _relabel_message
from checker.search.parallel import _Packing
from checker.search.verdicts import Judge
from raft.state import Role

ROOT = Path(__file__).resolve().parent.parent


def _summary(result):
    return (result.distinct, result.states, result.depth, result.exhaustive, result.reached, result.violation)


@pytest.mark.parametrize("name", ["tiny", pytest.param("async-tiny", marks=pytest.mark.slow)])
def test_fast_and_plain_explorers_agree_on_a_clean_configuration(name):
    """Same distinct worlds, transitions, depth, exhaustiveness and sometimes-depths as the plain search
    (symmetry reduction off: the plain search counts every world)."""
    config = REFERENCE[name]

    assert _summary(explore(config, engine="plain")) == _summary(explore(config, symmetry=False))


@pytest.mark.parametrize("name", ["tiny", "async-tiny"])
def test_two_workers_give_the_single_process_result(name):
    """Partitioning the search over two processes changes nothing in the result."""
    config = REFERENCE[name]

    assert _summary(explore(config, workers=1)) == _summary(explore(config, workers=2))


def test_three_workers_give_the_single_process_result():
    """Nor over three, where owners are a hash of the node states modulo 3."""
    config = REFERENCE["tiny"]

    assert _summary(explore(config, workers=1)) == _summary(explore(config, workers=3))


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_is_reported_within_a_long_level(workers):
    """Progress comes during a level's expansion, not only between levels (which give one report
    each): more reports than levels, the steps counted never going back, and the result as
    without reports."""
    config = evolve(REFERENCE["small"], bounds=evolve(REFERENCE["small"].bounds, max_depth=9))
    reports = []
    result = parallel.parallel_search(
        model_for(config), workers, on_progress=reports.append, progress_every=0.0, partial_every=0.0
    )

    assert len(reports) > result.depth
    assert [r.states for r in reports] == sorted(r.states for r in reports)
    assert _summary(result) == _summary(explore(config, workers=workers))


def test_packed_candidates_unpack_to_what_was_packed():
    """A level's new worlds are held as bytes; every field comes back, negative fingerprints, worlds
    of any length (messages in flight) and the largest positions included."""
    packing = _Packing()
    rng = random.Random(7)
    for length in (7, 8, 11, 30):
        for _ in range(50):
            from_fp = rng.randrange(-(1 << 63), 1 << 63)
            n, position, maker = rng.randrange(1 << 24), rng.randrange(1 << 32), rng.randrange(256)
            world = tuple(rng.randrange(1 << 32) for _ in range(length))
            packed = packing.pack(from_fp, n, position, maker, world)

            assert packing.unpack(packed) == (from_fp, n, position, maker, world)


@pytest.mark.parametrize("name", ["vote-no-log-check", "stale-replies", "match-backwards"])
def test_two_workers_give_the_same_counterexample(name):
    """On a broken variant the counterexample itself, not only its length, is the same on 1 and 2 workers."""
    config = get_variant(name).config
    one, two = explore(config, workers=1), explore(config, workers=2)

    assert _summary(one) == _summary(two)
    assert one.trace == two.trace


def test_a_depth_bound_stops_the_fast_search_where_it_stops_the_plain_one():
    """With a depth bound both searches stop at the same level, not exhaustive, with the same counts."""
    config = evolve(REFERENCE["tiny"], bounds=evolve(REFERENCE["tiny"].bounds, max_depth=6))
    plain, fast = explore(config, engine="plain"), explore(config)

    assert _summary(plain) == _summary(fast)
    assert (False, 6) == (fast.exhaustive, fast.depth)


def _random_worlds(config, count, seed):
    """Worlds met on seeded random walks through ``config``'s model."""
    model = Model(config, get_variant(config.variant).rules)
    rng = random.Random(seed)
    worlds = []
    while len(worlds) < count:
        w = model.initial()
        for _ in range(40):
            options = [a for a in model.actions(w) if model.step(w, a) is not None]
            if not options:
                break
            w = model.step(w, rng.choice(options))
            worlds.append(w)
    return model, worlds


#: Small bounds on ordered links on which four known bugs still show (the variants' own bounds are
#: too large there for the plain search): two terms, one request, two in flight, one node cut off.
FIFO_BOUNDS = Bounds(max_term=2, max_requests=1, max_in_flight=2, max_cut=1)
FIFO_BUGS = ["vote-no-log-check", "stepdown-forgets-vote", "heartbeat-no-check", "stale-replies"]
FIFO_CONFIGS = {
    "fifo-tiny": REFERENCE["fifo-tiny"],
    "fifo-tiny-depth-10": Config(nodes=3, network=FIFO, bounds=evolve(FIFO_BOUNDS, max_depth=10)),
    # Crashes and cuts: every action kind of the fifo model (a crash breaks the node's links too).
    "fifo-faults": Config(nodes=3, network=FIFO, bounds=evolve(FIFO_BOUNDS, max_crashed=1, max_depth=8)),
}


def _fifo_config(name):
    return FIFO_CONFIGS[name] if name in FIFO_CONFIGS else Config(nodes=3, network=FIFO, variant=name, bounds=FIFO_BOUNDS)


CONFIGS = (
    [REFERENCE["small"], REFERENCE["async-tiny"]]
    + [v.config for v in bug_variants()]
    + [FIFO_CONFIGS["fifo-tiny"], FIFO_CONFIGS["fifo-faults"]]
    + [_fifo_config(name) for name in FIFO_BUGS]
)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.variant}-{c.network}{'-crashes' if c.bounds.max_crashed else ''}")
def test_encoded_successors_are_the_plain_model_steps(config):
    """The integer-spelled model tries the plain model's actions in its order and reaches the same worlds."""
    model, worlds = _random_worlds(config, 60, 1)
    enc = Encoded(model)
    for w in worlds:
        e = enc.encode(w)
        assert enc.decode(e) == w
        mine = [(n, enc.action(e, kind, arg), enc.decode(after)) for kind, arg, n, after in enc.successors(e)]
        theirs = [(n, a, after) for n, a in enumerate(model.actions(w)) if (after := model.step(w, a)) is not None]
        assert theirs == mine


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.variant}-{c.network}{'-crashes' if c.bounds.max_crashed else ''}")
def test_decomposed_invariant_checks_agree_with_the_registry(config):
    """The fast explorer's pairwise and per-node verdicts say "broken" exactly when the registry does,
    on worlds and steps of every variant, broken ones included."""
    model, worlds = _random_worlds(config, 80, 2)
    enc = Encoded(model)
    judge = Judge(enc, [(p.name, p.check) for p in SOMETIMES_CHECKS])
    for w in worlds:
        e = enc.encode(w)
        assert check_world(w) == judge.always(e)
        for action in model.actions(w):
            after = model.step(w, action)
            if after is None:
                continue
            kind, arg, _, encoded_after = next(s for s in enc.successors(e) if enc.action(e, s[0], s[1]) == action)
            assert check_step(w, action, after) == judge.transition(e, kind, arg, encoded_after)
            verdict = judge.step(e, kind, arg, encoded_after)
            if isinstance(verdict, int):
                # The mask of changed parts: node positions, then the ghost history.
                parts = [*range(enc.k), enc.k + 3]
                assert verdict == sum(1 << i for i, p in enumerate(parts) if e[p] != encoded_after[p])
                if check_world(w) is None:
                    # From a world that passed, looking only at the changed parts is enough.
                    assert judge.always(encoded_after, verdict) == check_world(after)


_FINGERPRINTS = """
from checker.model.config import REFERENCE
from checker.search.encoded import Encoded
from checker.front import model_for
model = model_for(REFERENCE["async-tiny"])
enc = Encoded(model)
level = [model.initial()]
for _ in range(4):
    level = [a for w in level for x in model.actions(w) if (a := model.step(w, x)) is not None]
print(sorted(enc.fingerprint(enc.encode(w)) for w in level))
"""


def test_fingerprints_are_the_same_under_any_hash_seed():
    """Fingerprints do not use Python's salted string hashes: two processes with different
    PYTHONHASHSEED values give every world the same fingerprint."""
    outputs = set()
    for hash_seed in ("0", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        run = subprocess.run([sys.executable, "-c", _FINGERPRINTS], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        outputs.add(run.stdout)
    assert 1 == len(outputs)
    assert len(outputs.pop()) > 100


def _orbit_sizes(config) -> tuple[int, int]:
    """A breadth-first search that keeps one world per class of worlds equal up to node names,
    and adds up the sizes of the classes: (classes, worlds in them). Within ``max_depth`` steps
    if the bounds say so (renaming moves no world nearer the initial one, which all renamings
    leave as it is, so a class lies at one depth)."""
    model = Model(config, get_variant(config.variant).rules)
    enc = Encoded(model)

    def renamings(e):
        # Fingerprints of the world under every renaming of its nodes: the class's members.
        members = set()
        for perm in enc.perms:
            k = enc.k
            nodes = [0] * k
            for i in range(k):
                nodes[perm[i]] = enc.node(_relabel(enc.nodes[e[i]], perm))
            w = enc.decode(e)
            moved = evolve(
                w,
                nodes=tuple(enc.nodes[i] for i in nodes),
                network=_renamed_network(w.network, perm, config.network),
                cut=frozenset(perm[i - 1] + 1 for i in w.cut),
                crashed=frozenset(perm[i - 1] + 1 for i in w.crashed),
                elections=frozenset((t, perm[leader - 1] + 1) for t, leader in w.elections),
            )
            members.add(enc.fingerprint(enc.encode(moved)))
        return members

    start = enc.encode(model.initial())
    seen = {enc.canonical_fingerprint(start)}
    level, worlds = [start], len(renamings(start))
    depth = config.bounds.max_depth
    for _ in itertools.count() if depth is None else range(depth):
        if not level:
            break
        following = []
        for e in level:
            for _, _, _, after in enc.successors(e):
                if (fp := enc.canonical_fingerprint(after)) not in seen:
                    seen.add(fp)
                    following.append(after)
                    worlds += len(renamings(after))
        level = following
    return len(seen), worlds


SMALL_ASYNC = Config(nodes=3, network=ASYNC, bounds=Bounds(max_term=1, max_requests=1, max_in_flight=2, max_cut=0))
#: Cuts and crashes on ordered links, exhaustive: 922,538 worlds, 154,231 classes.
FIFO_CRASHES = Config(nodes=3, network=FIFO, bounds=evolve(FIFO_BOUNDS, max_crashed=1))


@pytest.mark.parametrize(
    "config",
    [
        SMALL_ASYNC,
        pytest.param(REFERENCE["async-tiny"], marks=pytest.mark.slow),
        FIFO_CONFIGS["fifo-tiny-depth-10"],
        FIFO_CONFIGS["fifo-faults"],
        pytest.param(REFERENCE["fifo-tiny"], marks=pytest.mark.slow),
        pytest.param(FIFO_CRASHES, marks=pytest.mark.slow),
    ],
    ids=["small", "async-tiny", "fifo-tiny-depth-10", "fifo-faults", "fifo-tiny", "fifo-crashes"],
)
def test_symmetry_classes_add_up_to_every_world(config):
    """Symmetry reduction loses nothing on the async and fifo networks: the classes it keeps, each
    counted with all its renamings, are exactly the worlds the search without it finds (83,217
    on async-tiny, 155,943 on fifo-tiny, 922,538 on fifo with crashes)."""
    classes, worlds = _orbit_sizes(config)

    assert (classes, worlds) == (explore(config).distinct, explore(config, symmetry=False).distinct)
    assert worlds > 2 * classes


def test_symmetry_would_merge_different_behaviours_on_the_sync_harness():
    """Why symmetry is off on the sync network: there, renaming the nodes of a world and then stepping
    is not always the same as stepping and then renaming, so classes would not add up."""
    config = REFERENCE["tiny"]
    classes, worlds = _orbit_sizes(config)

    assert worlds != explore(config, symmetry=False).distinct


def _renamed_network(network, perm, kind):
    """The messages in flight with their nodes renamed, in the order the model keeps them: on the
    async network a bag in ``repr`` order; on fifo each link's queue in the order sent (a stable
    sort), the links by their new (source, destination)."""
    moved = [_relabel_message(m, perm) for m in network]
    return tuple(sorted(moved, key=(lambda m: (m.source, m.dest)) if kind == FIFO else repr))


def _renamed(w, perm, kind=ASYNC):
    """World ``w`` with node i renamed perm[i - 1] + 1, everything that names a node included
    (the network kept as a network of ``kind`` keeps it)."""
    nodes = [None] * len(w.nodes)
    for i, n in enumerate(w.nodes):
        nodes[perm[i]] = _relabel(n, perm)
    move = lambda i: perm[i - 1] + 1  # noqa: E731
    return evolve(
        w,
        nodes=tuple(nodes),
        network=_renamed_network(w.network, perm, kind),
        cut=frozenset(map(move, w.cut)),
        crashed=frozenset(map(move, w.crashed)),
        elections=frozenset((term, move(leader)) for term, leader in w.elections),
    )


def _renamed_action(a, perm):
    """Action ``a`` with its node, or its message's nodes, renamed."""
    if hasattr(a, "node"):
        return evolve(a, node=perm[a.node - 1] + 1)
    return evolve(a, message=_relabel_message(a.message, perm))


def _first_step_that_renaming_changes(config, nodes_only, depth=None):
    """Breadth first through ``config``'s worlds (to ``depth`` steps, None: all): the first
    (world, action, renaming) for which renaming the world and then stepping differs from stepping
    and then renaming (in the node states alone, with ``nodes_only``; else anywhere, the network
    and the ghost history included), or None if there is none."""
    model = Model(config, get_variant(config.variant).rules)
    perms = list(itertools.permutations(range(config.nodes)))[1:]
    seen, level = {model.initial()}, [model.initial()]
    for _ in itertools.count() if depth is None else range(depth):
        if not level:
            break
        following = []
        for w in level:
            for a in model.actions(w):
                after = model.step(w, a)
                if after is None:
                    continue
                for perm in perms:
                    theirs = model.step(_renamed(w, perm, config.network), _renamed_action(a, perm))
                    mine = _renamed(after, perm, config.network)
                    if theirs is None or ((theirs.nodes != mine.nodes) if nodes_only else (theirs != mine)):
                        return w, a, perm, mine, theirs
                if after not in seen:
                    seen.add(after)
                    following.append(after)
        level = following
    return None


@pytest.mark.parametrize("name, depth", [("fifo-faults", 5), pytest.param("fifo-tiny", 9, marks=pytest.mark.slow)])
def test_on_fifo_renaming_then_stepping_is_stepping_then_renaming(name, depth):
    """Why symmetry reduction is sound on ordered links: on every world within ``depth`` steps,
    every action and every renaming, the renamed world stepped by the renamed action (a Deliver
    of the renamed message) is the stepped world renamed, network and ghost history included.
    A step changes one node and one link's head, and appends at most one message to a link's
    tail, so the links' queues, each kept in the order sent under its new name, commute with it."""
    assert _first_step_that_renaming_changes(_fifo_config(name), nodes_only=False, depth=depth) is None


def test_on_the_sync_harness_a_leaders_state_after_all_replies_depends_on_their_order():
    """Why symmetry reduction stays off on the sync network (docs/performance.md): the seed's harness
    delivers a tick's messages, each followed at once by its reply, in the order of the receivers'
    names, and the sender's state after all the replies depends on that order. The first such
    world on ``tiny``: leader 1 of term 1 holds an uncommitted entry, node 2 is a candidate of term
    2, node 3 a follower of term 1. Leader 1's heartbeat meets node 2 first, whose reply of term 2
    makes it step down before node 3's success arrives: nothing is committed. Rename 2 and 3 and
    the follower answers first: the leader commits its entry and then steps down. The two worlds
    differ only in names, their ticks do not: merging them would lose one of the outcomes."""
    found = _first_step_that_renaming_changes(REFERENCE["tiny"], nodes_only=True)

    assert found is not None
    w, action, perm, mine, theirs = found
    leader = w.node(action.node)
    assert isinstance(action, Tick) and leader.role is Role.LEADER
    moved = perm[action.node - 1] + 1
    # The renamed outcomes differ in the (former) leader only, and there in what it has committed.
    assert [i + 1 for i in range(len(w.nodes)) if mine.nodes[i] != theirs.nodes[i]] == [moved]
    assert (mine.node(moved).role, theirs.node(moved).role) == (Role.FOLLOWER, Role.FOLLOWER)
    assert mine.node(moved).current_term == theirs.node(moved).current_term > leader.current_term
    assert sorted((mine.node(moved).commit_index, theirs.node(moved).commit_index)) == [0, 1]
    assert evolve(mine.node(moved), commit_index=0, last_applied=0) == evolve(theirs.node(moved), commit_index=0, last_applied=0)


def test_on_the_sync_harness_even_a_step_that_ends_alike_can_differ_in_its_history():
    """Earlier still (depth 4 on ``tiny``), renaming changes what happened inside a tick though not the
    node states after it: a candidate that asks a follower of term 0 first is elected before the
    candidate of a higher term makes it step down; asked in the other order, it is never elected.
    The ghost history (who won which term, which election_safety and leader_completeness read)
    tells the two apart."""
    found = _first_step_that_renaming_changes(REFERENCE["tiny"], nodes_only=False)

    assert found is not None
    w, action, perm, mine, theirs = found
    assert isinstance(action, Tick) and w.node(action.node).role is Role.FOLLOWER
    assert mine.nodes == theirs.nodes
    assert mine.elections != theirs.elections
    assert {len(mine.elections), len(theirs.elections)} == {0, 1}


@pytest.mark.parametrize("name", ["stale-replies", "duplicate-votes", "match-backwards", "truncate-always",
                                  "fifo:stale-replies", "fifo:stepdown-forgets-vote", "fifo:vote-no-log-check"])
def test_symmetry_keeps_verdict_and_depth(name):
    """With and without symmetry reduction, each async variant (and known bugs on small fifo bounds)
    breaks the same invariant at the same depth, and the counterexample found with it replays as
    a real path to that violation."""
    network, _, name = name.rpartition(":")
    config = _fifo_config(name) if network == FIFO else get_variant(name).config
    plain, reduced = explore(config, symmetry=False), explore(config, symmetry=True)

    assert (plain.violation.invariant, len(plain.trace)) == (reduced.violation.invariant, len(reduced.trace))
    replayed = traces.replay(traces.Trace(config, reduced.trace, Outcome("violation"), "explore"))
    assert (reduced.violation.invariant, len(reduced.trace)) == (replayed.outcome.invariant, replayed.outcome.step)


def test_a_failing_worker_is_reported_with_its_traceback(monkeypatch):
    """A bug that makes a worker process raise stops the search with that worker's traceback, not a hang."""
    import checker.search.parallel as parallel

    def broken(self):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(parallel._Worker, "expand", broken)
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("the planted bug reaches worker processes only when they are forked")
    with pytest.raises(RuntimeError, match="ZeroDivisionError: planted"):
        parallel.parallel_search(model_for(REFERENCE["tiny"]), 2)


def test_the_c_loop_is_built():
    """``pip install .`` builds ``checker/search/_native.c``: the explorer's figures in the README are the C
    loop's, so an install that silently fell back to the Python loop must not pass unnoticed."""
    assert parallel._native is not None
    assert parallel.native_loop()


def test_the_python_loop_is_chosen_by_a_parameter():
    """``native=False`` makes a worker expand with the Python loop, in this process and in those it
    starts (the parameter travels with them; no module setting is read)."""
    model = model_for(REFERENCE["tiny"])

    assert parallel._Worker(model, 0, 1).native is not None
    assert parallel._Worker(model, 0, 1, native=False).native is None


def _both_loops(config, workers):
    return [explore(config, workers=workers, symmetry=False, native=native) for native in (True, False)]


SYNC_BUGS = [v.name for v in bug_variants() if v.config.network != ASYNC]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("name", ["tiny", "depth-bounded", "crashes"] + SYNC_BUGS)
def test_the_c_loop_and_the_python_loop_agree(name, workers):
    """The C loop makes the same search as the Python loop it replaces: the same distinct worlds,
    transitions, depth, sometimes-depths and verdict, and on a broken variant the same
    counterexample, step for step, on one worker and on two."""
    if name == "depth-bounded":
        config = evolve(REFERENCE["small"], bounds=evolve(REFERENCE["small"].bounds, max_depth=10))
    elif name == "crashes":
        config = evolve(REFERENCE["tiny"], bounds=evolve(REFERENCE["tiny"].bounds, max_crashed=1, max_depth=12))
    elif name == "tiny":
        config = REFERENCE[name]
    else:  # A known-bug variant on its own configuration.
        config = get_variant(name).config
    native, python = _both_loops(config, workers)

    assert _summary(native) == _summary(python)
    assert native.trace == python.trace
    assert (native.violation is None) == (name in ("tiny", "depth-bounded", "crashes"))


ASYNC_BUGS = [v.name for v in bug_variants() if v.config.network == ASYNC]
ASYNC_CONFIGS = {
    "async-tiny": REFERENCE["async-tiny"],
    "small-async": SMALL_ASYNC,
    # Crashes, cuts and a depth bound: every action kind of the asynchronous model.
    "async-faults": Config(nodes=3, network=ASYNC, bounds=Bounds(max_term=2, max_requests=1, max_in_flight=2, max_cut=1,
                                                                  max_crashed=1, max_depth=9)),
}


def _async_config(name):
    return ASYNC_CONFIGS[name] if name in ASYNC_CONFIGS else get_variant(name).config


@pytest.mark.parametrize("symmetry", [True, False], ids=["symmetry", "every-world"])
@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("name", list(ASYNC_CONFIGS) + ASYNC_BUGS)
def test_the_c_loop_and_the_python_loop_agree_on_the_async_network(name, workers, symmetry):
    """On the asynchronous network, with symmetry reduction and without it, the C loop makes the
    same search as the Python loop: the same distinct worlds (or classes), transitions, depth,
    sometimes-depths and verdict, and on a known-bug variant the same counterexample, step for
    step, on one, two and three workers."""
    config = _async_config(name)
    native, python = (explore(config, workers=workers, symmetry=symmetry, native=c) for c in (True, False))

    assert _summary(native) == _summary(python)
    assert native.trace == python.trace
    assert native.symmetry == python.symmetry == symmetry
    assert (native.violation is None) == (name in ASYNC_CONFIGS)


def _slow_on_fifo(name, slow=("fifo-tiny", "heartbeat-no-check")):
    # Over about five seconds on one core for the Python loop, or for the plain search beside it.
    return pytest.param(name, marks=pytest.mark.slow) if name in slow else name


@pytest.mark.parametrize("symmetry", [True, False], ids=["symmetry", "every-world"])
@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("name", [_slow_on_fifo(n) for n in [*FIFO_CONFIGS, *FIFO_BUGS]])
def test_the_c_loop_and_the_python_loop_agree_on_the_fifo_network(name, workers, symmetry):
    """On ordered links, with symmetry reduction and without it, the C loop makes the same search
    as the Python loop: the same distinct worlds (or classes), transitions, depth,
    sometimes-depths and verdict, and on a known-bug variant the same counterexample, step for
    step, on one, two and three workers."""
    config = _fifo_config(name)
    native, python = (explore(config, workers=workers, symmetry=symmetry, native=c) for c in (True, False))

    assert _summary(native) == _summary(python)
    assert native.trace == python.trace
    assert native.symmetry == python.symmetry == symmetry
    assert (native.violation is None) == (name in FIFO_CONFIGS)


@pytest.mark.parametrize("name", [_slow_on_fifo(n, ("fifo-tiny", "heartbeat-no-check", "vote-no-log-check"))
                                  for n in [*FIFO_CONFIGS, *FIFO_BUGS]])
def test_fast_and_plain_explorers_agree_on_the_fifo_network(name):
    """On ordered links the fast engine finds what the plain search finds: on a clean
    configuration the same distinct worlds, transitions, depth, exhaustiveness and
    sometimes-depths; on a known bug the same invariant at the same shortest depth, and its
    counterexample replays, step by step through the plain model, to that invariant there."""
    config = _fifo_config(name)
    plain, fast = explore(config, engine="plain"), explore(config, workers=2, symmetry=False)

    if name in FIFO_CONFIGS:
        assert plain.violation is None
        assert _summary(plain) == _summary(fast)
    else:
        assert (plain.violation.invariant, len(plain.trace)) == (fast.violation.invariant, len(fast.trace))
        replayed = traces.replay(traces.Trace(config, fast.trace, Outcome("violation"), "explore"))
        assert (fast.violation.invariant, len(fast.trace)) == (replayed.outcome.invariant, replayed.outcome.step)


def test_the_c_loop_searches_the_fifo_network():
    """The C loop is chosen on the fifo network, with and without symmetry reduction (the two
    tests above would pass trivially were both runs the Python loop's), and not where more
    messages are in flight than its worlds hold."""
    model = model_for(REFERENCE["fifo-tiny"])

    assert parallel._Worker(model, 0, 1).native is not None
    assert parallel._Worker(model, 0, 1, symmetry=True).native is not None
    assert parallel._Worker(model, 0, 1, native=False).native is None
    many = evolve(REFERENCE["fifo-tiny"], bounds=evolve(REFERENCE["fifo-tiny"].bounds, max_in_flight=10_000))
    assert parallel._Worker(model_for(many), 0, 1).native is None


def test_the_c_loop_searches_the_async_network_and_symmetry():
    """The C loop is chosen on the asynchronous network, with and without symmetry reduction (the
    test above would pass trivially were both runs the Python loop's)."""
    model = model_for(REFERENCE["async-tiny"])

    assert parallel._Worker(model, 0, 1, symmetry=True).native is not None
    assert parallel._Worker(model, 0, 1, symmetry=False).native is not None
    assert parallel._Worker(model, 0, 1, symmetry=True, native=False).native is None
    many = evolve(REFERENCE["async-tiny"], bounds=evolve(REFERENCE["async-tiny"].bounds, max_in_flight=10_000))
    assert parallel._Worker(model_for(many), 0, 1).native is None  # More in flight than its worlds hold.


def test_explore_says_which_loop_it_runs():
    """``explore`` prints "(C loop)" where the C loop runs (both networks, with or without symmetry)
    and says why not where it does not."""
    from checker.cli.report import loop

    assert loop("fast", REFERENCE["async-tiny"], True) == loop("fast", REFERENCE["tiny"], False) == " (C loop)"
    many = evolve(REFERENCE["async-tiny"], bounds=evolve(REFERENCE["async-tiny"].bounds, max_in_flight=10_000))
    assert loop("fast", many, True).startswith(" (Python loop: ")
    assert loop("plain", REFERENCE["tiny"], False) == ""


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_the_c_loop_and_the_python_loop_agree_on_the_async_reference(workers):
    """The same on ``async``, the benchmark's asynchronous configuration (a long run for the Python loop)."""
    native, python = (explore(REFERENCE["async"], workers=workers, native=c) for c in (True, False))

    assert _summary(native) == _summary(python)


def test_the_c_loop_hashes_integer_tuples_as_python_does():
    """The C loop's fingerprints are Python's ``hash`` of the global form, computed without the tuple:
    the same on every kind of integer a global form holds (fingerprints of either sign, the
    reduction modulo 2**61 - 1 and its edges, -1, small masks and counts)."""
    rng = random.Random(11)
    edges = [0, 1, -1, -2, 2, (1 << 61) - 1, 1 << 61, (1 << 61) + 1, -(1 << 61), -(1 << 61) + 1,
             (1 << 63) - 1, -(1 << 63), (1 << 62), -(1 << 62)]
    for length in range(0, 12):
        for _ in range(300):
            items = tuple(
                rng.choice(edges) if rng.random() < 0.3 else rng.randrange(-(1 << 63), 1 << 63) if rng.random() < 0.7
                else rng.randrange(64)
                for _ in range(length)
            )
            assert parallel._native.fingerprint(items) == hash(items), items


def test_a_worker_that_learned_another_workers_lessons_computes_none_of_them_again():
    """With two workers, what one worker's C loop computed for its tables' misses is shipped to the
    other, which then expands the same worlds without computing any of it again, and makes the
    same successors."""
    config = REFERENCE["tiny"]
    # The teacher: the worker of two that owns the initial world, running alone.
    teacher = next(w for w in (parallel._Worker(model_for(config), i, 2) for i in (0, 1)) if w.seed()[0])
    me, other = teacher.index, 1 - teacher.index
    nothing = parallel._blob(([], [], []), b"", b"", other)  # What the other worker would send, were it running.
    shipped = []
    for depth in range(1, 5):
        frontier, fps = list(teacher.frontier), list(teacher.frontier_fps)
        _, _, blobs = teacher.expand()
        shipped.append(parallel._unblob(blobs[other]))
        teacher.accept([nothing, nothing], depth)
    # The pupil: a fresh worker that interns the teacher's parts in the teacher's order (so that
    # the teacher's packed worlds mean the same to it) and learns its lessons.
    pupil = parallel._Worker(model_for(config), other, 2)
    calls = []
    for owner, names in ((pupil.enc, ("receive_new", "act_new", "observe_new")),
                         (pupil.judge, ("node_verdict", "single_verdict", "pair_verdict"))):
        for name in names:
            method = getattr(owner, name)
            setattr(owner, name, lambda *a, _m=method, _n=name: calls.append(_n) or _m(*a))
    pupil.native = parallel._native_loop(pupil.enc, pupil.judge, record=False)
    for definitions, lessons, _, _ in shipped:
        pupil.define(definitions)
        pupil.native.learn(lessons)

    # The last level the teacher expanded, expanded again by the pupil, as if it were the teacher.
    pending, mine, broken = {}, {}, []
    transitions = pupil.native.expand(frontier, fps, 0, len(frontier), pending, mine, me, 2, broken)
    made = pupil.native.shipments()

    assert sum(len(lessons) for _, lessons, _, _ in shipped) > 0
    assert transitions > 0 and calls == []
    assert bytes(made[other]) == shipped[-1][2] != b""
    assert not broken




def test_bench_times_the_c_loop_beside_the_python_loop_on_the_same_search():
    """``bench --python-loop`` runs the fast explorer with each loop, in fresh processes, and the rows
    say which loop made them; both searched the same worlds (bench refuses runs that disagree)."""
    from checker.measure import bench

    runs, _ = bench.bench_explore(["tiny"], [1], repeat=1, python_loop=True)

    assert [(r["engine"], r["loop"], r["workers"]) for r in runs] == [("fast", "Python", 1), ("fast", "C", 1)]
    assert len({(r["distinct"], r["transitions"]) for r in runs}) == 1
    assert "| tiny | fast | C | 1 | 9,312 |" in bench.explore_table(runs)
