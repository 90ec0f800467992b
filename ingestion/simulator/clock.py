"""The simulated calendar: local (Asia/Shanghai) seconds, day strings, seasons and blocks.

Times are int64 seconds since local midnight of the first day (negative before it); China has
no DST, so local time is UTC+8 all year and no tz database is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from .text import cat, ints

DAY = 86_400
HOUR = 3_600
SHANGHAI_OFFSET = 8 * HOUR
BACK_DAYS = 1_100  # how far before the first day times can reach (history of older customers)
SPARE_DAYS = 64  # consequences drawn past the last day (never written, but formatted safely)
BLOCK_DAYS = 64  # counts are drawn per block of this many days, whatever the horizon


@lru_cache(maxsize=1)
def _hms() -> np.ndarray:
    sec = np.arange(DAY)
    return cat(ints(sec // 3600, 2), ":", ints(sec // 60 % 60, 2), ":", ints(sec % 60, 2))


def _season(month: np.ndarray, dom: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Online demand of a calendar day: 618 (June 1–18) and Double 11 (Nov 1–11) peaks."""
    w = np.where(weekday >= 5, 1.1, 1.0)
    june = (month == 6) & (dom <= 18)
    w = np.where(june, 1.8, w)
    w = np.where((month == 6) & (dom == 18), 5.0, w)
    w = np.where((month == 6) & (dom == 1), 3.0, w)
    nov = (month == 11) & (dom <= 11)
    w = np.where(nov, 2.2, w)
    w = np.where((month == 11) & (dom == 1), 3.5, w)
    w = np.where((month == 11) & (dom == 11), 8.0, w)
    return np.where((month == 12) & (dom == 12), 2.0, w)


def _store_season(month: np.ndarray, dom: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Store footfall: weekends and the October Golden Week."""
    w = np.where(weekday >= 5, 1.5, 1.0)
    return np.where((month == 10) & (dom <= 7), 1.8, w)


@dataclass(frozen=True)
class Period:
    start: date
    days: int
    _cal: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be at least 1")
        d64 = np.datetime64(self.start, "D") + np.arange(-BACK_DAYS, self.days + SPARE_DAYS)
        iso = d64.astype("U10")
        month = np.strings.slice(iso, 5, 7).astype(np.int64)
        dom = np.strings.slice(iso, 8, 10).astype(np.int64)
        weekday = (d64.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        # Seasons are normalised by a fixed year, so a day's weight never depends on the horizon.
        year = np.datetime64("2023-01-01") + np.arange(365)
        y_iso = year.astype("U10")
        y_args = (
            np.strings.slice(y_iso, 5, 7).astype(np.int64),
            np.strings.slice(y_iso, 8, 10).astype(np.int64),
            (year.astype(np.int64) + 3) % 7,
        )
        cal = {
            "iso": iso,
            "compact": np.strings.replace(iso, "-", ""),
            "slash": np.strings.replace(iso, "-", "/"),
            "month": month,
            "dom": dom,
            "weekday": weekday,
            "online": _season(month, dom, weekday) / _season(*y_args).mean(),
            "store": _store_season(month, dom, weekday) / _store_season(*y_args).mean(),
        }
        object.__setattr__(self, "_cal", cal)

    # ------------------------------------------------------------ horizon
    @property
    def last(self) -> int:
        """Index of the last day."""
        return self.days - 1

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    @property
    def end(self) -> int:
        """First local second after the horizon."""
        return self.days * DAY

    @property
    def epoch0(self) -> int:
        """Unix epoch of local midnight on the first day."""
        return (self.start - date(1970, 1, 1)).days * DAY - SHANGHAI_OFFSET

    @property
    def blocks(self) -> range:
        """The blocks of BLOCK_DAYS days that cover the horizon."""
        return range(-(-self.days // BLOCK_DAYS))

    def snapshot_days(self) -> np.ndarray:
        """Mondays within the horizon, plus the last day."""
        mondays = np.flatnonzero(self.weekday(np.arange(self.days)) == 0)
        return np.union1d(mondays, [self.last])

    # ------------------------------------------------------------ calendar lookups
    def _at(self, name: str, day) -> np.ndarray:
        return self._cal[name][np.asarray(day, dtype=np.int64) + BACK_DAYS]

    def weekday(self, day) -> np.ndarray:
        return self._at("weekday", day)

    def month(self, day) -> np.ndarray:
        return self._at("month", day)

    def dom(self, day) -> np.ndarray:
        return self._at("dom", day)

    def weights(self, kind: str, day) -> np.ndarray:
        """Demand weight of days ("online" or "store"); a year of weights averages 1."""
        return self._at(kind, day)

    def fields(self, day) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(month, day of month, weekday) of any day index, inside the calendar or not."""
        d64 = np.datetime64(self.start, "D") + np.asarray(day, dtype=np.int64)
        month_start = d64.astype("M8[M]")
        month = month_start.astype(np.int64) % 12 + 1
        dom = (d64 - month_start.astype("M8[D]")).astype(np.int64) + 1
        return month, dom, (d64.astype(np.int64) + 3) % 7

    # ------------------------------------------------------------ formatting
    def iso(self, day) -> np.ndarray:
        """`YYYY-MM-DD` for day indices."""
        return self._at("iso", day)

    def compact(self, day) -> np.ndarray:
        """`YYYYMMDD` for day indices (file names)."""
        return self._at("compact", day)

    def timestamp(self, t) -> np.ndarray:
        """`YYYY-MM-DD HH:MM:SS` local."""
        t = np.asarray(t, dtype=np.int64)
        return cat(self.iso(t // DAY), " ", _hms()[t % DAY])

    def slash_timestamp(self, t) -> np.ndarray:
        """`YYYY/MM/DD HH:MM:SS` local, as survey tools export it."""
        t = np.asarray(t, dtype=np.int64)
        return cat(self._at("slash", t // DAY), " ", _hms()[t % DAY])

    def iso8601(self, t) -> np.ndarray:
        """`YYYY-MM-DDTHH:MM:SS+08:00`."""
        t = np.asarray(t, dtype=np.int64)
        return cat(self.iso(t // DAY), "T", _hms()[t % DAY], "+08:00")

    def epoch(self, t) -> np.ndarray:
        return np.asarray(t, dtype=np.int64) + self.epoch0


def sample_days(
    rng: np.random.Generator, period: Period, kind: str, first: int, n_days: int, n: int
) -> np.ndarray:
    """n day indices in [first, first + n_days), drawn by the days' demand weights."""
    days = np.arange(first, first + n_days)
    cum = np.cumsum(period.weights(kind, days))
    return first + np.searchsorted(cum / cum[-1], rng.random(n), side="right")


def time_of_day(rng: np.random.Generator, hour_weights: np.ndarray, n: int) -> np.ndarray:
    """Seconds after midnight with the hour drawn from hour_weights (index = hour)."""
    p = np.asarray(hour_weights, dtype=float)
    hour = rng.choice(len(p), size=n, p=p / p.sum())
    return hour * 3600 + rng.integers(0, 3600, size=n)


# Online shopping peaks in the evening and dips before dawn.
ONLINE_HOURS = np.array(
    [
        3,
        1.5,
        0.8,
        0.4,
        0.3,
        0.3,
        0.5,
        1,
        2,
        3.5,
        4.5,
        5,
        5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        5,
        6,
        7.5,
        7.5,
        6,
    ]
)
# People scan a QR code or answer a survey at home: evenings and lunch breaks.
HOME_HOURS = np.array(
    [1, 0.5, 0.2, 0.1, 0.1, 0.1, 0.3, 1, 2, 2.5, 3, 3, 4, 3, 2.5, 2.5, 2.5, 3, 3.5, 4, 5, 5.5, 5, 3]
)
# Office hours for calls and staff work.
OFFICE_HOURS = np.array([0] * 9 + [3, 4, 4, 2, 3, 4, 4, 4, 3, 2, 1] + [0] * 4)
