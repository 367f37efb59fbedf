"""The toy adapter with the two optional methods that let the fast engine freeze its worlds as
bytes and search them on several workers (checker.impl.codec): a ToyNode is plain data, so a
pickle round trip is the copy ``ToyAdapter.copy`` makes."""

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toy_adapter import ToyAdapter  # noqa: E402


class SnapshotToy(ToyAdapter):
    def snapshot(self, node) -> bytes:
        return pickle.dumps(node, pickle.HIGHEST_PROTOCOL)

    def restore(self, data: bytes):
        return pickle.loads(data)
