"""The per-run load report: rows per source and raw table, asset check results, step durations.

Built after a run from two records that hold counts only: the warehouse's `raw._load_manifest`
(rows per file and load, load id = run id) and the run's Dagster events (check evaluations, step
stats). Written as `$SIYU_HOME/logs/load-report-<run id>.json` and `.txt` and as rows of the
`ops` schema in the warehouse. It never reads a row of a raw table, so it cannot carry a value.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.warehouse import connect
from ingestion.warehouse_lock import holds_warehouse, lock_path, share_warehouse

COUNT_COLUMNS = ("files", "rows_in", "rows_loaded", "rows_quarantined", "rows_duplicate")
# the daemon reports a run as soon as it ends: the next queued run may already hold the file
WAREHOUSE_ATTEMPTS = 5
WAREHOUSE_RETRY_SECONDS = 2.0

OPS_DDL = (
    "create schema if not exists ops",
    """create table if not exists ops.run_reports (
        run_id VARCHAR NOT NULL PRIMARY KEY, job_name VARCHAR NOT NULL, status VARCHAR NOT NULL,
        started_at TIMESTAMP WITH TIME ZONE, ended_at TIMESTAMP WITH TIME ZONE,
        seconds DOUBLE, reported_at TIMESTAMP WITH TIME ZONE NOT NULL)""",
    """create table if not exists ops.run_load_reports (
        run_id VARCHAR NOT NULL, source VARCHAR NOT NULL, raw_table VARCHAR NOT NULL,
        files BIGINT NOT NULL, rows_in BIGINT NOT NULL, rows_loaded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL,
        PRIMARY KEY (run_id, raw_table))""",
    """create table if not exists ops.run_check_results (
        run_id VARCHAR NOT NULL, asset_key VARCHAR NOT NULL, check_name VARCHAR NOT NULL,
        status VARCHAR NOT NULL, severity VARCHAR NOT NULL,
        PRIMARY KEY (run_id, asset_key, check_name))""",
    """create table if not exists ops.run_step_durations (
        run_id VARCHAR NOT NULL, step_key VARCHAR NOT NULL, status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL, seconds DOUBLE, PRIMARY KEY (run_id, step_key))""",
)


@dataclass(frozen=True)
class TableLoad:
    source: str
    raw_table: str
    files: int
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int


@dataclass(frozen=True)
class CheckOutcome:
    asset: str  # asset key as a path, e.g. marts/fct_orders
    check: str
    status: str  # passed, failed, or not_evaluated (planned, then skipped with its asset)
    severity: str  # ERROR or WARN

    @property
    def label(self) -> str:
        return f"{self.asset}:{self.check}"


@dataclass(frozen=True)
class StepTiming:
    step: str
    status: str  # SUCCESS, FAILURE, SKIPPED, or IN_PROGRESS for a run that was cut off
    attempts: int
    seconds: float | None


@dataclass(frozen=True)
class RunReport:
    run_id: str
    job: str
    status: str  # Dagster's run status: SUCCESS, FAILURE, CANCELED …
    started_at: str | None
    ended_at: str | None
    seconds: float | None
    loads: list[TableLoad] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    steps: list[StepTiming] = field(default_factory=list)
    load_counts_read: bool = True  # False: the warehouse stayed locked, loads left empty

    def totals(self) -> dict[str, int]:
        return {c: sum(getattr(load, c) for load in self.loads) for c in COUNT_COLUMNS}

    def checks_with(self, status: str, severity: str | None = None) -> list[CheckOutcome]:
        return [
            c
            for c in self.checks
            if c.status == status and (severity is None or c.severity == severity)
        ]

    def steps_with(self, status: str) -> list[StepTiming]:
        return [step for step in self.steps if step.status == status]

    def as_dict(self) -> dict:
        return {**asdict(self), "load_totals": self.totals()}


def build_run_report(
    instance: dg.DagsterInstance, run_id: str, warehouse_path: Path | None
) -> RunReport:
    """The report of a finished run; without a warehouse path, its checks and steps only."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        raise ValueError(f"no run {run_id} in the Dagster instance")
    run = record.dagster_run
    started, ended = record.start_time, record.end_time
    loads, read = read_table_loads(warehouse_path, run_id)
    return RunReport(
        run_id=run_id,
        job=run.job_name,
        status=run.status.value,
        started_at=_iso(started),
        ended_at=_iso(ended),
        seconds=round(ended - started, 3) if started and ended else None,
        loads=loads,
        checks=check_outcomes(instance, run_id),
        steps=step_timings(instance, run_id),
        load_counts_read=read,
    )


def read_table_loads(warehouse_path: Path | None, run_id: str) -> tuple[list[TableLoad], bool]:
    """Per raw table, the files and rows this run landed (load id = run id)."""
    if warehouse_path is None or not warehouse_path.exists():
        return [], True
    for _ in range(WAREHOUSE_ATTEMPTS):
        try:
            with warehouse_turn(warehouse_path, exclusive=False) as free:
                if free:
                    with connect(warehouse_path, read_only=True) as conn:
                        return _table_loads(conn, run_id), True
        except duckdb.CatalogException:
            return [], True  # no load ever ran in this warehouse
        except duckdb.IOException:
            pass  # a process outside the lock has the file open
        time.sleep(WAREHOUSE_RETRY_SECONDS)
    return [], False


@contextmanager
def warehouse_turn(warehouse_path: Path, *, exclusive: bool) -> Iterator[bool]:
    """The warehouse lock if free right now (True), without waiting: a sensor must not hang on
    a run. Passes straight through in a `siyu run`, which holds the lock already."""
    if holds_warehouse(warehouse_path):
        yield True
    elif not exclusive:
        with share_warehouse(warehouse_path, wait=False) as free:
            yield free
    else:
        warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path(warehouse_path).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True  # closing the file releases the lock


def _table_loads(conn, run_id: str) -> list[TableLoad]:
    rows = conn.execute(
        """
        select raw_table, count(*), sum(rows_in), sum(rows_loaded), sum(rows_quarantined),
            sum(rows_duplicate)
        from raw._load_manifest where load_id = $run
        group by raw_table order by raw_table
        """,
        {"run": run_id},
    ).fetchall()
    return [
        TableLoad(table.split("__", 1)[0], table, *(int(n) for n in counts))
        for table, *counts in rows
    ]


def check_outcomes(instance: dg.DagsterInstance, run_id: str) -> list[CheckOutcome]:
    """Every check the run planned: its result, or not_evaluated when it never ran."""
    events = instance.all_logs(
        run_id,
        of_type={
            dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        },
    )
    outcomes: dict[tuple[str, str], CheckOutcome] = {}
    for entry in events:
        event = entry.dagster_event
        data = event.event_specific_data
        key = (data.asset_key.to_user_string(), data.check_name)
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            status = "passed" if data.passed else "failed"
            outcomes[key] = CheckOutcome(*key, status, data.severity.value)
        elif key not in outcomes:
            outcomes[key] = CheckOutcome(*key, "not_evaluated", "ERROR")
    return sorted(outcomes.values(), key=lambda c: (c.asset, c.check))


def step_timings(instance: dg.DagsterInstance, run_id: str) -> list[StepTiming]:
    timings = []
    for stats in instance.get_run_step_stats(run_id):
        seconds = (
            round(stats.end_time - stats.start_time, 3)
            if stats.start_time and stats.end_time
            else None
        )
        status = stats.status.value if stats.status else "IN_PROGRESS"
        timings.append(StepTiming(stats.step_key, status, max(stats.attempts or 1, 1), seconds))
    return sorted(timings, key=lambda s: s.step)


def report_text(report: RunReport) -> str:
    """The human-readable report: the same counts as the JSON."""
    seconds = f"{report.seconds:.1f}s" if report.seconds is not None else "?"
    lines = [f"siyu run {report.run_id} ({report.job}): {report.status} in {seconds}", ""]
    lines += load_lines(report)
    lines += ["", *check_lines(report)]
    lines += ["", "Steps (status, attempts, seconds):"]
    for step in sorted(report.steps, key=lambda s: -(s.seconds or 0)):
        took = f"{step.seconds:9.1f}" if step.seconds is not None else "        ?"
        lines.append(f"  {step.status:<11} {step.attempts:>2} {took}  {step.step}")
    return "\n".join(lines)


def load_lines(report: RunReport) -> list[str]:
    lines = ["Rows landed (files / in / loaded / quarantined / duplicate):"]
    if not report.load_counts_read:
        lines.append("  unknown: the warehouse was locked by another run when this was written")
    elif not report.loads:
        lines.append("  nothing new: every file was already loaded")
    for load in report.loads:
        lines.append(
            f"  {load.source:<10} raw.{load.raw_table:<24} {load.files:>5} {load.rows_in:>9} "
            f"{load.rows_loaded:>9} {load.rows_quarantined:>6} {load.rows_duplicate:>6}"
        )
    if report.loads:
        t = report.totals()
        lines.append(
            f"  {'total':<39} {t['files']:>5} {t['rows_in']:>9} {t['rows_loaded']:>9} "
            f"{t['rows_quarantined']:>6} {t['rows_duplicate']:>6}"
        )
    return lines


def check_lines(report: RunReport) -> list[str]:
    passed, failed = report.checks_with("passed"), report.checks_with("failed")
    skipped = report.checks_with("not_evaluated")
    lines = [
        f"Asset checks: {len(passed)} passed, {len(failed)} failed, {len(skipped)} not evaluated "
        "(skipped with their assets; listed in the JSON report)"
    ]
    return lines + [f"  FAILED {check.severity:<5} {check.label}" for check in failed]


def report_paths(logs_dir: Path, run_id: str) -> tuple[Path, Path]:
    return logs_dir / f"load-report-{run_id}.json", logs_dir / f"load-report-{run_id}.txt"


def write_report_files(report: RunReport, logs_dir: Path) -> tuple[Path, Path]:
    logs_dir.mkdir(parents=True, exist_ok=True)
    json_path, text_path = report_paths(logs_dir, report.run_id)
    json_path.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    text_path.write_text(report_text(report) + "\n", encoding="utf-8")
    return json_path, text_path


def write_report_table(report: RunReport, warehouse_path: Path) -> bool:
    """The report as rows of the ops schema (a re-report replaces the run's rows); False when
    the warehouse stayed locked by another writer."""
    for _ in range(WAREHOUSE_ATTEMPTS):
        try:
            with warehouse_turn(warehouse_path, exclusive=True) as free:
                if free:
                    with connect(warehouse_path) as conn:
                        _insert_report(conn, report)
                    return True
        except duckdb.IOException:
            pass  # a process outside the lock has the file open
        time.sleep(WAREHOUSE_RETRY_SECONDS)
    return False


def _insert_report(conn, report: RunReport) -> None:
    for statement in OPS_DDL:
        conn.execute(statement)
    run = {"run": report.run_id}
    conn.execute("begin")
    for table in ("run_reports", "run_load_reports", "run_check_results", "run_step_durations"):
        conn.execute(f"delete from ops.{table} where run_id = $run", run)
    conn.execute(
        "insert into ops.run_reports values (?, ?, ?, ?, ?, ?, now())",
        [report.run_id, report.job, report.status, report.started_at, report.ended_at,
         report.seconds],
    )  # fmt: skip
    if report.loads:
        conn.executemany(
            "insert into ops.run_load_reports values (?, ?, ?, ?, ?, ?, ?, ?)",
            [[report.run_id, *asdict(load).values()] for load in report.loads],
        )
    if report.checks:
        conn.executemany(
            "insert into ops.run_check_results values (?, ?, ?, ?, ?)",
            [[report.run_id, c.asset, c.check, c.status, c.severity] for c in report.checks],
        )
    if report.steps:
        conn.executemany(
            "insert into ops.run_step_durations values (?, ?, ?, ?, ?)",
            [[report.run_id, s.step, s.status, s.attempts, s.seconds] for s in report.steps],
        )
    conn.execute("commit")


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None
