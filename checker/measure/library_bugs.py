"""The published bugs of the Raft libraries under test, each as the run that finds it again.

A plain list of records, one per bug (or per consequence, where one report has two), that
``bench --only bugs`` times: the library and the release that has the bug, the settings, network
and bounds of the search, the invariant it breaks, the corpus trace that replays it, and the
time SandTable (Tang et al., EuroSys 2024) published for it, where it did.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

#: SandTable's Table 2 (EuroSys '24, p. 744: "Time" column, specification-level exploration).
SANDTABLE_TABLE_2 = "SandTable, EuroSys 2024, Table 2 (doi:10.1145/3627703.3650077)"


@frozen
class LibraryBug:
    library: str
    version: str
    issue: str  # The library's tracker, e.g. "bakwc/PySyncObj#166".
    title: str
    invariant: str  # The name in checker.model.invariants that its counterexample breaks.
    network: str
    bounds: dict[str, Any] = field(factory=dict)  # checker.model.config.Bounds fields.
    settings: dict[str, str] = field(factory=dict)  # --impl-conf KEY=VALUE.
    engine: str = "explore"  # explore or fuzz
    corpus: str = ""  # The trace under corpus/ that replays it.
    sandtable_seconds: float | None = None
    sandtable_source: str = ""


BUGS: list[LibraryBug] = [
]
