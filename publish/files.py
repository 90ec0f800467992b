"""Durable file operations: what is renamed into place must be on disk before and after."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """A rename is durable only once the folder holding it is synced."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for folder, _, names in os.walk(root):
        for name in names:
            fsync_file(Path(folder) / name)
        fsync_dir(Path(folder))


def replace_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` in one rename: a reader sees the old or the new target."""
    temporary = link.with_name(f".{link.name}.tmp-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)
    fsync_dir(link.parent)
