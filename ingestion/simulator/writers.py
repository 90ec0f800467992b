"""File text built column-wise: numpy string ops per column, rows joined by C-level str.join."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from .text import cat

Column = np.ndarray | list


_SPECIAL = np.array([ord(c) for c in ',"\n\r'], dtype=np.uint32)


def _needs_quotes(col: np.ndarray) -> np.ndarray:
    """Fields holding a comma, quote or line break (one pass over the code points)."""
    width = col.dtype.itemsize // 4
    if width == 0:
        return np.zeros(col.shape, dtype=bool)
    codes = np.ascontiguousarray(col).view(np.uint32).reshape(len(col), width)
    return np.isin(codes, _SPECIAL).any(axis=1)


def csv_field(values) -> np.ndarray:
    """Values as CSV fields, quoted only when they must be (as the csv module does)."""
    col = np.asarray(values).astype(np.str_)
    if col.size == 0:
        return col
    quote = _needs_quotes(col)
    if not quote.any():
        return col
    escaped = cat('"', np.strings.replace(col, '"', '""'), '"')
    return np.where(quote, escaped, col)


def csv_text(header: Sequence[str], columns: Sequence[Column], newline: str) -> str:
    """A whole CSV file: header, one line per row, each line ended by newline."""
    head = ",".join(csv_field(np.asarray(header)).tolist())
    lines = map(",".join, zip(*(csv_field(c).tolist() for c in columns), strict=True))
    return newline.join([head, *lines]) + newline


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ------------------------------------------------------------------ JSON


def _escape(col: np.ndarray) -> np.ndarray:
    if col.size and (np.strings.find(col, "\\") >= 0).any():
        col = np.strings.replace(col, "\\", "\\\\")
    if col.size and (np.strings.find(col, '"') >= 0).any():
        col = np.strings.replace(col, '"', '\\"')
    return col


def js(values) -> np.ndarray:
    """Strings as JSON string literals (our values hold no control characters)."""
    return cat('"', _escape(np.asarray(values).astype(np.str_)), '"')


def jn(values) -> np.ndarray:
    """Integers as JSON numbers."""
    return np.asarray(values).astype(np.int64).astype(np.str_)


def jb(values) -> np.ndarray:
    """Booleans as JSON true/false."""
    return np.where(np.asarray(values, dtype=bool), "true", "false")


def js_or_null(values) -> np.ndarray:
    """Empty strings become null."""
    col = np.asarray(values).astype(np.str_)
    return np.where(col == "", "null", js(col))


def objects(fields: Sequence[tuple[str, Column]], present: dict | None = None) -> list[str]:
    """One JSON object text per row from (key, JSON fragment) columns, in key order.

    present maps a key to a boolean mask; rows where it is False omit that key (the first key is
    always present).
    """
    present = present or {}
    parts: list = []
    for i, (key, frag) in enumerate(fields):
        prefix = ('{"' if i == 0 else ',"') + key + '":'
        if key in present:
            parts.append(np.where(present[key], cat(prefix, np.asarray(frag)), "").tolist())
        else:
            parts.append(repeat(prefix))
            parts.append(frag.tolist() if isinstance(frag, np.ndarray) else frag)
    parts.append(repeat("}"))
    return list(map("".join, zip(*parts, strict=False)))  # repeat() columns are endless


def event_head(
    to: str, sender: str | np.ndarray, create_time: np.ndarray, event: str | np.ndarray
) -> list[tuple[str, Column]]:
    """The keys that open a WeChat or WeCom event callback; sender and event are texts or
    JSON fragments, create_time JSON fragments."""
    n = len(create_time)

    def frag(value: str | np.ndarray) -> np.ndarray:
        return js(np.full(n, value)) if isinstance(value, str) else value

    return [
        ("ToUserName", js(np.full(n, to))),
        ("FromUserName", frag(sender)),
        ("CreateTime", create_time),
        ("MsgType", js(np.full(n, "event"))),
        ("Event", frag(event)),
    ]


def jsonl_text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""
