"""What `siyu run` and `siyu backfill` do around the job so that a killed run costs nothing.

Both hold the warehouse lock (ingestion/warehouse_lock.py) for the whole run. Before the job:
runs a killed `siyu` left STARTED are marked failed, the warehouse is opened once (a damaged
file is replaced by the last good copy) and a killed run's spill folder is removed. After a
successful job the warehouse is copied to last_good/.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import yaml
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.instance.ref import InstanceRef

from ingestion.settings import Settings
from ingestion.warehouse_recovery import keep_last_good, prepare_warehouse

LAUNCHED_BY_TAG = "siyu/launched_by"
CLI_RUN_TAGS = {LAUNCHED_BY_TAG: "cli"}
_UNFINISHED = [
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def cli_instance(dagster_home: Path) -> DagsterInstance:
    """The instance of DAGSTER_HOME with pools enforced per run instead of per step.

    A `siyu` run holds the warehouse lock for its whole run; if its steps also claimed the
    "duckdb_writer" slot they could deadlock with a daemon step holding that slot while it
    waits for the lock. The daemon keeps per-step pools (dagster.yaml) for its own runs.
    """
    config = yaml.safe_load((dagster_home / "dagster.yaml").read_text(encoding="utf-8")) or {}
    concurrency = copy.deepcopy(config.get("concurrency") or {})
    concurrency.setdefault("pools", {})["granularity"] = "run"
    ref = InstanceRef.from_dir(str(dagster_home), overrides={"concurrency": concurrency})
    return DagsterInstance.from_ref(ref)


def fail_runs_left_started(instance: DagsterInstance) -> int:
    """Mark failed the `siyu` runs still STARTED: every live one holds the lock we now hold,
    so these were killed. Left as they are they count against the daemon's run queue."""
    stale = instance.get_runs(RunsFilter(statuses=_UNFINISHED, tags=CLI_RUN_TAGS))
    for run in stale:
        instance.report_run_failed(
            run, message="The process running it ended without finishing (killed or crashed)."
        )
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return len(stale)


def before_run(
    settings: Settings, instance: DagsterInstance, log: Callable[[str], None] = print
) -> None:
    stale = fail_runs_left_started(instance)
    if stale:
        log(f"Marked {stale} earlier siyu run(s) failed: they were killed before finishing")
    prepare_warehouse(settings.warehouse_path, log)


def after_successful_run(settings: Settings) -> Path | None:
    """The last good copy; SIYU_KEEP_LAST_GOOD=0 skips it (it costs the warehouse's size)."""
    return keep_last_good(settings.warehouse_path)
