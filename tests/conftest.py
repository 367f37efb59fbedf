"""Hypothesis settings profiles, chosen by HYPOTHESIS_PROFILE: ``fast`` (the default), ``ci``, ``nightly``.

Every profile is derandomized and keeps no example database, so a test run is the same run on
every machine and in every xdist worker.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from checker.fuzz.internals import pinned_generation

_common = dict(deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck), print_blob=False)
settings.register_profile("fast", max_examples=12, stateful_step_count=40, **_common)
settings.register_profile("ci", max_examples=100, stateful_step_count=60, **_common)
settings.register_profile("nightly", max_examples=2000, stateful_step_count=100, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture(autouse=True)
def _pinned_hypothesis_generation():
    """The same pinning as ``python -m checker fuzz``: what a test generates does not depend on
    which other test modules were collected alongside it."""
    with pinned_generation():
        yield
