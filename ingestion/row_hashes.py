"""The 64-bit content hashes of the rows one load has landed so far, to find identical rows.

A load of the two-year contact list holds 46M rows: as a Python set of ints they cost about
100 bytes a row (5 GB at the peak); here they are one sorted NumPy array, 8 bytes a row. Each
chunk's hashes are sorted before they are looked up or inserted, so the binary searches walk
the array in order instead of missing the cache on every step.
"""

from __future__ import annotations

import numpy as np


class SeenRowHashes:
    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.uint64)  # unique

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """For each hash, whether it was added before."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        order = np.argsort(hashes)
        needles = hashes[order]
        position = np.searchsorted(self._sorted, needles)
        inside = position < len(self._sorted)
        found_in_order = np.zeros(len(hashes), dtype=bool)
        found_in_order[inside] = self._sorted[position[inside]] == needles[inside]
        found = np.empty(len(hashes), dtype=bool)
        found[order] = found_in_order
        return found

    def add(self, hashes: np.ndarray) -> None:
        newest = np.unique(np.asarray(hashes, dtype=np.uint64))
        position = np.searchsorted(self._sorted, newest)
        inside = position < len(self._sorted)
        known = np.zeros(len(newest), dtype=bool)
        known[inside] = self._sorted[position[inside]] == newest[inside]
        self._sorted = np.insert(self._sorted, position[~known], newest[~known])
