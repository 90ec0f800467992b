"""Vectorised string building and random draws shared by every source writer."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator

import numpy as np

ALNUM = string.ascii_letters + string.digits
BASE64URL = ALNUM + "-_"


def cat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars (numpy ufunc, no Python loop)."""
    out = np.asarray(parts[0])
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return out


def ints(values: np.ndarray, width: int = 0) -> np.ndarray:
    """Integers as decimal strings, zero-padded to width when given."""
    out = np.asarray(values).astype(np.str_)
    # np.strings.zfill cannot take an empty array (it reduces over the width).
    return np.strings.zfill(out, width) if width and out.size else out


def pick(values: np.ndarray | list[str] | tuple[str, ...], idx: np.ndarray) -> np.ndarray:
    """values[idx] as a numpy string array."""
    return np.asarray(values)[idx]


def format_cents(cents: np.ndarray) -> np.ndarray:
    """Money in cents as `199.00` / `-12.50` strings."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    magnitude = np.abs(cents)
    return cat(sign, ints(magnitude // 100), ".", ints(magnitude % 100, 2))


def random_tokens(rng: np.random.Generator, n: int, length: int, alphabet: str = ALNUM):
    """n random tokens of a fixed length drawn from alphabet."""
    codes = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    chars = codes[rng.integers(0, len(codes), size=(n, length))]
    return np.ascontiguousarray(chars).view(f"S{length}").reshape(n).astype(f"U{length}")


def draw_unique(draw: Callable[[int], np.ndarray], n: int) -> np.ndarray:
    """Call draw(k) until n values are pairwise distinct; duplicates are re-drawn, first kept."""
    values = draw(n)
    while True:
        _, first = np.unique(values, return_index=True)
        if len(first) == n:
            return values
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        idx = np.flatnonzero(dup)
        values[idx] = draw(len(idx))


def choice(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """n category indices drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def group_bounds(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end positions of the runs of equal values in an already sorted key array."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return np.r_[0, change], np.r_[change, n]


def day_runs(days: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """(start, end, day) of each run of equal days in an already sorted day array."""
    starts, ends = group_bounds(days)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        yield s, e, int(days[s])


def run_starts(*keys: np.ndarray) -> np.ndarray:
    """True on the first row of each run of equal key tuples (keys sorted together)."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=bool)
    change = np.zeros(n - 1, dtype=bool)
    for key in keys:
        change |= key[1:] != key[:-1]
    return np.r_[True, change]


def rank_in_group(keys: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal keys (keys sorted)."""
    starts, ends = group_bounds(keys)
    return np.arange(len(keys)) - np.repeat(starts, ends - starts)


def thousands(values: np.ndarray) -> np.ndarray:
    """Non-negative integers with thousands separators: `1,299`."""
    v = np.asarray(values, dtype=np.int64)
    low = ints(v % 1000, 3)
    mid = ints(v // 1000 % 1000, 3)
    out = ints(v)
    out = np.where(v >= 1000, cat(ints(v // 1000), ",", low), out)
    return np.where(v >= 1_000_000, cat(ints(v // 1_000_000), ",", mid, ",", low), out)


def yuan(cents: np.ndarray, symbol: str = "¥") -> np.ndarray:
    """Money as `¥1,299.00` (negative: `-¥12.50`); GBK files need the full-width `￥`."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    magnitude = np.abs(cents)
    return cat(sign, symbol, thousands(magnitude // 100), ".", ints(magnitude % 100, 2))
