"""One writer at a time: an advisory lock file next to the warehouse, across processes.

DuckDB lets one process open the file for writing, and a process holding it open read-only
stops a writer from opening it: a second run (or a reader) fails at once with a lock error.
Runs take this lock first and wait on it instead. It is an fcntl `flock`, so the kernel drops
it when the holder dies (kill -9 included): a crashed run never leaves a stale lock behind.

Writers hold it exclusively; read-only commands (`siyu explain-link`) hold it shared, so a run
waits for a reader's few seconds and a reader never opens the file under a running writer.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

LOCK_SUFFIX = ".lock"


def lock_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + LOCK_SUFFIX)


@dataclass(frozen=True)
class Holder:
    """Who holds the lock exclusively, as written into the lock file (no personal data)."""

    pid: int
    run_id: str
    command: str
    since: str  # ISO time, local

    def describe(self) -> str:
        run = f"run {self.run_id[:8]}" if self.run_id else self.command
        return f"{run} ({self.command}, pid {self.pid}) since {self.since}"


# this process's exclusive holdings: a run's own steps (in-process) take the lock again
_held: dict[Path, list] = {}  # lock path -> [open file, depth]
_held_guard = threading.Lock()


def current_holder(warehouse_path: Path) -> Holder | None:
    """The last exclusive holder written to the lock file, or None when it is free of one."""
    try:
        text = lock_path(warehouse_path).read_text(encoding="utf-8").strip()
        return Holder(**json.loads(text)) if text else None
    except (OSError, ValueError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _waiting_line(warehouse_path: Path) -> str:
    holder = current_holder(warehouse_path)
    if holder is None or holder.pid == os.getpid() or not _pid_alive(holder.pid):
        return f"Waiting for the warehouse {warehouse_path.name}: a read-only command holds it"
    return f"Waiting for the warehouse {warehouse_path.name}: held by {holder.describe()}"


def _open(warehouse_path: Path):
    path = lock_path(warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("a+", encoding="utf-8")


@contextmanager
def hold_warehouse(
    warehouse_path: Path,
    *,
    run_id: str = "",
    command: str = "siyu",
    on_wait: Callable[[str], None] = print,
) -> Iterator[None]:
    """Hold the warehouse exclusively for the block, waiting (one `on_wait` line) while another
    process holds it. Re-entrant within a process: a run's own steps pass straight through."""
    key = lock_path(warehouse_path).resolve()
    with _held_guard:
        if key in _held:
            _held[key][1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key][1] -= 1
        return
    handle = _open(warehouse_path)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait(_waiting_line(warehouse_path))
            fcntl.flock(handle, fcntl.LOCK_EX)
        holder = Holder(os.getpid(), run_id, command, datetime.now().isoformat(timespec="seconds"))
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder.__dict__) + "\n")
        handle.flush()
        with _held_guard:
            _held[key] = [handle, 1]
        try:
            yield
        finally:
            with _held_guard:
                del _held[key]
            handle.seek(0)
            handle.truncate()  # free of a writer: waiters then read "a read-only command"
            handle.flush()
    finally:
        handle.close()  # closing releases the flock


def holds_warehouse(warehouse_path: Path) -> bool:
    """Whether this process holds the warehouse exclusively right now."""
    with _held_guard:
        return lock_path(warehouse_path).resolve() in _held


@contextmanager
def share_warehouse(
    warehouse_path: Path, *, wait: bool = True, on_wait: Callable[[str], None] = print
) -> Iterator[bool]:
    """Hold the warehouse shared (no writer) for the block. With wait=False it yields False at
    once while a writer holds it, and the caller reads something else (the last good copy)."""
    if holds_warehouse(warehouse_path):
        yield True
        return
    with _open(warehouse_path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            on_wait(_waiting_line(warehouse_path))
            fcntl.flock(handle, fcntl.LOCK_SH)
        yield True
