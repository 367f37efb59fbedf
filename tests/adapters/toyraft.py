"""A small event-driven Raft, written as libraries are: it owns no loop, it is handed messages and
told the time, and it sends through a transport object it is given. It stands in for "your own
Raft" in docs/adapters.md; tests/adapters/toy_adapter.py drives it.

It keeps term, vote and log in ``storage`` (a dict standing in for a file). With
``commit_any_term`` a leader commits by counting replicas whatever the entry's term: the Figure 8
bug (§5.4.2).
"""

from __future__ import annotations

HEARTBEAT = 0.05


class ToyRaft:
    def __init__(self, node_id, peers, transport, storage, now, timeout, commit_any_term=False):
        self.id, self.peers, self.transport, self.storage = node_id, list(peers), transport, storage
        storage.setdefault("term", 0)
        storage.setdefault("vote", None)
        storage.setdefault("log", [])  # [(term, command)], index 1 first.
        self.timeout, self.commit_any_term = timeout, commit_any_term
        self.role, self.commit, self.votes = "follower", 0, set()
        self.next_index, self.match_index = {}, {}
        self.deadline = now + timeout

    # --- time ----------------------------------------------------------------------------

    def on_time(self, now):
        if now < self.deadline:
            return
        if self.role == "leader":
            self.deadline = now + HEARTBEAT
            for p in self.peers:
                self.replicate(p)
            return
        self.deadline = now + self.timeout
        s = self.storage
        s["term"], s["vote"], self.role, self.votes = s["term"] + 1, self.id, "candidate", {self.id}
        last = len(s["log"])
        for p in self.peers:
            self.transport.send(p, {"type": "vote?", "term": s["term"], "last": last, "last_term": self.term_at(last)})

    # --- messages -------------------------------------------------------------------------

    def on_message(self, src, m, now):
        s = self.storage
        if m["term"] > s["term"]:
            s["term"], s["vote"], self.role = m["term"], None, "follower"
        if m["term"] < s["term"] and m["type"] in ("vote?", "append"):
            kind = "vote" if m["type"] == "vote?" else "appended"
            self.transport.send(src, {"type": kind, "term": s["term"], "ok": False, "match": 0})
            return
        handlers = {"vote?": self.on_vote_request, "vote": self.on_vote, "append": self.on_append, "appended": self.on_appended}
        handlers[m["type"]](src, m, now)

    def on_vote_request(self, src, m, now):
        s, last = self.storage, len(self.storage["log"])
        up_to_date = (m["last_term"], m["last"]) >= (self.term_at(last), last)
        ok = s["vote"] in (None, src) and up_to_date
        if ok:
            s["vote"], self.deadline = src, now + self.timeout
        self.transport.send(src, {"type": "vote", "term": s["term"], "ok": ok, "match": 0})

    def on_vote(self, src, m, now):
        if self.role != "candidate" or m["term"] != self.storage["term"] or not m["ok"]:
            return
        self.votes.add(src)
        if 2 * len(self.votes) > len(self.peers) + 1:
            self.role, self.deadline = "leader", now
            n = len(self.storage["log"])
            self.next_index = {p: n + 1 for p in self.peers}
            self.match_index = {p: 0 for p in self.peers}

    def on_append(self, src, m, now):
        s = self.storage
        self.role, self.deadline = "follower", now + self.timeout
        prev = m["prev"]
        if prev > len(s["log"]) or self.term_at(prev) != m["prev_term"]:
            self.transport.send(src, {"type": "appended", "term": s["term"], "ok": False, "match": 0})
            return
        for k, entry in enumerate(m["entries"], start=prev + 1):
            if k <= len(s["log"]) and s["log"][k - 1][0] != entry[0]:
                del s["log"][k - 1 :]
            if k > len(s["log"]):
                s["log"].append(tuple(entry))
        match = prev + len(m["entries"])
        self.commit = max(self.commit, min(m["commit"], match))
        self.transport.send(src, {"type": "appended", "term": s["term"], "ok": True, "match": match})

    def on_appended(self, src, m, now):
        if self.role != "leader" or m["term"] != self.storage["term"]:
            return
        if not m["ok"]:
            self.next_index[src] = max(1, self.next_index[src] - 1)
            return
        self.match_index[src] = max(self.match_index[src], m["match"])
        self.next_index[src] = self.match_index[src] + 1
        for n in range(len(self.storage["log"]), self.commit, -1):
            held = 1 + sum(1 for p in self.peers if self.match_index[p] >= n)
            if 2 * held > len(self.peers) + 1 and (self.commit_any_term or self.term_at(n) == self.storage["term"]):
                self.commit = n
                break

    # --- clients ---------------------------------------------------------------------------

    def propose(self, command):
        if self.role != "leader":
            return False
        self.storage["log"].append((self.storage["term"], command))
        return True

    def replicate(self, p):
        prev = self.next_index[p] - 1
        entries = self.storage["log"][prev:]
        self.transport.send(p, {"type": "append", "term": self.storage["term"], "prev": prev,
                                "prev_term": self.term_at(prev), "entries": entries, "commit": self.commit})

    def term_at(self, index):
        return self.storage["log"][index - 1][0] if index > 0 else 0
