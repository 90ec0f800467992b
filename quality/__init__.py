"""Framework-free quality gates: pandera rules per raw table (great-expectations suites later)."""
