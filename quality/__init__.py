"""Framework-free quality gates: pandera rules per raw table, great-expectations suites on
staging and marts (expectations/)."""
