"""The date range a landing run covers, set in run config (UI launchpad) or `siyu backfill`.

A file's date is the first yyyymmdd in its path. With no range a run lands every new file,
whatever its date, so a file days or months late is found by the next run; API sources fetch
incrementally from their own state (a week before the last day fetched). A range re-lands the
files dated in it (already-landed content is skipped by hash) and re-fetches those API days.

Daily Dagster partitions would show per-day status in the UI, but record ~13 ms of events per
partition and asset: a first load of three years of 19 sources would spend minutes on that.
"""

from datetime import date, datetime

import dagster as dg
from pydantic import Field

from ingestion.business_days import days_between


class LandingRange(dg.Config):
    first_day: str = Field(
        default="", description="yyyy-mm-dd: land files dated from this day (empty: no limit)"
    )
    last_day: str = Field(
        default="", description="yyyy-mm-dd: land files dated up to this day (empty: no limit)"
    )

    def file_days(self) -> tuple[date, date] | None:
        """The file dates to land, or None for every new file."""
        if not self.first_day and not self.last_day:
            return None
        first = _parse(self.first_day) if self.first_day else date.min
        last = _parse(self.last_day) if self.last_day else date.max
        if last < first:
            raise ValueError(f"last_day {self.last_day} is before first_day {self.first_day}")
        return first, last

    def api_days(self, today: date) -> list[date] | None:
        """The days an API source is asked for: the range (never past today), or None for the
        source's own incremental state."""
        if not self.first_day:
            return None
        first = _parse(self.first_day)
        last = min(_parse(self.last_day), today) if self.last_day else today
        return days_between(first, last)


def _parse(day: str) -> date:
    return datetime.strptime(day, "%Y-%m-%d").date()


def range_run_config(op_names: list[str], first: date | None, last: date | None) -> dict:
    """Run config giving every landing op in `op_names` the same range."""
    config = {
        "first_day": first.isoformat() if first else "",
        "last_day": last.isoformat() if last else "",
    }
    return {"ops": {name: {"config": config} for name in op_names}}
