"""The properties every engine checks, in one registry.

Each is a named predicate with a kind, as in Stateright: ``always`` properties are checked on
every world, ``transition`` properties on every step (they are about change), and ``sometimes``
properties are reported when first reached, so that a search that never got anywhere cannot
pass for a clean one. Each docstring gives the property in the paper's words.

A check returns None when the property holds and a sentence saying what is wrong when not.

The fast explorer (``checker.search.encoded``) relies on how the properties decompose, and so must
every new one (``tests/test_invariants.py`` checks it on random worlds):

- an ``always`` property reads only the nodes and the ghost history (elections, committed
  entries), and holds on a world exactly when it holds on every part of the world made of one
  of its nodes with the same ghost history, and on every part made of two of its nodes with
  an empty ghost history (so it is a conjunction of conditions on one node and the history,
  and on two nodes alone);
- a ``transition`` property holds on a step exactly when it holds for every node the step
  changed, on the worlds made of that node alone before and after; a node the step did not
  change never breaks one;
- a ``sometimes`` property reads only the ghost history.

A few properties are judged only on implementations driven through an adapter
(``checker.impl.driver``; registered with ``observed=True``): finer observations of a leader's
bookkeeping, as the bugs found in real libraries break them (#15). The native core keeps them
too, but its models and the fast engine do not check them, so that its pinned verdicts and
counterexamples stand; they are outside the decomposition contract above (one of them counts
a majority over all the nodes).
"""

from __future__ import annotations

from typing import Callable

from attrs import frozen

from checker.model.actions import Action, Restart
from checker.model.outcome import Violation
from checker.model.world import World
from raft.state import Role

ALWAYS = "always"
TRANSITION = "transition"
SOMETIMES = "sometimes"


@frozen
class Invariant:
    name: str
    kind: str
    check: Callable
    # False: judged only on implementations driven through an adapter (see above).
    native: bool = True

    @property
    def doc(self) -> str:
        return " ".join((self.check.__doc__ or "").split())


REGISTRY: list[Invariant] = []


def _register(kind: str, native: bool = True):
    def decorate(check: Callable) -> Callable:
        REGISTRY.append(Invariant(check.__name__, kind, check, native))
        return check

    return decorate


always = _register(ALWAYS)
transition = _register(TRANSITION)
sometimes = _register(SOMETIMES)
observed_always = _register(ALWAYS, native=False)
observed_transition = _register(TRANSITION, native=False)


def _entry(e) -> str:
    return f"{e.term}:{e.command}"


# --- Checked on every world ---------------------------------------------------------------


@always
def commit_index_in_log(w: World) -> str | None:
    """A server's commitIndex never points past the end of its log, and lastApplied never past
    commitIndex (Figure 2). Checked before the properties below, which rely on it."""
    for n in w.nodes:
        if not n.last_applied <= n.commit_index <= len(n.log) - 1:
            return (
                f"node {n.id} has lastApplied {n.last_applied}, commitIndex {n.commit_index} "
                f"and a log ending at index {len(n.log) - 1}"
            )
    return None


@always
def log_well_formed(w: World) -> str | None:
    """Every log starts with the sentinel at index 0 (the seed's rule 6) and holds entry i at
    position i, with terms that never decrease along the log (§5.3)."""
    for n in w.nodes:
        log = n.log
        if not log or log[0].index != 0 or log[0].term != 0:
            return f"node {n.id} has lost the sentinel entry at index 0"
        for i in range(1, len(log)):
            if log[i].index != i:
                return f"node {n.id} holds an entry numbered {log[i].index} at position {i}"
            if log[i].term < log[i - 1].term:
                return f"node {n.id} holds term {log[i].term} at index {i} after term {log[i - 1].term}"
    return None


@always
def election_safety(w: World) -> str | None:
    """At most one leader can be elected in a given term (§5.2, Figure 3)."""
    if len({term for term, _ in w.elections}) == len(w.elections):
        return None
    for term, leader in sorted(w.elections):
        others = sorted(other for t, other in w.elections if t == term and other != leader)
        if others:
            return f"nodes {leader} and {others[0]} were both elected leader of term {term}"
    raise AssertionError("unreachable")


@always
def log_matching(w: World) -> str | None:
    """If two logs contain an entry with the same index and term, then the logs are identical
    in all entries up through the given index (§5.3, Figure 3)."""
    nodes = w.nodes
    for a in range(len(nodes)):
        for b in range(a + 1, len(nodes)):
            la, lb = nodes[a].log, nodes[b].log
            for i in range(min(len(la), len(lb)) - 1, 0, -1):
                if la[i].term == lb[i].term:
                    if la[: i + 1] != lb[: i + 1]:
                        first = next(k for k in range(i + 1) if la[k] != lb[k])
                        return (
                            f"nodes {a + 1} and {b + 1} both hold an entry of term {la[i].term} at index {i}, "
                            f"but differ at index {first} ({_entry(la[first])} against {_entry(lb[first])})"
                        )
                    break
    return None


@always
def leader_completeness(w: World) -> str | None:
    """If a log entry is committed in a given term, then that entry will be present in the logs
    of the leaders for all higher-numbered terms (§5.4, Figure 3)."""
    for n in w.nodes:
        if n.role is not Role.LEADER:
            continue
        for entry, term in zip(w.committed, w.commit_terms):
            if term < n.current_term and (len(n.log) <= entry.index or n.log[entry.index] != entry):
                held = _entry(n.log[entry.index]) if len(n.log) > entry.index else "nothing"
                return (
                    f"node {n.id} leads term {n.current_term} without entry {_entry(entry)} at index "
                    f"{entry.index}, committed in term {term}; it holds {held} there"
                )
    return None


@always
def state_machine_safety(w: World) -> str | None:
    """If a server has applied a log entry at a given index to its state machine, no other server
    will ever apply a different log entry for the same index (§5.4.3, Figure 3)."""
    for n in w.nodes:
        for index in range(1, min(n.commit_index, len(w.committed)) + 1):
            if n.log[index] != w.committed[index - 1]:
                return (
                    f"node {n.id} has committed {_entry(n.log[index])} at index {index}, "
                    f"where {_entry(w.committed[index - 1])} was committed before"
                )
    return None


# --- Checked on every step ----------------------------------------------------------------


@transition
def vote_safety(before: World, action: Action, after: World) -> str | None:
    """Each server will vote for at most one candidate in a given term (§5.2): once cast, its
    vote stands until its term changes."""
    for old, new in zip(before.nodes, after.nodes):
        if old.current_term == new.current_term and old.voted_for is not None and new.voted_for != old.voted_for:
            return (
                f"node {new.id} voted for {old.voted_for} in term {new.current_term}, "
                f"then its vote became {new.voted_for} in the same term"
            )
    return None


@transition
def leader_append_only(before: World, action: Action, after: World) -> str | None:
    """A leader never overwrites or deletes entries in its log; it only appends new entries
    (§5.3, Figure 3)."""
    for old, new in zip(before.nodes, after.nodes):
        if old.role is Role.LEADER and new.role is Role.LEADER and old.current_term == new.current_term:
            if new.log[: len(old.log)] != old.log:
                return f"node {new.id}, leader of term {new.current_term}, changed or removed entries of its log"
    return None


@transition
def match_index_monotonic(before: World, action: Action, after: World) -> str | None:
    """A leader's matchIndex for each server, the index of the highest log entry known to be
    replicated on it, "increases monotonically" for as long as it leads (Figure 2)."""
    for old, new in zip(before.nodes, after.nodes):
        if old.role is Role.LEADER and new.role is Role.LEADER and old.current_term == new.current_term:
            for peer, was, now in zip(new.peers, old.match_index, new.match_index):
                if now < was:
                    return (
                        f"node {new.id}, leader of term {new.current_term}, moved its matchIndex for "
                        f"node {peer} back from {was} to {now}"
                    )
    return None


@transition
def committed_entries_stable(before: World, action: Action, after: World) -> str | None:
    """Once a server knows an entry is committed, that entry stays in its log, unchanged, and its
    commitIndex never goes back, except that a restart forgets commitIndex (§5.4, Figure 2)."""
    for old, new in zip(before.nodes, after.nodes):
        if new.log[: old.commit_index + 1] != old.log[: old.commit_index + 1]:
            return f"node {new.id} changed or removed committed entries at or below index {old.commit_index}"
        restarted = isinstance(action, Restart) and action.node == new.id
        if new.commit_index < old.commit_index and not restarted:
            return f"node {new.id} moved its commitIndex back from {old.commit_index} to {new.commit_index}"
    return None


@transition
def terms_monotonic(before: World, action: Action, after: World) -> str | None:
    """A server's currentTerm increases monotonically and is kept on stable storage, so it never
    decreases, across restarts too (§5.1, Figure 2)."""
    for old, new in zip(before.nodes, after.nodes):
        if new.current_term < old.current_term:
            return f"node {new.id}'s term went back from {old.current_term} to {new.current_term}"
    return None


# --- Judged on implementations driven through an adapter ------------------------------------


@observed_always
def next_index_above_match(w: World) -> str | None:
    """A leader's nextIndex for a server, the index of the next entry to send it, is above its
    matchIndex, the highest entry known to be replicated there (Figure 2): a leader never sends
    again what it knows a follower holds as if it did not."""
    for n in w.nodes:
        if n.role is Role.LEADER and n.match_index and n.next_index:
            for peer, match, following in zip(n.peers, n.match_index, n.next_index):
                if following <= match:
                    return (
                        f"node {n.id}, leader of term {n.current_term}, has nextIndex {following} for node "
                        f"{peer}, not above its matchIndex {match}"
                    )
    return None


@observed_always
def committed_on_majority(w: World) -> str | None:
    """A log entry is committed once the leader that created it has replicated it on a majority of
    the servers (§5.3), and no server removes a committed entry (§5.4): every entry known
    committed is held by a majority."""
    quorum = len(w.nodes) // 2 + 1
    for entry in w.committed:
        holders = [n.id for n in w.nodes if len(n.log) > entry.index and n.log[entry.index] == entry]
        if len(holders) < quorum:
            held = ", ".join(map(str, holders)) or "none"
            return (
                f"entry {_entry(entry)} at index {entry.index} is committed but held by "
                f"{len(holders)} of {len(w.nodes)} nodes (nodes {held})"
            )
    return None


@observed_transition
def leader_commits_current_term(before: World, action: Action, after: World) -> str | None:
    """Raft never commits log entries from previous terms by counting replicas; only log entries
    from the leader's current term are committed that way (§5.4.2, Figure 8): a leader moves its
    commitIndex only onto an entry of its own term."""
    for old, new in zip(before.nodes, after.nodes):
        if (
            old.role is Role.LEADER
            and new.role is Role.LEADER
            and old.current_term == new.current_term
            and new.commit_index > old.commit_index
            and len(new.log) > new.commit_index
            and new.log[new.commit_index].term != new.current_term
        ):
            return (
                f"node {new.id}, leader of term {new.current_term}, moved its commitIndex from "
                f"{old.commit_index} to {new.commit_index}, onto an entry of term {new.log[new.commit_index].term}"
            )
    return None


# --- Reported when first reached ----------------------------------------------------------


@sometimes
def leader_elected(w: World) -> bool:
    """Some node is elected leader."""
    return bool(w.elections)


@sometimes
def entry_committed(w: World) -> bool:
    """A client's request is committed: an entry whose command is one the checker sent (a request
    number), not one an implementation made itself. PySyncObj's log starts with an entry of its
    own, committed before anything happens; counting it, a search that never committed a single
    request would report this reached at depth 0."""
    return any(type(e.command) is int for e in w.committed)


@sometimes
def later_leader_elected(w: World) -> bool:
    """A leader is elected in a term after the first."""
    return any(term >= 2 for term, _ in w.elections)


#: What the native models (and every fast engine) check.
ALWAYS_CHECKS = [i for i in REGISTRY if i.kind == ALWAYS and i.native]
TRANSITION_CHECKS = [i for i in REGISTRY if i.kind == TRANSITION and i.native]
SOMETIMES_CHECKS = [i for i in REGISTRY if i.kind == SOMETIMES]
SAFETY = [i for i in REGISTRY if i.kind != SOMETIMES and i.native]
#: What an implementation driven through an adapter is checked against (less what it cannot show).
OBSERVED_ALWAYS = [i for i in REGISTRY if i.kind == ALWAYS]
OBSERVED_TRANSITION = [i for i in REGISTRY if i.kind == TRANSITION]
OBSERVED_SAFETY = [i for i in REGISTRY if i.kind != SOMETIMES]


def check_world(w: World) -> Violation | None:
    """The first ``always`` property that ``w`` breaks, if any."""
    for inv in ALWAYS_CHECKS:
        message = inv.check(w)
        if message is not None:
            return Violation(inv.name, message)
    return None


def check_step(before: World, action: Action, after: World) -> Violation | None:
    """The first ``transition`` property that the step breaks, if any."""
    for inv in TRANSITION_CHECKS:
        message = inv.check(before, action, after)
        if message is not None:
            return Violation(inv.name, message)
    return None


def by_name(name: str) -> Invariant:
    for inv in REGISTRY:
        if inv.name == name:
            return inv
    raise KeyError(name)


