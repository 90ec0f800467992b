"""Before a run: a warehouse that opens, without a killed run's leftovers. After: a last good copy.

Call these with the warehouse lock held (warehouse_lock.py): they assume no other writer.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from ingestion.warehouse import connect

# set to 0 to skip the copy after each successful run: it costs the warehouse's size in disk
KEEP_LAST_GOOD_ENV_VAR = "SIYU_KEEP_LAST_GOOD"
LAST_GOOD_DIR = "last_good"
# DuckDB's error when another process has the file open (a reader, or a killed run's dbt child)
_LOCK_CONFLICT = "Could not set lock on file"
_HOLDER_PID = re.compile(r"\(PID (\d+)\)")
OPEN_WAIT_SECONDS = 600  # how long a run waits for another process to close the file
OPEN_RETRY_SECONDS = 2.0


class WarehouseDamagedError(RuntimeError):
    """The warehouse file does not open, and there is no last good copy to put in its place."""


def last_good_path(warehouse_path: Path) -> Path:
    return warehouse_path.parent / LAST_GOOD_DIR / warehouse_path.name


def spill_folder(warehouse_path: Path) -> Path:
    """DuckDB's temp_directory default: where it spills beyond memory_limit."""
    return warehouse_path.with_name(warehouse_path.name + ".tmp")


def keeps_last_good() -> bool:
    return os.environ.get(KEEP_LAST_GOOD_ENV_VAR, "1").strip() != "0"


def prepare_warehouse(
    warehouse_path: Path,
    log: Callable[[str], None] = print,
    *,
    wait_seconds: float = OPEN_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Open the warehouse once before a run: wait while another process still has it open,
    put the last good copy in place of a file that does not open, and delete the spill folder
    a killed run left behind (DuckDB removes its own only when it closes cleanly)."""
    if warehouse_path.exists():
        _open_or_restore(warehouse_path, log, wait_seconds, sleep)
    spill = spill_folder(warehouse_path)
    if spill.exists():
        shutil.rmtree(spill, ignore_errors=True)
        log(f"Removed {spill.name}/, the spill folder of a run that did not finish")


def _open_or_restore(path: Path, log, wait_seconds: float, sleep) -> None:
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            with connect(path) as conn:
                conn.execute("select count(*) from duckdb_tables()").fetchone()
            return
        except duckdb.Error as error:
            message = str(error)
            if _LOCK_CONFLICT not in message:
                restore_last_good(path, message, log)
                return
            if time.monotonic() > deadline:
                raise
            if not told:
                pid = _HOLDER_PID.search(message)
                who = f"process {pid.group(1)}" if pid else "another process"
                log(f"Waiting for {who} to close the warehouse {path.name}")
                told = True
            sleep(OPEN_RETRY_SECONDS)


def restore_last_good(warehouse_path: Path, reason: str, log: Callable[[str], None]) -> Path:
    """Move the damaged file (and its WAL) aside and put a copy of the last good one in its
    place; the run then lands every file newer than that copy. Returns where the damaged went."""
    good = last_good_path(warehouse_path)
    first_line = reason.strip().splitlines()[0] if reason.strip() else "unknown error"
    if not good.exists():
        raise WarehouseDamagedError(
            f"The warehouse {warehouse_path} does not open ({first_line}) and there is no last "
            f"good copy at {good}; see docs/operations.md"
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = warehouse_path.with_name(f"{warehouse_path.name}.damaged-{stamp}")
    os.replace(warehouse_path, aside)
    wal = warehouse_path.with_name(warehouse_path.name + ".wal")
    if wal.exists():  # the WAL belongs to the damaged file: replayed on the copy it would fail
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    _copy_atomically(good, warehouse_path)
    saved = datetime.fromtimestamp(good.stat().st_mtime).isoformat(timespec="seconds")
    log(
        f"The warehouse did not open ({first_line}): moved it to {aside.name} and restored the "
        f"last good copy of {saved}"
    )
    return aside


def keep_last_good(warehouse_path: Path) -> Path | None:
    """After a successful run: checkpoint (so the file alone holds everything, the WAL empty)
    and copy it to last_good/, under a temporary name first so a kill never leaves half a copy
    under the real one."""
    if not keeps_last_good() or not warehouse_path.exists():
        return None
    with connect(warehouse_path) as conn:
        conn.execute("checkpoint")
    good = last_good_path(warehouse_path)
    good.parent.mkdir(parents=True, exist_ok=True)
    for leftover in good.parent.glob(f"{good.name}.partial-*"):
        leftover.unlink(missing_ok=True)  # from a copy that was killed
    _copy_atomically(warehouse_path, good)
    return good


def _copy_atomically(source: Path, target: Path) -> None:
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    try:
        shutil.copyfile(source, partial)
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
