"""Which files get written, and the record of every file for `_ground_truth/files.csv`.

Every file has a path date and an arrival day. History mode writes every file that has arrived
by the last day; next-day mode writes only the files arriving on the last day. Both list every
arrived file, so files.csv describes the whole folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import corrupt
from .clock import Period
from .writers import write_bytes

FILE_COLUMNS = [
    "path",
    "raw_table",
    "path_date",
    "arrival_day",
    "rows",
    "bad_rows",
    "resent_copy_of",
]


@dataclass
class Output:
    out_dir: Path
    period: Period
    seed: int
    bad_row_rate: float
    next_day: bool
    listed: list[tuple] = field(default_factory=list)
    bad: list[pd.DataFrame] = field(default_factory=list)
    written: int = 0
    ids: dict[str, list[np.ndarray]] = field(default_factory=dict)
    extra_ids: list[pd.DataFrame] = field(default_factory=list)

    def arrived(self, arrival_day: int) -> bool:
        return 0 <= arrival_day <= self.period.last

    def writes(self, arrival_day: int) -> bool:
        if self.next_day:
            return arrival_day == self.period.last
        return self.arrived(arrival_day)

    def file(
        self,
        *,
        raw_table: str,
        path: str,
        path_day: int,
        arrival_day: int,
        n_rows: int,
        defects: Sequence[corrupt.Defect],
        build: Callable[[np.ndarray], bytes],
        copies: Sequence[tuple[str, int]] = (),
        leading_rows: int = 0,
    ) -> None:
        """Record one file (and its byte-identical re-sent copies) and write what is due.

        build(kinds) returns the file's bytes given the defect kind of each row. leading_rows
        are rows written before the n_rows that can go bad (a group's owner).
        """
        if not self.arrived(arrival_day):
            return
        defects = tuple(defects)
        kinds = corrupt.pick(self.seed, path, n_rows, self.bad_row_rate, len(defects))
        source = raw_table.split("__")[0]
        copies = [(p, a) for p, a in copies if self.arrived(a)]
        n_bad = int((kinds != corrupt.CLEAN).sum())
        day = self.period.iso(path_day).item()
        for name, arrival, original in [
            (path, arrival_day, ""),
            *((p, a, path) for p, a in copies),
        ]:
            arrival_iso = self.period.iso(arrival).item()
            rows = n_rows + leading_rows
            self.listed.append((name, raw_table, day, arrival_iso, rows, n_bad, original))
            if n_bad:
                numbers = np.arange(1, n_rows + 1) + leading_rows
                self.bad.append(corrupt.records(source, raw_table, name, kinds, defects, numbers))
        due = [name for name, arrival in [(path, arrival_day), *copies] if self.writes(arrival)]
        if due:
            data = build(kinds)
            for name in due:
                write_bytes(self.out_dir / name, data)
                self.written += 1

    def day_file(
        self,
        raw_table: str,
        path: str,
        day: int,
        n_rows: int,
        defects: Sequence[corrupt.Defect],
        build: Callable[[np.ndarray], bytes],
    ) -> None:
        """A file dated the day it arrives (see `file`)."""
        self.file(
            raw_table=raw_table,
            path=path,
            path_day=day,
            arrival_day=day,
            n_rows=n_rows,
            defects=defects,
            build=build,
        )

    def pages(
        self,
        *,
        raw_table: str,
        paths: Sequence[str],
        sizes: Sequence[int],
        day: int,
        defects: Sequence[corrupt.Defect],
        build_items: Callable[[np.ndarray], list[str]],
        wrap: Callable[[int, list[str]], bytes],
        leading_rows: int = 0,
    ) -> None:
        """Many files dated and arriving on one day (API pages, one file per group), built in
        one vectorised pass.

        build_items(kinds) returns every item text of the day, files back to back; wrap(i, items)
        returns the bytes of file i.
        """
        if not self.arrived(day) or not len(paths):
            return
        defects = tuple(defects)
        source = raw_table.split("__")[0]
        iso = self.period.iso(day).item()
        kinds = []
        for path, n in zip(paths, sizes, strict=True):
            k = corrupt.pick(self.seed, path, n, self.bad_row_rate, len(defects))
            n_bad = int((k != corrupt.CLEAN).sum())
            self.listed.append((path, raw_table, iso, iso, n + leading_rows, n_bad, ""))
            if n_bad:
                numbers = np.arange(1, n + 1) + leading_rows
                self.bad.append(corrupt.records(source, raw_table, path, k, defects, numbers))
            kinds.append(k)
        if not self.writes(day):
            return
        items = build_items(np.concatenate(kinds))
        bounds = np.r_[0, np.cumsum(sizes)]
        for i, path in enumerate(paths):
            write_bytes(self.out_dir / path, wrap(i, items[bounds[i] : bounds[i + 1]]))
            self.written += 1

    def saw(self, kind: str, persons: np.ndarray, arrival_day: int) -> None:
        """Persons whose identifier of this kind appears in an arrived file."""
        if self.arrived(arrival_day):
            seen = self.ids.setdefault(kind, [])
            seen.append(np.asarray(persons, dtype=np.int64))
            # Snapshots repeat the same persons every week: fold them to keep memory bounded.
            if sum(len(a) for a in seen) > 4_000_000:
                seen[:] = [np.unique(np.concatenate(seen))]

    def saw_values(self, frame: pd.DataFrame, arrival_day: int) -> None:
        """Identifiers that are not a person's main ones (person_id, identifier_type, value)."""
        if self.arrived(arrival_day):
            self.extra_ids.append(frame)

    def files_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.listed, columns=FILE_COLUMNS)

    def bad_frame(self) -> pd.DataFrame:
        if not self.bad:
            return pd.DataFrame(columns=corrupt.BAD_ROW_COLUMNS)
        return pd.concat(self.bad, ignore_index=True)


def page_sizes(n: int, size: int) -> list[int]:
    """Item counts of the pages that list n items, size to a page (no page when n is 0)."""
    return [min(size, n - first) for first in range(0, n, size)]


def numbered(stem: str, count: int) -> list[str]:
    """`{stem}_0001.json` .. for count files."""
    return [f"{stem}_{i:04d}.json" for i in range(1, count + 1)]
