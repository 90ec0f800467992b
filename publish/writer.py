"""Write the BI build: the published tables into a new DuckDB file and Parquet files, with a
manifest a reader checks the build against."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from publish.config import PublishConfig
from publish.files import fsync_file, fsync_tree

DATABASE_FILE = "siyu.duckdb"
PARQUET_FOLDER = "parquet"
MANIFEST_SCHEMA = "_publish"
MANIFEST_TABLE = f"{MANIFEST_SCHEMA}.manifest"
# the warehouse's table of every identifier value (hashed where personal) OneID resolved
IDENTIFIERS_TABLE = "intermediate.int_identity__identifiers"
_ALIAS = "siyu_bi_build"  # the new file's name while the warehouse connection has it attached
# `unionid:<value>`-style keys carry an identifier after a type prefix
_TYPE_PREFIX = "^[A-Za-z_]+:"
MANIFEST_DDL = f"""create table {_ALIAS}.{MANIFEST_TABLE} (
    table_schema VARCHAR NOT NULL, table_name VARCHAR NOT NULL, row_count BIGINT NOT NULL,
    column_count INTEGER NOT NULL, content_hash VARCHAR NOT NULL, parquet_file VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL, published_at TIMESTAMP WITH TIME ZONE NOT NULL,
    storage_version VARCHAR NOT NULL, PRIMARY KEY (table_schema, table_name))"""


class PublishError(RuntimeError):
    """The build cannot be published; nothing was swapped in."""


class IdentifierLeakError(PublishError):
    """A published text value equals a warehouse identifier value."""


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    rows: int
    columns: int
    content_hash: str
    excluded_columns: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def parquet_file(self) -> str:
        """Relative to the Parquet folder."""
        return f"{self.schema}/{self.name}.parquet"


@dataclass(frozen=True)
class Build:
    run_id: str
    folder: Path
    tables: tuple[PublishedTable, ...]
    published_at: datetime
    seconds: float

    @property
    def database(self) -> Path:
        return self.folder / DATABASE_FILE

    @property
    def parquet(self) -> Path:
        return self.folder / PARQUET_FOLDER

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)

    def bytes(self) -> tuple[int, int]:
        """(DuckDB file, Parquet files) sizes."""
        parquet = sum(path.stat().st_size for path in self.parquet.rglob("*") if path.is_file())
        return self.database.stat().st_size, parquet


def tables_to_publish(conn: duckdb.DuckDBPyConnection, config: PublishConfig) -> list[str]:
    """schema.table of every table of the configured schemas, and the configured tables, less
    the excluded ones; a configured table missing from the warehouse is an error."""
    existing = {
        f"{schema}.{name}"
        for schema, name in conn.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
    }
    missing = sorted(set(config.tables) - existing)
    if missing:
        raise PublishError(f"tables to publish are not in the warehouse: {', '.join(missing)}")
    chosen = {name for name in existing if name.split(".")[0] in config.schemas}
    chosen |= set(config.tables)
    return sorted(name for name in chosen if not config.is_excluded_table(*name.split(".")))


def build_bi_database(
    conn: duckdb.DuckDBPyConnection, config: PublishConfig, folder: Path, run_id: str
) -> Build:
    """Write `folder`/siyu.duckdb (storage version `config.storage_version`) and
    `folder`/parquet/<schema>/<table>.parquet from the warehouse `conn` is open on."""
    started = time.monotonic()
    if folder.exists():
        shutil.rmtree(folder)
    (folder / PARQUET_FOLDER).mkdir(parents=True)
    database = folder / DATABASE_FILE
    version = config.storage_version.replace("'", "")
    conn.execute(f"attach '{database}' as {_ALIAS} (storage_version '{version}')")
    try:
        tables = tuple(
            _copy_table(conn, config, qualified, folder / PARQUET_FOLDER)
            for qualified in tables_to_publish(conn, config)
        )
        if config.verify_no_identifier_values:
            _refuse_identifier_values(conn, tables)
        published_at = datetime.now(UTC)
        _write_manifest(conn, tables, run_id, published_at, version, folder / PARQUET_FOLDER)
        conn.execute(f"checkpoint {_ALIAS}")
    finally:
        conn.execute(f"detach {_ALIAS}")
    fsync_file(database)
    fsync_tree(folder / PARQUET_FOLDER)
    build = Build(run_id, folder, tables, published_at, time.monotonic() - started)
    verify_build(database, tables)
    return build


def _copy_table(conn, config: PublishConfig, qualified: str, parquet: Path) -> PublishedTable:
    schema, name = qualified.split(".")
    columns = [
        column
        for (column,) in conn.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = $schema and table_name = $name order by column_index",
            {"schema": schema, "name": name},
        ).fetchall()
    ]
    kept = [c for c in columns if not config.is_excluded_column(schema, name, c)]
    if not kept:
        raise PublishError(f"every column of {qualified} is excluded")
    target = f'{_ALIAS}."{schema}"."{name}"'
    conn.execute(f'create schema if not exists {_ALIAS}."{schema}"')
    select_list = ", ".join(f'"{c}"' for c in kept)
    conn.execute(f'create table {target} as select {select_list} from "{schema}"."{name}"')
    rows, content_hash = content_digest(conn, target)
    table = PublishedTable(
        schema, name, rows, len(kept), content_hash, tuple(c for c in columns if c not in kept)
    )
    (parquet / schema).mkdir(exist_ok=True)
    conn.execute(
        f"copy {target} to '{parquet / table.parquet_file}' (format parquet, compression zstd)"
    )
    return table


def content_digest(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """(rows, hash) of a table, independent of row order and sensitive to duplicates: the sum of
    DuckDB's row hashes, as 32 hex digits (comparable between builds of one DuckDB release)."""
    rows, total = conn.execute(
        f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {table} as t"
    ).fetchone()
    return rows, f"{int(total) % 2**128:032x}"


def _refuse_identifier_values(conn, tables: tuple[PublishedTable, ...]) -> None:
    """Fail closed: a text value equal to an identifier value (or `<type>:<value>`) stops the
    publish; the message names tables, columns and counts, never a value."""
    schema, name = IDENTIFIERS_TABLE.split(".")
    (present,) = conn.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = $schema and table_name = $name",
        {"schema": schema, "name": name},
    ).fetchone()
    if not present:
        raise PublishError(f"{IDENTIFIERS_TABLE} is missing: cannot prove no identifier leaks")
    conn.execute(
        "create or replace temp table _publish_identifier_values as "
        f"select distinct identifier_value as value from {IDENTIFIERS_TABLE} "
        "where identifier_value is not null"
    )
    leaks = []
    try:
        for table in tables:
            for column in _text_columns(conn, table):
                (count,) = conn.execute(
                    f'select count(*) from {_ALIAS}."{table.schema}"."{table.name}" '
                    f'where "{column}" in (select value from _publish_identifier_values) '
                    f"or regexp_replace(\"{column}\", '{_TYPE_PREFIX}', '') "
                    "in (select value from _publish_identifier_values)"
                ).fetchone()
                if count:
                    leaks.append(f"{table.qualified}.{column} ({count} rows)")
    finally:
        conn.execute("drop table if exists _publish_identifier_values")
    if leaks:
        raise IdentifierLeakError(
            "identifier values in columns to publish; exclude them in config/publish.toml: "
            + ", ".join(leaks)
        )


def _text_columns(conn, table: PublishedTable) -> list[str]:
    return [
        column
        for (column,) in conn.execute(
            "select column_name from duckdb_columns() where database_name = $db "
            "and schema_name = $schema and table_name = $name and data_type = 'VARCHAR' "
            "order by column_index",
            {"db": _ALIAS, "schema": table.schema, "name": table.name},
        ).fetchall()
    ]


def _write_manifest(conn, tables, run_id, published_at, version, parquet: Path) -> None:
    conn.execute(f"create schema {_ALIAS}.{MANIFEST_SCHEMA}")
    conn.execute(MANIFEST_DDL)
    conn.executemany(
        f"insert into {_ALIAS}.{MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (t.schema, t.name, t.rows, t.columns, t.content_hash, t.parquet_file, run_id,
             published_at, version)
            for t in tables
        ],
    )  # fmt: skip
    (parquet / MANIFEST_SCHEMA).mkdir(exist_ok=True)
    conn.execute(
        f"copy {_ALIAS}.{MANIFEST_TABLE} to '{parquet / MANIFEST_SCHEMA / 'manifest.parquet'}' "
        "(format parquet)"
    )


def verify_build(database: Path, tables: tuple[PublishedTable, ...] | None = None) -> str:
    """Open the file read-only and check every table's row count against the manifest (and
    against `tables` when given); return the build's run id."""
    with duckdb.connect(str(database), read_only=True) as conn:
        manifest = conn.execute(
            f"select table_schema, table_name, row_count, run_id from {MANIFEST_TABLE}"
        ).fetchall()
        if not manifest:
            raise PublishError(f"{database}: the manifest lists no table")
        for schema, name, rows, _ in manifest:
            (actual,) = conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
            if actual != rows:
                raise PublishError(f"{database}: {schema}.{name} has {actual} rows, not {rows}")
    if tables is not None:
        expected = {(t.schema, t.name, t.rows) for t in tables}
        if {row[:3] for row in manifest} != expected:
            raise PublishError(f"{database}: the manifest does not list the tables written")
    return manifest[0][3]
