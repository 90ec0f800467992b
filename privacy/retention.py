"""Retention (PIPL art. 19, 47): raw and quarantine rows older than their period are deleted.

A row's age is its file's date: the first valid yyyymmdd in the file's path (the landing's
partition day), else the business day the file was loaded. Age is measured back from the
newest file date in the warehouse, not from the wall clock: a brand whose files arrive nightly
is measured to about today, and a replayed or demo history is not purged by the calendar.
The load manifest keeps its rows (hashes, paths, counts: no personal data) so that a purged
file still in the sources folder is recognised and not landed again.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.business_days import BUSINESS_TIME_ZONE
from ingestion.warehouse import connect
from ingestion.warehouse_lock import hold_warehouse

CONFIG_ENV_VAR = "SIYU_RETENTION_CONFIG"
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "retention.toml"
QUARANTINE_TABLE = "_quarantine"
# the landing's rule for a file's day (ingestion/landing.py file_date), on the stored path
_PATH_DATE = re.compile(r"(?<!\d)(20\d{6})")


@dataclass(frozen=True)
class RetentionConfig:
    default_days: int = 1095
    quarantine_days: int = 365
    days: dict[str, int] = field(default_factory=dict)  # per raw table name

    def days_for(self, raw_table: str) -> int:
        return self.days.get(raw_table, self.default_days)


@dataclass
class RetentionReport:
    """Counts only: this goes to the load report, logs and Dagster metadata."""

    as_of: date | None
    rows_deleted: dict[str, int] = field(default_factory=dict)  # per raw table
    quarantine_rows_deleted: int = 0
    files_expired: int = 0

    @property
    def total_rows_deleted(self) -> int:
        return sum(self.rows_deleted.values()) + self.quarantine_rows_deleted

    def as_metadata(self) -> dict[str, int | str]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else "",
            "files_expired": self.files_expired,
            "rows_deleted": self.total_rows_deleted,
            "quarantine_rows_deleted": self.quarantine_rows_deleted,
            **{f"rows_deleted.{name}": n for name, n in sorted(self.rows_deleted.items())},
        }

    def lines(self) -> list[str]:
        as_of = self.as_of.isoformat() if self.as_of else "no data"
        lines = [f"Retention as of {as_of}: {self.total_rows_deleted} rows deleted"]
        lines += [f"  raw.{name:<28} {n:>10}" for name, n in sorted(self.rows_deleted.items())]
        lines.append(f"  raw.{QUARANTINE_TABLE:<28} {self.quarantine_rows_deleted:>10}")
        return lines


def load_retention_config(path: Path | None = None) -> RetentionConfig:
    """The file at `path`, else $SIYU_RETENTION_CONFIG, else config/retention.toml."""
    path = path or Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG)
    with path.open("rb") as handle:
        table = tomllib.load(handle).get("retention", {})
    config = RetentionConfig(
        default_days=int(table.get("default_days", 1095)),
        quarantine_days=int(table.get("quarantine_days", 365)),
        days={name: int(days) for name, days in table.get("days", {}).items()},
    )
    periods = [config.default_days, config.quarantine_days, *config.days.values()]
    if any(days < 1 for days in periods):
        raise ValueError(f"{path}: retention periods must be at least 1 day")
    return config


def path_date(relative_path: str) -> date | None:
    """The first valid yyyymmdd in a stored source path, as the landing dates a file."""
    for token in _PATH_DATE.findall(relative_path):
        try:
            return datetime.strptime(token, "%Y%m%d").date()
        except ValueError:
            continue
    return None


def _file_dates(conn: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """(source_file, file_date) for each file a query lists with the time it was loaded."""
    files = conn.execute(sql).fetchdf()
    if files.empty:
        return pd.DataFrame({"source_file": [], "file_date": []})
    loaded = pd.to_datetime(files["loaded_at"], utc=True).dt.tz_convert(BUSINESS_TIME_ZONE)
    dated = [path_date(path) for path in files["source_file"]]
    files["file_date"] = [
        day if day is not None else loaded_at.date()
        for day, loaded_at in zip(dated, loaded, strict=True)
    ]
    return files[["source_file", "file_date"]]


def _raw_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' "
        "and table_type = 'BASE TABLE' and not starts_with(table_name, '_') order by 1"
    ).fetchall()
    return [name for (name,) in rows]


def newest_file_date(conn: duckdb.DuckDBPyConnection) -> date | None:
    """The newest file date in the load manifest: the warehouse's own today."""
    exists = conn.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = '_load_manifest'"
    ).fetchone()[0]
    if not exists:
        return None
    files = _file_dates(
        conn,
        "select source_file, max(loaded_at) as loaded_at from raw._load_manifest group by 1",
    )
    return max(files["file_date"]) if len(files) else None


def _delete_expired(conn, table: str, file_column: str, files: pd.DataFrame, cutoff: date):
    """Delete the rows of files dated before `cutoff`; returns (files, rows) deleted."""
    expired = files[files["file_date"] < cutoff][["source_file"]]
    if expired.empty:
        return 0, 0
    conn.register("expired_files", expired)
    try:
        (deleted,) = conn.execute(
            f"delete from raw.{table} where {file_column} in "
            "(select source_file from expired_files)"
        ).fetchone()
    finally:
        conn.unregister("expired_files")
    return len(expired), int(deleted)


def purge_expired(
    conn: duckdb.DuckDBPyConnection, config: RetentionConfig, as_of: date | None = None
) -> RetentionReport:
    """Delete every raw and quarantine row older than its period, on an open connection."""
    as_of = as_of or newest_file_date(conn)
    report = RetentionReport(as_of=as_of)
    if as_of is None:  # nothing landed yet
        return report
    for table in _raw_tables(conn):
        files = _file_dates(
            conn,
            f"select _source_file as source_file, max(_loaded_at) as loaded_at "
            f"from raw.{table} group by 1",
        )
        cutoff = as_of - timedelta(days=config.days_for(table))
        expired_files, deleted = _delete_expired(conn, table, "_source_file", files, cutoff)
        report.files_expired += expired_files
        report.rows_deleted[table] = deleted
    if QUARANTINE_TABLE in _bookkeeping_tables(conn):
        files = _file_dates(
            conn,
            f"select source_file, max(quarantined_at) as loaded_at "
            f"from raw.{QUARANTINE_TABLE} group by 1",
        )
        cutoff = as_of - timedelta(days=config.quarantine_days)
        _, report.quarantine_rows_deleted = _delete_expired(
            conn, QUARANTINE_TABLE, "source_file", files, cutoff
        )
    if report.total_rows_deleted:
        conn.execute("checkpoint")  # the deletes reach the file now, not at the next open
    return report


def _bookkeeping_tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' "
        "and starts_with(table_name, '_')"
    ).fetchall()
    return {name for (name,) in rows}


def purge_warehouse(
    warehouse_path: Path,
    config: RetentionConfig | None = None,
    *,
    as_of: date | None = None,
    run_id: str = "",
    command: str = "siyu purge",
) -> RetentionReport:
    """Purge under the warehouse lock (re-entrant: a run's own step passes straight through)."""
    config = config or load_retention_config()
    with hold_warehouse(warehouse_path, run_id=run_id, command=command):
        if not warehouse_path.exists():
            return RetentionReport(as_of=None)
        with connect(warehouse_path) as conn:
            return purge_expired(conn, config, as_of)
