"""raftos 0.2.6, unchanged, through RaftosAdapter: the adapter's contract (checker/impl/adapter.py)
held on the real library, fetched from the package index into the cache.

The harness here is the smallest network there is (a list of datagrams in flight, delivered in the
order the test says); the driver's own model is tested elsewhere. docs/raftos.md says what the
adapter replaces.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.impl.adapter import Adapter, AdapterError, Send
from checker.model.config import ASYNC

raftos_adapter = pytest.importorskip("checker.impl.libraries.raftos")
RaftosAdapter = raftos_adapter.RaftosAdapter

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.2.6"


@pytest.fixture(scope="module")
def adapter():
    return RaftosAdapter(VERSION, {})


class Cluster:
    """Three raftos nodes and the datagrams between them, in flight until a test delivers them."""

    def __init__(self, adapter, ids=(1, 2, 3)):
        self.adapter = adapter
        self.nodes = {}
        self.flight: list[tuple[int, Send]] = []
        for i in ids:
            self.nodes[i], sends = adapter.create(i, tuple(j for j in ids if j != i))
            self.send(i, sends)

    def send(self, source, sends):
        self.flight += [(source, s) for s in sends]
        return sends

    def advance(self, i, seconds=None):
        return self.send(i, self.adapter.advance(self.nodes[i], seconds))

    def request(self, i, command):
        return self.send(i, self.adapter.request(self.nodes[i], command))

    def deliver(self, k=0):
        source, sent = self.flight.pop(k)
        return self.send(sent.dest, self.adapter.deliver(self.nodes[sent.dest], source, sent.payload))

    def deliver_all(self):
        while self.flight:
            self.deliver()

    def observe(self, i):
        return self.adapter.observe(self.nodes[i])

    def elect(self, i):
        """Node i times out first, and every datagram arrives in order."""
        self.advance(i)
        self.deliver_all()
        assert "leader" == self.observe(i).role


def test_the_adapter_is_an_adapter_on_an_async_network(adapter):
    """RaftosAdapter keeps the protocol: raftos is UDP (loss, reordering, duplication) and keeps its
    term, vote and log in files, so crash and restart mean something."""
    assert isinstance(adapter, Adapter)
    assert ("raftos", ASYNC, True) == (RaftosAdapter.name, RaftosAdapter.network, RaftosAdapter.persistent)
    assert adapter.version == VERSION
    assert "raftos 0.2.6" in adapter.describe()


def test_three_nodes_elect_a_leader_and_commit_a_request(adapter):
    """Raft §5.2 and §5.3 on raftos itself: node 1's election timer fires, it asks for votes, wins,
    and a request handed to it is replicated, committed, and the commit reaches the followers with
    the next heartbeat."""
    c = Cluster(adapter)

    sent = c.advance(1)

    assert ["request_vote term 1 last 0/0"] * 2 == [s.summary for s in sent]
    assert {2, 3} == {s.dest for s in sent}
    c.deliver_all()
    leader = c.observe(1)
    assert ("leader", 1, 1) == (leader.role, leader.term, leader.voted_for)
    assert ({2: 0, 3: 0}, {2: 1, 3: 1}) == (leader.match_index, leader.next_index)
    assert all(("follower", 1, 1) == (c.observe(i).role, c.observe(i).term, c.observe(i).voted_for) for i in (2, 3))

    sent = c.request(1, 7)

    assert ["append_entries term 1 prev 0/0 entries [1:7] commit 0 request 1"] * 2 == [s.summary for s in sent]
    c.deliver_all()
    leader = c.observe(1)
    assert (((1, 7),), 1, {2: 1, 3: 1}) == (leader.log, leader.commit_index, leader.match_index)

    c.advance(1)  # a heartbeat carries the commit index
    c.deliver_all()
    assert all((((1, 7),), 1) == (c.observe(i).log, c.observe(i).commit_index) for i in (1, 2, 3))


def test_a_follower_refuses_requests_quietly(adapter):
    """A request at a node that is not leading is refused as raftos refuses it (leader_required):
    nothing is written, nothing is sent."""
    c = Cluster(adapter)
    c.elect(1)
    before = adapter.key(c.nodes[2])

    assert [] == c.request(2, 9)
    assert before == adapter.key(c.nodes[2])


def test_a_copy_is_independent_of_its_original_memory_clock_and_files(adapter):
    """copy(node) copies raftos's objects, the simulated loop with its timers, and the node's files:
    what happens to the copy leaves the original as it was, and the copy starts equal."""
    c = Cluster(adapter)
    c.elect(1)
    original = c.nodes[1]
    key, files = adapter.key(original), dict(original.files)

    twin = adapter.copy(original)

    assert key == adapter.key(twin)
    adapter.request(twin, 5)
    adapter.advance(twin)
    assert key != adapter.key(twin)
    assert (key, files) == (adapter.key(original), original.files)
    assert ((), ((1, 5),)) == (adapter.observe(original).log, adapter.observe(twin).log)


def test_equal_protocol_states_have_equal_keys_whatever_the_clock(adapter):
    """key(node) holds deadlines as durations from the node's own clock: a follower that hears the
    same heartbeat half a second later (its election timer not yet due) is in the same state."""
    c = Cluster(adapter)
    c.elect(1)
    heartbeat = c.advance(1)[0]
    early, late = c.nodes[heartbeat.dest], adapter.copy(c.nodes[heartbeat.dest])
    adapter.advance(late, 0.5)
    assert adapter.key(early) != adapter.key(late)

    adapter.deliver(early, 1, heartbeat.payload)
    adapter.deliver(late, 1, heartbeat.payload)

    assert adapter.key(early) == adapter.key(late)
    assert early.loop.now != late.loop.now


def test_advance_by_seconds_fires_every_timer_due_and_none_after(adapter):
    """advance(node, seconds) runs the timers due within that time, in deadline order: a leader
    sends a heartbeat every 0.3 s (raftos's heartbeat_interval)."""
    c = Cluster(adapter)
    c.elect(1)
    c.flight.clear()

    sent = c.advance(1, 0.95)

    assert [1, 1, 1, 2, 2, 2] == sorted(s.dest - 1 for s in sent)
    assert all(s.summary.startswith("append_entries term 1 prev 0/0 entries [] commit 0") for s in sent)


def test_crash_keeps_the_files_and_restart_reads_them(adapter):
    """What survives a crash is what raftos wrote to its files: the term and the log. raftos's
    Follower.init_storage clears voted_for at every start, restarts included; the commit index is
    volatile. (The json serializer: raftos's msgpack log cannot be read back, see the bug tests.)"""
    json_adapter = RaftosAdapter(VERSION, {"serializer": "json"})
    c = Cluster(json_adapter)
    c.elect(1)
    c.request(1, 4)
    c.deliver_all()

    stable = json_adapter.crash(c.nodes[2])
    node, sent = json_adapter.restart(2, (1, 3), stable)

    seen = json_adapter.observe(node)
    assert ([], "follower", 1, None, ((1, 4),), 0) == (sent, seen.role, seen.term, seen.voted_for, seen.log, seen.commit_index)


def test_an_exception_inside_raftos_propagates_unchanged(adapter):
    """raftos #27 in four steps: a follower times out (term 2) while the leader's heartbeat is in
    flight; it rejects the heartbeat as stale without the request_id, and the leader, having
    stepped down inside validate_term, goes on reading data['request_id']: a KeyError out of
    deliver, as raftos raises it."""
    c = Cluster(adapter)
    c.elect(1)
    heartbeat = next(s for s in c.advance(1) if s.dest == 2)
    c.flight.clear()
    c.advance(2)  # node 2: election timeout, candidate in term 2
    c.flight.clear()

    rejection = adapter.deliver(c.nodes[2], 1, heartbeat.payload)
    assert ["append_entries_response term 2 stale-term rejection"] == [s.summary for s in rejection]

    with pytest.raises(KeyError, match="request_id"):
        adapter.deliver(c.nodes[1], 2, rejection[0].payload)


def test_unknown_or_bad_settings_are_refused_in_one_line():
    """--impl-conf names raftos's own settings; anything else is the user's mistake."""
    with pytest.raises(AdapterError, match="no setting heartbeat"):
        RaftosAdapter(VERSION, {"heartbeat": "1"})
    with pytest.raises(AdapterError, match="must be a float"):
        RaftosAdapter(VERSION, {"heartbeat_interval": "fast"})
    with pytest.raises(AdapterError, match="msgpack or json"):
        RaftosAdapter(VERSION, {"serializer": "pickle"})


def test_the_compatibility_aliases_stay_inside_raftos(adapter):
    """The aliases raftos 0.2.6 needs on Python 3.11 are seen by raftos's modules only: the process's
    asyncio.Queue still refuses loop=, and msgpack's unpackb still refuses encoding=."""
    import msgpack

    with pytest.raises(TypeError):
        asyncio.Queue(loop=None)
    with pytest.raises(TypeError):
        msgpack.unpackb(msgpack.packb(1), encoding="utf-8")
    assert asyncio.futures.InvalidStateError is asyncio.InvalidStateError


SCENARIO = """
import sys
from checker.impl.libraries.raftos import RaftosAdapter
a = RaftosAdapter("0.2.6", {})
ids = (1, 2, 3)
nodes, flight = {}, []
for i in ids:
    nodes[i], sent = a.create(i, tuple(j for j in ids if j != i))
flight += [(1, s) for s in a.advance(nodes[1])]
while flight:
    source, s = flight.pop(0)
    flight += [(s.dest, t) for t in a.deliver(nodes[s.dest], source, s.payload)]
    print(source, s.dest, s.payload.hex(), s.summary)
flight += [(1, s) for s in a.request(nodes[1], 3)] + [(1, s) for s in a.advance(nodes[1])]
while flight:
    source, s = flight.pop()
    flight += [(s.dest, t) for t in a.deliver(nodes[s.dest], source, s.payload)]
    print(source, s.dest, s.payload.hex(), s.summary)
for i in ids:
    print(a.key(nodes[i]))
"""


def test_runs_are_the_same_in_every_process_whatever_the_hash_seed():
    """Determinism (the adapter's contract): the same calls give the same datagrams, in the same
    order, and the same keys in two processes with different PYTHONHASHSEED values. raftos
    broadcasts over a set of peer addresses; the adapter's hosts hash the same in every process."""
    outputs = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", SCENARIO], env=env, capture_output=True, text=True, cwd=ROOT)
        assert 0 == done.returncode, done.stderr
        outputs.append(done.stdout)

    assert outputs[0] == outputs[1]
    assert 15 < len(outputs[0].splitlines())


# --- The published bugs of raftos 0.2.6, told step by step through the adapter ----------------
# (The driver finds them by itself and the corpus keeps its traces: tests/test_raftos_bugs.py.)


def test_issue_25_a_reordered_response_moves_match_index_backwards(adapter):
    """raftos #25 (Raft §5.3, Figure 2: matchIndex "increases monotonically"): a heartbeat's
    success (last 0) overtaken by the next append's success (last 1) arrives last, and
    on_receive_append_entries_response sets match_index from it unconditionally."""
    c = Cluster(adapter)
    c.elect(1)
    c.flight.clear()
    heartbeat = {s.dest: s for s in c.advance(1)}
    early = adapter.deliver(c.nodes[3], 1, heartbeat[3].payload)
    append = {s.dest: s for s in c.request(1, 5)}
    late = adapter.deliver(c.nodes[3], 1, append[3].payload)

    adapter.deliver(c.nodes[1], 3, late[0].payload)
    assert 1 == c.observe(1).match_index[3]
    adapter.deliver(c.nodes[1], 3, early[0].payload)

    assert (0, 1) == (c.observe(1).match_index[3], c.observe(1).next_index[3])


def test_issue_26_a_delayed_append_erases_a_follower_matched_log(adapter):
    """raftos #26 (Raft §5.3: a follower deletes entries only on a conflict): a second copy of
    the first append (prev 0, sent again by a heartbeat before the first was answered) reaches a
    follower that holds two entries; raftos erases from index 1 because its last index is not
    prev_log_index, and writes one entry back. The leader has committed index 2 on that
    follower's match: a committed entry now held by the leader alone."""
    c = Cluster(adapter)
    c.elect(1)
    c.flight.clear()
    first = {s.dest: s for s in c.request(1, 5)}
    again = {s.dest: s for s in c.advance(1)}
    assert first[2].summary.split(" request")[0] == again[2].summary.split(" request")[0]
    adapter.deliver(c.nodes[1], 2, adapter.deliver(c.nodes[2], 1, first[2].payload)[0].payload)
    second = {s.dest: s for s in c.request(1, 6)}
    adapter.deliver(c.nodes[1], 2, adapter.deliver(c.nodes[2], 1, second[2].payload)[0].payload)
    assert (2, ((1, 5), (1, 6))) == (c.observe(1).commit_index, c.observe(2).log)

    adapter.deliver(c.nodes[2], 1, again[2].payload)

    assert (((1, 5),), ()) == (c.observe(2).log, c.observe(3).log)


def test_the_fast_copy_is_deepcopy_for_raftos_nodes(adapter):
    """The adapter's own copier (raftos.py _clone) against copy.deepcopy, on nodes in every role:
    the same key, and the same datagrams when the copies go on the same way."""
    import copy

    c = Cluster(adapter)
    c.advance(3)  # node 3: a candidate, its requests in flight
    candidate = c.nodes[3]
    c.flight.clear()
    c.elect(1)
    for node in (c.nodes[1], c.nodes[2], candidate):
        fast, plain = raftos_adapter._clone(node, {}), copy.deepcopy(node)
        assert adapter.key(fast) == adapter.key(plain) == adapter.key(node)
        assert fast.server is not node.server and fast.loop is not node.loop and fast.files is not node.files
        sent = [[s.payload for s in adapter.advance(n)] for n in (fast, plain)]
        assert sent[0] == sent[1]
        assert adapter.key(fast) == adapter.key(plain)


# --- Bugs of raftos 0.2.6 that its tracker does not list (docs/raftos.md, "Found here") -------


def test_a_leader_that_steps_down_forgets_its_vote_and_a_second_leader_is_elected_in_its_term(adapter):
    """Raft §5.2 (Figure 2: votedFor is persistent, "candidateId that received vote in current
    term"): raftos's Follower.init_storage sets voted_for to None at every start of a follower,
    also when a leader steps down in its own term (no majority of heartbeat responses for
    step_down_missed_heartbeats heartbeats). A request_vote of the same term still in flight then
    wins its vote: two leaders of term 1 (election safety)."""
    c = Cluster(adapter)
    for_1 = {s.dest: s for s in c.advance(1)}
    for_3 = {s.dest: s for s in c.advance(3)}
    c.flight.clear()
    vote = adapter.deliver(c.nodes[2], 1, for_1[2].payload)
    adapter.deliver(c.nodes[1], 2, vote[0].payload)
    assert ("leader", 1, 1) == (c.observe(1).role, c.observe(1).term, c.observe(1).voted_for)
    for _ in range(6):  # heartbeats nobody answers, then the step-down timer
        adapter.advance(c.nodes[1])
    assert ("follower", 1, None) == (c.observe(1).role, c.observe(1).term, c.observe(1).voted_for)

    vote = adapter.deliver(c.nodes[1], 3, for_3[1].payload)
    adapter.deliver(c.nodes[3], 1, vote[0].payload)

    assert ("leader", 1) == (c.observe(3).role, c.observe(3).term)


def test_four_nodes_elect_two_leaders_in_one_term_because_raftos_counts_a_majority_of_peers(adapter):
    """Raft §5.2 (a candidate wins with votes from a majority of the servers): raftos's
    State.is_majority(count) is count > len(peers) // 2, which with four servers is two votes
    (itself and one more), not three. Two candidates of term 1 with one vote each both lead."""
    c = Cluster(adapter, ids=(1, 2, 3, 4))
    for_1 = {s.dest: s for s in c.advance(1)}
    for_2 = {s.dest: s for s in c.advance(2)}
    c.flight.clear()

    adapter.deliver(c.nodes[1], 3, adapter.deliver(c.nodes[3], 1, for_1[3].payload)[0].payload)
    adapter.deliver(c.nodes[2], 4, adapter.deliver(c.nodes[4], 2, for_2[4].payload)[0].payload)

    assert [("leader", 1), ("leader", 1)] == [(c.observe(i).role, c.observe(i).term) for i in (1, 2)]


def test_raftos_cannot_read_back_a_msgpack_log_it_wrote(adapter):
    """raftos's Log writes each entry as msgpack followed by b"\\n" and reads the file back with
    readlines(), handing each line, newline included, to msgpack.unpackb, which refuses the
    trailing byte (ExtraData; msgpack-python 0.4.8, the release raftos pins, raises the same).
    The log is read back at every start and after every fifth entry (Log.UPDATE_CACHE_EVERY):
    a node with entries cannot restart, and the fifth request fails inside the leader."""
    from msgpack.exceptions import ExtraData

    c = Cluster(adapter)
    c.elect(1)
    c.request(1, 1)
    c.deliver_all()
    with pytest.raises(ExtraData):
        adapter.restart(2, (1, 3), adapter.crash(c.nodes[2]))
    for k in range(2, 5):
        c.request(1, k)
        c.deliver_all()
    with pytest.raises(ExtraData):
        c.request(1, 5)


def test_explore_on_raftos_is_the_same_search_under_two_hash_seeds(tmp_path):
    """Through the driver: `explore --impl raftos==0.2.6` counts the same states in two processes
    with different PYTHONHASHSEED values (fingerprints from the adapter's keys), pinned so that a
    change of the adapter's key shows up here: 970 distinct worlds to depth 5 on these bounds."""
    counts = []
    for seed in ("0", "99"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "checker", "explore", "--impl", "raftos==0.2.6", "--max-term", "1", "--max-requests", "1",
             "--max-cut", "0", "--max-in-flight", "4", "--max-depth", "5", "--json", "--quiet", "--corpus", str(tmp_path)],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        assert 0 == done.returncode, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        counts.append((result["states"], result["distinct"]))

    assert [(2121, 970)] * 2 == counts
