"""Raft's transitions as pure functions: ``(state, input) -> (new_state, outputs)``.

Nothing here mutates, reads a clock or uses a global random generator. Names follow the
actions of Ongaro's ``raft.tla``; each docstring says what the server does, in the spec's
voice, and the section of the paper it implements.
"""

from __future__ import annotations

from typing import Hashable

from attrs import evolve

from raft import rng
from raft.log import LogEntry, is_at_least_as_up_to_date, last_index, last_term
from raft.messages import (
    AppendEntriesRequest,
    AppendEntriesResponse,
    ClientResult,
    Message,
    RequestVoteRequest,
    RequestVoteResponse,
)
from raft.rules import CORRECT, Rules
from raft.state import HEARTBEAT_INTERVAL, Clock, NodeState, Role

Outputs = tuple[Message, ...]


def initial_state(
    node_id: Hashable,
    peers: tuple[Hashable, ...],
    timeout_range: tuple[int, int] | None = None,
    seed: int = 0,
) -> NodeState:
    """A server starts as a follower in term 0 with an empty log (§5.2). With a timeout range
    it carries its own clock; without one, time is left to the caller (a model checker)."""
    clock = None
    if timeout_range is not None:
        low, high = timeout_range
        timeout, state = rng.draw(seed, low, high)
        clock = Clock(timeout_range=(low, high), election_timeout=timeout, rng=state)
    return NodeState(id=node_id, peers=tuple(peers), clock=clock)


# --- Timers -----------------------------------------------------------------------------


def _reset_election_timer(s: NodeState) -> NodeState:
    """Start a fresh randomized election timeout (§5.2); nothing to do without a clock."""
    if s.clock is None:
        return s
    low, high = s.clock.timeout_range
    timeout, state = rng.draw(s.clock.rng, low, high)
    return evolve(s, clock=evolve(s.clock, election_elapsed=0, election_timeout=timeout, rng=state))


def tick(s: NodeState, elapsed_ms: int, rules: Rules = CORRECT) -> tuple[NodeState, Outputs]:
    """Time passes at server i: a leader sends heartbeats when due (§5.2), any other server
    starts an election once its randomized election timeout has elapsed (§5.2)."""
    clock = s.clock
    if clock is None:
        raise ValueError("tick needs a node state with a clock; a model checker calls timeout and heartbeat itself")
    if s.role is Role.LEADER:
        elapsed = clock.heartbeat_elapsed + elapsed_ms
        if elapsed >= HEARTBEAT_INTERVAL:
            return heartbeat(s, rules)
        return evolve(s, clock=evolve(clock, heartbeat_elapsed=elapsed)), ()
    elapsed = clock.election_elapsed + elapsed_ms
    if elapsed >= clock.election_timeout:
        return timeout(s, rules)
    return evolve(s, clock=evolve(clock, election_elapsed=elapsed)), ()


# --- Role changes -----------------------------------------------------------------------


def become_follower(s: NodeState, term: int, rules: Rules = CORRECT) -> NodeState:
    """Server i becomes a follower in ``term``, keeping its vote only if the term is unchanged (§5.1)."""
    keep_vote = term == s.current_term and not rules.forget_vote_on_step_down
    s = evolve(
        s,
        role=Role.FOLLOWER,
        current_term=term,
        voted_for=s.voted_for if keep_vote else None,
        next_index=(),
        match_index=(),
        votes_received=frozenset(),
        votes_counted=0,
    )
    return _reset_election_timer(s)


def update_term(s: NodeState, term: int, rules: Rules = CORRECT) -> NodeState:
    """Any RPC with a newer term causes the recipient to advance its term first, and step
    down to follower (§5.1, Figure 2 "Rules for Servers")."""
    return become_follower(s, term, rules)


def timeout(s: NodeState, rules: Rules = CORRECT) -> tuple[NodeState, Outputs]:
    """Server i times out and starts a new election: it increments its term, votes for itself
    and asks every peer for its vote (§5.2). Only a follower or candidate times out."""
    term = s.current_term + 1
    s = evolve(
        s,
        role=Role.CANDIDATE,
        current_term=term,
        voted_for=s.id,
        votes_received=frozenset([s.id]),
        votes_counted=1 if rules.count_duplicate_votes else 0,
        next_index=(),
        match_index=(),
    )
    s = _reset_election_timer(s)
    if s.is_quorum(s.votes_received):  # A cluster of one elects itself.
        s = become_leader(s, rules)
    index, last = last_index(s.log), last_term(s.log)
    return s, tuple(RequestVoteRequest(term, s.id, peer, index, last) for peer in s.peers)


def become_leader(s: NodeState, rules: Rules = CORRECT) -> NodeState:
    """Candidate i has votes from a quorum and becomes leader: nextIndex starts just past its
    log, matchIndex at 0 (§5.3)."""
    following = last_index(s.log) + 1
    s = evolve(
        s,
        role=Role.LEADER,
        next_index=(following,) * len(s.peers),
        match_index=(0,) * len(s.peers),
        votes_received=frozenset(),
        votes_counted=0,
    )
    if s.clock is not None:
        # A new leader asserts itself at its very next tick rather than a full interval later.
        s = evolve(s, clock=evolve(s.clock, heartbeat_elapsed=HEARTBEAT_INTERVAL))
    return advance_commit_index(s, rules)  # Only changes anything in a cluster of one.


def restart(s: NodeState, rules: Rules = CORRECT) -> NodeState:
    """Server i restarts from stable storage: it keeps currentTerm, votedFor and its log, and
    loses everything else (Figure 2)."""
    fresh = NodeState(
        id=s.id,
        peers=s.peers,
        current_term=s.current_term,
        voted_for=None if rules.forget_vote_on_restart else s.voted_for,
        log=s.log,
        clock=s.clock,
    )
    return _reset_election_timer(fresh)


# --- Leader actions ---------------------------------------------------------------------


def append_entries(s: NodeState, peer: Hashable) -> AppendEntriesRequest:
    """Leader i sends peer j an AppendEntries request with every entry from nextIndex[j] on,
    or none as a heartbeat (§5.3)."""
    k = s.peers.index(peer)
    prev = s.next_index[k] - 1
    return AppendEntriesRequest(
        term=s.current_term,
        source=s.id,
        dest=peer,
        prev_log_index=prev,
        prev_log_term=s.log[prev].term,
        entries=s.log[prev + 1 :],
        leader_commit=s.commit_index,
    )


def heartbeat(s: NodeState, rules: Rules = CORRECT) -> tuple[NodeState, Outputs]:
    """Leader i sends every peer an AppendEntries request, replicating what it lacks (§5.2, §5.3)."""
    if s.clock is not None:
        s = evolve(s, clock=evolve(s.clock, heartbeat_elapsed=0))
    return s, tuple(append_entries(s, peer) for peer in s.peers)


def client_request(s: NodeState, command: Hashable, rules: Rules = CORRECT) -> tuple[NodeState, ClientResult]:
    """Leader i receives a client request and appends it to its log (§5.3); any other server
    refuses it."""
    if s.role is not Role.LEADER:
        return s, ClientResult(success=False, entry=None, error="not leader")
    entry = LogEntry(term=s.current_term, index=last_index(s.log) + 1, command=command)
    s = advance_commit_index(evolve(s, log=s.log + (entry,)), rules)
    return s, ClientResult(success=True, entry=entry, error=None)


def advance_commit_index(s: NodeState, rules: Rules = CORRECT) -> NodeState:
    """Leader i advances its commitIndex to the highest index stored on a quorum whose entry
    is from the current term (§5.3, §5.4.2)."""
    for n in range(last_index(s.log), s.commit_index, -1):
        if s.log[n].term != s.current_term and not rules.commit_earlier_terms:
            break  # Terms never decrease along a log, so no lower index qualifies either.
        replicas = 1 + sum(1 for m in s.match_index if m >= n)
        if s.is_quorum(replicas):
            return _commit_to(s, n)
    return s


def _commit_up_to(s: NodeState, index: int) -> NodeState:
    """commitIndex moves forward to ``index``, never back."""
    return _commit_to(s, index) if index > s.commit_index else s


def _commit_to(s: NodeState, index: int) -> NodeState:
    # Applying is a no-op here (there is no state machine), so last_applied follows at once.
    return evolve(s, commit_index=index, last_applied=index)


# --- Message handlers -------------------------------------------------------------------


def handle_request_vote_request(
    s: NodeState, m: RequestVoteRequest, rules: Rules = CORRECT
) -> tuple[NodeState, RequestVoteResponse]:
    """Server i receives a RequestVote request from server j and grants its vote if it has not
    voted for another candidate this term and j's log is at least as up-to-date (§5.2, §5.4.1)."""
    if m.term > s.current_term:
        s = update_term(s, m.term, rules)
    if rules.grant_vote_without_log_check:
        log_ok = True
    elif rules.up_to_date_index_first:
        log_ok = (m.last_log_index, m.last_log_term) >= (last_index(s.log), last_term(s.log))
    elif rules.up_to_date_length_only:
        log_ok = m.last_log_index >= last_index(s.log)
    else:
        log_ok = is_at_least_as_up_to_date(m.last_log_term, m.last_log_index, s.log)
    grant = m.term == s.current_term and s.voted_for in (None, m.source) and log_ok
    if grant:
        s = _reset_election_timer(evolve(s, voted_for=m.source))
    return s, RequestVoteResponse(term=s.current_term, source=s.id, dest=m.source, vote_granted=grant)


def handle_request_vote_response(
    s: NodeState, m: RequestVoteResponse, rules: Rules = CORRECT
) -> tuple[NodeState, Outputs]:
    """Server i receives a RequestVote response from server j and, with votes from a quorum,
    becomes leader (§5.2)."""
    if m.term > s.current_term:
        return update_term(s, m.term, rules), ()
    if m.term < s.current_term and not rules.accept_stale_replies:
        return s, ()  # A stale response is simply dropped.
    if s.role is not Role.CANDIDATE or not m.vote_granted:
        return s, ()
    s = evolve(s, votes_received=s.votes_received | {m.source})
    if rules.count_duplicate_votes:
        s = evolve(s, votes_counted=s.votes_counted + 1)
        won = s.is_quorum(s.votes_counted)
    else:
        won = s.is_quorum(s.votes_received)
    if won:
        s = become_leader(s, rules)
    return s, ()


def handle_append_entries_request(
    s: NodeState, m: AppendEntriesRequest, rules: Rules = CORRECT
) -> tuple[NodeState, AppendEntriesResponse]:
    """Server i receives an AppendEntries request from server j: if its log holds an entry at
    prevLogIndex with prevLogTerm it stores the new entries, deleting only a conflicting suffix,
    and advances its commitIndex no further than the entries it verified (§5.3)."""
    if m.term > s.current_term:
        s = update_term(s, m.term, rules)
    if m.term < s.current_term:
        return s, AppendEntriesResponse(s.current_term, s.id, m.source, success=False, match_index=0)
    # The sender is the leader of our term: a candidate gives way, and the election timer restarts.
    s = become_follower(s, s.current_term, rules) if s.role is not Role.FOLLOWER else _reset_election_timer(s)
    log = s.log
    checked = not (rules.heartbeat_skips_check and not m.entries)
    if checked and (m.prev_log_index > last_index(log) or log[m.prev_log_index].term != m.prev_log_term):
        if rules.truncate_on_mismatch and m.prev_log_index <= last_index(log):
            log = log[: m.prev_log_index]  # Index 0 always matches, so the sentinel stays.
            s = evolve(s, log=log)
        if rules.commit_to_log_end:
            s = _commit_up_to(s, min(m.leader_commit, last_index(log)))
        # The log cannot match beyond here (after a truncation, this is its last index).
        hint = min(last_index(log), m.prev_log_index - 1)
        return s, AppendEntriesResponse(s.current_term, s.id, m.source, success=False, match_index=hint)
    if rules.truncate_on_every_append:
        log = log[: m.prev_log_index + 1] + m.entries
    else:
        for offset, entry in enumerate(m.entries):
            index = m.prev_log_index + 1 + offset
            if index > last_index(log) or log[index].term != entry.term:
                log = log[:index] + m.entries[offset:]
                break
    verified = m.prev_log_index + len(m.entries)
    s = evolve(s, log=log)
    s = _commit_up_to(s, min(m.leader_commit, last_index(log) if rules.commit_to_log_end else verified))
    match = last_index(log) if rules.match_from_log_end else verified
    return s, AppendEntriesResponse(s.current_term, s.id, m.source, success=True, match_index=match)


def handle_append_entries_response(
    s: NodeState, m: AppendEntriesResponse, rules: Rules = CORRECT
) -> tuple[NodeState, Outputs]:
    """Leader i receives an AppendEntries response from server j: on success it records what j
    holds and tries to commit; on failure it backs nextIndex[j] up and will retry (§5.3)."""
    if m.term > s.current_term:
        return update_term(s, m.term, rules), ()
    if (m.term < s.current_term and not rules.accept_stale_replies) or s.role is not Role.LEADER:
        return s, ()  # Stale, or no longer leader: dropped.
    k = s.peers.index(m.source)
    match, following = s.match_index[k], s.next_index[k]
    if m.success and rules.match_may_decrease:
        match = m.match_index
        following = match + 1
    elif m.success:
        # Replies can arrive late or twice: what a follower is known to hold never shrinks.
        match = max(match, m.match_index)
        following = max(following, match + 1)
    else:
        following = max(match + 1, min(following - 1, m.match_index + 1))
    if following > last_index(s.log) + 1:
        # Only a deviating follower, or a reply from an older term, claims more than this
        # leader's log holds; nextIndex stays within the log so the next request can be built.
        following = last_index(s.log) + 1
    s = evolve(
        s,
        match_index=_replace(s.match_index, k, match),
        next_index=_replace(s.next_index, k, following),
    )
    return advance_commit_index(s, rules), ()


def receive(s: NodeState, m: Message, rules: Rules = CORRECT) -> tuple[NodeState, Outputs]:
    """Server i receives message m and handles it by its type; replies come back as outputs."""
    if isinstance(m, AppendEntriesRequest):
        s, reply = handle_append_entries_request(s, m, rules)
        return s, (reply,)
    if isinstance(m, AppendEntriesResponse):
        return handle_append_entries_response(s, m, rules)
    if isinstance(m, RequestVoteRequest):
        s, reply = handle_request_vote_request(s, m, rules)
        return s, (reply,)
    return handle_request_vote_response(s, m, rules)


def _replace(values: tuple[int, ...], k: int, value: int) -> tuple[int, ...]:
    return values[:k] + (value,) + values[k + 1 :]
