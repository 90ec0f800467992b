"""Daily partitions shared by every raw table: a file's partition is the date in its path.

A backfill of 2025-08-01..2025-08-31 lands the files dated in that range (already-landed files
are skipped by content hash). The first and the last partition are open-ended, so that a file
dated before the first partition or after today is landed rather than silently left behind.
"""

import os
from datetime import date, datetime, timedelta

import dagster as dg

BUSINESS_TIME_ZONE = "Asia/Shanghai"
PARTITIONS_START_ENV = "SIYU_PARTITIONS_START"
DEFAULT_PARTITIONS_START = "2024-01-01"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
NIGHTLY_LOOKBACK_DAYS = 7  # the nightly run re-scans a week, so a file a few days late is found


def partitions_start() -> str:
    return os.environ.get(PARTITIONS_START_ENV, DEFAULT_PARTITIONS_START)


# today's partition exists (end_offset=1) so that a file dropped today can be landed today
DAILY_PARTITIONS = dg.DailyPartitionsDefinition(
    start_date=partitions_start(), timezone=BUSINESS_TIME_ZONE, end_offset=1
)


def _as_date(partition_key: str) -> date:
    return datetime.strptime(partition_key, "%Y-%m-%d").date()


def landing_days(partition_keys: dg.PartitionKeyRange) -> tuple[date, date]:
    """The file dates a run of this partition range lands, open-ended at both edges."""
    first, last = _as_date(partition_keys.start), _as_date(partition_keys.end)
    if partition_keys.start == DAILY_PARTITIONS.get_first_partition_key():
        first = date.min
    if partition_keys.end == DAILY_PARTITIONS.get_last_partition_key():
        last = date.max
    return first, last


def extraction_days(partition_keys: dg.PartitionKeyRange) -> list[date]:
    """The days an API source is asked for: the range itself, never past today."""
    first, last = _as_date(partition_keys.start), _as_date(partition_keys.end)
    today = _as_date(DAILY_PARTITIONS.get_last_partition_key())
    last = min(last, today)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover a partition range (single-run backfill)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def full_range_tags() -> dict[str, str]:
    return range_tags(
        DAILY_PARTITIONS.get_first_partition_key(), DAILY_PARTITIONS.get_last_partition_key()
    )


def nightly_range_tags(today: date) -> dict[str, str]:
    first = max(today - timedelta(days=NIGHTLY_LOOKBACK_DAYS), _as_date(partitions_start()))
    return range_tags(first.isoformat(), today.isoformat())
