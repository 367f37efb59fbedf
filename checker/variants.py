"""Named deviations from correct Raft: the bugs the checker must be able to find."""

from __future__ import annotations

from attrs import frozen

from raft.rules import CORRECT, Rules


@frozen
class Variant:
    """A named set of rules, with what it breaks and where the bug comes from."""

    name: str
    description: str
    rules: Rules
    invariant: str | None  # The invariant it is expected to break; None for correct Raft.
    network: str  # The network mode it needs to show its bug: "sync" or "async".
    source: str


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
