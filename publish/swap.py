"""Swap a finished build in, keep the last good copy, and recover from a damaged BI file.

Layout of the publish folder ($SIYU_HOME/publish):

    siyu.duckdb              the BI database (replaced by one rename: a reader keeps its inode)
    previous/siyu.duckdb     the build before it: the last good copy
    parquet -> parquet.<v>   a symlink, replaced by one rename
    parquet.<v>/             one folder per build (current and previous kept)
    .staging-<run id>/       a build being written; never read
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from publish.files import fsync_dir, fsync_file, replace_symlink
from publish.writer import DATABASE_FILE, PARQUET_FOLDER, Build, PublishError, verify_build

PREVIOUS_FOLDER = "previous"
STAGING_PREFIX = ".staging-"
VERSION_PREFIX = f"{PARQUET_FOLDER}."
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class PublishLayout:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / DATABASE_FILE

    @property
    def previous(self) -> Path:
        return self.root / PREVIOUS_FOLDER / DATABASE_FILE

    @property
    def parquet(self) -> Path:
        return self.root / PARQUET_FOLDER

    def staging(self, run_id: str) -> Path:
        return self.root / f"{STAGING_PREFIX}{run_id}"

    def parquet_versions(self) -> list[Path]:
        """Oldest first: the names start with a UTC time stamp."""
        return sorted(
            p for p in self.root.glob(f"{VERSION_PREFIX}*") if p.is_dir() and not p.is_symlink()
        )

    def current_parquet_version(self) -> Path | None:
        return self.parquet.resolve() if self.parquet.is_symlink() else None


@dataclass(frozen=True)
class SwapResult:
    database: Path
    parquet_version: Path
    previous_kept: bool  # False when there was no earlier build, or it did not open
    pruned_versions: int


def remove_stale_staging(layout: PublishLayout) -> int:
    """Folders of builds that never got swapped in (a failed or killed run)."""
    stale = list(layout.root.glob(f"{STAGING_PREFIX}*"))
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)


def swap_in(layout: PublishLayout, build: Build, grace_seconds: float) -> SwapResult:
    """Make `build` the published one. Each step is one rename, so a reader sees the old or
    the new database file (and Parquet folder), never a mix within one of them."""
    if layout.parquet.exists() and not layout.parquet.is_symlink():
        raise PublishError(f"{layout.parquet} is a folder, not the symlink siyu maintains")
    version = layout.root / f"{VERSION_PREFIX}{build.published_at:{_STAMP}}-{build.run_id[:8]}"
    os.rename(build.parquet, version)
    fsync_dir(layout.root)
    previous_kept = keep_previous(layout)
    os.replace(build.database, layout.database)
    fsync_dir(layout.root)
    replace_symlink(layout.parquet, version.name)  # relative: the folder may be moved
    shutil.rmtree(build.folder, ignore_errors=True)
    pruned = prune_parquet_versions(layout, grace_seconds)
    return SwapResult(layout.database, version, previous_kept, pruned)


def keep_previous(layout: PublishLayout) -> bool:
    """Before the current file is replaced, keep it as previous/siyu.duckdb, unless it does not
    open: a damaged file must never overwrite the last good copy. A hard link costs no copy;
    the replaced file is never written again, so the link stays as it was published."""
    if not layout.database.exists() or not opens(layout.database):
        return False
    layout.previous.parent.mkdir(exist_ok=True)
    temporary = layout.previous.with_name(f".{DATABASE_FILE}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(layout.database, temporary)
    except OSError:  # a file system without hard links
        shutil.copyfile(layout.database, temporary)
        fsync_file(temporary)
    os.replace(temporary, layout.previous)
    fsync_dir(layout.previous.parent)
    return True


def prune_parquet_versions(
    layout: PublishLayout, grace_seconds: float, now: float | None = None
) -> int:
    """Delete Parquet folders other than the current and the previous one once superseded for
    `grace_seconds` (a reader that resolved the old symlink may still be reading)."""
    now = time.time() if now is None else now
    versions = layout.parquet_versions()
    current = layout.current_parquet_version()
    keep = {current}
    if current in versions:
        older = versions[: versions.index(current)]
        keep |= set(older[-1:])
    pruned = 0
    for index, version in enumerate(versions):
        if version in keep:
            continue
        # superseded when the next build was written; the newest stray one, when it was written
        successor = versions[index + 1] if index + 1 < len(versions) else version
        if now - _stamp_seconds(successor) >= grace_seconds:
            shutil.rmtree(version, ignore_errors=True)
            pruned += 1
    return pruned


def _stamp_seconds(version: Path) -> float:
    stamp = version.name.removeprefix(VERSION_PREFIX).split("-")[0]
    try:
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return version.stat().st_mtime


def opens(database: Path) -> bool:
    """The file opens read-only and every table holds the rows its manifest says."""
    try:
        verify_build(database)
    except Exception:  # any failure to open or read means "do not trust this file"
        return False
    return True


@dataclass(frozen=True)
class Recovery:
    restored: bool
    damaged_copy: Path | None  # where the damaged file was moved aside


def recover_bi_database(layout: PublishLayout) -> Recovery:
    """If publish/siyu.duckdb does not open, move it aside and restore previous/siyu.duckdb."""
    if layout.database.exists() and opens(layout.database):
        return Recovery(False, None)
    if not layout.previous.exists() or not opens(layout.previous):
        raise PublishError(f"{layout.database} does not open and there is no good copy")
    damaged = None
    if layout.database.exists():
        damaged = layout.root / f"{DATABASE_FILE}.damaged-{datetime.now(UTC):{_STAMP}}"
        os.replace(layout.database, damaged)
    # a copy, not a link: the last good copy stays intact whatever happens to the restored one
    temporary = layout.root / f".{DATABASE_FILE}.restore"
    shutil.copyfile(layout.previous, temporary)
    fsync_file(temporary)
    os.replace(temporary, layout.database)
    fsync_dir(layout.root)
    return Recovery(True, damaged)
