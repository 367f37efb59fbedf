"""Switches for deliberate deviations from correct Raft, so the checker can show it finds them.

The default, ``Rules()``, is correct Raft. Each switch is one documented departure, made in
``raft.transitions`` at the exact place of the rule it breaks; switches compose, so a variant
can be several of them at once (the seed's is). The checker's variant registry gives them
names, sources and the invariant each should break.
"""

from __future__ import annotations

from attrs import frozen


@frozen
class Rules:
    """Which deviations from Figure 2 a server makes. All off means correct Raft."""

    # --- Elections (§5.2, §5.4.1) ---------------------------------------------------------

    #: A voter grants its vote whatever the candidate's log, so a leader can lack committed
    #: entries; correct Raft grants only to a log at least as up-to-date as its own (§5.4.1).
    grant_vote_without_log_check: bool = False
    #: The up-to-date check compares (last index, last term) instead of (last term, last
    #: index): a long log of an old term beats a short log of a newer one (§5.4.1).
    up_to_date_index_first: bool = False
    #: The up-to-date check compares log lengths only and ignores the last entry's term (§5.4.1).
    up_to_date_length_only: bool = False
    #: votedFor is lost on restart, so a server can vote twice in one term; Figure 2 keeps it
    #: on stable storage with currentTerm and the log.
    forget_vote_on_restart: bool = False
    #: A server that steps down to follower without changing term (a candidate hearing from
    #: the leader of its term) clears votedFor; only a new term may clear it (§5.2, Figure 2).
    forget_vote_on_step_down: bool = False
    #: A candidate counts granted replies instead of distinct voters, so a duplicated reply
    #: counts twice (§5.2: "votes from a majority of the servers").
    count_duplicate_votes: bool = False
    #: Replies from an older term are counted instead of dropped (raft.tla's DropStaleResponse):
    #: a vote granted for an earlier election, or an acknowledgement sent to an earlier leader.
    accept_stale_replies: bool = False

    # --- Replication (§5.3) ----------------------------------------------------------------

    #: A follower replaces everything after prevLogIndex with the request's entries, instead of
    #: deleting only from the first conflicting entry on: a late request can take back entries
    #: the follower already acknowledged (Figure 2, AppendEntries receiver step 3).
    truncate_on_every_append: bool = False
    #: A request that fails the consistency check truncates the follower's log from
    #: prevLogIndex on (the conflicting entry and all after it); Figure 2 deletes only on
    #: conflict with a new entry, in a request that passed the check.
    truncate_on_mismatch: bool = False
    #: An AppendEntries request without entries (a heartbeat) is accepted without the
    #: consistency check; Figure 2 checks prevLogIndex/prevLogTerm on every request (§5.3).
    heartbeat_skips_check: bool = False
    #: A follower that accepts a request reports its whole log as matching (its last index),
    #: instead of only the entries the request verified, prevLogIndex + len(entries) (§5.3).
    match_from_log_end: bool = False
    #: A follower sets commitIndex = min(leaderCommit, its last log index) on every request from
    #: the leader, even one that failed the check, instead of capping it by the entries the
    #: request verified (Figure 2, AppendEntries receiver step 5: "index of last new entry").
    commit_to_log_end: bool = False
    #: The leader takes each success reply's matchIndex as it comes, so a late reply moves
    #: matchIndex (and nextIndex) back; Figure 2: matchIndex "increases monotonically".
    match_may_decrease: bool = False

    # --- Commitment (§5.4.2) -----------------------------------------------------------------

    #: A leader commits any entry stored on a majority, whatever its term, which Figure 8
    #: shows to be unsafe; correct Raft counts replicas only for current-term entries (§5.4.2).
    commit_earlier_terms: bool = False


CORRECT = Rules()
