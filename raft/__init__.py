"""Raft as immutable state and pure transitions, with the seed's mutable API on top."""

from raft.facade import RaftCluster, RaftNode
from raft.log import SENTINEL, LogEntry
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

__all__ = [
    "HEARTBEAT_INTERVAL",
    "CORRECT",
    "SENTINEL",
    "AppendEntriesRequest",
    "AppendEntriesResponse",
    "ClientResult",
    "Clock",
    "LogEntry",
    "Message",
    "NodeState",
    "RaftCluster",
    "RaftNode",
    "RequestVoteRequest",
    "RequestVoteResponse",
    "Role",
    "Rules",
]
