"""Log entries and the few facts about a log that every rule needs."""

from __future__ import annotations

from typing import Hashable

from attrs import frozen


@frozen(cache_hash=True)
class LogEntry:
    """One entry of a server's log: a client command and the term it was received in (§5.3)."""

    term: int
    index: int
    command: Hashable


#: The entry every log starts with, so that index 0 always has a term.
#: Invariant: it is never removed (the seed's rule 6).
SENTINEL = LogEntry(term=0, index=0, command=None)

#: A log is a tuple of entries with ``log[i].index == i`` and the sentinel at 0.
Log = tuple[LogEntry, ...]


def last_index(log: Log) -> int:
    """The index of the last entry (0 for a log holding only the sentinel)."""
    return len(log) - 1


def last_term(log: Log) -> int:
    """The term of the last entry (0 for a log holding only the sentinel)."""
    return log[-1].term


def is_at_least_as_up_to_date(
    candidate_last_term: int, candidate_last_index: int, log: Log
) -> bool:
    """Raft determines which of two logs is more up-to-date by comparing the index and term
    of the last entries: the later term wins, and with equal terms the longer log (§5.4.1)."""
    return (candidate_last_term, candidate_last_index) >= (last_term(log), last_index(log))
