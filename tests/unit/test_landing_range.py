"""Which file dates and API days a landing run covers."""

from datetime import date

import pytest

from orchestration.defs.ingestion.date_range import LandingRange, range_run_config

TODAY = date(2025, 11, 12)


def test_no_range_lands_every_new_file_and_lets_the_api_source_fetch_incrementally():
    default = LandingRange()
    assert default.file_days() is None
    assert default.api_days(TODAY) is None


def test_a_range_lands_its_dates_and_never_asks_the_api_past_today():
    backfill = LandingRange(first_day="2025-11-01", last_day="2025-11-30")
    assert backfill.file_days() == (date(2025, 11, 1), date(2025, 11, 30))
    assert backfill.api_days(TODAY)[0] == date(2025, 11, 1)
    assert backfill.api_days(TODAY)[-1] == TODAY


def test_an_open_ended_range_and_a_reversed_one():
    assert LandingRange(first_day="2025-11-01").file_days() == (date(2025, 11, 1), date.max)
    with pytest.raises(ValueError, match="before first_day"):
        LandingRange(first_day="2025-11-02", last_day="2025-11-01").file_days()


def test_run_config_gives_every_landing_op_the_range():
    config = range_run_config(["raw__a", "raw__b"], date(2025, 1, 1), None)
    assert config == {
        "ops": {
            "raw__a": {"config": {"first_day": "2025-01-01", "last_day": ""}},
            "raw__b": {"config": {"first_day": "2025-01-01", "last_day": ""}},
        }
    }
