"""Randomness that never depends on the horizon: keyed generators and keyed hashes.

A file dated before the last day must not change when the horizon grows by a day, so no draw
may depend on how many days are simulated. Counts are drawn per fixed block of days from a
generator keyed by (seed, process, block); per-event choices are hashes of the event's own key.
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _word(key: int | str) -> int:
    return zlib.crc32(key.encode("utf-8")) if isinstance(key, str) else int(key)


def stream(seed: int, *keys: int | str) -> np.random.Generator:
    """An independent generator for one (process, block) pair."""
    return np.random.default_rng(np.random.SeedSequence([seed, *(_word(k) for k in keys)]))


def _mix(x: np.ndarray) -> np.ndarray:
    # splitmix64 finaliser: every input bit affects every output bit.
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def _as_u64(values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "US":
        raise TypeError("hash keys must be integers")
    return arr.astype(np.int64).view(np.uint64)


def hashed(seed: int, label: str, *keys) -> np.ndarray:
    """A uint64 per element, a pure function of (seed, label, keys)."""
    with np.errstate(over="ignore"):
        h = _mix(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ np.uint64(_word(label)))
        for key in keys:
            h = _mix(h ^ _as_u64(key))
    return h


def uniform(seed: int, label: str, *keys) -> np.ndarray:
    """Uniform floats in [0, 1), one per element of the broadcast keys."""
    return (hashed(seed, label, *keys) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def below(seed: int, label: str, p, *keys) -> np.ndarray:
    """True with probability p (scalar or per element)."""
    return uniform(seed, label, *keys) < p


def integers(seed: int, label: str, low: int, high, *keys) -> np.ndarray:
    """Integers in [low, high) (high scalar or per element)."""
    span = np.asarray(high) - low
    return low + (uniform(seed, label, *keys) * span).astype(np.int64)


def categorical(seed: int, label: str, weights, *keys) -> np.ndarray:
    """Category indices drawn with the given (unnormalised) weights."""
    cum = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cum / cum[-1], uniform(seed, label, *keys), side="right")


def exponential(seed: int, label: str, mean, *keys) -> np.ndarray:
    return -np.log1p(-uniform(seed, label, *keys)) * mean


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_tokens(seed: int, label: str, n_chars: int, *keys) -> np.ndarray:
    """Lower-case hex tokens of n_chars (≤ 64), a pure function of the keys."""
    words = -(-n_chars // 16)
    parts = [hashed(seed, f"{label}#{w}", *keys) for w in range(words)]
    h = np.stack(parts, axis=-1) if parts[0].ndim else np.stack(parts)[None, :]
    raw = np.ascontiguousarray(h).view(np.uint8).reshape(len(h), words * 8)
    nibbles = np.stack([raw >> 4, raw & 15], axis=-1).reshape(len(h), words * 16)[:, :n_chars]
    chars = np.ascontiguousarray(_HEX[nibbles])
    return chars.view(f"S{n_chars}").reshape(len(h)).astype(f"U{n_chars}")


def text_keys(values: np.ndarray, width: int = 32) -> np.ndarray:
    """An int64 key per string (a polynomial of its code points), to hash text like an id."""
    arr = np.asarray(values).astype(f"U{width}")
    codes = np.ascontiguousarray(arr).view(np.uint32).reshape(len(arr), width).astype(np.int64)
    weights = np.int64(1_000_003) ** np.arange(width, dtype=np.int64)
    with np.errstate(over="ignore"):
        return (codes * weights).sum(axis=1)
