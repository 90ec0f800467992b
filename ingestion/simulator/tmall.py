"""Tmall orders (seller-center order reports, daily plus Monday re-exports) and 会员通 members."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import orders as od
from . import phones as ph
from .brand import PRODUCT_TITLES, SHOP_NAME
from .clock import DAY, HOUR, Period
from .corrupt import Defect, spoiler
from .output import Output
from .people import People
from .rand import below, categorical, exponential
from .text import day_runs, format_cents, ints
from .writers import csv_text

PLAN = od.OrderPlan("tmall", rate=0.036, close_unpaid_hours=(0.5, 30.0))
HEADER = (
    "订单编号",
    "买家会员名",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实际支付金额",
    "订单状态",
    "收货人姓名",
    "收货地址",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "宝贝标题",
    "宝贝总数量",
    "店铺名称",
    "订单关闭原因",
    "退款金额",
)
DEFECTS = (
    Defect("bad_amount", "买家实际支付金额"),
    Defect("bad_time", "订单创建时间"),
    Defect("missing_value", "订单编号"),
    Defect("unknown_status", "订单状态"),
)
STATUS_TEXT = np.array(
    [
        "等待买家付款",
        "买家已付款，等待卖家发货",
        "卖家已发货，等待买家确认",
        "交易成功",
        "交易关闭",
        "",  # refund in progress shows the paid/shipped status
        "交易关闭",
    ]
)
REEXPORT_DAYS = 7  # a Monday re-export covers the week before it
REEXPORT_SECOND = 9 * HOUR + 30 * 60

MEMBER_HEADER = ("买家昵称", "会员手机号", "入会时间", "会员等级", "入会渠道", "是否接受营销")
MEMBER_DEFECTS = (
    Defect("invalid_phone", "会员手机号"),
    Defect("bad_time", "入会时间"),
    Defect("missing_value", "买家昵称"),
)
JOIN_CHANNELS = np.array(["店铺首页", "订单页", "直播间", "包裹卡"])
JOIN_CHANNEL_WEIGHTS = np.array([0.30, 0.40, 0.10, 0.20])
OPT_IN = 0.85  # members who accept marketing when joining
WITHDRAW = 0.12  # members who later withdraw consent
WITHDRAW_MEAN_DAYS = 150


def order_numbers(serial: np.ndarray) -> np.ndarray:
    """19-digit order numbers."""
    return serial * 10**4 + (serial * 7919) % 10**4


def make_orders(seed: int, people: People, period: Period) -> pd.DataFrame:
    orders = od.make_orders(seed, PLAN, people, period, people.tmall)
    orders["order_no"] = order_numbers(orders["serial"].to_numpy())
    return orders


def _export_rows(orders: pd.DataFrame, rows: np.ndarray, at: int) -> pd.DataFrame:
    o = orders.iloc[rows]
    status = od.status_at(o, at)
    status = np.where(status == od.REFUNDING, od.before_refund(o, at), status)
    out = o.assign(status=status)
    out["paid_now"] = (o["paid_at"].to_numpy() >= 0) & (o["paid_at"].to_numpy() <= at)
    return out


def exports(orders: pd.DataFrame, period: Period) -> list[tuple[str, int, int, np.ndarray]]:
    """(path, day, export second, order rows) for the daily reports and Monday re-exports."""
    created_day = orders["created"].to_numpy() // DAY
    out = []
    daily = {d: (s, e) for s, e, d in day_runs(created_day)}
    for day in range(period.days):
        stamp = period.compact(day).item()
        if day in daily:
            s, e = daily[day]
            out.append(
                (
                    f"tmall/ExportOrderList{stamp}235959.csv",
                    day,
                    day * DAY + DAY - 1,
                    np.arange(s, e),
                )
            )
        if period.weekday(day) == 0 and day > 0:
            covered = [daily[d] for d in range(max(0, day - REEXPORT_DAYS), day) if d in daily]
            if covered:
                rows = np.arange(covered[0][0], covered[-1][1])
                out.append(
                    (
                        f"tmall/ExportOrderList{stamp}093000.csv",
                        day,
                        day * DAY + REEXPORT_SECOND,
                        rows,
                    )
                )
    return out


def write_orders(out: Output, orders: pd.DataFrame, people: People, period: Period) -> pd.DataFrame:
    """Write every export; return the latest observation of each order (for orders_daily)."""
    seen = []
    for path, day, at, rows in exports(orders, period):
        o = _export_rows(orders, rows, at)
        seen.append(pd.DataFrame({"row": rows, "at": at}))
        out.saw("tmall_buyer_nick", o["person"].to_numpy(), day)

        def build(kinds, o=o, at=at) -> bytes:
            bad = spoiler(kinds, DEFECTS, json=False)
            person = o["person"].to_numpy()
            status = o["status"].to_numpy()
            paid = o["paid_now"].to_numpy()
            total = o["total"].to_numpy()
            paid_at = o["paid_at"].to_numpy()
            columns = [
                bad(ints(o["order_no"].to_numpy()), "订单编号"),
                people.nick[person],
                format_cents(o["goods"].to_numpy()),
                format_cents(o["postage"].to_numpy()),
                format_cents(total),
                bad(format_cents(np.where(paid, total, 0)), "买家实际支付金额"),
                bad(STATUS_TEXT[status], "订单状态"),
                people.name[person],
                people.address[person],
                ph.masked(people.phone[person]),
                bad(period.timestamp(o["created"].to_numpy()), "订单创建时间"),
                np.where(paid, period.timestamp(np.maximum(paid_at, 0)), ""),
                PRODUCT_TITLES[o["product"].to_numpy()],
                ints(o["quantity"].to_numpy()),
                np.full(len(o), SHOP_NAME),
                np.where(
                    status == od.CLOSED,
                    "买家未付款",
                    np.where(status == od.REFUNDED_ST, "退款", "订单未关闭"),
                ),
                format_cents(np.where(status == od.REFUNDED_ST, total, 0)),
            ]
            return csv_text(HEADER, columns, "\r\n").encode("gbk")

        out.day_file("tmall__orders", path, day, len(rows), DEFECTS, build)
    return observations(orders, seen)


def observations(orders: pd.DataFrame, seen: list[pd.DataFrame]) -> pd.DataFrame:
    """Each order's status as of the latest file that shows it."""
    if not seen:
        return od.observed(orders.iloc[:0], np.zeros(0, dtype=np.int64))
    s = pd.concat(seen, ignore_index=True).groupby("row")["at"].max()
    return od.observed(orders.iloc[s.index.to_numpy()], s.to_numpy())


def members(seed: int, orders: pd.DataFrame, people: People) -> pd.DataFrame:
    """会员通 records: a join at the first paid Tmall order, and later consent withdrawals."""
    paid = orders[orders["paid_at"] >= 0]
    first = paid.drop_duplicates("person")
    person = first["person"].to_numpy()
    person = person[people.tmall_member[person]]
    joined = first.set_index("person").loc[person, "paid_at"].to_numpy()
    joined = joined + 60 + (exponential(seed, "tmall_join", 1800, person)).astype(np.int64)
    level = 1 + np.minimum(3, (people.propensity[person] * 1.6).astype(np.int64))
    channel = categorical(seed, "tmall_join_channel", JOIN_CHANNEL_WEIGHTS, person)
    accepts = below(seed, "tmall_opt_in", OPT_IN, person)
    withdraws = accepts & below(seed, "tmall_withdraw", WITHDRAW, person)
    withdrawn_at = (
        joined
        + DAY
        + (exponential(seed, "tmall_withdraw_at", WITHDRAW_MEAN_DAYS * DAY, person)).astype(
            np.int64
        )
    )
    base = pd.DataFrame(
        {
            "person": person,
            "joined": joined,
            "level": level,
            "channel": channel,
            "accepts": accepts,
            "t": joined,
        }
    )
    later = base[withdraws].assign(accepts=False, t=withdrawn_at[withdraws])
    rec = pd.concat([base, later], ignore_index=True)
    return rec.sort_values(["t", "person"], kind="stable").reset_index(drop=True)


def write_members(out: Output, rec: pd.DataFrame, people: People, period: Period) -> None:
    rec = rec[rec["t"] < period.end]
    for s, e, d in day_runs(rec["t"].to_numpy() // DAY):
        r = rec.iloc[s:e]

        def build(kinds, r=r) -> bytes:
            bad = spoiler(kinds, MEMBER_DEFECTS, json=False)
            person = r["person"].to_numpy()
            columns = [
                bad(people.nick[person], "买家昵称"),
                bad(ph.plain(people.phone[person]), "会员手机号"),
                bad(period.timestamp(r["joined"].to_numpy()), "入会时间"),
                ints(r["level"].to_numpy()),
                JOIN_CHANNELS[r["channel"].to_numpy()],
                np.where(r["accepts"].to_numpy(), "是", "否"),
            ]
            return csv_text(MEMBER_HEADER, columns, "\r\n").encode("gbk")

        stamp = period.compact(d).item()
        out.saw("tmall_buyer_nick", r["person"].to_numpy(), d)
        out.saw("phone", r["person"].to_numpy(), d)
        path = f"tmall/members/TmallMembers_{stamp}.csv"
        out.day_file("tmall__members", path, d, e - s, MEMBER_DEFECTS, build)
