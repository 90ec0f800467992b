"""Compaction: a new warehouse file holding only live rows, swapped in for the old one.

DuckDB leaves deleted rows' bytes in the file (DELETE and VACUUM do not shrink it), so after an
erasure the person could still be read from the raw file. `COPY FROM DATABASE` into a freshly
attached file writes live data only; the new file is checked table by table, renamed over the
old one, and the old one's blocks are overwritten with zeros through a handle kept open across
the rename. Call with the warehouse lock held (ingestion/warehouse_lock.py).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.warehouse import connect

_ALIAS = "siyu_compacted"
_SUFFIX = ".compact-"
_ZEROS = b"\0" * (1 << 20)


class CompactionError(RuntimeError):
    """The compacted copy does not match the warehouse; the warehouse was left as it was."""


@dataclass(frozen=True)
class Compaction:
    bytes_before: int
    bytes_after: int
    tables: int
    seconds: float


def compact_warehouse(path: Path) -> Compaction:
    started = time.monotonic()
    for leftover in path.parent.glob(f"{path.name}{_SUFFIX}*"):
        leftover.unlink()  # from a compaction that was killed
    compacted = path.with_name(f"{path.name}{_SUFFIX}{os.getpid()}")
    with connect(path) as conn:
        conn.execute("force checkpoint")
        (database,) = conn.execute("select current_database()").fetchone()
        expected = _row_counts(conn, database)
        conn.execute(f"attach '{compacted}' as {_ALIAS}")
        try:
            conn.execute(f'copy from database "{database}" to {_ALIAS}')
            copied = _row_counts(conn, _ALIAS)
        finally:
            conn.execute(f"detach {_ALIAS}")
    differing = [t for t in expected.keys() | copied.keys() if expected.get(t) != copied.get(t)]
    if differing:
        compacted.unlink(missing_ok=True)
        raise CompactionError(
            f"the compacted copy of {path.name} differs in {len(differing)} table(s), e.g. "
            f"{sorted(differing)[0]}; the warehouse was not replaced"
        )
    _fsync(compacted)
    before = path.stat().st_size + _size(_wal(path))
    _replace_and_wipe(compacted, path)
    return Compaction(before, path.stat().st_size, len(expected), time.monotonic() - started)


def _row_counts(conn: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    tables = conn.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = $d and not temporary order by all",
        {"d": database},
    ).fetchall()
    return {
        f"{schema}.{name}": conn.execute(
            f'select count(*) from "{database}"."{schema}"."{name}"'
        ).fetchone()[0]
        for schema, name in tables
    }


def _replace_and_wipe(compacted: Path, path: Path) -> None:
    """One rename swaps the files; the old inode, still open here, is then zero-filled so its
    blocks do not keep the deleted rows once the file system reuses or inspects them."""
    wal = _wal(path)
    with path.open("rb+") as old:
        os.replace(compacted, path)
        _fsync_dir(path.parent)
        _zero_fill(old)
    if wal.exists():  # the old file's log: replayed onto the new file it would corrupt it
        with wal.open("rb+") as handle:
            _zero_fill(handle)
        wal.unlink()


def _zero_fill(handle) -> None:
    size = os.fstat(handle.fileno()).st_size
    handle.seek(0)
    for offset in range(0, size, len(_ZEROS)):
        handle.write(_ZEROS[: min(len(_ZEROS), size - offset)])
    handle.flush()
    os.fsync(handle.fileno())


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def wipe_file(path: Path) -> None:
    """Overwrite a file holding erased data with zeros, then delete it."""
    with path.open("rb+") as handle:
        _zero_fill(handle)
    path.unlink()
