"""The seen set of the fast engine: fingerprints of finished levels."""

from __future__ import annotations

from typing import Sequence


class Seen:
    """Fingerprints of the worlds of every finished level, as one sorted array of 8-byte integers."""

    def __init__(self, fingerprints: Sequence[int] = ()) -> None:
        # NumPy is imported by the native worker that needs it, not by every search that
        # imports the coordinator (an --impl search's worker keeps its own, checker.search.snapshots).
        import numpy as np

        self.array = np.array(sorted(fingerprints), dtype=np.int64)

    def among(self, fingerprints: Sequence[int]) -> list[int]:
        """Those of ``fingerprints`` that are known."""
        if not fingerprints or not len(self.array):
            return []
        import numpy as np

        looked_up = np.sort(np.array(fingerprints, dtype=np.int64))  # In order: kinder to the cache.
        where = np.searchsorted(self.array, looked_up)
        where[where == len(self.array)] = 0
        return looked_up[self.array[where] == looked_up].tolist()

    def add_level(self, fingerprints: Sequence[int]) -> None:
        import numpy as np

        # Sorted where it lies (a merge of two sorted runs), and the old array let go first: at
        # most the new array and the old one at once, not a third, sorted copy besides.
        joined = np.concatenate((self.array, np.array(fingerprints, dtype=np.int64)))
        self.array = joined
        joined.sort(kind="stable")
