"""A tiny deterministic random generator whose whole state is one integer.

The election timeout must be random (§5.2) yet every transition must be pure, so the
generator's state travels inside the node state and each draw returns the next state.
The mixing function is SplitMix64 (Steele, Lea and Flood, 2014): small, fast and well
distributed, which is all a timeout needs.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def next_u64(state: int) -> tuple[int, int]:
    """Return a 64-bit output and the generator's next state."""
    state = (state + _GOLDEN) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31), state


def draw(state: int, low: int, high: int) -> tuple[int, int]:
    """Return an integer in ``[low, high]`` and the generator's next state."""
    value, state = next_u64(state)
    return low + value % (high - low + 1), state


def seed_from(*parts: object) -> int:
    """A 64-bit seed from ints and strings, the same on every machine and under any
    ``PYTHONHASHSEED`` (Python's own ``hash`` of a string is randomised per process)."""
    state = 0
    # A length prefix per part keeps (1, 23) and (12, 3) apart.
    for part in parts:
        text = repr(part).encode("utf-8")
        for byte in len(text).to_bytes(4, "big") + text:
            value, state = next_u64(state ^ byte)
            state ^= value
    return state
