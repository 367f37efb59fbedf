"""Determinism of the Raft core: a seed fixes a whole run, in this process and in others.

The only randomness in Raft is the election timeout (§5.2); it comes from a generator carried
in each node's state and seeded from the cluster seed and the node id, so neither the order of
Python's hash-randomised sets nor the global ``random`` module may leak into a run.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import attrs

from raft import RaftCluster, RaftNode

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# String ids: their hashes, and so the order of any set of them, change with PYTHONHASHSEED.
NODE_IDS = ("a", "b", "c", "d", "e")


def snapshot(node: RaftNode) -> tuple:
    """Everything a node holds, as plain values whose repr does not depend on hash order."""
    s = node.node_state
    return (
        s.id,
        s.role.value,
        s.current_term,
        s.voted_for,
        tuple((e.term, e.index, e.command) for e in s.log),
        s.commit_index,
        s.last_applied,
        s.next_index,
        s.match_index,
        tuple(sorted(s.votes_received)),
        attrs.astuple(s.clock),
    )


def record_run(seed: int, steps: int = 300) -> list[tuple]:
    """Drive a five-node cluster through ticks, partitions, heals and submissions chosen by a
    generator seeded with ``seed``, recording every node after every step."""
    cluster = RaftCluster(NODE_IDS, seed=seed)
    script = random.Random(seed)
    record = []
    for step in range(steps):
        choice = script.random()
        if choice < 0.04:
            cluster.partition_node(script.choice(NODE_IDS))
        elif choice < 0.10:
            cluster.heal_node(script.choice(NODE_IDS))
        elif choice < 0.25:
            cluster.submit(f"cmd-{step}")
        cluster.tick(script.choice([5, 10, 20, 50]))
        record.append(tuple(snapshot(node) for node in cluster.nodes.values()))
    return record


def record_in_subprocess(seed: int, hash_seed: str) -> str:
    code = (
        "import sys; "
        f"sys.path[:0] = [{str(ROOT)!r}, {str(TESTS)!r}]; "
        "from test_raft_determinism import record_run; "
        f"print(repr(record_run({seed})))"
    )
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def test_same_seed_gives_same_run_twice():
    """The same seed drives two clusters through identical states, step by step."""
    first = record_run(seed=11)
    second = record_run(seed=11)

    assert first == second
    # The run is not trivial: leaders were elected and entries committed.
    final = first[-1]
    assert any(node[1] == "leader" for step in first for node in step)
    assert max(node[5] for node in final) > 0


def test_same_seed_gives_same_run_under_any_hash_seed():
    """A run printed by processes with different PYTHONHASHSEED values is the same, and the
    same as this process's."""
    here = repr(record_run(seed=11))

    outputs = {hash_seed: record_in_subprocess(11, hash_seed) for hash_seed in ("0", "12345")}

    assert {"0": here, "12345": here} == outputs


def test_no_seed_means_a_fixed_seed():
    """A cluster built without a seed is still deterministic: two of them elect the same
    leader in the same term after the same number of ticks."""

    def elect() -> tuple:
        cluster = RaftCluster([1, 2, 3])
        leader = cluster.run_until_leader()
        return leader, cluster.nodes[leader].current_term, [snapshot(n) for n in cluster.nodes.values()]

    assert elect() == elect()


def test_different_seeds_give_different_timeouts():
    """The seed matters: nodes built with different seeds draw different election timeouts
    (§5.2), and clusters built with different seeds run differently."""
    timeouts = {seed: RaftNode(1, [2, 3], seed=seed).node_state.clock.election_timeout for seed in range(6)}

    assert len(set(timeouts.values())) > 1
    assert record_run(seed=1, steps=60) != record_run(seed=2, steps=60)


def test_nodes_of_one_cluster_draw_different_timeouts():
    """Within one cluster each node's generator is seeded from its id too, so the nodes do
    not all time out together (which would split every vote, §5.2)."""
    cluster = RaftCluster(NODE_IDS, seed=0)

    timeouts = [node.node_state.clock.election_timeout for node in cluster.nodes.values()]

    assert len(set(timeouts)) > 1


def test_seed_parts_do_not_run_together():
    """Seeds built from different parts differ even where their digits would read the same run
    together, so (seed 1, node 23) and (seed 12, node 3) get different timeouts."""
    from raft import rng

    assert rng.seed_from(1, 23) != rng.seed_from(12, 3)
