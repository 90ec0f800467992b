"""Export of a landed warehouse's input schemas to Parquet, one lake folder per table.

The lake is a local path or an S3-compatible URI (`s3://bucket/prefix?endpoint_override=...`,
credentials from the usual AWS variables): pyarrow writes it, so no DuckDB extension is needed.
Layout: `<lake>/<schema>/<table>/part-00000.parquet`, the schema and table names of the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs
import pyarrow.parquet as pq

from ingestion.warehouse import connect
from ingestion.warehouse_lock import share_warehouse

# raw: landed by ingestion; identity and clv: written by the Python OneID and CLV steps.
LAKE_SCHEMAS = ("raw", "identity", "clv")
PART_FILE = "part-00000.parquet"
# written under a name Spark and DuckDB's globs skip, then moved into place
IN_PROGRESS_FILE = ".part-00000.parquet.writing"
ROWS_PER_BATCH = 1_000_000


@dataclass(frozen=True)
class ExportedTable:
    schema: str
    table: str
    rows: int
    location: str


def lake_filesystem(lake_uri: str) -> tuple[pyarrow.fs.FileSystem, str]:
    """The filesystem and root path of a lake URI; a plain path is a local folder."""
    if "://" not in lake_uri:
        lake_uri = Path(lake_uri).expanduser().resolve().as_uri()
    return pyarrow.fs.FileSystem.from_uri(lake_uri)


def lake_holds_an_export(lake_uri: str) -> bool:
    """Whether an export was ever written to the lake (a folder for one of its schemas)."""
    filesystem, root = lake_filesystem(lake_uri)
    folders = [f"{root.rstrip('/')}/{schema}" for schema in LAKE_SCHEMAS]
    return any(
        info.type == pyarrow.fs.FileType.Directory for info in filesystem.get_file_info(folders)
    )


def export_to_lake(
    warehouse_path: Path, lake_uri: str, schemas: tuple[str, ...] = LAKE_SCHEMAS
) -> list[ExportedTable]:
    """Write every table of `schemas` (bookkeeping tables, named `_…`, left out) to the lake,
    replacing each table's folder whole."""
    filesystem, root = lake_filesystem(lake_uri)
    exported = []
    with share_warehouse(warehouse_path), connect(warehouse_path, read_only=True) as conn:
        tables = conn.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in (select unnest($schemas)) and not starts_with(table_name, '_') "
            "order by schema_name, table_name",
            {"schemas": list(schemas)},
        ).fetchall()
        for schema, table in tables:
            folder = f"{root.rstrip('/')}/{schema}/{table}"
            batches = conn.execute(f'select * from "{schema}"."{table}"').fetch_record_batch(
                ROWS_PER_BATCH
            )
            rows = _write_folder(filesystem, folder, batches)
            exported.append(ExportedTable(schema, table, rows, folder))
    return exported


def _write_folder(filesystem: pyarrow.fs.FileSystem, folder: str, batches) -> int:
    filesystem.create_dir(folder, recursive=True)
    in_progress = f"{folder}/{IN_PROGRESS_FILE}"
    rows = 0
    with (
        filesystem.open_output_stream(in_progress) as stream,
        pq.ParquetWriter(stream, batches.schema) as writer,
    ):
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    for stale in filesystem.get_file_info(pyarrow.fs.FileSelector(folder)):
        if stale.base_name != IN_PROGRESS_FILE:
            filesystem.delete_file(stale.path)
    filesystem.move(in_progress, f"{folder}/{PART_FILE}")
    return rows
