"""After the warehouse: the copies and traces an erasure must reach outside it.

The BI file and its Parquet builds are written again from the erased warehouse and every older
build is deleted (previous/ included); the last good copy is replaced and damaged copies are
deleted; Dagster's SQLite storage loses any row holding a value (there should be none: metadata
carries counts only) and text files under SIYU_HOME (run logs, load reports, dbt artefacts,
compute logs) lose the lines holding one. Functions return counts, never values.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.warehouse import connect
from ingestion.warehouse_recovery import keep_last_good, keeps_last_good, last_good_path
from privacy.compact import wipe_file
from publish.config import load_config
from publish.files import fsync_dir
from publish.swap import PREVIOUS_FOLDER, PublishLayout, remove_stale_staging, swap_in
from publish.writer import build_bi_database

PUBLISH_FOLDER = "publish"  # under SIYU_HOME, as orchestration/defs/publish/bi_database.py
_SQLITE_HEADER = b"SQLite format 3\0"


def refresh_warehouse_copies(warehouse_path: Path) -> int:
    """Replace the last good copy by the erased warehouse (or delete it when copies are off)
    and delete damaged copies a recovery moved aside; returns the files wiped."""
    wiped = 0
    for damaged in warehouse_path.parent.glob(f"{warehouse_path.name}.damaged-*"):
        wipe_file(damaged)
        wiped += 1
    good = last_good_path(warehouse_path)
    if good.exists():
        wipe_file(good)
        wiped += 1
    if keeps_last_good():
        keep_last_good(warehouse_path)
    spill = warehouse_path.with_name(warehouse_path.name + ".tmp")
    shutil.rmtree(spill, ignore_errors=True)
    return wiped


@dataclass(frozen=True)
class Republished:
    published: bool  # False when nothing had been published yet
    tables: int = 0
    old_builds_deleted: int = 0


def republish(home: Path, warehouse_path: Path, run_id: str) -> Republished:
    """The BI file and Parquet written again from the erased warehouse; older builds go at
    once (no grace period: they hold the person). A BI query already running keeps its file
    open until it ends; the next connection reads the new build."""
    layout = PublishLayout(home / PUBLISH_FOLDER)
    if not layout.database.exists() and not layout.parquet_versions():
        return Republished(False)
    remove_stale_staging(layout)
    config = load_config()
    staging = layout.staging(run_id)
    try:
        with connect(warehouse_path) as conn:
            build = build_bi_database(conn, config, staging, run_id)
        swapped = swap_in(layout, build, grace_seconds=0)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    deleted = 0
    for version in layout.parquet_versions():
        if version != swapped.parquet_version:
            shutil.rmtree(version)
            deleted += 1
    previous = layout.root / PREVIOUS_FOLDER
    if previous.exists():
        shutil.rmtree(previous)
        deleted += 1
    for damaged in layout.root.glob("*.damaged-*"):
        damaged.unlink()
        deleted += 1
    fsync_dir(layout.root)
    return Republished(True, len(build.tables), deleted)


@dataclass
class FileScrub:
    sqlite_rows_deleted: int = 0
    text_lines_removed: int = 0
    files_deleted: int = 0
    files_changed: int = 0


def scrub_files(roots: Iterable[Path], needles: list[str], skip: Iterable[Path]) -> FileScrub:
    """Remove every trace of `needles` from the files under `roots` (except under `skip`):
    rows of SQLite databases (then VACUUM, so free pages keep nothing), lines of text files;
    a binary file of another kind holding one is deleted."""
    result = FileScrub()
    encoded = [n.encode() for n in needles if n]
    for path in _files(roots, skip):
        if not _holds(path, encoded):
            continue
        result.files_changed += 1
        data = path.read_bytes()
        if data.startswith(_SQLITE_HEADER):
            result.sqlite_rows_deleted += _scrub_sqlite(path, needles)
        elif b"\0" in data:
            wipe_file(path)
            result.files_deleted += 1
        else:
            result.text_lines_removed += _scrub_text(path, data, encoded)
    return result


def _files(roots: Iterable[Path], skip: Iterable[Path]) -> Iterator[Path]:
    skipped = [s.resolve() for s in skip]
    for root in roots:
        if not root.exists():
            continue
        for folder, _, names in os.walk(root):
            here = Path(folder).resolve()
            if any(here == s or s in here.parents for s in skipped):
                continue
            for name in names:
                path = here / name
                if path.is_file() and not path.is_symlink() and path not in skipped:
                    yield path


def _scrub_sqlite(path: Path, needles: list[str]) -> int:
    deleted = 0
    with sqlite3.connect(path, timeout=60) as db:
        tables = [n for (n,) in db.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            columns = [row[1] for row in db.execute(f'pragma table_info("{table}")')]
            condition = " or ".join(
                f'instr(cast("{c}" as text), ?) > 0' for c in columns for _ in needles
            )
            if not condition:
                continue
            params = [n for _ in columns for n in needles]
            deleted += db.execute(f'delete from "{table}" where {condition}', params).rowcount
    with sqlite3.connect(path, timeout=60) as db:
        db.execute("vacuum")
    return deleted


def _scrub_text(path: Path, data: bytes, needles: list[bytes]) -> int:
    lines = data.splitlines(keepends=True)
    kept = [line for line in lines if not any(n in line for n in needles)]
    partial = path.with_name(f".{path.name}.scrub")
    partial.write_bytes(b"".join(kept))
    os.replace(partial, path)
    return len(lines) - len(kept)


def scan_files(roots: Iterable[Path], needles: list[str], skip: Iterable[Path]) -> int:
    """Files under `roots` (except `skip`) whose bytes hold any needle."""
    encoded = [n.encode() for n in needles if n]
    return sum(1 for path in _files(roots, skip) if _holds(path, encoded))


_BLOCK = 8 << 20


def _holds(path: Path, needles: list[bytes]) -> bool:
    """Whether the file's bytes hold a needle, read block by block (a warehouse is gigabytes);
    blocks overlap by the longest needle so none is missed across a boundary."""
    if not needles:
        return False
    overlap = max(len(n) for n in needles) - 1
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            window = tail + block
            if any(n in window for n in needles):
                return True
            tail = window[-overlap:] if overlap else b""
    return False
