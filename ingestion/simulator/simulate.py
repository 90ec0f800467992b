"""simulate_brand: draw the demo brand's customers and write every source plus ground truth."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import corrupt, ground_truth, pos, tmall, wecom
from .clock import Period
from .people import make_people

# Folders the simulator owns under out_dir; nothing else is ever written or removed.
OWNED = ("tmall", "pos", "wecom", ground_truth.FOLDER)
# One independent random stream per concern, so e.g. bad_row_rate never shifts the orders.
_STREAMS = ("people", "tmall", "pos", "wecom", "tmall_bad", "pos_bad", "contacts")


@dataclass(frozen=True)
class SimulationSummary:
    """What one simulation wrote."""

    persons: int
    first_day: date
    last_day: date
    files: dict[str, int]  # per source: tmall, pos, wecom_events, wecom_contacts
    rows: dict[str, int]  # orders, POS lines, callback events, contact relationships
    bad_rows: int

    def __str__(self) -> str:
        parts = [f"{self.persons} persons, {self.first_day} .. {self.last_day}"]
        parts += [f"{k}: {self.files[k]} files, {self.rows[k]} rows" for k in self.files]
        parts.append(f"bad rows: {self.bad_rows}")
        return "\n".join(parts)


def _prepare(out_dir: Path, overwrite: bool) -> None:
    present = [name for name in OWNED if (out_dir / name).exists()]
    if present and not overwrite:
        raise FileExistsError(
            f"{out_dir} already holds {', '.join(present)}; "
            "pass overwrite=True (--overwrite) to replace them"
        )
    for name in present:
        shutil.rmtree(out_dir / name)
    out_dir.mkdir(parents=True, exist_ok=True)


def simulate_brand(
    out_dir: Path,
    *,
    customers: int = 5000,
    days: int = 120,
    seed: int = 42,
    start_date: date = date(2025, 7, 1),
    bad_row_rate: float = 0.0,
    overwrite: bool = False,
) -> SimulationSummary:
    """Write the demo brand's Tmall, POS and WeCom files and `_ground_truth/` under out_dir.

    Same arguments give byte-identical files. overwrite=True replaces the simulator's own
    folders (tmall/, pos/, wecom/, _ground_truth/) when they already exist.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if not 0.0 <= bad_row_rate <= 1.0:
        raise ValueError("bad_row_rate must be between 0 and 1")
    out_dir = Path(out_dir)
    period = Period(start_date, days)
    rngs = dict(zip(_STREAMS, np.random.default_rng(seed).spawn(len(_STREAMS)), strict=True))

    people = make_people(rngs["people"], customers)
    orders = tmall.make_orders(rngs["tmall"], people, period)
    receipts = pos.make_receipts(rngs["pos"], people, period)
    rel = wecom.make_relationships(rngs["wecom"], people, period, orders, receipts)

    _prepare(out_dir, overwrite)
    tmall_defects = corrupt.pick_bad_rows(rngs["tmall_bad"], len(orders), bad_row_rate)
    pos_defects = corrupt.pick_bad_rows(rngs["pos_bad"], len(receipts.lines), bad_row_rate)
    tmall_files, tmall_bad = tmall.write_orders(out_dir, orders, people, period, tmall_defects)
    pos_files, pos_bad = pos.write_receipts(out_dir, receipts, period, pos_defects)
    event_files, events = wecom.write_events(out_dir, rel, people, period)
    pages, contacts = wecom.write_contacts(rngs["contacts"], out_dir, rel, people, period)
    bad_rows = pd.concat([tmall_bad, pos_bad], ignore_index=True)
    ground_truth.write(out_dir, people, period, orders, receipts, rel, bad_rows)

    return SimulationSummary(
        persons=customers,
        first_day=period.start,
        last_day=period.last_day,
        files={
            "tmall": tmall_files,
            "pos": pos_files,
            "wecom_events": event_files,
            "wecom_contacts": pages,
        },
        rows={
            "tmall": len(orders),
            "pos": len(receipts.lines),
            "wecom_events": events,
            "wecom_contacts": contacts,
        },
        bad_rows=len(bad_rows),
    )
