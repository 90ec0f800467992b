"""Personal-data duties: erasure (registry, landing filter, compaction) and its checks."""
