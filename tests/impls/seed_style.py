"""A plain, mutable Raft node with the seed's API, written the way a course lab or a hobby
project would write it, and small deliberate breakages of it, one bug each.

Nothing here knows about raftcheck: the tests and the README check these classes with
``--impl tests/impls/seed_style.py:ClassName``, exactly as a user would check their own.
"""

import random

HEARTBEAT_MS = 50


class LogEntry:
    def __init__(self, term, index, command):
        self.term = term
        self.index = index
        self.command = command

    def __repr__(self):
        return f"LogEntry({self.term}, {self.index}, {self.command!r})"


class SeedRaft:
    """Correct Raft (§5.2-§5.4), as far as its author knows."""

    def __init__(self, node_id, peer_ids, election_timeout_range=(150, 300)):
        self.node_id = node_id
        self.peer_ids = list(peer_ids)
        self.timeout_range = election_timeout_range
        self.current_term = 0
        self.voted_for = None
        self.log = [LogEntry(0, 0, None)]  # The sentinel: index 0 always has a term.
        self.state = "follower"
        self.commit_index = 0
        self.votes = set()
        self.next_index = {}
        self.match_index = {}
        self.heartbeat_elapsed = 0
        self.reset_election_timer()

    # --- helpers ---

    def reset_election_timer(self):
        self.election_elapsed = 0
        self.election_timeout = random.randint(*self.timeout_range)

    def last_log_index(self):
        return len(self.log) - 1

    def last_log_term(self):
        return self.log[-1].term

    def is_majority(self, count):
        return 2 * count > len(self.peer_ids) + 1

    def become_follower(self, term):
        if term > self.current_term:
            self.current_term = term
            self.voted_for = None
        self.state = "follower"
        self.votes = set()
        self.next_index = {}
        self.match_index = {}
        self.reset_election_timer()

    def become_leader(self):
        self.state = "leader"
        self.next_index = {p: len(self.log) for p in self.peer_ids}
        self.match_index = {p: 0 for p in self.peer_ids}
        self.heartbeat_elapsed = 0

    def append_entries_to(self, peer):
        prev = self.next_index[peer] - 1
        return {
            "type": "append_entries",
            "from": self.node_id,
            "to": peer,
            "term": self.current_term,
            "prev_log_index": prev,
            "prev_log_term": self.log[prev].term,
            "entries": self.log[prev + 1 :],
            "leader_commit": self.commit_index,
        }

    def heartbeats(self):
        return [self.append_entries_to(p) for p in self.peer_ids]

    # --- time ---

    def tick(self, elapsed_ms):
        if self.state == "leader":
            self.heartbeat_elapsed += elapsed_ms
            if self.heartbeat_elapsed < HEARTBEAT_MS:
                return []
            self.heartbeat_elapsed = 0
            return self.heartbeats()
        self.election_elapsed += elapsed_ms
        if self.election_elapsed < self.election_timeout:
            return []
        self.state = "candidate"
        self.current_term += 1
        self.voted_for = self.node_id
        self.votes = {self.node_id}
        self.reset_election_timer()
        return [
            {
                "type": "request_vote",
                "from": self.node_id,
                "to": p,
                "term": self.current_term,
                "last_log_index": self.last_log_index(),
                "last_log_term": self.last_log_term(),
            }
            for p in self.peer_ids
        ]

    # --- elections ---

    def log_is_up_to_date(self, last_log_index, last_log_term):
        return (last_log_term, last_log_index) >= (self.last_log_term(), self.last_log_index())

    def handle_request_vote(self, candidate_id, candidate_term, last_log_index, last_log_term):
        if candidate_term > self.current_term:
            self.become_follower(candidate_term)
        granted = (
            candidate_term == self.current_term
            and self.voted_for in (None, candidate_id)
            and self.log_is_up_to_date(last_log_index, last_log_term)
        )
        if granted:
            self.voted_for = candidate_id
            self.reset_election_timer()
        return {"term": self.current_term, "vote_granted": granted}

    def handle_vote_response(self, from_id, term, vote_granted):
        if term > self.current_term:
            self.become_follower(term)
            return
        if self.state != "candidate" or term != self.current_term or not vote_granted:
            return
        self.votes.add(from_id)
        if self.is_majority(len(self.votes)):
            self.become_leader()

    # --- replication ---

    def handle_append_entries(self, leader_id, leader_term, prev_log_index, prev_log_term, entries, leader_commit):
        if leader_term < self.current_term:
            return {"term": self.current_term, "success": False, "match_index": 0}
        self.become_follower(leader_term)
        if prev_log_index > self.last_log_index() or self.log[prev_log_index].term != prev_log_term:
            hint = min(prev_log_index - 1, self.last_log_index())
            return {"term": self.current_term, "success": False, "match_index": max(hint, 0)}
        for entry in entries:
            if entry.index <= self.last_log_index():
                if self.log[entry.index].term == entry.term:
                    continue
                del self.log[entry.index :]
            self.log.append(LogEntry(entry.term, entry.index, entry.command))
        match = prev_log_index + len(entries)
        if leader_commit > self.commit_index:
            self.commit_index = max(self.commit_index, min(leader_commit, match))
        return {"term": self.current_term, "success": True, "match_index": match}

    def handle_append_response(self, from_id, term, success, match_index):
        if term > self.current_term:
            self.become_follower(term)
            return
        if self.state != "leader" or term != self.current_term:
            return
        if success:
            self.match_index[from_id] = max(self.match_index[from_id], match_index)
            self.next_index[from_id] = self.match_index[from_id] + 1
            self.advance_commit_index()
        else:
            self.next_index[from_id] = max(1, min(self.next_index[from_id] - 1, match_index + 1))

    def advance_commit_index(self):
        for n in range(self.last_log_index(), self.commit_index, -1):
            replicas = 1 + sum(1 for p in self.peer_ids if self.match_index[p] >= n)
            if self.is_majority(replicas) and self.log[n].term == self.current_term:
                self.commit_index = n
                return

    # --- clients and observers ---

    def client_request(self, command):
        if self.state != "leader":
            return {"success": False, "entry": None, "error": "not leader"}
        entry = LogEntry(self.current_term, len(self.log), command)
        self.log.append(entry)
        return {"success": True, "entry": entry, "error": None}

    def get_log(self):
        return self.log[1:]

    def get_committed_entries(self):
        return self.log[1 : self.commit_index + 1]


class EarlierTermCommit(SeedRaft):
    """Commits an entry from an earlier term once a majority holds it, by counting replicas:
    the Figure 8 bug (§5.4.2)."""

    def advance_commit_index(self):
        for n in range(self.last_log_index(), self.commit_index, -1):
            replicas = 1 + sum(1 for p in self.peer_ids if self.match_index[p] >= n)
            if self.is_majority(replicas):
                self.commit_index = n
                return


class NoUpToDateCheck(SeedRaft):
    """Grants its vote without comparing logs, so a candidate missing committed entries can win (§5.4.1)."""

    def log_is_up_to_date(self, last_log_index, last_log_term):
        return True


class RaisesOnRefusal(SeedRaft):
    """Takes a refused voter out of its votes with ``remove``, which raises KeyError when the
    voter was never in them."""

    def handle_vote_response(self, from_id, term, vote_granted):
        if not vote_granted and term == self.current_term:
            self.votes.remove(from_id)
            return
        super().handle_vote_response(from_id, term, vote_granted)


class StaleReplyWithoutMatch(SeedRaft):
    """Refuses a stale leader with a reply that leaves out ``match_index``."""

    def handle_append_entries(self, leader_id, leader_term, prev_log_index, prev_log_term, entries, leader_commit):
        if leader_term < self.current_term:
            return {"term": self.current_term, "success": False}
        return super().handle_append_entries(leader_id, leader_term, prev_log_index, prev_log_term, entries, leader_commit)


class CatchUpHeartbeats(SeedRaft):
    """Sends one round of heartbeats per heartbeat interval that has passed, but never counts
    the intervals off, so its first heartbeat never ends."""

    def tick(self, elapsed_ms):
        if self.state != "leader":
            return super().tick(elapsed_ms)
        self.heartbeat_elapsed += elapsed_ms
        messages = []
        while self.heartbeat_elapsed >= HEARTBEAT_MS:
            messages = self.heartbeats()
        return messages
