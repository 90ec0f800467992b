"""The mini-program mall's server-side records, as its API serves them.

`_mall_api/<orders|members>/<yyyymmdd>.jsonl`: one API item per line, filed under the Shanghai
day of `updated_at`; an order that changes status on a later day appears again under that day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import orders as od
from .brand import MALL_APPID
from .clock import DAY, Period
from .corrupt import Defect, spoiler
from .output import Output
from .people import People
from .rand import below, categorical, exponential
from .text import cat, day_runs, format_cents, ints
from .writers import jb, jn, js, js_or_null, jsonl_text, objects

FOLDER = "_mall_api"
PLAN = od.OrderPlan("mall", rate=0.026, close_unpaid_hours=(0.25, 2.0), serial_digits=13)
STATUS = np.array(["CREATED", "PAID", "SHIPPED", "COMPLETED", "CLOSED", "", "REFUNDED"])
ORDER_DEFECTS = (
    Defect("bad_amount", "paid_amount"),
    Defect("bad_time", "created_at"),
    Defect("invalid_phone", "phone"),
    Defect("missing_value", "order_no"),
    Defect("unknown_status", "status"),
)
MEMBER_DEFECTS = (
    Defect("bad_time", "registered_at"),
    Defect("invalid_phone", "phone"),
    Defect("missing_value", "member_id"),
)
REFERRAL_FIRST_ORDER = 0.6  # invitees who buy within two days of joining
OPT_IN = 0.80
WITHDRAW = 0.15
WITHDRAW_MEAN_DAYS = 200


def make_orders(seed: int, people: People, period: Period) -> pd.DataFrame:
    """Organic mall orders plus the first orders of referral invitees (channel-coded)."""
    base = od.make_orders(seed, PLAN, people, period, people.mall)
    base["channel_code"] = ""
    invitee = np.flatnonzero(
        (people.acquisition == "referral")
        & below(seed, "ref_buy", REFERRAL_FIRST_ORDER, np.arange(people.n))
    )
    t = (
        people.joined[invitee]
        + 600
        + exponential(seed, "ref_buy_at", 6 * 3600, invitee).astype(np.int64)
    )
    first = od.extra_orders(seed, PLAN, 0, invitee, t)
    first["channel_code"] = referral_code_of(people.joined[invitee], period)
    return od.sort_orders(pd.concat([base, first], ignore_index=True), period)


def referral_code_of(joined: np.ndarray, period: Period) -> np.ndarray:
    from .referral import campaign_of

    return cat("referral_", campaign_of(joined // DAY, period))


def add_orders(orders: pd.DataFrame, extra: pd.DataFrame, period: Period) -> pd.DataFrame:
    return od.sort_orders(pd.concat([orders, extra], ignore_index=True), period)


def order_numbers(serial: np.ndarray) -> np.ndarray:
    """`M` + 16 digits."""
    return cat("M", ints(serial % 10**16, 16))


def write_orders(out: Output, orders: pd.DataFrame, people: People, period: Period) -> pd.DataFrame:
    """One JSON line per (order, day it changed); return each order's latest observation."""
    up = od.updates(orders, period.end - 1)
    order_no = order_numbers(orders["serial"].to_numpy())
    for s, e, d in day_runs(up["day"].to_numpy()):
        rows = up["order"].to_numpy()[s:e]
        updated = up["updated_at"].to_numpy()[s:e]
        out.saw("mall_openid", orders["person"].to_numpy()[rows], d)
        person = orders["person"].to_numpy()[rows]
        out.saw("unionid", person[people.unionid[person] != ""], d)
        out.saw("phone", person[people.mall_phone[person]], d)

        def build(kinds, rows=rows, updated=updated) -> bytes:
            bad = spoiler(kinds, ORDER_DEFECTS, json=True)
            o = orders.iloc[rows]
            person = o["person"].to_numpy()
            status = od.status_at(o, updated)
            status = np.where(status == od.REFUNDING, od.before_refund(o, updated), status)
            paid_at = o["paid_at"].to_numpy()
            total = o["total"].to_numpy()
            phone = np.where(people.mall_phone[person], ints(people.phone[person]), "")
            fields = [
                ("order_no", bad(js(order_no[rows]), "order_no")),
                ("appid", js(np.full(len(o), MALL_APPID))),
                ("openid", js(people.mall_openid[person])),
                ("unionid", js_or_null(people.unionid[person])),
                ("phone", bad(js_or_null(phone), "phone")),
                ("status", bad(js(STATUS[status]), "status")),
                ("total_amount", js(format_cents(total))),
                (
                    "paid_amount",
                    bad(js(format_cents(np.where(paid_at >= 0, total, 0))), "paid_amount"),
                ),
                ("refund_amount", js(format_cents(np.where(status == od.REFUNDED_ST, total, 0)))),
                ("created_at", bad(js(period.iso8601(o["created"].to_numpy())), "created_at")),
                (
                    "paid_at",
                    np.where(paid_at >= 0, js(period.iso8601(np.maximum(paid_at, 0))), "null"),
                ),
                ("updated_at", js(period.iso8601(updated))),
                ("channel_code", js_or_null(o["channel_code"].to_numpy())),
                ("item_count", jn(o["quantity"].to_numpy())),
            ]
            return jsonl_text(objects(fields)).encode("utf-8")

        path = f"{FOLDER}/orders/{period.compact(d).item()}.jsonl"
        out.day_file("mall__orders", path, d, e - s, ORDER_DEFECTS, build)
    return od.latest(orders, up)


def members(seed: int, people: People, orders: pd.DataFrame) -> pd.DataFrame:
    """Registrations (at the first mall contact) and later consent withdrawals."""
    first_order = orders.drop_duplicates("person").set_index("person")["created"]
    registered = np.full(people.n, np.iinfo(np.int64).max)
    registered[first_order.index.to_numpy()] = first_order.to_numpy() - 120
    direct = np.isin(people.acquisition, ("mall", "live", "referral"))
    registered = np.where(direct, np.minimum(registered, people.joined), registered)
    person = np.flatnonzero(people.mall & (registered < np.iinfo(np.int64).max))
    reg = registered[person]
    accepts = below(seed, "mall_opt_in", OPT_IN, person)
    withdraws = accepts & below(seed, "mall_withdraw", WITHDRAW, person)
    withdrawn_at = (
        reg
        + DAY
        + exponential(seed, "mall_withdraw_at", WITHDRAW_MEAN_DAYS * DAY, person).astype(np.int64)
    )
    level = 1 + categorical(seed, "mall_level", [0.5, 0.3, 0.15, 0.05], person)
    base = pd.DataFrame(
        {"person": person, "registered": reg, "level": level, "consent": accepts, "t": reg}
    )
    later = base[withdraws].assign(consent=False, t=withdrawn_at[withdraws])
    rec = pd.concat([base, later], ignore_index=True)
    rec = rec[rec["t"] >= 0]  # registrations before the first day are not re-served
    return rec.sort_values(["t", "person"], kind="stable").reset_index(drop=True)


def member_ids(person: np.ndarray) -> np.ndarray:
    return cat("MB", ints(person * 7 + 1_000_003, 9))


def write_members(out: Output, rec: pd.DataFrame, people: People, period: Period) -> None:
    rec = rec[rec["t"] < period.end]
    for s, e, d in day_runs(rec["t"].to_numpy() // DAY):
        r = rec.iloc[s:e]
        person = r["person"].to_numpy()
        out.saw("mall_openid", person, d)
        out.saw("unionid", person[people.unionid[person] != ""], d)
        out.saw("phone", person[people.mall_phone[person]], d)

        def build(kinds, r=r) -> bytes:
            bad = spoiler(kinds, MEMBER_DEFECTS, json=True)
            person = r["person"].to_numpy()
            phone = np.where(people.mall_phone[person], ints(people.phone[person]), "")
            fields = [
                ("member_id", bad(js(member_ids(person)), "member_id")),
                ("appid", js(np.full(len(r), MALL_APPID))),
                ("openid", js(people.mall_openid[person])),
                ("unionid", js_or_null(people.unionid[person])),
                ("phone", bad(js_or_null(phone), "phone")),
                ("nickname", js(people.wechat_name[person])),
                (
                    "registered_at",
                    bad(js(period.iso8601(r["registered"].to_numpy())), "registered_at"),
                ),
                ("updated_at", js(period.iso8601(r["t"].to_numpy()))),
                ("level", jn(r["level"].to_numpy())),
                ("marketing_consent", jb(r["consent"].to_numpy())),
            ]
            return jsonl_text(objects(fields)).encode("utf-8")

        path = f"{FOLDER}/members/{period.compact(d).item()}.jsonl"
        out.day_file("mall__members", path, d, e - s, MEMBER_DEFECTS, build)
