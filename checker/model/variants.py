"""Named deviations from correct Raft: the bugs the checker must be able to find.

Each variant is a combination of ``raft.rules.Rules`` switches, with the invariant it is
expected to break, the network and faults its shortest counterexample needs, where the bug
comes from, and the smallest configuration on which the explorer shows it (checked by
tests/test_variants.py, and by ``python -m checker variants --table``).
"""

from __future__ import annotations

from attrs import evolve, frozen

from checker.model.config import ASYNC, SYNC, Bounds, Config
from raft.rules import CORRECT, Rules

#: Where the Students' Guide is cited, this is the one meant.
STUDENTS_GUIDE = "Jon Gjengset, Students' Guide to Raft (2016)"


@frozen
class Variant:
    """A named set of rules, with what it breaks and where the bug comes from."""

    name: str
    description: str
    rules: Rules
    invariant: str | None  # The invariant it is expected to break; None for correct Raft.
    network: str  # The network mode it needs to show its bug: "sync" or "async".
    source: str
    faults: str = "none"  # The faults its shortest counterexample needs, in words.
    # The smallest configuration found on which the explorer shows the bug (its variant is
    # this variant's name); None for correct Raft, which has nothing to show.
    config: Config | None = None


def _config(name: str, nodes: int, network: str, **bounds: int) -> Config:
    return Config(nodes=nodes, network=network, variant=name, bounds=Bounds(**bounds))


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in [
        Variant(
            name="default",
            description="correct Raft, as in Figure 2 of the paper",
            rules=CORRECT,
            invariant=None,
            network="sync",
            source="Ongaro and Ousterhout, In Search of an Understandable Consensus Algorithm, Figure 2",
        ),
        Variant(
            name="figure8",
            description="the leader commits entries from earlier terms by counting replicas",
            rules=Rules(commit_earlier_terms=True),
            invariant="leader_completeness",
            network="sync",
            source="Raft paper §5.4.2 and Figure 8",
            faults="one node cut off",
            config=_config("figure8", 3, SYNC, max_term=4, max_requests=2, max_cut=1),
        ),
        Variant(
            name="vote-no-log-check",
            description="a voter grants its vote without checking that the candidate's log is up to date",
            rules=Rules(grant_vote_without_log_check=True),
            invariant="leader_completeness",
            network="sync",
            source="Raft paper §5.4.1 (election restriction); ktoso/akka-raft#30 and #51, streed/simpleRaft#10",
            faults="one node cut off",
            config=_config("vote-no-log-check", 3, SYNC, max_term=2, max_requests=1, max_cut=1),
        ),
        Variant(
            name="vote-index-first",
            description="the up-to-date check compares last index before last term",
            rules=Rules(up_to_date_index_first=True),
            invariant="leader_completeness",
            network="sync",
            source=(
                "Raft paper §5.4.1 (the later last term wins; only equal terms compare length); "
                "cf. markwylde/liferaft#8 (a longer log of an older term wins the vote)"
            ),
            faults="one node cut off",
            config=_config("vote-index-first", 3, SYNC, max_term=3, max_requests=3, max_cut=1),
        ),
        Variant(
            name="vote-length-only",
            description="the up-to-date check compares log lengths only, ignoring the last entry's term",
            rules=Rules(up_to_date_length_only=True),
            invariant="leader_completeness",
            network="sync",
            source="Raft paper §5.4.1; sile/noraft#22 (RequestVote compared only the log index)",
            faults="one node cut off",
            config=_config("vote-length-only", 3, SYNC, max_term=3, max_requests=2, max_cut=1),
        ),
        Variant(
            name="restart-forgets-vote",
            description="votedFor is not kept on stable storage: a restarted server forgets its vote",
            rules=Rules(forget_vote_on_restart=True),
            invariant="vote_safety",
            network="sync",
            source=(
                "Raft paper Figure 2 (votedFor is persistent state); datatechnology/cornerstone#65, "
                "ktoso/akka-raft#56, hashicorp/raft#661"
            ),
            faults="a crash and restart",
            config=_config("restart-forgets-vote", 3, SYNC, max_term=1, max_requests=0, max_cut=0, max_crashed=1),
        ),
        Variant(
            name="stepdown-forgets-vote",
            description="a candidate that steps down within its term (hearing from that term's leader) clears its vote",
            rules=Rules(forget_vote_on_step_down=True),
            invariant="vote_safety",
            network="sync",
            source=(
                "Raft paper §5.2 (one vote per term); camunda/camunda#5356 (two leaders in one term, "
                "fixed in #5368), microsoft/CCF#8094"
            ),
            faults="one node cut off",
            config=_config("stepdown-forgets-vote", 3, SYNC, max_term=1, max_requests=0, max_cut=1),
        ),
        Variant(
            name="truncate-always",
            description="a follower truncates its log after prevLogIndex on every append, not only on a conflict",
            rules=Rules(truncate_on_every_append=True),
            invariant="committed_entries_stable",
            network="async",
            source=(
                f"Raft paper Figure 2 (AppendEntries receiver, step 3); {STUDENTS_GUIDE}, 'The importance "
                "of details'; ktoso/akka-raft#66, willemt/raft#37"
            ),
            faults="a late append-entries (reordering)",
            config=_config("truncate-always", 2, ASYNC, max_term=1, max_requests=1, max_in_flight=2, max_cut=0),
        ),
        Variant(
            name="match-log-end",
            description="a follower reports its last log index as its match index, not prevLogIndex + len(entries)",
            rules=Rules(match_from_log_end=True),
            invariant="leader_completeness",
            network="sync",
            source=(
                f"Raft paper §5.3; {STUDENTS_GUIDE}, 'Term confusion' (matchIndex = prevLogIndex + "
                "len(entries)); ravendb/ravendb#9325 (RavenDB-13612)"
            ),
            faults="none",
            config=_config("match-log-end", 3, SYNC, max_term=3, max_requests=2, max_cut=0),
        ),
        Variant(
            name="commit-log-end",
            description="a follower commits up to leaderCommit capped only by its log's end, even on a failed check",
            rules=Rules(commit_to_log_end=True),
            invariant="state_machine_safety",
            network="sync",
            source=(
                f"Raft paper Figure 2 (AppendEntries receiver, step 5: index of last new entry); {STUDENTS_GUIDE}, "
                "'The importance of details'; atomix/copycat#265, scylladb/scylladb#9965"
            ),
            faults="one node cut off",
            config=_config("commit-log-end", 3, SYNC, max_term=3, max_requests=2, max_cut=1),
        ),
        Variant(
            name="heartbeat-no-check",
            description="a heartbeat (append-entries without entries) is accepted without the consistency check",
            rules=Rules(heartbeat_skips_check=True),
            invariant="commit_index_in_log",
            network="sync",
            source=f"Raft paper §5.3; {STUDENTS_GUIDE}, 'The importance of details' (heartbeats are not special)",
            faults="one node cut off",
            config=_config("heartbeat-no-check", 3, SYNC, max_term=2, max_requests=1, max_cut=1),
        ),
        Variant(
            name="stale-replies",
            description="replies from older terms are counted, not dropped (a vote granted for an earlier election counts)",
            rules=Rules(accept_stale_replies=True),
            invariant="election_safety",
            network="async",
            source=(
                f"raft.tla DropStaleResponse; {STUDENTS_GUIDE}, 'Term confusion'; andreev-io/little-raft#44, "
                "eatonphil/raft-rs#3, ktoso/akka-raft#46"
            ),
            faults="a late vote reply (reordering), lost requests",
            config=_config("stale-replies", 3, ASYNC, max_term=2, max_requests=0, max_in_flight=3, max_cut=0),
        ),
        Variant(
            name="match-backwards",
            description="the leader takes each success reply's match index as it comes, so a late reply moves it back",
            rules=Rules(match_may_decrease=True),
            invariant="match_index_monotonic",
            network="async",
            source=(
                "Raft paper Figure 2 (matchIndex increases monotonically); ongardie/raft.tla#18, "
                "zhebrak/raftos#25"
            ),
            faults="a late append-entries reply (reordering)",
            config=_config("match-backwards", 2, ASYNC, max_term=1, max_requests=1, max_in_flight=2, max_cut=0),
        ),
        Variant(
            name="duplicate-votes",
            description="a candidate counts granted replies rather than distinct voters, so a duplicated reply counts twice",
            rules=Rules(count_duplicate_votes=True),
            invariant="election_safety",
            network="async",
            source="Raft paper §5.2 (votes from a majority of the servers); xnnyygn/xraft#27, ktoso/akka-raft#45",
            faults="duplicated vote replies, lost requests; four nodes",
            config=_config("duplicate-votes", 4, ASYNC, max_term=1, max_requests=0, max_in_flight=3, max_cut=0),
        ),
        Variant(
            name="seed",
            description=(
                "the seed as its design note describes it: a failed consistency check truncates the follower's "
                "log, and the leader takes each reply's match index as it comes"
            ),
            rules=Rules(truncate_on_mismatch=True, match_may_decrease=True),
            invariant="match_index_monotonic",
            network="async",
            source="shared/SEED.md (raft-consensus/raft.py design note), Flow: Replication and Commit",
            faults="a late append-entries reply (reordering); clean on the seed's own synchronous harness",
            config=_config("seed", 2, ASYNC, max_term=1, max_requests=1, max_in_flight=2, max_cut=0),
        ),
    ]
}


class UnknownVariant(ValueError):
    """Raised for a variant name that is not in the registry."""


def get_variant(name: str) -> Variant:
    """The registered variant called ``name``."""
    try:
        return VARIANTS[name]
    except KeyError:
        known = ", ".join(VARIANTS)
        raise UnknownVariant(f"unknown variant {name!r} (known: {known})") from None


def bug_variants() -> list[Variant]:
    """Every variant that has a bug to show, in registry order."""
    return [v for v in VARIANTS.values() if v.config is not None]


def explore_command(config: Config) -> str:
    """The command line that explores ``config`` exactly (every bound spelled out)."""
    b = config.bounds
    parts = [
        "python -m checker explore",
        f"--variant {config.variant}",
        f"--nodes {config.nodes}",
        f"--network {config.network}",
        f"--max-term {b.max_term}",
        f"--max-requests {b.max_requests}",
        f"--max-in-flight {b.max_in_flight}",
        f"--max-cut {b.max_cut}",
        f"--max-crashed {b.max_crashed}",
    ]
    if b.max_depth is not None:
        parts.append(f"--max-depth {b.max_depth}")
    return " ".join(parts)


def on_correct_rules(config: Config) -> Config:
    """The same configuration with correct Raft's rules."""
    return evolve(config, variant="default")
