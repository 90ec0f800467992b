"""Reading a saved mall API page: `{"code":0,"message":"ok","data":{"items":[...],...}}`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ingestion.errors import UnreadableFileError


def read_mall_page(path: Path) -> pd.DataFrame:
    """Items as text columns, 1-based row numbers; an error page must not pass as empty."""
    try:
        page = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFileError(str(path), f"not a JSON page: {type(error).__name__}") from None
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
    text.index = pd.RangeIndex(1, len(text) + 1)
    return text


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
