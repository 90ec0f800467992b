"""The files of a source folder that match a raw table's glob, with the stamps landing needs.

One `os.scandir` per folder and one stat per file: pathlib's glob, a Path per file and a stat
call apiece took 120 s over the 464k pages of a 1M-customer brand's contact lists; this, 4 s.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    root: Path  # the sources root the relative path starts from
    relative: str  # posix path under the root, as the load manifest stores it
    size: int
    mtime_ns: int
    ctime_ns: int

    @property
    def path(self) -> Path:
        return self.root / self.relative


def list_source_files(sources_root: Path, source_dir: str, file_glob: str) -> list[SourceFile]:
    """Regular files under `sources_root/source_dir` whose path matches `file_glob` segment by
    segment (`*` and `?` within a name, hidden names included, as Path.glob), in path order."""
    if "**" in file_glob:
        raise ValueError(f"file_glob {file_glob!r}: '**' is not supported, name each level")
    start = sources_root / source_dir
    found = list(_matching(sources_root, str(start), source_dir, file_glob.split("/")))
    return sorted(found, key=lambda f: f.relative.split("/"))


def _matching(root: Path, folder: str, relative: str, segments: list[str]) -> Iterator[SourceFile]:
    head, rest = segments[0], segments[1:]
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if not fnmatchcase(entry.name, head):
            continue
        entry_relative = f"{relative}/{entry.name}"
        if rest:
            if entry.is_dir():
                yield from _matching(root, entry.path, entry_relative, rest)
        elif entry.is_file():
            status = entry.stat()
            yield SourceFile(
                root, entry_relative, status.st_size, status.st_mtime_ns, status.st_ctime_ns
            )
