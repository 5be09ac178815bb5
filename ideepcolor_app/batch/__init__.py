"""Colourising a collection: a plan of shards that any engine runs (this process, a pool of
processes, or a Ray cluster), resumable, with the same results as ``colorize`` and ``video``."""
