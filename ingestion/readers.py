"""Readers for the file shapes platforms hand out; each returns text columns, 1-based row index."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from ingestion.errors import UnreadableFileError

# a reader may flag rows whose shape is wrong; landing quarantines them with this reason
ROW_PROBLEM = "_row_problem"


def _number_rows(frame: pd.DataFrame) -> pd.DataFrame:
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def read_csv_text(path: Path, encoding: str) -> pd.DataFrame:
    """Every cell as text, nothing guessed: parsing belongs to the field definitions."""
    try:
        frame = pd.read_csv(
            path, encoding=encoding, dtype=str, keep_default_na=False, skipinitialspace=False
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame()  # a zero-byte drop: nothing to land, reported as 0 rows
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        reason = f"not a {encoding} CSV: {type(error).__name__}"
        raise UnreadableFileError(str(path), reason) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = _number_rows(frame)
    if len(frame) and _last_row_is_short(path, encoding, len(frame.columns)):
        frame[ROW_PROBLEM] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame.loc[frame.index[-1], ROW_PROBLEM] = TRUNCATED
    return frame


TRUNCATED = "row has fewer fields than the header (a truncated file?)"


def _last_row_is_short(path: Path, encoding: str, columns: int) -> bool:
    """A file cut off mid-row ends in a short row; pandas pads it with blanks, so count here."""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 64 * 1024))
        tail = handle.read().decode(encoding, errors="ignore")
    lines = [line for line in tail.splitlines() if line.strip()]
    return bool(lines) and len(next(csv.reader([lines[-1]]))) < columns


def read_json_lines_text(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_json(path, lines=True, dtype=False, convert_dates=False)
    except ValueError as error:
        raise UnreadableFileError(str(path), f"not JSON Lines: {type(error).__name__}") from None
    return _number_rows(frame.astype("string"))


def read_wecom_api_page(path: Path, list_key: str) -> list[dict]:
    """A saved WeCom API response page; an error page (errcode != 0) must not pass as empty."""
    try:
        page = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFileError(str(path), f"not a JSON page: {type(error).__name__}") from None
    if page.get("errcode", 0) != 0:
        raise UnreadableFileError(str(path), f"API error page, errcode {page.get('errcode')}")
    return page.get(list_key, [])
