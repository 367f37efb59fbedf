"""The RPCs of Figure 2 and their replies, each a frozen value addressed from one server to another."""

from __future__ import annotations

from typing import Any, Hashable

from attrs import frozen

from raft.log import LogEntry


@frozen(cache_hash=True)
class RequestVoteRequest:
    """Invoked by candidates to gather votes (§5.2)."""

    term: int
    source: Hashable
    dest: Hashable
    last_log_index: int
    last_log_term: int

    def to_dict(self) -> dict[str, Any]:
        """The seed's outbound message dict."""
        return {
            "type": "request_vote",
            "from": self.source,
            "to": self.dest,
            "term": self.term,
            "candidate_id": self.source,
            "last_log_index": self.last_log_index,
            "last_log_term": self.last_log_term,
        }


@frozen(cache_hash=True)
class RequestVoteResponse:
    """A voter's answer to a RequestVote RPC (§5.2)."""

    term: int
    source: Hashable
    dest: Hashable
    vote_granted: bool

    def to_dict(self) -> dict[str, Any]:
        """The seed's reply dict."""
        return {"term": self.term, "vote_granted": self.vote_granted}


@frozen(cache_hash=True)
class AppendEntriesRequest:
    """Invoked by the leader to replicate log entries; also used as a heartbeat (§5.3)."""

    term: int
    source: Hashable
    dest: Hashable
    prev_log_index: int
    prev_log_term: int
    entries: tuple[LogEntry, ...]
    leader_commit: int

    def to_dict(self) -> dict[str, Any]:
        """The seed's outbound message dict."""
        return {
            "type": "append_entries",
            "from": self.source,
            "to": self.dest,
            "term": self.term,
            "leader_id": self.source,
            "prev_log_index": self.prev_log_index,
            "prev_log_term": self.prev_log_term,
            "entries": list(self.entries),
            "leader_commit": self.leader_commit,
        }


@frozen(cache_hash=True)
class AppendEntriesResponse:
    """A follower's answer to an AppendEntries RPC (§5.3).

    On success ``match_index`` is the index of the last entry the request verified; on failure
    it is a hint: the follower's log cannot match the leader's beyond it.
    """

    term: int
    source: Hashable
    dest: Hashable
    success: bool
    match_index: int

    def to_dict(self) -> dict[str, Any]:
        """The seed's reply dict."""
        return {"term": self.term, "success": self.success, "match_index": self.match_index}


Message = RequestVoteRequest | RequestVoteResponse | AppendEntriesRequest | AppendEntriesResponse


@frozen
class ClientResult:
    """What a server answers a client: the appended entry, or why there is none."""

    success: bool
    entry: LogEntry | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """The seed's ``{success, entry, error}`` result."""
        return {"success": self.success, "entry": self.entry, "error": self.error}
