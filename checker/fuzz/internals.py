"""Everything the fuzzer reaches inside Hypothesis, beyond its public API, in one place.

Hypothesis keeps its internals behind ``hypothesis.internal`` and underscored names, free to
change them in any release; pyproject.toml pins the version these were read from, and
tests/test_fuzz_internals.py checks that the installed version is that one and that every name
listed in ``REACHED`` and ``TEST_ATTRIBUTES`` is there. Each use has a fallback in the caller or
here, so a moved internal costs speed or the pinning of generation, never a wrong result.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

from hypothesis import settings

#: The version of Hypothesis the internals below were read from (pyproject.toml pins it).
PINNED = "6.170.17"

#: Module-level internals: (module, attribute).
REACHED = (
    ("hypothesis.internal.conjecture.providers", "_get_local_constants"),
    ("hypothesis.internal.conjecture.providers", "_local_constants"),
    ("hypothesis.internal.conjecture.providers", "CONSTANTS_CACHE"),
    ("hypothesis.stateful", "get_state_machine_test"),
)

#: Attributes of the test ``get_state_machine_test`` returns that ``machine_test`` and
#: ``seed_test`` set.
TEST_ATTRIBUTES = ("_hypothesis_internal_database_key", "_hypothesis_internal_use_seed")


@contextlib.contextmanager
def pinned_generation() -> Iterator[None]:
    """Make a seed name one run. Hypothesis mixes into its draws literals harvested from the
    "local" modules imported so far, and which those are depends on how raftcheck was started
    (from a checkout or installed, under pytest or not, which tests were collected); it also
    caches them under ``.hypothesis/`` in the working directory. While this is in force there
    are none, and nothing is written. (If the internals it replaces move, it does nothing, and
    tests/test_fuzz.py's determinism test says so.)"""
    try:
        from hypothesis.internal.conjecture import providers

        saved, empty = providers._get_local_constants, type(providers._local_constants)()
    except (ImportError, AttributeError, TypeError):
        yield
        return
    providers.CONSTANTS_CACHE.cache.clear()
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()


def machine_test(factory: Callable[[], object], with_settings: settings) -> Callable[[], None]:
    """Hypothesis's test of the state machines ``factory`` makes, to be seeded with ``seed_test``
    and run again and again. It has no example-database key: Hypothesis would work the key out by
    reading and tokenizing its own source, about 10 ms, and we keep no database. (Raises
    AttributeError or ImportError if the internals have moved; the caller falls back on the
    public ``run_state_machine_as_test``.)"""
    from hypothesis.stateful import get_state_machine_test

    test = get_state_machine_test(factory, settings=with_settings)
    test._hypothesis_internal_database_key = None
    if not hasattr(test, "_hypothesis_internal_use_seed"):  # Where seed_test puts each run's seed.
        raise AttributeError("_hypothesis_internal_use_seed")
    return test


def seed_test(test: Callable[[], None], seed: int) -> None:
    """Seed a test from ``machine_test`` for its next run, as ``@hypothesis.seed`` would seed a new one."""
    test._hypothesis_internal_use_seed = seed
