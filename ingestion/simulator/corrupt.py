"""Bad rows: amounts mangled the way hand-edited or half-broken exports mangle them."""

from __future__ import annotations

import numpy as np
import pandas as pd

REASONS = ("non_numeric", "empty", "placeholder")
BAD_ROW_COLUMNS = ["source", "file", "row_number", "column", "reason"]
NO_DEFECT = -1


def pick_bad_rows(rng: np.random.Generator, n_rows: int, rate: float) -> np.ndarray:
    """Defect kind per row (index into REASONS, NO_DEFECT for clean rows); round(rate*n) rows."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError("bad_row_rate must be between 0 and 1")
    kind = np.full(n_rows, NO_DEFECT, dtype=np.int8)
    n_bad = round(rate * n_rows)
    rows = rng.choice(n_rows, size=n_bad, replace=False)
    kind[rows] = rng.integers(0, len(REASONS), size=n_bad)
    return kind


def apply(values: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Amount strings with the defects of kind applied (`129.00` → `12x.00`, ``, `--`)."""
    out = values.astype(object)
    for i in np.flatnonzero(kind != NO_DEFECT):
        reason = REASONS[kind[i]]
        if reason == "non_numeric":
            # Replace the last integer digit: `129.00` → `12x.00`, still looks like money.
            out[i] = out[i][:-4] + "x" + out[i][-3:]
        elif reason == "empty":
            out[i] = ""
        else:
            out[i] = "--"
    return out


def records(
    source: str, files: np.ndarray, row_number: np.ndarray, column: str, kind: np.ndarray
) -> pd.DataFrame:
    """The bad_rows.csv rows for the defective rows of one source."""
    bad = kind != NO_DEFECT
    return pd.DataFrame(
        {
            "source": source,
            "file": files[bad],
            "row_number": row_number[bad],
            "column": column,
            "reason": np.asarray(REASONS)[kind[bad]],
        },
        columns=BAD_ROW_COLUMNS,
    )
