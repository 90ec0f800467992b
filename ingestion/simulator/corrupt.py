"""Bad rows: values mangled the way hand-edited or half-broken exports mangle them.

Which rows of a file go bad is drawn from a generator keyed by the file's path, so a file is
the same whatever the horizon, and bad_row_rate=0 leaves every file untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .rand import stream

BAD_ROW_COLUMNS = ["source", "raw_table", "file", "row_number", "column", "reason"]
CLEAN = -1


def _amount(s: str) -> str:
    # Replace the last integer digit: `129.00` → `12x.00`, still looks like money.
    i = s.rfind(".")
    i = len(s) if i < 0 else i
    return s[: i - 1] + "x" + s[i:]


def _phone(s: str) -> str:
    digits = [c for c in s if c.isdigit()]
    return "".join(digits[:7]) if len(digits) >= 7 else "1381234"


BROKEN_TIME = "0000-00-00 00:00:00"
UNKNOWN_STATUS = "状态未知"

# Replacement of one value, per reason; JSON variants return JSON fragments.
CSV_REPLACE: dict[str, Callable[[str], str]] = {
    "bad_amount": _amount,
    "bad_time": lambda s: BROKEN_TIME.replace("-", "/") if "/" in s else BROKEN_TIME,
    "invalid_phone": _phone,
    "missing_value": lambda s: "",
    "unknown_status": lambda s: UNKNOWN_STATUS,
}


def _json_amount(frag: str) -> str:
    text = frag.strip('"')
    return '"' + _amount(text) + '"'


def _json_time(frag: str) -> str:
    return '"0000-00-00T00:00:00+08:00"' if frag.endswith('+08:00"') else f'"{BROKEN_TIME}"'


def _json_status(frag: str) -> str:
    return "99" if frag.lstrip("-").isdigit() else '"UNKNOWN"'


JSON_REPLACE: dict[str, Callable[[str], str]] = {
    "bad_amount": _json_amount,
    "bad_time": _json_time,
    "invalid_phone": lambda f: '"' + _phone(f) + '"',
    "missing_value": lambda f: "null",
    "unknown_status": _json_status,
}


@dataclass(frozen=True)
class Defect:
    reason: str  # one of CSV_REPLACE's keys
    column: str  # header or JSON key as written


def pick(seed: int, path: str, n_rows: int, rate: float, n_kinds: int) -> np.ndarray:
    """Defect index per row (CLEAN for clean rows); each row goes bad with probability rate."""
    kinds = np.full(n_rows, CLEAN, dtype=np.int64)
    if rate <= 0 or n_kinds == 0 or n_rows == 0:
        return kinds
    rng = stream(seed, "bad_rows", path)
    bad = rng.random(n_rows) < rate
    return np.where(bad, rng.integers(0, n_kinds, size=n_rows), CLEAN)


def spoil(
    values: np.ndarray, kinds: np.ndarray, defects: tuple[Defect, ...], column: str, *, json: bool
) -> np.ndarray:
    """values with the defects aimed at column applied (a loop over bad rows only)."""
    if len(kinds) == 0 or kinds.max() == CLEAN:
        return values
    targets = [k for k, d in enumerate(defects) if d.column == column]
    rows = np.flatnonzero(np.isin(kinds, targets)) if targets else []
    if len(rows) == 0:
        return values
    table = JSON_REPLACE if json else CSV_REPLACE
    out = np.asarray(values).astype(object)
    for i in rows:
        out[i] = table[defects[kinds[i]].reason](str(out[i]))
    return out.astype(np.str_)


def spoiler(
    kinds: np.ndarray, defects: tuple[Defect, ...], *, json: bool
) -> Callable[[np.ndarray, str], np.ndarray]:
    """spoil bound to one file's rows: bad(values, column)."""
    return lambda values, column: spoil(values, kinds, defects, column, json=json)


def records(
    source: str,
    raw_table: str,
    path: str,
    kinds: np.ndarray,
    defects: tuple[Defect, ...],
    row_numbers: np.ndarray | None = None,
) -> pd.DataFrame:
    """The bad_rows.csv rows of one file."""
    bad = np.flatnonzero(kinds != CLEAN)
    rows = bad + 1 if row_numbers is None else np.asarray(row_numbers)[bad]
    return pd.DataFrame(
        {
            "source": source,
            "raw_table": raw_table,
            "file": path,
            "row_number": rows,
            "column": [defects[k].column for k in kinds[bad]],
            "reason": [defects[k].reason for k in kinds[bad]],
        },
        columns=BAD_ROW_COLUMNS,
    )
