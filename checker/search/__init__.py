"""The exhaustive engines: the generic breadth-first search, and the fast partitioned one with its C loop."""
