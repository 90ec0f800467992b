"""Store receipts (sales and returns) and the per-store, per-day POS drop files.

Files normally arrive the same evening; a few store-days arrive 1–5 days late, and a few are
re-sent byte-identical under a new name (`SH001_20250801(1).csv`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import phones as ph
from .brand import (
    GUIDES_PER_STORE,
    PRODUCT_PRICE_CENTS,
    PRODUCT_SKUS,
    PRODUCT_WEIGHTS,
    STORE_PHONES,
    STORES,
)
from .clock import BLOCK_DAYS, DAY, Period, sample_days, time_of_day
from .corrupt import Defect, spoiler
from .output import Output
from .people import People
from .rand import below, categorical, integers, stream
from .text import cat, choice, format_cents, group_bounds, ints, rank_in_group, run_starts
from .writers import csv_text

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
DEFECTS = (
    Defect("bad_amount", "金额"),
    Defect("bad_time", "销售时间"),
    Defect("invalid_phone", "手机号"),
    Defect("missing_value", "小票号"),
)

SALE, RETURN = 0, 1
VISIT_RATE = 0.026  # store visits per active day of a store customer of propensity 1
AWAY_SHARE = 0.10  # visits made at a store other than the customer's home store
PHONE_ON_RECEIPT = 0.5  # members give their phone at the till about half the time
# a trap for OneID: a member without a phone gets the store's own typed in, joining strangers
STORE_PHONE_AT_TILL = 0.10
OWN_GUIDE = 0.80  # at the home store the customer's own guide rings up the sale
AWAY_GUIDE = 0.50
RETURN_SHARE = 0.05
MAX_RETURN_DAYS = 14
LINE_COUNT_WEIGHTS = np.array([0.6, 0.3, 0.1])  # 1, 2 or 3 lines per receipt
# Stores open 10:00–22:00 with an after-work peak.
HOUR_WEIGHTS = np.array([0] * 10 + [2, 3, 4, 3, 3, 4, 4, 5, 6, 6, 5, 3] + [0, 0])
LATE_SHARE = 0.03  # store-days whose file arrives 1–5 days late
RESENT_SHARE = 0.02  # store-days whose file is sent again under a new name


@dataclass(frozen=True)
class Receipts:
    """Receipts (one row per 小票) and their lines, both in file order."""

    receipts: pd.DataFrame  # person, store, day, t, kind, card, phone, guide, receipt_no
    lines: pd.DataFrame  # receipt (row in receipts), sku (product index), quantity, amount

    @property
    def sales(self) -> pd.DataFrame:
        """The sales receipts (returns left out)."""
        return self.receipts[self.receipts["kind"] == SALE]


def staff_id(store: np.ndarray, guide: np.ndarray) -> np.ndarray:
    """导购工号 `E<store nn><guide nn>` (E0101 = first guide of SH001), empty without a guide."""
    return np.where(guide >= 0, cat("E", ints(store + 1, 2), ints(guide + 1, 2)), "")


def _block_sales(seed: int, people: People, period: Period, q: int) -> pd.DataFrame:
    rng = stream(seed, "pos", q)
    first = q * BLOCK_DAYS
    weights = period.weights("store", np.arange(first, first + BLOCK_DAYS)).sum()
    lam = VISIT_RATE * people.propensity * weights * people.store
    person = np.repeat(np.arange(people.n), rng.poisson(lam))
    day = sample_days(rng, period, "store", first, BLOCK_DAYS, len(person))
    t = day * DAY + time_of_day(rng, HOUR_WEIGHTS, len(person))
    active = (t >= people.joined[person]) & (t < people.active_until[person])
    person, t = person[active], t[active]
    joined = people.joined
    new = np.flatnonzero(
        (people.acquisition == "store")
        & (joined >= first * DAY)
        & (joined < (first + BLOCK_DAYS) * DAY)
    )
    # A store newcomer's first contact is a sale during opening hours.
    new_day = joined[new] // DAY
    person = np.concatenate([person, new])
    t = np.concatenate([t, new_day * DAY + time_of_day(rng, HOUR_WEIGHTS, len(new))])
    n = len(person)
    home = people.home_store[person]
    away = (home + rng.integers(1, len(STORES), size=n)) % len(STORES)
    is_away = rng.random(n) < AWAY_SHARE
    store = np.where(is_away, away, home)
    served = rng.random(n) < np.where(is_away, AWAY_GUIDE, OWN_GUIDE)
    guide = np.where(
        served,
        np.where(is_away, rng.integers(0, GUIDES_PER_STORE, size=n), people.store_guide[person]),
        -1,
    )
    with_phone = people.member[person] & (rng.random(n) < PHONE_ON_RECEIPT)
    phone_text = np.where(
        with_phone, ph.varied(rng, people.phone[person], ph.TILL_FORMAT_WEIGHTS), ""
    )
    # its own stream, so the trap leaves every other draw of the brand as it was
    store_phone = (
        people.member[person]
        & ~with_phone
        & (stream(seed, "pos_store_phone", q).random(n) < STORE_PHONE_AT_TILL)
    )
    phone_text = np.where(store_phone, np.asarray(STORE_PHONES)[store], phone_text)
    n_lines = choice(rng, LINE_COUNT_WEIGHTS, n) + 1
    returned = rng.random(n) < RETURN_SHARE
    return_t = (t // DAY + rng.integers(1, MAX_RETURN_DAYS + 1, size=n)) * DAY + time_of_day(
        rng, HOUR_WEIGHTS, n
    )
    day = t // DAY
    sales = pd.DataFrame(
        {
            "person": person,
            "store": store,
            "day": day,
            "t": t,
            "kind": SALE,
            "card": people.card[person],
            "phone": phone_text,
            "own_phone": with_phone,
            "guide": guide,
            "n_lines": n_lines,
            "return_t": np.where(returned, return_t, -1),
            "key": (q * 10**9 + np.arange(n)),
        }
    )
    # At most one sales receipt per person, store and day: keep the earliest visit.
    sales = sales.sort_values(["person", "store", "day", "t"], kind="stable")
    first_visit = run_starts(*(sales[c].to_numpy() for c in ("person", "store", "day")))
    return sales[first_visit]


def make_receipts(seed: int, people: People, period: Period) -> Receipts:
    """Sales receipts, the returns that follow some of them, and all their lines."""
    sales = pd.concat(
        [_block_sales(seed, people, period, q) for q in period.blocks], ignore_index=True
    )
    sales = sales[sales["t"] < period.end].reset_index(drop=True)
    key = sales["key"].to_numpy()
    n_lines = sales["n_lines"].to_numpy()
    receipt = np.repeat(np.arange(len(sales)), n_lines)
    line_no = rank_in_group(receipt)
    line_key = key[receipt] * 4 + line_no
    sku = categorical(seed, "pos_sku", PRODUCT_WEIGHTS, line_key)
    quantity = np.where(below(seed, "pos_qty", 0.85, line_key), 1, 2)
    sale_lines = pd.DataFrame(
        {"receipt": receipt, "line_no": line_no, "sku": sku, "quantity": quantity}
    )

    # A return is its own receipt: same store and customer, within 14 days.
    src = np.flatnonzero(sales["return_t"].to_numpy() >= 0)
    returns = sales.iloc[src].copy()
    returns["t"] = returns["return_t"].to_numpy()
    returns["day"] = returns["t"].to_numpy() // DAY
    returns["kind"] = RETURN
    # The first line always goes back, the others half the time.
    keep_line = (line_no == 0) | below(seed, "pos_return_line", 0.5, line_key)
    new_id = np.full(len(sales), -1)
    new_id[src] = len(sales) + np.arange(len(src))
    is_returned = new_id[receipt] >= 0
    ret = sale_lines[is_returned & keep_line].copy()
    ret["receipt"] = new_id[ret["receipt"].to_numpy()]
    ret["quantity"] = -ret["quantity"]

    receipts = pd.concat([sales, returns], ignore_index=True)
    receipts = receipts.drop(columns=["n_lines", "return_t"])
    lines = pd.concat([sale_lines, ret], ignore_index=True)
    lines["amount"] = PRODUCT_PRICE_CENTS[lines["sku"].to_numpy()] * lines["quantity"].to_numpy()

    r = {c: receipts[c].to_numpy() for c in ("store", "day", "t", "kind", "key")}
    order = np.lexsort((r["key"], r["kind"], r["t"], r["day"], r["store"]))
    receipts = receipts.iloc[order].reset_index(drop=True)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    lines["receipt"] = rank[lines["receipt"].to_numpy()]
    lines = lines.sort_values(["receipt", "line_no"], kind="stable").reset_index(drop=True)
    keep = receipts["t"].to_numpy() < period.end
    store, day = receipts["store"].to_numpy(), receipts["day"].to_numpy()
    seq = rank_in_group(store * 10**6 + day + 10_000) + 1
    receipts["receipt_no"] = cat(np.asarray(STORES)[store], period.compact(day), ints(seq, 5))
    lines = lines[keep[lines["receipt"].to_numpy()]].reset_index(drop=True)
    return Receipts(receipts=receipts, lines=lines.drop(columns="line_no"))


def arrivals(seed: int, store, day) -> tuple[np.ndarray, np.ndarray]:
    """(arrival day, re-sent copy's arrival day or -1) of store-day files (broadcast keys)."""
    late = below(seed, "pos_late", LATE_SHARE, store, day)
    arrive = day + np.where(late, integers(seed, "pos_lag", 1, 6, store, day), 0)
    resent = below(seed, "pos_resent", RESENT_SHARE, store, day)
    copy = np.where(resent, arrive + integers(seed, "pos_resent_lag", 1, 4, store, day), -1)
    return arrive, copy


def write_receipts(out: Output, data: Receipts, people: People, period: Period, seed: int) -> None:
    """One UTF-8-with-BOM file per store and day (lines of receipts kept within the horizon)."""
    rec = data.receipts.iloc[data.lines["receipt"].to_numpy()]
    store, day = rec["store"].to_numpy(), rec["day"].to_numpy()
    inside = day < period.days
    key = store * 10**6 + day
    starts, ends = group_bounds(key)
    fields = ("receipt_no", "t", "card", "phone", "own_phone", "guide", "person")
    cols = {c: rec[c].to_numpy() for c in fields}
    sku, quantity = data.lines["sku"].to_numpy(), data.lines["quantity"].to_numpy()
    amount = data.lines["amount"].to_numpy()
    for s, e in zip(starts, ends, strict=True):
        if not inside[s]:
            continue
        st, d = int(store[s]), int(day[s])
        code = STORES[st]
        stamp = period.compact(d).item()
        arrive, copy_arrive = (int(a) for a in arrivals(seed, st, d))
        person = cols["person"][s:e]
        out.saw("pos_member_card", person[cols["card"][s:e] != ""], arrive)
        out.saw("phone", person[cols["own_phone"][s:e]], arrive)  # a store's phone is no one's

        def build(kinds, s=s, e=e, st=st, code=code) -> bytes:
            bad = spoiler(kinds, DEFECTS, json=False)
            sl = slice(s, e)
            columns = [
                bad(cols["receipt_no"][sl], "小票号"),
                np.full(e - s, code),
                bad(period.timestamp(cols["t"][sl]), "销售时间"),
                cols["card"][sl],
                bad(cols["phone"][sl], "手机号"),
                staff_id(np.full(e - s, st), cols["guide"][sl]),
                PRODUCT_SKUS[sku[sl]],
                ints(quantity[sl]),
                bad(format_cents(amount[sl]), "金额"),
            ]
            return csv_text(HEADER, columns, "\n").encode("utf-8-sig")

        path = f"pos/{code}/{code}_{stamp}.csv"
        copies = [(f"pos/{code}/{code}_{stamp}(1).csv", copy_arrive)] if copy_arrive >= 0 else []
        out.file(
            raw_table="pos__receipt_lines",
            path=path,
            path_day=d,
            arrival_day=arrive,
            n_rows=e - s,
            defects=DEFECTS,
            build=build,
            copies=copies,
        )


def arrived_days(seed: int, period: Period) -> np.ndarray:
    """Boolean [store, day]: has the store-day file arrived by the last day?"""
    store, day = np.meshgrid(np.arange(len(STORES)), np.arange(period.days), indexing="ij")
    return arrivals(seed, store, day)[0] <= period.last


def observed(data: Receipts, seed: int, period: Period) -> pd.DataFrame:
    """Receipts in arrived files: sales count as orders, returns as refunds on their own day."""
    ok = arrived_days(seed, period)
    r = data.receipts
    store, day = r["store"].to_numpy(), r["day"].to_numpy()
    inside = day < period.days
    arrived = np.zeros(len(r), dtype=bool)
    arrived[inside] = ok[store[inside], day[inside]]
    amount = (
        pd.Series(data.lines["amount"].to_numpy()).groupby(data.lines["receipt"].to_numpy()).sum()
    )
    cents = amount.reindex(np.arange(len(r)), fill_value=0).to_numpy()
    sale = r["kind"].to_numpy() == SALE
    keep = arrived & (cents != 0)
    return pd.DataFrame(
        {
            "created": r["t"].to_numpy()[keep],
            "is_order": sale[keep],
            "paid": sale[keep],
            "paid_amount": np.where(sale, cents, 0)[keep],
            "refund_amount": np.where(sale, 0, -cents)[keep],
        }
    )
