"""Which file dates and API days a partition range covers."""

from datetime import date

import dagster as dg

from orchestration.defs.ingestion.partitions import (
    DAILY_PARTITIONS,
    extraction_days,
    landing_days,
    nightly_range_tags,
)

FIRST = DAILY_PARTITIONS.get_first_partition_key()
LAST = DAILY_PARTITIONS.get_last_partition_key()


def test_an_inner_range_lands_exactly_its_dates():
    keys = dg.PartitionKeyRange("2025-08-01", "2025-08-31")
    assert landing_days(keys) == (date(2025, 8, 1), date(2025, 8, 31))
    assert extraction_days(keys)[0] == date(2025, 8, 1)
    assert len(extraction_days(keys)) == 31


def test_the_edge_partitions_are_open_ended_so_no_file_is_left_behind():
    assert landing_days(dg.PartitionKeyRange(FIRST, "2025-01-31"))[0] == date.min
    assert landing_days(dg.PartitionKeyRange("2025-01-01", LAST))[1] == date.max
    # an API is never asked about days after today
    assert extraction_days(dg.PartitionKeyRange("2025-01-01", LAST))[-1].isoformat() == LAST


def test_the_nightly_run_rescans_the_last_week():
    assert nightly_range_tags(date(2025, 11, 12)) == {
        "dagster/asset_partition_range_start": "2025-11-05",
        "dagster/asset_partition_range_end": "2025-11-12",
    }
