"""Mainland mobile numbers and the ways people and platforms write them."""

from __future__ import annotations

import numpy as np

from .text import cat, choice, draw_unique, ints

# Allocated mobile prefixes (13x–19x) of the three carriers and their MVNOs.
PREFIXES = np.array(
    [
        *range(130, 140),
        *(145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166),
        *(170, 171, 172, 173, 175, 176, 177, 178),
        *range(180, 190),
        *(191, 193, 195, 196, 197, 198, 199),
    ],
    dtype=np.int64,
)

# How a phone gets typed: plain, spaced 3-4-4, +86, +86 dashed, full-width digits.
FORMATS = ("plain", "spaced", "plus86", "plus86_dashed", "fullwidth", "plus86_spaced")
TILL_FORMAT_WEIGHTS = np.array([0.60, 0.12, 0.10, 0.08, 0.10])
REMARK_FORMAT_WEIGHTS = np.array([0.50, 0.20, 0.10, 0.10, 0.10])

_FULLWIDTH_SHIFT = ord("０") - ord("0")


def unique_phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct 11-digit mobile numbers as int64."""

    def draw(k: int) -> np.ndarray:
        prefix = PREFIXES[rng.integers(0, len(PREFIXES), size=k)]
        return prefix * 10**8 + rng.integers(0, 10**8, size=k)

    return draw_unique(draw, n)


def plain(phones: np.ndarray) -> np.ndarray:
    """`13812345678`."""
    return ints(phones)


def masked(phones: np.ndarray) -> np.ndarray:
    """`138****5678`, the only form a marketplace hands the seller."""
    phones = np.asarray(phones, dtype=np.int64)
    return cat(ints(phones // 10**8), "****", ints(phones % 10**4, 4))


def _fullwidth(s: np.ndarray) -> np.ndarray:
    codes = np.ascontiguousarray(s.astype("U11")).view(np.uint32).reshape(len(s), 11)
    return (codes + _FULLWIDTH_SHIFT).astype(np.uint32).view("U11").reshape(len(s))


def formatted(phones: np.ndarray, fmt: np.ndarray) -> np.ndarray:
    """Each phone written in FORMATS[fmt]."""
    phones = np.asarray(phones, dtype=np.int64)
    head, mid, tail = (
        ints(phones // 10**8),
        ints(phones // 10**4 % 10**4, 4),
        ints(phones % 10**4, 4),
    )
    flat = ints(phones)
    variants = [
        flat,
        cat(head, " ", mid, " ", tail),
        cat("+86 ", flat),
        cat("+86-", head, "-", mid, "-", tail),
        _fullwidth(flat),
        cat("+86 ", head, " ", mid, " ", tail),
    ]
    out = np.empty(len(phones), dtype="U17")
    for k, variant in enumerate(variants):
        sel = fmt == k
        out[sel] = variant[sel]
    return out


def varied(rng: np.random.Generator, phones: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Phones in a random mix of the hand-typed formats."""
    return formatted(phones, choice(rng, weights, len(phones)))


NPS_FORMAT_WEIGHTS = np.array([0.55, 0.15, 0.15, 0.05, 0.10])
OUTBOUND_FORMAT_WEIGHTS = np.array([0.70, 0.10, 0.0, 0.0, 0.05, 0.15])
