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
        found = np.empty(len(hashes), dtype=bool)
        found[order] = self._lookup(hashes[order])[1]
        return found

    def add(self, hashes: np.ndarray) -> None:
        newest = np.unique(np.asarray(hashes, dtype=np.uint64))
        position, known = self._lookup(newest)
        self._sorted = np.insert(self._sorted, position[~known], newest[~known])

    def _lookup(self, ascending: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each of these sorted hashes goes in the array, and whether it is there already."""
        position = np.searchsorted(self._sorted, ascending)
        inside = position < len(self._sorted)
        known = np.zeros(len(ascending), dtype=bool)
        known[inside] = self._sorted[position[inside]] == ascending[inside]
        return position, known
