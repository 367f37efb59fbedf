"""The fast explorer's model: worlds spelled as tuples of small integers, with stable
fingerprints, memoised single-node transitions and decomposed invariant checks.

The search itself (``checker.search.parallel``) keeps a 64-bit fingerprint per world in a sorted NumPy
array, parent links as compact arrays per level, and the worlds of the current and next level
only. This module gives it the world model it searches; ``checker.search.verdicts`` (``Judge``)
applies the invariant registry to these worlds through its decompositions, and
``checker.search.store`` (``Seen``) holds the fingerprints of finished levels.

- ``Encoded``: the world model over integer-spelled worlds. Node states, messages and ghost
  histories are interned once; every single-node transition is computed once per (node state,
  input) and then looked up; fingerprints come from integers only (never from salted string
  hashes), so they are the same in every process; and, for symmetry reduction, the smallest
  fingerprint over all relabellings of the nodes.
The tests hold all of it to the plain model and the plain search (``tests/test_engine.py``).
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

from attrs import evolve

from checker.model.actions import (
    Action,
    ClientRequest,
    Crash,
    Cut,
    Deliver,
    Drop,
    Duplicate,
    Heal,
    Restart,
    Tick,
)
from checker.model.native import Model, _Ghost
from checker.model.world import World
from checker.search.layout import (
    ACT_REQUEST,
    ACT_RESTART,
    AT_CRASHED,
    AT_CUT,
    AT_GHOST,
    AT_NET,
    AT_REQUESTS,
    CRASH,
    CUT,
    DELIVER,
    DROP,
    DUPLICATE,
    HEAL,
    HEARTBEAT,
    MESSAGE_NUMBER,
    REQUEST,
    RESTART,
    ROLE_NUMBER,
    TICK,
    TIMEOUT,
)
from raft import transitions
from raft.log import LogEntry
from raft.messages import Message
from raft.state import NodeState, Role

#: Entries a memo table holds before it is emptied.
#: Verdicts a Judge remembers before it starts afresh, so that its memory stays flat.
MEMO_LIMIT = 1 << 18
#: Frontier worlds expanded before their new successors are looked up in the seen array at once.
CHUNK = 4096



def _entries(log: Sequence[LogEntry]) -> tuple[int, ...]:
    flat: list[int] = []
    for e in log:
        command = e.command
        if not isinstance(command, int):
            raise TypeError(f"the fast explorer needs integer commands, got {command!r}")
        flat.extend((e.term, e.index, command))
    return tuple(flat)


def _relabel(n: NodeState, perm: tuple[int, ...]) -> NodeState:
    """Node state ``n`` with every node identity i renamed perm[i - 1] + 1; the leader's per-peer
    indexes follow their peers into the new order."""
    move = lambda i: perm[i - 1] + 1  # noqa: E731
    peers = tuple(move(p) for p in n.peers)
    order = sorted(range(len(peers)), key=peers.__getitem__)
    return evolve(
        n,
        id=move(n.id),
        peers=tuple(peers[i] for i in order),
        voted_for=None if n.voted_for is None else move(n.voted_for),
        next_index=tuple(n.next_index[i] for i in order) if n.next_index else (),
        match_index=tuple(n.match_index[i] for i in order) if n.match_index else (),
        votes_received=frozenset(move(v) for v in n.votes_received),
    )


def _relabel_message(m: Message, perm: tuple[int, ...]) -> Message:
    return evolve(m, source=perm[m.source - 1] + 1, dest=perm[m.dest - 1] + 1)


def _id(value: Any) -> int:
    # Node ids are positive integers in every world the checker builds; 0 stands for "none",
    # because hash(None) depends on where None sits in memory before Python 3.12.
    if value is None:
        return 0
    if not isinstance(value, int):
        raise TypeError(f"the fast explorer needs integer node ids, got {value!r}")
    return value



class Encoded:
    """The world model over worlds spelled as flat tuples of small integers.

    A world is ``(node_1, ..., node_k, cut, crashed, requests, ghost, message, ...)`` (the parts
    after the node states at the offsets ``AT_*`` of ``checker.search.layout``): each node
    state, message and ghost history is interned once in a table and named by its position
    there; ``cut`` and ``crashed`` are bit masks; the messages in flight come last, in the plain
    model's order. Integers hash and compare in C, so the search's dictionaries and sets never
    call back into Python, and every single-node transition is computed once per (node state,
    input) and then looked up.

    ``successors`` follows ``Model.actions`` and ``Model.step`` exactly (same actions, same
    order, same enabling conditions, the same single-node transitions from ``raft``); the
    tests hold the two to the same states, transitions and counterexamples.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self.rules = model.rules
        self.k = len(model.ids)
        self.sync = model.sync
        # Ordered links (``Model.fifo``): the messages in flight are each link's queue in the
        # order sent, the links by (source, destination), as ``checker.model.native._append``
        # keeps them; only a link's oldest message arrives, none is dropped or copied, and a
        # node cut off or crashed loses what is queued on its links.
        self.fifo = model.fifo
        b = model.bounds
        self.max_term, self.max_requests = b.max_term, b.max_requests
        self.max_cut, self.max_crashed, self.max_in_flight = b.max_cut, b.max_crashed, b.max_in_flight
        # Where the parts after the node states sit in this cluster's worlds (``checker.search.layout``).
        k = self.k
        self.cut_at, self.crashed_at, self.requests_at = k + AT_CUT, k + AT_CRASHED, k + AT_REQUESTS
        self.ghost_at, self.net_at = k + AT_GHOST, k + AT_NET
        # Interned node states, messages and ghost histories, with what the search needs of each.
        self.node_ids: dict[NodeState, int] = {}
        self.nodes: list[NodeState] = []
        self.leads: list[bool] = []
        self.term: list[int] = []
        self.commit: list[int] = []
        self.node_fp: list[int] = []
        self.message_ids: dict[Message, int] = {}
        self.messages: list[Message] = []
        self.source: list[int] = []
        self.dest: list[int] = []
        self.order: list[str] = []
        self.link: list[int] = []  # A message's (source, destination), as one integer that orders as the pair.
        self.message_fp: list[int] = []
        self.ghost_ids: dict[tuple, int] = {}
        self.ghosts: list[tuple] = []
        self.ghost_fp: list[int] = []
        self.committed: list[int] = []  # How many entries each ghost history knows committed.
        # Fingerprint -> position, for worlds that arrive spelled with fingerprints (checker.search.parallel).
        self.node_by_fp: dict[int, int] = {}
        self.message_by_fp: dict[int, int] = {}
        self.ghost_by_fp: dict[int, int] = {}
        # Memoised transitions.
        self.received: dict[int, tuple[int, tuple[int, ...]]] = {}
        self.acted: dict[int, tuple[int, tuple[int, ...]]] = {}  # (node, argument, kind) -> outcome
        self.observed: dict[int, int] = {}
        self.global_form = self._compile_global_form()
        # The local spelling of a world in global form (its parts must have been interned).
        self.from_global = self._compile("from_global", "g", "node_by_fp", "ghost_by_fp", "message_by_fp")
        # Relabellings of the nodes: perm[i] is the new position of the node at position i.
        self.perms = list(itertools.permutations(range(self.k)))
        self.nperms = len(self.perms)
        self.perm_masks = [
            [sum(1 << perm[i] for i in range(self.k) if mask >> i & 1) for mask in range(1 << self.k)]
            for perm in self.perms
        ]
        self._relabel_node: dict[int, int] = {}
        self._relabel_message: dict[int, int] = {}
        self._relabel_ghost: dict[int, int] = {}

    # --- interning ---

    def node(self, n: NodeState) -> int:
        i = self.node_ids.get(n)
        if i is None:
            i = self.node_ids[n] = len(self.nodes)
            self.nodes.append(n)
            self.leads.append(n.role is Role.LEADER)
            self.term.append(n.current_term)
            self.commit.append(n.commit_index)
            clock = n.clock
            fp = hash((
                _id(n.id), tuple(_id(p) for p in n.peers), n.current_term, _id(n.voted_for), ROLE_NUMBER[n.role],
                _entries(n.log[1:]), n.commit_index, n.last_applied, n.next_index, n.match_index,
                tuple(sorted(_id(v) for v in n.votes_received)), n.votes_counted,
                () if clock is None else (clock.timeout_range, clock.election_timeout, clock.rng,
                                          clock.election_elapsed, clock.heartbeat_elapsed),
            ))
            self.node_fp.append(fp)
            self.node_by_fp[fp] = i
        return i

    def message(self, m: Message) -> int:
        i = self.message_ids.get(m)
        if i is None:
            i = self.message_ids[m] = len(self.messages)
            self.messages.append(m)
            self.source.append(_id(m.source))
            self.dest.append(_id(m.dest))
            self.order.append(repr(m))  # The plain model's order of messages in flight.
            self.link.append(_id(m.source) << 32 | _id(m.dest))
            kind = MESSAGE_NUMBER[type(m)]
            if kind == 1:
                fields = (m.last_log_index, m.last_log_term)
            elif kind == 2:
                fields = (int(m.vote_granted),)
            elif kind == 3:
                fields = (m.prev_log_index, m.prev_log_term, _entries(m.entries), m.leader_commit)
            else:
                fields = (int(m.success), m.match_index)
            fp = hash((kind, m.term, _id(m.source), _id(m.dest), fields))
            self.message_fp.append(fp)
            self.message_by_fp[fp] = i
        return i

    def ghost(self, elections, committed, commit_terms) -> int:
        key = (elections, committed, commit_terms)
        i = self.ghost_ids.get(key)
        if i is None:
            i = self.ghost_ids[key] = len(self.ghosts)
            self.ghosts.append(key)
            self.committed.append(len(committed))
            fp = hash((tuple(sorted(elections)), _entries(committed), commit_terms))
            self.ghost_fp.append(fp)
            self.ghost_by_fp[fp] = i
        return i

    # --- between worlds and their spelling ---

    def encode(self, w: World) -> tuple[int, ...]:
        cut = sum(1 << (i - 1) for i in w.cut)
        crashed = sum(1 << (i - 1) for i in w.crashed)
        return (
            tuple(self.node(n) for n in w.nodes)
            + (cut, crashed, w.requests, self.ghost(w.elections, w.committed, w.commit_terms))
            + tuple(self.message(m) for m in w.network)
        )

    def decode(self, e: tuple[int, ...]) -> World:
        k = self.k
        elections, committed, commit_terms = self.ghosts[e[self.ghost_at]]
        return World(
            nodes=tuple(self.nodes[i] for i in e[:k]),
            network=tuple(self.messages[i] for i in e[self.net_at :]),
            cut=frozenset(i + 1 for i in range(k) if e[self.cut_at] >> i & 1),
            crashed=frozenset(i + 1 for i in range(k) if e[self.crashed_at] >> i & 1),
            requests=e[self.requests_at],
            elections=elections,
            committed=committed,
            commit_terms=commit_terms,
        )

    def decode_part(self, e: tuple[int, ...], positions: tuple[int, ...], ghost: bool = True) -> World:
        """The world restricted to the nodes at ``positions``, with the ghost history or an empty
        one; what a decomposed invariant check looks at."""
        elections, committed, commit_terms = self.ghosts[e[self.ghost_at]] if ghost else (frozenset(), (), ())
        return World(
            nodes=tuple(self.nodes[e[j]] for j in positions),
            elections=elections,
            committed=committed,
            commit_terms=commit_terms,
        )

    def fingerprint(self, e: tuple[int, ...]) -> int:
        """A 64-bit fingerprint, the same in every process for the same world."""
        return hash(self.global_form(e))

    # --- symmetry: node identities are interchangeable ---

    def canonical_fingerprint(self, e: tuple[int, ...]) -> int:
        """The smallest fingerprint over every relabelling of the nodes: the same for all worlds
        that differ only in which node is called what. Messages in flight count as a bag; on
        ordered links, as each link's queue, the links in the order of their new names."""
        k = self.k
        node_fp, message_fp, ghost_fp = self.node_fp, self.message_fp, self.ghost_fp
        relabel_node, relabel_message, relabel_ghost = self._relabel_node, self._relabel_message, self._relabel_ghost
        cut, crashed, requests, g = e[self.cut_at], e[self.crashed_at], e[self.requests_at], e[self.ghost_at]
        net = e[self.net_at :]
        nperms = self.nperms
        best = None
        for q, (perm, masks) in enumerate(zip(self.perms, self.perm_masks)):
            spelled = [0] * k
            for i in range(k):
                r = relabel_node.get(e[i] * nperms + q)
                if r is None:
                    r = self.relabel_node_new(e[i], q)
                spelled[perm[i]] = node_fp[r]
            h = relabel_ghost.get(g * nperms + q)
            if h is None:
                h = self.relabel_ghost_new(g, q)
            spelled += (masks[cut], masks[crashed], requests, ghost_fp[h])
            if net:
                moved_net = []
                for m in net:
                    r = relabel_message.get(m * nperms + q)
                    if r is None:
                        r = self.relabel_message_new(m, q)
                    moved_net.append(r)
                if self.fifo:
                    # Each link's queue keeps its order; the links go by their new names, as
                    # ``_append`` would have filed the renamed messages.
                    moved_net.sort(key=self.link.__getitem__)
                    spelled += map(message_fp.__getitem__, moved_net)
                else:
                    spelled += sorted(map(message_fp.__getitem__, moved_net))
            fp = hash(tuple(spelled))
            if best is None or fp < best:
                best = fp
        return best

    # Each relabelling below is computed once per (part, renaming) and remembered; the C loop
    # keeps tables of its own and calls these for what they miss.

    def relabel_node_new(self, n: int, q: int) -> int:
        """Node state ``n`` under the renaming ``perms[q]``."""
        r = self._relabel_node[n * self.nperms + q] = self.node(_relabel(self.nodes[n], self.perms[q]))
        return r

    def relabel_message_new(self, m: int, q: int) -> int:
        """Message ``m`` under the renaming ``perms[q]``."""
        r = self._relabel_message[m * self.nperms + q] = self.message(_relabel_message(self.messages[m], self.perms[q]))
        return r

    def relabel_ghost_new(self, g: int, q: int) -> int:
        """Ghost history ``g`` under the renaming ``perms[q]``: the leaders of its elections renamed."""
        perm = self.perms[q]
        elections, committed, commit_terms = self.ghosts[g]
        moved = frozenset((term, perm[leader - 1] + 1) for term, leader in elections)
        r = self._relabel_ghost[g * self.nperms + q] = self.ghost(moved, committed, commit_terms)
        return r

    def _compile_global_form(self) -> Callable[[tuple[int, ...]], tuple[int, ...]]:
        # The world with every interned part replaced by its fingerprint: the same tuple in
        # every process. Spelled out for this cluster size, so the hot path has no loop.
        return self._compile("global_form", "e", "node_fp", "ghost_fp", "message_fp")

    def _compile(self, name: str, arg: str, node: str, ghost: str, message: str) -> Callable[[tuple[int, ...]], tuple[int, ...]]:
        k = self.k
        nodes = ", ".join(f"{node}[{arg}[{j}]]" for j in range(k))
        tail = f"{arg}[{k + AT_CUT}], {arg}[{k + AT_CRASHED}], {arg}[{k + AT_REQUESTS}], {ghost}[{arg}[{k + AT_GHOST}]]"
        messages = "" if self.sync else f", *map({message}.__getitem__, {arg}[{k + AT_NET}:])"
        scope = {
            "node_fp": self.node_fp, "ghost_fp": self.ghost_fp, "message_fp": self.message_fp,
            "node_by_fp": self.node_by_fp, "ghost_by_fp": self.ghost_by_fp, "message_by_fp": self.message_by_fp,
        }
        exec(f"def {name}({arg}):\n    return ({nodes}, {tail}{messages})", scope)
        return scope[name]

    def action(self, e: tuple[int, ...], kind: int, arg: int) -> Action:
        """The plain model's action for an encoded one."""
        return _ACTION_OF_KIND[kind](self.messages[arg] if kind >= DELIVER else arg)

    # --- memoised single-node transitions ---

    # Each memo below has its computation beside it, which the C loop (``checker/search/_native.c``)
    # calls for what its own tables miss.

    def _receive(self, n: int, m: int) -> tuple[int, tuple[int, ...]]:
        key = n << 32 | m
        done = self.received.get(key)
        if done is None:
            done = self.received[key] = self.receive_new(n, m)
        return done

    def receive_new(self, n: int, m: int) -> tuple[int, tuple[int, ...]]:
        """Node state ``n`` takes message ``m``: (node state after, messages sent)."""
        after, out = transitions.receive(self.nodes[n], self.messages[m], self.rules)
        return self.node(after), tuple(self.message(r) for r in out)

    def _act(self, kind: int, n: int, arg: int) -> tuple[int, tuple[int, ...]]:
        key = (n << 24 | arg) << 2 | kind
        done = self.acted.get(key)
        if done is None:
            done = self.acted[key] = self.act_new(kind, n, arg)
        return done

    def act_new(self, kind: int, n: int, arg: int) -> tuple[int, tuple[int, ...]]:
        """An ``Act`` at node state ``n`` (a heartbeat, timeout, client request ``arg`` or restart):
        (node state after, messages sent)."""
        state, rules = self.nodes[n], self.rules
        if kind == HEARTBEAT:
            after, out = transitions.heartbeat(state, rules)
        elif kind == TIMEOUT:
            after, out = transitions.timeout(state, rules)
        elif kind == ACT_REQUEST:
            after, _ = transitions.client_request(state, arg, rules)
            out = ()
        else:
            after, out = transitions.restart(state, rules), ()
        return self.node(after), tuple(self.message(r) for r in out)

    def _observe(self, g: int, n: int) -> int:
        # Only a leader or a node that knows more entries committed than the history can add to
        # it (``_Ghost.observe``); most steps leave it as it is, without a lookup.
        if not self.leads[n] and self.commit[n] <= self.committed[g]:
            return g
        key = g << 32 | n
        after = self.observed.get(key)
        if after is None:
            after = self.observed[key] = self.observe_new(g, n)
        return after

    def observe_new(self, g: int, n: int) -> int:
        """Ghost history ``g`` once it has seen node state ``n``."""
        elections, committed, commit_terms = self.ghosts[g]
        ghost = _Ghost(World(nodes=(), elections=elections, committed=committed, commit_terms=commit_terms))
        ghost.observe(self.nodes[n])
        return self.ghost(ghost.elections, ghost.committed, ghost.commit_terms)

    # --- the step ---

    def successors(self, e: tuple[int, ...]) -> list[tuple[int, int, int, tuple[int, ...]]]:
        """``(kind, arg, position in Model.actions, next world)`` for every action the plain model
        would try in ``e`` and take, in its order (the positions count the actions it would try
        and find disabled too)."""
        k = self.k
        cut, crashed, requests = e[self.cut_at], e[self.crashed_at], e[self.requests_at]
        out: list = []
        append = out.append
        ncut, ncrashed = cut.bit_count(), crashed.bit_count()
        leads = self.leads
        n = 0  # The position in Model.actions of the next action tried.
        for j in range(k):
            bit = 1 << j
            i = j + 1
            if crashed & bit:
                after = self._restart(e, j)
                if after is not None:
                    append((RESTART, i, n, after))
                n += 1
                continue
            after = self._tick(e, j)
            if after is not None:
                append((TICK, i, n, after))
            n += 1
            if leads[e[j]] and requests < self.max_requests:
                after = self._request(e, j)
                if after is not None:
                    append((REQUEST, i, n, after))
                n += 1
            if cut & bit:
                append((HEAL, i, n, e[:k] + (cut & ~bit,) + e[self.crashed_at :]))
                n += 1
            elif ncut < self.max_cut:
                after = e[:k] + (cut | bit,) + e[self.crashed_at :]
                append((CUT, i, n, self._break_links(after, i) if self.fifo else after))
                n += 1
            if ncrashed < self.max_crashed:
                after = e[: self.crashed_at] + (crashed | bit,) + e[self.requests_at :]
                append((CRASH, i, n, self._break_links(after, i) if self.fifo else after))
                n += 1
        if self.fifo:
            # Only the oldest message on each link may arrive (``Model.actions``): the first of
            # each run of one link's messages.
            link, previous = self.link, -1
            for m in e[self.net_at :]:
                if link[m] == previous:
                    continue
                previous = link[m]
                after = self._deliver(e, m)
                if after is not None:
                    append((DELIVER, m, n, after))
                n += 1
        elif not self.sync:
            previous = -1
            for m in e[self.net_at :]:
                if m == previous:
                    continue
                previous = m
                for kind, after in ((DELIVER, self._deliver(e, m)), (DROP, self._drop(e, m)), (DUPLICATE, self._duplicate(e, m))):
                    if after is not None:
                        append((kind, m, n, after))
                    n += 1
        return out

    def _finish(self, nodes: list[int], cut: int, crashed: int, requests: int, g: int, net) -> tuple[int, ...] | None:
        if len(net) > self.max_in_flight:
            return None
        return (*nodes, cut, crashed, requests, g, *net)

    def _send(self, net, sent: tuple[int, ...], cut: int, crashed: int):
        source, dest = self.source, self.dest
        kept = [m for m in sent if not (cut >> (source[m] - 1) & 1 or (cut | crashed) >> (dest[m] - 1) & 1)]
        if not kept:
            return net
        # Into the bag in the plain model's order, or each at the back of its link's queue (a
        # stable sort by link, as ``checker.model.native._append``).
        return tuple(sorted(net + tuple(kept), key=(self.link if self.fifo else self.order).__getitem__))

    def _break_links(self, e, i):
        """``checker.model.native._break_links``: what is queued to or from node ``i`` is lost."""
        source, dest, at = self.source, self.dest, self.net_at
        return e[:at] + tuple(m for m in e[at:] if source[m] != i and dest[m] != i)

    def _tick(self, e, j):
        k = self.k
        nodes = list(e[:k])
        n = nodes[j]
        leads = self.leads
        if leads[n]:
            n, sent = self._act(HEARTBEAT, n, 0)
        elif self.term[n] >= self.max_term:
            return None
        else:
            n, sent = self._act(TIMEOUT, n, 0)
        nodes[j] = n
        cut, crashed, g = e[self.cut_at], e[self.crashed_at], e[self.ghost_at]
        if leads[n] or self.commit[n] > self.committed[g]:  # As in ``_observe``.
            g = self._observe(g, n)
        net = e[self.net_at :]
        if self.sync:
            # The seed's harness: each message is handled at once and its reply at once. The
            # memo tables are read inline, and the ghost history is only asked about node
            # states that can add to it (see ``_observe``): this loop is the search's hot path.
            source, dest, received, commit, committed = self.source, self.dest, self.received, self.commit, self.committed
            for m in sent:
                d = dest[m] - 1
                if cut >> (source[m] - 1) & 1 or (cut | crashed) >> d & 1:
                    continue
                before = nodes[d]
                after, replies = received.get(before << 32 | m) or self._receive(before, m)
                if after != before:
                    nodes[d] = after
                    if leads[after] or commit[after] > committed[g]:
                        g = self._observe(g, after)
                for r in replies:
                    d = dest[r] - 1
                    before = nodes[d]
                    after = (received.get(before << 32 | r) or self._receive(before, r))[0]
                    if after != before:
                        nodes[d] = after
                        if leads[after] or commit[after] > committed[g]:
                            g = self._observe(g, after)
            return (*nodes, cut, crashed, e[self.requests_at], g)  # Nothing is ever in flight.
        net = self._send(net, sent, cut, crashed)
        return self._finish(nodes, cut, crashed, e[self.requests_at], g, net)

    def _request(self, e, j):
        k = self.k
        requests = e[self.requests_at]
        n = e[j]
        if e[self.crashed_at] >> j & 1 or not self.leads[n] or requests >= self.max_requests:
            return None
        nodes = list(e[:k])
        n = nodes[j] = self._act(ACT_REQUEST, n, requests + 1)[0]
        return self._finish(nodes, e[self.cut_at], e[self.crashed_at], requests + 1, self._observe(e[self.ghost_at], n), e[self.net_at :])

    def _restart(self, e, j):
        k = self.k
        nodes = list(e[:k])
        nodes[j] = self._act(ACT_RESTART, nodes[j], 0)[0]
        return self._finish(nodes, e[self.cut_at], e[self.crashed_at] & ~(1 << j), e[self.requests_at], e[self.ghost_at], e[self.net_at :])

    def _deliver(self, e, m):
        if self.sync:
            return None
        k = self.k
        cut, crashed = e[self.cut_at], e[self.crashed_at]
        d = self.dest[m] - 1
        if (cut | crashed) >> d & 1 or cut >> (self.source[m] - 1) & 1:
            return None
        net = _remove_one(e[self.net_at :], m)
        nodes = list(e[:k])
        after, replies = self._receive(nodes[d], m)
        nodes[d] = after
        net = self._send(net, replies, cut, crashed)
        return self._finish(nodes, cut, crashed, e[self.requests_at], self._observe(e[self.ghost_at], after), net)

    def _drop(self, e, m):
        k = self.k
        return self._finish(list(e[:k]), e[self.cut_at], e[self.crashed_at], e[self.requests_at], e[self.ghost_at], _remove_one(e[self.net_at :], m))

    def _duplicate(self, e, m):
        k = self.k
        net = tuple(sorted(e[self.net_at :] + (m,), key=self.order.__getitem__))
        return self._finish(list(e[:k]), e[self.cut_at], e[self.crashed_at], e[self.requests_at], e[self.ghost_at], net)


#: The plain model's action type for each ``Kind``, in its order.
_ACTION_OF_KIND = (Tick, ClientRequest, Cut, Heal, Crash, Restart, Deliver, Drop, Duplicate)


def _remove_one(net: tuple[int, ...], m: int) -> tuple[int, ...]:
    k = net.index(m)
    return net[:k] + net[k + 1 :]


def _nth_action(model: Model, w: World, k: int) -> Action:
    for i, action in enumerate(model.actions(w)):
        if i == k:
            return action
    raise AssertionError(f"world has no action number {k}")
