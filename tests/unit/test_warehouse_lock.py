"""The warehouse lock across processes, and what a run repairs before it starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.warehouse_lock import current_holder, hold_warehouse, share_warehouse
from ingestion.warehouse_recovery import (
    KEEP_LAST_GOOD_ENV_VAR,
    WarehouseDamagedError,
    keep_last_good,
    last_good_path,
    prepare_warehouse,
    spill_folder,
)

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ingestion.warehouse_lock import hold_warehouse
    with hold_warehouse(Path(sys.argv[1]), run_id="abcdef12-run", command="holder"):
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def start_holder(warehouse: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "holding"
    return process


def test_a_second_writer_waits_for_the_first_and_says_who_holds_it(tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    holder = start_holder(warehouse, 1.5)
    said: list[str] = []
    started = time.monotonic()
    with hold_warehouse(warehouse, run_id="second-run", on_wait=said.append):
        waited = time.monotonic() - started
        assert current_holder(warehouse).run_id == "second-run"
    holder.wait()
    assert waited > 0.5
    assert len(said) == 1
    assert f"held by run abcdef12 (holder, pid {holder.pid})" in said[0]


def test_the_kernel_drops_the_lock_of_a_killed_holder(tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    holder = start_holder(warehouse, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    said: list[str] = []
    started = time.monotonic()
    with hold_warehouse(warehouse, on_wait=said.append):
        assert time.monotonic() - started < 5
    assert said == []


def test_the_holding_process_takes_the_lock_again_without_waiting(tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    with hold_warehouse(warehouse, run_id="outer"):
        with hold_warehouse(warehouse, run_id="step", on_wait=pytest.fail):
            assert current_holder(warehouse).run_id == "outer"
        with share_warehouse(warehouse, wait=False) as shared:
            assert shared
    assert current_holder(warehouse) is None


def test_a_reader_does_not_open_the_file_under_a_writer(tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    holder = start_holder(warehouse, 30)
    try:
        with share_warehouse(warehouse, wait=False) as shared:
            assert not shared
    finally:
        holder.kill()
        holder.wait()
    with share_warehouse(warehouse, wait=False) as shared:
        assert shared


def make_warehouse(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"create or replace table t as select range as i from range({rows})")


def test_a_damaged_file_is_moved_aside_and_the_last_good_copy_restored(tmp_path):
    warehouse = tmp_path / "warehouse" / "siyu.duckdb"
    warehouse.parent.mkdir()
    make_warehouse(warehouse, 1000)
    assert keep_last_good(warehouse) == last_good_path(warehouse)
    make_warehouse(warehouse, 2000)  # newer than the copy, then damaged
    with warehouse.open("r+b") as handle:
        handle.write(b"\x5a" * 4096)
    said: list[str] = []
    prepare_warehouse(warehouse, said.append)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from t").fetchone() == (1000,)
    assert len(list(warehouse.parent.glob("siyu.duckdb.damaged-*"))) == 1
    assert len(said) == 1 and "restored the last good copy" in said[0]


def test_a_damaged_file_without_a_last_good_copy_stops_the_run(tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    warehouse.write_bytes(b"\x5a" * 8192)
    with pytest.raises(WarehouseDamagedError, match="no last good copy"):
        prepare_warehouse(warehouse, print)
    assert warehouse.exists()  # left where it was for the operator


def test_a_killed_runs_spill_folder_is_removed(tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    make_warehouse(warehouse, 10)
    spill = spill_folder(warehouse)
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 100)
    prepare_warehouse(warehouse, print)
    assert not spill.exists()


def test_the_last_good_copy_can_be_switched_off(tmp_path, monkeypatch):
    warehouse = tmp_path / "siyu.duckdb"
    make_warehouse(warehouse, 10)
    monkeypatch.setenv(KEEP_LAST_GOOD_ENV_VAR, "0")
    assert keep_last_good(warehouse) is None
    assert not last_good_path(warehouse).exists()


def test_siyu_runs_left_started_are_marked_failed_and_others_left_alone(tmp_path):
    from dagster import DagsterInstance, DagsterRunStatus
    from dagster._core.storage.dagster_run import DagsterRun

    from orchestration.run_safety import CLI_RUN_TAGS, fail_runs_left_started

    with DagsterInstance.ephemeral() as instance:
        killed = instance.add_run(
            DagsterRun(job_name="nightly", status=DagsterRunStatus.STARTED, tags=CLI_RUN_TAGS)
        )
        daemon = instance.add_run(DagsterRun(job_name="nightly", status=DagsterRunStatus.STARTED))
        assert fail_runs_left_started(instance) == 1
        assert instance.get_run_by_id(killed.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(daemon.run_id).status == DagsterRunStatus.STARTED
