"""The simulated period: local (Asia/Shanghai) seconds, epochs, day strings and seasonality.

Times are int64 seconds since local midnight of the first day; China has no DST, so local
time is UTC+8 all year and no tz database is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from .text import cat, ints

DAY = 86_400
SHANGHAI_OFFSET = 8 * 3_600
# Returns land up to 14 days after a sale and adds up to 6 days after a payment.
_SPARE_DAYS = 16


@lru_cache(maxsize=1)
def _hms() -> np.ndarray:
    sec = np.arange(DAY)
    return cat(ints(sec // 3600, 2), ":", ints(sec // 60 % 60, 2), ":", ints(sec % 60, 2))


@dataclass(frozen=True)
class Period:
    start: date
    days: int
    _dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be at least 1")
        dates = tuple(self.start + timedelta(days=d) for d in range(self.days + _SPARE_DAYS))
        object.__setattr__(self, "_dates", dates)

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    @property
    def end(self) -> int:
        """First local second after the period."""
        return self.days * DAY

    @property
    def epoch0(self) -> int:
        """Unix epoch of local midnight on the first day."""
        return (self.start - date(1970, 1, 1)).days * DAY - SHANGHAI_OFFSET

    def iso(self, day: np.ndarray) -> np.ndarray:
        """`YYYY-MM-DD` for day indices."""
        return np.array([d.isoformat() for d in self._dates])[day]

    def compact(self, day: np.ndarray) -> np.ndarray:
        """`YYYYMMDD` for day indices (file names)."""
        return np.array([d.strftime("%Y%m%d") for d in self._dates])[day]

    def timestamp(self, t: np.ndarray) -> np.ndarray:
        """`YYYY-MM-DD HH:MM:SS` local for local seconds."""
        t = np.asarray(t, dtype=np.int64)
        return cat(self.iso(t // DAY), " ", _hms()[t % DAY])

    def epoch(self, t: np.ndarray) -> np.ndarray:
        return np.asarray(t, dtype=np.int64) + self.epoch0

    def day_weights(self, bumps: dict[str, float], weekend: float = 1.0) -> np.ndarray:
        """Relative weight of each day: 1, times weekend, times a bump on matching `MM-DD`."""
        w = np.ones(self.days)
        for d in range(self.days):
            day = self._dates[d]
            if day.weekday() >= 5:
                w[d] *= weekend
            w[d] *= bumps.get(day.strftime("%m-%d"), 1.0)
        return w / w.sum()


def time_of_day(rng: np.random.Generator, hour_weights: np.ndarray, n: int) -> np.ndarray:
    """Seconds after midnight with the hour drawn from hour_weights (index = hour)."""
    p = np.asarray(hour_weights, dtype=float)
    hour = rng.choice(len(p), size=n, p=p / p.sum())
    return hour * 3600 + rng.integers(0, 3600, size=n)
