"""Reading ahead: the items in order, made at most one ahead, errors where they belong."""

import threading
from contextlib import closing

import pytest

from ingestion.read_ahead import read_ahead


def counting(made: list[int], limit: int, fail_at: int | None = None, closed=None):
    """Yields 0..limit-1 and records each as it is made (and on which thread)."""
    try:
        for number in range(limit):
            if number == fail_at:
                raise ValueError(f"item {number} is broken")
            made.append((number, threading.current_thread().name))
            yield number
    finally:
        if closed is not None:
            closed.set()


def test_items_come_in_order_made_on_another_thread():
    made = []
    assert list(read_ahead(counting(made, 5))) == [0, 1, 2, 3, 4]
    assert all(name.startswith("siyu-read-ahead") for _, name in made)


def test_the_next_item_is_made_while_the_caller_holds_this_one_and_no_further():
    made = []
    with closing(read_ahead(counting(made, 10))) as items:
        first = next(items)
        # give the worker the chance to run ahead: it must stop after one item
        threading.Event().wait(0.2)
        assert first == 0
        assert [number for number, _ in made] == [0, 1]


def test_an_error_making_an_item_reaches_the_caller_after_the_items_before_it():
    made, received = [], []
    with pytest.raises(ValueError, match="item 3 is broken"):
        for item in read_ahead(counting(made, 10, fail_at=3)):
            received.append(item)
    assert received == [0, 1, 2]


def test_stopping_early_closes_the_source_and_leaves_no_thread():
    made, closed = [], threading.Event()
    before = {t.name for t in threading.enumerate()}
    with (
        pytest.raises(RuntimeError),
        closing(read_ahead(counting(made, 10, closed=closed))) as items,
    ):
        for item in items:
            if item == 2:
                raise RuntimeError("the caller failed")
    assert closed.is_set()
    after = {t.name for t in threading.enumerate()} - before
    assert not any(name.startswith("siyu-read-ahead") for name in after)
    # item 3 may or may not have been started when the caller failed; nothing beyond it
    assert [number for number, _ in made] in ([0, 1, 2], [0, 1, 2, 3])
