"""The drop-folder sensor asks for one run landing the raw tables that have new files."""

import os
import shutil
import time

import dagster as dg
import pytest

from orchestration.defs.ingestion.drop_sensor import SETTLE_SECONDS, new_source_files_sensor


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


def requested(result) -> set[str]:
    return {key.path[1] for key in result.asset_selection}


def test_first_tick_requests_every_table_with_files_then_nothing(drop_folder):
    cursor, result = evaluate()
    runs = requested(result)
    assert {"tmall__orders", "pos__receipt_lines", "wecom__contacts", "jd__orders"} <= runs
    assert not {"mall__orders", "mall__members"} & runs  # API sources are fetched nightly
    _, again = evaluate(cursor)
    assert isinstance(again, dg.SkipReason)


def test_a_late_file_asks_for_its_table_only(drop_folder):
    cursor, _ = evaluate()
    time.sleep(0.01)
    late = drop_folder / "pos/SH001/SH001_20250628.csv"
    shutil.copy2(drop_folder / "pos/SH001/SH001_20250701.csv", late)  # copy2 keeps the old mtime
    settled = time.time() - SETTLE_SECONDS - 1
    os.utime(late, (settled, settled))
    _, result = evaluate(cursor)
    assert requested(result) == {"pos__receipt_lines"}


def test_a_file_still_being_written_waits_for_the_next_tick(drop_folder):
    cursor, _ = evaluate()
    fresh = drop_folder / "pos/SH001/SH001_20250702.csv"
    shutil.copy(drop_folder / "pos/SH001/SH001_20250701.csv", fresh)  # mtime: now
    _, result = evaluate(cursor)
    assert isinstance(result, dg.SkipReason)
    settled = time.time() - SETTLE_SECONDS - 1
    os.utime(fresh, (settled, settled))
    _, result = evaluate(cursor)
    assert requested(result) == {"pos__receipt_lines"}
