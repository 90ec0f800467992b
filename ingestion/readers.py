"""Readers for the file shapes platforms hand out; each returns text columns, 1-based row index."""

from __future__ import annotations

import csv
import json
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from ingestion.errors import UnreadableFileError

# a reader may flag rows whose shape is wrong; landing quarantines them with this reason
ROW_PROBLEM = "_row_problem"
# where a row came from within a chunk of files: the file's position, the row's number in it
FILE_INDEX = "_file_index"
ROW_NUMBER = "_row_number"
TRUNCATED = "row has fewer fields than the header (a truncated file?)"


def number_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Row numbers from 1, as landing reports them."""
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def as_text(frame: pd.DataFrame, list_columns: Collection[str] = ()) -> pd.DataFrame:
    """Every column as text, except `list_columns`, which keep their lists; rows numbered."""
    text = frame.drop(columns=list(list_columns), errors="ignore").astype("string")
    for column in list_columns:
        if column in frame:
            text[column] = frame[column]
    return number_rows(text)


def records_as_text(records: list[dict], list_columns: Collection[str] = ()) -> pd.DataFrame:
    """API records flattened (`a.b` names for nested fields) by `as_text`; none: nothing to land."""
    if not records:
        return pd.DataFrame()
    return as_text(pd.json_normalize(records), list_columns)


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
    frame = number_rows(frame)
    if len(frame) and _last_row_is_short(path, encoding, len(frame.columns)):
        frame[ROW_PROBLEM] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame.loc[frame.index[-1], ROW_PROBLEM] = TRUNCATED
    return frame


def read_gbk_csv(path: Path) -> pd.DataFrame:
    """A platform export in GBK: GB18030 is a superset, so both old and new exports decode."""
    return read_csv_text(path, encoding="gb18030")


def read_bom_csv(path: Path) -> pd.DataFrame:
    """A UTF-8 export, with or without the byte-order mark Excel-minded tools write."""
    return read_csv_text(path, encoding="utf-8-sig")


def _last_row_is_short(path: Path, encoding: str, columns: int) -> bool:
    """A file cut off mid-row ends in a short row; pandas pads it with blanks, so count here."""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 64 * 1024))
        tail = handle.read().decode(encoding, errors="ignore")
    lines = [line for line in tail.splitlines() if line.strip()]
    return bool(lines) and len(next(csv.reader([lines[-1]]))) < columns


def read_json_lines_text(path: Path, list_columns: Collection[str] = ()) -> pd.DataFrame:
    try:
        frame = pd.read_json(path, lines=True, dtype=False, convert_dates=False)
    except ValueError as error:
        raise UnreadableFileError(str(path), f"not JSON Lines: {type(error).__name__}") from None
    return as_text(frame, list_columns)


def read_json_page(path: Path, **options) -> object:
    """A saved API response, parsed (`options` go to json.loads); not JSON: unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"), **options)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFileError(str(path), f"not a JSON page: {type(error).__name__}") from None


def read_wecom_api_response(path: Path) -> dict:
    """A saved WeCom (or WeChat) API response; an error page (errcode != 0) blocks the load."""
    page = read_json_page(path)
    if page.get("errcode", 0) != 0:
        raise UnreadableFileError(str(path), f"API error page, errcode {page.get('errcode')}")
    return page
