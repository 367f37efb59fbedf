"""Other people's Raft as models the engines can search.

``checker.impl.seed`` drives a class with the seed's ``RaftNode`` API; ``checker.impl.canonical``
gives any Python value a canonical text and fingerprint, the same in every process.
"""

from checker.impl.canonical import canonical, digest
from checker.impl.seed import (
    METHODS,
    NOT_OBSERVABLE,
    SURFACE,
    ImplLoadError,
    ImplModel,
    ImplWorld,
    check_instance,
    is_adapter,
    load_class,
)

__all__ = [
    "METHODS",
    "NOT_OBSERVABLE",
    "SURFACE",
    "ImplLoadError",
    "ImplModel",
    "ImplWorld",
    "canonical",
    "check_instance",
    "digest",
    "is_adapter",
    "load_class",
]
