"""Produce the next item of an iterator in a background thread while the caller uses this one.

Landing reads a chunk of files (DuckDB's JSON reader, CSV parsing, SHA-256 of the bytes) and then
parses, validates and inserts it; the reading releases the GIL, so on two cores the next chunk is
read while this one is inserted. Exactly one item is made ahead: memory holds two chunks, not more.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_EXHAUSTED = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of `items` in order, each made while the caller works on the one before.

    An exception raised making an item is raised here when the caller asks for that item. Close
    the returned generator (`contextlib.closing`) to stop early: it waits for the item being made
    and closes `items`, so no thread outlives the caller's `with` block."""
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="siyu-read-ahead")
    upcoming = worker.submit(next, items, _EXHAUSTED)
    try:
        while (item := upcoming.result()) is not _EXHAUSTED:
            upcoming = worker.submit(next, items, _EXHAUSTED)
            yield item
    finally:
        upcoming.cancel()
        worker.shutdown(wait=True)
        close = getattr(items, "close", None)
        if close is not None:
            close()
