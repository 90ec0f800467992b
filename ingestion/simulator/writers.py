"""File writers: CSV with a given encoding and line end, JSON and JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np


def write_csv(
    path: Path,
    header: Sequence[str],
    columns: Sequence[np.ndarray],
    *,
    encoding: str,
    newline: str,
) -> None:
    """Write one CSV file; the csv module quotes any field that needs it."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(zip(*(np.asarray(c).tolist() for c in columns), strict=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    # encode() raises on an unencodable character, so a GBK file can never be silently lossy.
    path.write_bytes(buf.getvalue().encode(encoding))


def dumps(obj: object) -> str:
    """JSON as the platforms send it: UTF-8 text, keys in insertion order."""
    return json.dumps(obj, ensure_ascii=False)


def write_jsonl(path: Path, objects: Iterable[object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(dumps(o) + "\n" for o in objects).encode("utf-8"))


def write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(obj).encode("utf-8"))
