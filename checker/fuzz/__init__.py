"""Fuzzing: the steered walk (no Hypothesis) and the Hypothesis state machines."""
