"""The row hashes one load has landed: found exactly as a Python set would find them."""

import numpy as np

from ingestion.row_hashes import SeenRowHashes


def test_every_added_hash_is_found_and_no_other_across_many_chunks():
    rng = np.random.default_rng(7)
    seen, reference = SeenRowHashes(), set()
    for chunk_size in (5, 1, 8, 3, 3, 20, 2, 64, 7):
        chunk = rng.integers(0, 2**64 - 1, size=chunk_size, dtype=np.uint64)
        # a chunk repeats hashes of itself and of earlier chunks
        if reference:
            chunk[0] = next(iter(reference))
        chunk[-1] = chunk[0]
        probe = np.concatenate([chunk, rng.integers(0, 2**64 - 1, size=50, dtype=np.uint64)])
        expected = np.array([int(h) in reference for h in probe])
        assert (seen.contains(probe) == expected).all()
        seen.add(chunk)
        reference.update(int(h) for h in chunk)
    assert seen.contains(np.array(sorted(reference), dtype=np.uint64)).all()


def test_the_extremes_of_the_hash_range_and_an_empty_state():
    seen = SeenRowHashes()
    extremes = np.array([0, 2**64 - 1], dtype=np.uint64)
    assert not seen.contains(extremes).any()
    seen.add(np.array([], dtype=np.uint64))
    assert not seen.contains(extremes).any()
    seen.add(extremes[:1])
    assert seen.contains(extremes).tolist() == [True, False]
    seen.add(extremes[1:])
    assert seen.contains(extremes).all()
