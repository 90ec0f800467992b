"""The warehouse DuckDB file: connections and the bookkeeping tables every load writes."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ingestion.fields import Field

LOAD_COLUMNS = (
    "_load_id VARCHAR NOT NULL, _source_file VARCHAR NOT NULL, _file_sha256 VARCHAR NOT NULL, "
    "_row_number BIGINT NOT NULL, _loaded_at TIMESTAMP WITH TIME ZONE NOT NULL"
)

BOOKKEEPING_DDL = (
    "create schema if not exists raw",
    """create table if not exists raw._load_manifest (
        file_sha256 VARCHAR NOT NULL, raw_table VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        load_id VARCHAR NOT NULL, rows_in BIGINT NOT NULL, rows_loaded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL,
        loaded_at TIMESTAMP WITH TIME ZONE NOT NULL,
        source_size BIGINT, source_mtime_ns BIGINT,
        PRIMARY KEY (raw_table, file_sha256))""",
    # warehouses made before the file stamp was kept
    "alter table raw._load_manifest add column if not exists source_size BIGINT",
    "alter table raw._load_manifest add column if not exists source_mtime_ns BIGINT",
    """create table if not exists raw._quarantine (
        raw_table VARCHAR NOT NULL, source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
        row_number BIGINT NOT NULL, check_name VARCHAR NOT NULL, reason VARCHAR NOT NULL,
        row_payload JSON, load_id VARCHAR NOT NULL,
        quarantined_at TIMESTAMP WITH TIME ZONE NOT NULL)""",
    """create table if not exists raw._rejected_values (
        raw_table VARCHAR NOT NULL, source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
        row_number BIGINT NOT NULL, column_name VARCHAR NOT NULL, rule VARCHAR NOT NULL,
        load_id VARCHAR NOT NULL, rejected_at TIMESTAMP WITH TIME ZONE NOT NULL)""",
)


# DuckDB caches up to 80% of RAM by default and does not give it back to other processes;
# siyu's own steps run fine in a few GB and spill to disk beyond
MEMORY_LIMIT_ENV_VAR = "SIYU_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection held only for the block: DuckDB allows one writing process per file."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    limit = os.environ.get(MEMORY_LIMIT_ENV_VAR) or DEFAULT_MEMORY_LIMIT
    conn = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": limit})
    try:
        yield conn
    finally:
        conn.close()


def ensure_bookkeeping(conn: duckdb.DuckDBPyConnection) -> None:
    for statement in BOOKKEEPING_DDL:
        conn.execute(statement)


def ensure_raw_table(conn: duckdb.DuckDBPyConnection, name: str, fields: Sequence[Field]) -> None:
    ensure_bookkeeping(conn)
    columns = ", ".join(f'"{f.raw}" {f.sql_type}' for f in fields)
    conn.execute(f"create table if not exists raw.{name} ({columns}, {LOAD_COLUMNS})")


def landed_files(conn: duckdb.DuckDBPyConnection, raw_table: str):
    """Content hashes already landed in this raw table (the same bytes may feed two tables),
    and the (path, size, mtime) stamps of those files, so an unchanged file is not re-read."""
    rows = conn.execute(
        "select file_sha256, source_file, source_size, source_mtime_ns from raw._load_manifest "
        "where raw_table = $t",
        {"t": raw_table},
    ).fetchall()
    return {row[0] for row in rows}, {(path, size, mtime) for _, path, size, mtime in rows}
