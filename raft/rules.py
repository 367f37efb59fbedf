"""Switches for deliberate deviations from correct Raft, so the checker can show it finds them.

The default, ``Rules()``, is correct Raft. Each switch is one documented departure; the
checker's variant registry gives them names, sources and the invariant each should break.
"""

from __future__ import annotations

from attrs import frozen


@frozen
class Rules:
    """Which deviations from Figure 2 a server makes. All off means correct Raft."""

    #: A leader commits any entry stored on a majority, whatever its term, which Figure 8
    #: shows to be unsafe; correct Raft counts replicas only for current-term entries (§5.4.2).
    commit_earlier_terms: bool = False


CORRECT = Rules()
