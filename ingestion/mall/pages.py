"""Reading a saved mall API page: `{"code":0,"message":"ok","data":{"items":[...],...}}`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingestion.errors import UnreadableFileError
from ingestion.readers import number_rows, read_json_page


def read_mall_page(path: Path) -> pd.DataFrame:
    """Items as text columns, 1-based row numbers; an error page must not pass as empty."""
    page = read_json_page(path)
    if not isinstance(page, dict) or page.get("code") != 0:
        code = page.get("code") if isinstance(page, dict) else None
        raise UnreadableFileError(str(path), f"API error page, code {code}")
    data = page.get("data")
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise UnreadableFileError(str(path), "no data.items list in the page")
    if not items:
        return pd.DataFrame()  # a day without updates: nothing to land
    # object columns keep JSON values as sent (no int -> float where a value is null)
    frame = pd.DataFrame(items, dtype=object)
    text = frame.apply(lambda column: column.map(_as_text, na_action="ignore")).astype("string")
    return number_rows(text)


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
