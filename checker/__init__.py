"""raftcheck's checker: the world model, invariants, explorer, traces and command line."""
