"""Store receipts (sales and returns) and the per-store, per-day POS drop files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import corrupt
from . import phones as ph
from .brand import GUIDES_PER_STORE, PRODUCT_PRICE_CENTS, PRODUCT_SKUS, PRODUCT_WEIGHTS, STORES
from .clock import DAY, Period, time_of_day
from .people import People
from .text import cat, choice, format_cents, group_bounds, ints, rank_in_group, run_starts
from .writers import write_csv

HEADER = (
    "小票号",
    "门店编码",
    "销售时间",
    "会员卡号",
    "手机号",
    "导购工号",
    "商品编码",
    "数量",
    "金额",
)
AMOUNT_COLUMN = "金额"

SALE, RETURN = 0, 1
VISITS_PER_DAY = 0.008  # Poisson mean of repeat visits per store customer per simulated day
AWAY_SHARE = 0.10  # visits made at a store other than the customer's home store
PHONE_ON_RECEIPT = 0.5  # members give their phone at the till about half the time
NO_GUIDE = 0.20  # receipts rung up without a guide's staff id
RETURN_SHARE = 0.05
MAX_RETURN_DAYS = 14
LINE_COUNT_WEIGHTS = np.array([0.6, 0.3, 0.1])  # 1, 2 or 3 lines per receipt
# Weekend and Golden Week footfall.
STORE_BUMPS = {f"10-0{d}": 1.8 for d in range(1, 8)}
WEEKEND = 1.5
# Stores open 10:00–22:00 with an after-work peak.
HOUR_WEIGHTS = np.array([0] * 10 + [2, 3, 4, 3, 3, 4, 4, 5, 6, 6, 5, 3] + [0, 0])


@dataclass(frozen=True)
class Receipts:
    """Receipts (one row per 小票) and their lines, both in file order."""

    receipts: pd.DataFrame  # person, store, day, t, kind, card, phone, guide, receipt_no
    lines: pd.DataFrame  # receipt (row in receipts), sku (product index), quantity, amount


def staff_id(store: np.ndarray, guide: np.ndarray) -> np.ndarray:
    """导购工号 `E<store nn><guide nn>` (E0101 = first guide of SH001), empty without a guide."""
    return np.where(guide >= 0, cat("E", ints(store + 1, 2), ints(guide + 1, 2)), "")


def _sales(rng: np.random.Generator, people: People, period: Period) -> pd.DataFrame:
    visitors = np.flatnonzero(people.visits_store)
    person = np.repeat(visitors, 1 + rng.poisson(VISITS_PER_DAY * period.days, size=len(visitors)))
    n = len(person)
    home = people.home_store[person]
    away = (home + rng.integers(1, len(STORES), size=n)) % len(STORES)
    store = np.where(rng.random(n) < AWAY_SHARE, away, home)
    day = rng.choice(period.days, size=n, p=period.day_weights(STORE_BUMPS, WEEKEND))
    t = day * DAY + time_of_day(rng, HOUR_WEIGHTS, n)
    # At most one sales receipt per person, store and day: keep the earliest visit.
    order = np.lexsort((t, day, store, person))
    person, store, day, t = person[order], store[order], day[order], t[order]
    first = run_starts(person, store, day)
    person, store, day, t = person[first], store[first], day[first], t[first]
    n = len(person)

    with_phone = people.member[person] & (rng.random(n) < PHONE_ON_RECEIPT)
    phone_text = np.where(
        with_phone, ph.varied(rng, people.phone[person], ph.TILL_FORMAT_WEIGHTS), ""
    )
    guide = np.where(rng.random(n) < NO_GUIDE, -1, rng.integers(0, GUIDES_PER_STORE, size=n))
    return pd.DataFrame(
        {
            "person": person,
            "store": store,
            "day": day,
            "t": t,
            "kind": SALE,
            "card": people.card[person],
            "phone": phone_text,
            "guide": guide,
        }
    )


def make_receipts(rng: np.random.Generator, people: People, period: Period) -> Receipts:
    """Sales receipts, the returns that follow some of them, and all their lines."""
    sales = _sales(rng, people, period)
    n_sales = len(sales)
    n_lines = choice(rng, LINE_COUNT_WEIGHTS, n_sales) + 1
    receipt = np.repeat(np.arange(n_sales), n_lines)
    line_no = rank_in_group(receipt)
    sku = choice(rng, PRODUCT_WEIGHTS, len(receipt))
    quantity = np.where(rng.random(len(receipt)) < 0.85, 1, 2)
    sale_lines = pd.DataFrame(
        {"receipt": receipt, "line_no": line_no, "sku": sku, "quantity": quantity}
    )

    # A return is its own receipt, same store and customer, within 14 days and inside the period.
    returned = rng.random(n_sales) < RETURN_SHARE
    return_day = sales["day"].to_numpy() + rng.integers(1, MAX_RETURN_DAYS + 1, size=n_sales)
    return_second = time_of_day(rng, HOUR_WEIGHTS, n_sales)
    returned &= return_day < period.days
    src = np.flatnonzero(returned)
    returns = sales.iloc[src].copy()
    returns["day"] = return_day[src]
    returns["t"] = return_day[src] * DAY + return_second[src]
    returns["kind"] = RETURN
    # The first line always goes back, the others half the time.
    keep_line = (line_no == 0) | (rng.random(len(receipt)) < 0.5)
    new_id = np.full(n_sales, -1)
    new_id[src] = n_sales + np.arange(len(src))
    ret = sale_lines[returned[receipt] & keep_line].copy()
    ret["receipt"] = new_id[ret["receipt"].to_numpy()]
    ret["quantity"] = -ret["quantity"]

    receipts = pd.concat([sales, returns], ignore_index=True)
    lines = pd.concat([sale_lines, ret], ignore_index=True)
    lines["amount"] = PRODUCT_PRICE_CENTS[lines["sku"].to_numpy()] * lines["quantity"].to_numpy()

    r = {c: receipts[c].to_numpy() for c in ("store", "day", "t", "kind", "person")}
    order = np.lexsort((r["person"], r["kind"], r["t"], r["day"], r["store"]))
    receipts = receipts.iloc[order].reset_index(drop=True)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    lines["receipt"] = rank[lines["receipt"].to_numpy()]
    lines = lines.sort_values(["receipt", "line_no"], kind="stable").reset_index(drop=True)

    store, day = receipts["store"].to_numpy(), receipts["day"].to_numpy()
    seq = rank_in_group(store * (period.days + 32) + day) + 1
    receipts["receipt_no"] = cat(np.asarray(STORES)[store], period.compact(day), ints(seq, 5))
    return Receipts(receipts=receipts, lines=lines.drop(columns="line_no"))


def write_receipts(
    out_dir: Path, data: Receipts, period: Period, defects: np.ndarray
) -> tuple[int, pd.DataFrame]:
    """Write one UTF-8-with-BOM file per store and day; return file count and bad-row records."""
    rec = data.receipts.iloc[data.lines["receipt"].to_numpy()]
    store, day = rec["store"].to_numpy(), rec["day"].to_numpy()
    store_code = np.asarray(STORES)[store]
    files = cat("pos/", store_code, "/", store_code, "_", period.compact(day), ".csv")
    key = store * (period.days + 32) + day
    starts, ends = group_bounds(key)
    cols = {c: rec[c].to_numpy() for c in ("receipt_no", "t", "card", "phone", "guide")}
    sku, quantity = data.lines["sku"].to_numpy(), data.lines["quantity"].to_numpy()
    amount = data.lines["amount"].to_numpy()
    for start, end in zip(starts, ends, strict=True):
        s = slice(start, end)
        columns = [
            cols["receipt_no"][s],
            store_code[s],
            period.timestamp(cols["t"][s]),
            cols["card"][s],
            cols["phone"][s],
            staff_id(store[s], cols["guide"][s]),
            PRODUCT_SKUS[sku[s]],
            ints(quantity[s]),
            corrupt.apply(format_cents(amount[s]), defects[s]),
        ]
        write_csv(out_dir / files[start], HEADER, columns, encoding="utf-8-sig", newline="\n")
    bad = corrupt.records("pos", files, rank_in_group(key) + 1, AMOUNT_COLUMN, defects)
    return len(starts), bad
