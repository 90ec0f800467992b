"""Live sessions in the mini-program live room: viewer and order exports per session.

The console export of a session is pulled two days after it, once orders have settled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import orders as od
from . import phones as ph
from .brand import LIVE_START_HOUR, festival_mask, live_day_mask, room_id
from .clock import DAY, HOUR, Period
from .corrupt import Defect, spoiler
from .output import Output
from .people import People
from .rand import below, exponential, integers, stream, uniform
from .text import cat, ints, yuan
from .writers import csv_text

EXPORT_LAG_DAYS = 2
ATTEND = 0.35  # live fans who watch a regular session
ATTEND_PEAK = 0.55  # during 618 and Double 11
BUY = 0.06
BUY_NEWCOMER = 0.60  # a newcomer met in the session
PLAN = od.OrderPlan("live", rate=0.0, close_unpaid_hours=(0.1, 0.25), serial_digits=12)
VIEWER_HEADER = (
    "直播间ID",
    "观众openid",
    "unionid",
    "首次进入时间",
    "观看时长(秒)",
    "评论次数",
    "点赞次数",
    "观众昵称",
)
ORDER_HEADER = (
    "订单号",
    "直播间ID",
    "观众openid",
    "unionid",
    "下单时间",
    "支付金额",
    "订单状态",
    "退款金额",
    "收货人手机",
)
VIEWER_DEFECTS = (Defect("bad_time", "首次进入时间"), Defect("missing_value", "观众openid"))
ORDER_DEFECTS = (
    Defect("bad_amount", "支付金额"),
    Defect("bad_time", "下单时间"),
    Defect("missing_value", "订单号"),
    Defect("unknown_status", "订单状态"),
)
# Shared statuses → console labels (unpaid orders close within minutes).
STATUS_TEXT = np.array(["已关闭", "已支付", "已发货", "已完成", "已关闭", "已支付", "已退款"])


def session_days(period: Period) -> np.ndarray:
    days = np.arange(period.days)
    return days[live_day_mask(period.month(days), period.dom(days), period.weekday(days))]


def viewers(seed: int, people: People, period: Period) -> pd.DataFrame:
    """One row per (session, viewer)."""
    fans = np.flatnonzero(people.live)
    frames = []
    for d in session_days(period):
        d = int(d)
        peak = festival_mask(period.month(d), period.dom(d))
        start = d * DAY + LIVE_START_HOUR * HOUR
        end = start + 2 * HOUR
        joined = people.joined[fans]
        ok = (joined <= end) & (people.active_until[fans] + 120 * DAY > start)
        newcomer = (
            (joined >= start - 10 * 60) & (joined <= end) & (people.acquisition[fans] == "live")
        )
        go = ok & (below(seed, "live_attend", ATTEND_PEAK if peak else ATTEND, fans, d) | newcomer)
        p = fans[go]
        entered = np.where(
            newcomer[go], joined[go], start - 600 + integers(seed, "live_enter", 0, 100 * 60, p, d)
        )
        watch = np.minimum(
            end + 600 - entered, 30 + exponential(seed, "live_watch", 900, p, d).astype(np.int64)
        )
        frames.append(
            pd.DataFrame(
                {
                    "day": d,
                    "person": p,
                    "entered": entered,
                    "watch": np.maximum(watch, 5),
                    "comments": (exponential(seed, "live_comments", 1.5, p, d)).astype(np.int64),
                    "likes": (exponential(seed, "live_likes", 20, p, d)).astype(np.int64),
                    "newcomer": newcomer[go],
                    "key": d * 10**8 + p,
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=["day", "person", "entered", "watch", "comments", "likes", "newcomer", "key"]
        )
    v = pd.concat(frames, ignore_index=True)
    return v.sort_values(["day", "entered", "person"], kind="stable").reset_index(drop=True)


def make_orders(seed: int, viewers_: pd.DataFrame) -> pd.DataFrame:
    key = viewers_["key"].to_numpy()
    buy = below(seed, "live_buy", np.where(viewers_["newcomer"].to_numpy(), BUY_NEWCOMER, BUY), key)
    v = viewers_[buy]
    t = (
        v["entered"].to_numpy()
        + 60
        + (uniform(seed, "live_buy_at", key[buy]) * v["watch"].to_numpy()).astype(np.int64)
    )
    frames = []
    for d, idx in pd.Series(np.arange(len(v))).groupby(v["day"].to_numpy()).groups.items():
        idx = np.asarray(idx)
        rng = stream(seed, "live_orders", int(d))
        o = od.draw_attributes(rng, PLAN, v["person"].to_numpy()[idx], t[idx])
        o["serial"] = (int(d) + 2000) * 10**6 + np.arange(len(idx))
        o["day"] = int(d)
        frames.append(o)
    if not frames:
        none = np.zeros(0, np.int64)
        return od.draw_attributes(stream(seed, "live_orders"), PLAN, none, none).assign(
            serial=none, day=none
        )
    return pd.concat(frames, ignore_index=True)


def order_numbers(serial: np.ndarray) -> np.ndarray:
    return cat("LV", ints(serial, 14))


def write(
    out: Output, v: pd.DataFrame, orders: pd.DataFrame, people: People, period: Period
) -> pd.DataFrame:
    """Write both exports of every session; return the orders as exported."""
    seen = []
    v_day, o_day = v["day"].to_numpy(), orders["day"].to_numpy()
    for d in np.unique(v_day):
        d = int(d)
        stamp = period.compact(d).item()
        room = room_id(stamp)
        arrival = d + EXPORT_LAG_DAYS
        at = arrival * DAY + 9 * HOUR
        vs = v.iloc[np.searchsorted(v_day, d) : np.searchsorted(v_day, d, side="right")]
        os_ = orders.iloc[np.searchsorted(o_day, d) : np.searchsorted(o_day, d, side="right")]
        for frame in (vs, os_):
            p = frame["person"].to_numpy()
            out.saw("mall_openid", p, arrival)
            out.saw("unionid", p[people.unionid[p] != ""], arrival)
        if out.arrived(arrival):
            seen.append(od.observed(os_, np.full(len(os_), at)))

        def build_viewers(kinds, vs=vs, room=room) -> bytes:
            bad = spoiler(kinds, VIEWER_DEFECTS, json=False)
            p = vs["person"].to_numpy()
            columns = [
                np.full(len(vs), room),
                bad(people.mall_openid[p], "观众openid"),
                people.unionid[p],
                bad(period.timestamp(vs["entered"].to_numpy()), "首次进入时间"),
                ints(vs["watch"].to_numpy()),
                ints(vs["comments"].to_numpy()),
                ints(vs["likes"].to_numpy()),
                people.wechat_name[p],
            ]
            return csv_text(VIEWER_HEADER, columns, "\n").encode("utf-8-sig")

        def build_orders(kinds, os_=os_, room=room, at=at) -> bytes:
            bad = spoiler(kinds, ORDER_DEFECTS, json=False)
            p = os_["person"].to_numpy()
            status = od.status_at(os_, at)
            paid = os_["paid_at"].to_numpy() >= 0
            total = os_["total"].to_numpy()
            columns = [
                bad(order_numbers(os_["serial"].to_numpy()), "订单号"),
                np.full(len(os_), room),
                people.mall_openid[p],
                people.unionid[p],
                bad(period.timestamp(os_["created"].to_numpy()), "下单时间"),
                bad(yuan(np.where(paid, total, 0)), "支付金额"),
                bad(STATUS_TEXT[status], "订单状态"),
                yuan(np.where(status == od.REFUNDED_ST, total, 0)),
                ph.masked(people.phone[p]),
            ]
            return csv_text(ORDER_HEADER, columns, "\n").encode("utf-8-sig")

        out.file(
            raw_table="live__viewers",
            path=f"live/viewers/{stamp}/{room}.csv",
            path_day=d,
            arrival_day=arrival,
            n_rows=len(vs),
            defects=VIEWER_DEFECTS,
            build=build_viewers,
        )
        out.file(
            raw_table="live__orders",
            path=f"live/orders/{stamp}/{room}.csv",
            path_day=d,
            arrival_day=arrival,
            n_rows=len(os_),
            defects=ORDER_DEFECTS,
            build=build_orders,
        )
    if not seen:
        return od.observed(orders.iloc[:0], np.zeros(0, dtype=np.int64))
    return pd.concat(seen, ignore_index=True)
