"""The drop-folder sensor asks for a run per raw table covering the dates of its new files."""

import os
import shutil
import time

import dagster as dg
import pytest

from orchestration.defs.ingestion.drop_sensor import SETTLE_SECONDS, new_source_files_sensor
from orchestration.defs.ingestion.partitions import RANGE_END_TAG, RANGE_START_TAG


@pytest.fixture
def drop_folder(sources, monkeypatch):
    monkeypatch.setenv("SIYU_SOURCES_DIR", str(sources))
    settled = time.time() - SETTLE_SECONDS - 1
    for path in sources.rglob("*"):
        os.utime(path, (settled, settled))
    return sources


def evaluate(cursor=None):
    context = dg.build_sensor_context(cursor=cursor)
    result = new_source_files_sensor(context)
    return context.cursor, result


def requested(result) -> dict[str, tuple[str, str]]:
    return {
        request.asset_selection[0].path[1]: (
            request.tags[RANGE_START_TAG],
            request.tags[RANGE_END_TAG],
        )
        for request in result
    }


def test_first_tick_requests_every_table_with_files_then_nothing(drop_folder):
    cursor, result = evaluate()
    runs = requested(result)
    assert runs["tmall__orders"] == ("2025-07-01", "2025-07-01")
    assert runs["pos__receipt_lines"] == ("2025-07-01", "2025-07-01")
    assert runs["wecom__contacts"] == ("2025-07-10", "2025-07-10")
    _, again = evaluate(cursor)
    assert isinstance(again, dg.SkipReason)


def test_a_late_file_asks_for_its_own_date_only(drop_folder):
    cursor, _ = evaluate()
    time.sleep(0.01)
    late = drop_folder / "pos/SH001/SH001_20250628.csv"
    shutil.copy2(drop_folder / "pos/SH001/SH001_20250701.csv", late)  # copy2 keeps the old mtime
    settled = time.time() - SETTLE_SECONDS - 1
    os.utime(late, (settled, settled))
    _, result = evaluate(cursor)
    assert requested(result) == {"pos__receipt_lines": ("2025-06-28", "2025-06-28")}


def test_a_file_still_being_written_waits_for_the_next_tick(drop_folder):
    cursor, _ = evaluate()
    fresh = drop_folder / "pos/SH001/SH001_20250702.csv"
    shutil.copy(drop_folder / "pos/SH001/SH001_20250701.csv", fresh)  # mtime: now
    _, result = evaluate(cursor)
    assert isinstance(result, dg.SkipReason)
    settled = time.time() - SETTLE_SECONDS - 1
    os.utime(fresh, (settled, settled))
    _, result = evaluate(cursor)
    assert requested(result) == {"pos__receipt_lines": ("2025-07-02", "2025-07-02")}
