"""Outbound call campaigns (AI 外呼) to win back dormant customers, and their result exports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import orders as od
from . import phones as ph
from .brand import OUTBOUND_DAYS, OUTBOUND_EVERY, OUTBOUND_FIRST_DAY, campaign_id
from .clock import DAY, OFFICE_HOURS, Period
from .corrupt import Defect, spoiler
from .output import Output
from .people import NO_PURCHASE, People
from .rand import below, categorical, exponential, integers
from .text import group_bounds, ints, pick
from .writers import csv_text

HEADER = (
    "任务ID",
    "任务名称",
    "被叫号码",
    "呼叫时间",
    "是否接通",
    "通话时长(秒)",
    "意向标签",
    "挂断原因",
)
DEFECTS = (
    Defect("invalid_phone", "被叫号码"),
    Defect("bad_time", "呼叫时间"),
    Defect("missing_value", "任务ID"),
    Defect("unknown_status", "意向标签"),
)
DORMANT_DAYS, LONG_DORMANT_DAYS = 365, 730  # two years once the history is that long
CALL_SHARE = 0.60
CONNECTED = 0.45
INTENTS = np.array(["A有意向", "B一般", "C无意向", "D拒绝", "E勿扰"])
INTENT_WEIGHTS = np.array([0.10, 0.25, 0.35, 0.20, 0.10])
DO_NOT_CALL = 4
REACTIVATE = np.array([0.40, 0.15, 0.03, 0.0, 0.0])  # buy again within 30 days, by intent
CONNECTED_HANGUPS = np.array(["客户挂断", "正常结束", "坐席挂断"])
MISSED_HANGUPS = np.array(["无人接听", "关机", "空号", "拒接", "停机"])
MISSED_WEIGHTS = np.array([0.5, 0.15, 0.05, 0.2, 0.1])


def campaign_starts(period: Period) -> list[int]:
    return list(range(OUTBOUND_FIRST_DAY, period.days, OUTBOUND_EVERY))


def run(
    seed: int,
    people: People,
    period: Period,
    purchases: tuple[np.ndarray, np.ndarray],
    mall_plan: od.OrderPlan,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(calls, reactivation mall orders) of every campaign starting within the horizon.

    purchases: (person, time) of every purchase; a campaign sees the orders its predecessors
    brought back.
    """
    person_p, t_p = purchases
    calls, extra = [], []
    dnc = np.zeros(people.n, dtype=bool)
    for k, start in enumerate(campaign_starts(period)):
        cid = campaign_id("OB", period.compact(start).item())
        begin = start * DAY
        p_all = np.concatenate([person_p, *(e["person"].to_numpy() for e in extra)])
        t_all = np.concatenate([t_p, *(e["created"].to_numpy() for e in extra)])
        last = np.full(people.n, NO_PURCHASE)
        before = t_all < begin
        np.maximum.at(last, p_all[before], t_all[before])
        last = np.maximum(
            last, np.where(people.last_before_start < begin, people.last_before_start, NO_PURCHASE)
        )
        dormant = LONG_DORMANT_DAYS if start >= LONG_DORMANT_DAYS else DORMANT_DAYS
        ids = np.arange(people.n)
        eligible = (
            people.known_phone
            & (last > NO_PURCHASE)
            & (last < begin - dormant * DAY)
            & ~dnc
            & below(seed, "ob_pick", CALL_SHARE, ids, k)
        )
        p = ids[eligible]
        day = start + integers(seed, "ob_day", 0, OUTBOUND_DAYS, p, k)
        hour = categorical(seed, "ob_hour", OFFICE_HOURS, p, k)
        t = day * DAY + hour * 3600 + integers(seed, "ob_sec", 0, 3600, p, k)
        connected = below(seed, "ob_connected", CONNECTED, p, k)
        intent = np.where(connected, categorical(seed, "ob_intent", INTENT_WEIGHTS, p, k), -1)
        duration = np.where(
            connected, 8 + exponential(seed, "ob_duration", 45, p, k).astype(np.int64), 0
        )
        hangup = np.where(
            connected,
            pick(CONNECTED_HANGUPS, integers(seed, "ob_hangup", 0, len(CONNECTED_HANGUPS), p, k)),
            MISSED_HANGUPS[categorical(seed, "ob_missed", MISSED_WEIGHTS, p, k)],
        )
        fmt = categorical(seed, "ob_phone_fmt", ph.OUTBOUND_FORMAT_WEIGHTS, p, k)
        c = pd.DataFrame(
            {
                "campaign": cid,
                "k": k,
                "person": p,
                "t": t,
                "connected": connected,
                "duration": duration,
                "intent": intent,
                "hangup": hangup,
                "phone": ph.formatted(people.phone[p], fmt),
            }
        ).sort_values(["t", "person"], kind="stable")
        calls.append(c)
        dnc[p[intent == DO_NOT_CALL]] = True
        back = below(seed, "ob_back", REACTIVATE[np.maximum(intent, 0)] * connected, p, k)
        when = t[back] + DAY + integers(seed, "ob_back_at", 0, 29 * DAY, p[back], k)
        o = od.extra_orders(seed, mall_plan, 10 + k, p[back], when)
        o["channel_code"] = f"outbound_{cid}"
        extra.append(o)
    empty = pd.DataFrame(
        columns=[
            "campaign",
            "k",
            "person",
            "t",
            "connected",
            "duration",
            "intent",
            "hangup",
            "phone",
        ]
    )
    all_calls = pd.concat(calls, ignore_index=True) if calls else empty
    all_extra = pd.concat(extra, ignore_index=True) if extra else None
    return all_calls, all_extra


def campaign_name(cid: str) -> str:
    return f"沉睡客户唤醒20{cid[2:4]}年{int(cid[4:6])}月"


def write(out: Output, calls: pd.DataFrame, people: People, period: Period) -> pd.DataFrame:
    calls = calls[calls["t"] < period.end].reset_index(drop=True)
    day = calls["t"].to_numpy() // DAY
    key = calls["k"].to_numpy().astype(np.int64) * 100_000 + day
    order = np.lexsort((calls["t"].to_numpy(), key))
    calls = calls.iloc[order].reset_index(drop=True)
    key, day = key[order], day[order]
    starts, ends = group_bounds(key)
    for s, e in zip(starts, ends, strict=True):
        d = int(day[s])
        cid = calls["campaign"].iloc[s]
        out.saw("phone", calls["person"].to_numpy()[s:e], d)

        def build(kinds, s=s, e=e, cid=cid) -> bytes:
            bad = spoiler(kinds, DEFECTS, json=False)
            x = calls.iloc[s:e]
            intent = x["intent"].to_numpy()
            columns = [
                bad(x["campaign"].to_numpy().astype(str), "任务ID"),
                [campaign_name(cid)] * (e - s),
                bad(x["phone"].to_numpy(), "被叫号码"),
                bad(period.timestamp(x["t"].to_numpy()), "呼叫时间"),
                np.where(x["connected"].to_numpy(), "是", "否"),
                ints(x["duration"].to_numpy()),
                bad(np.where(intent >= 0, INTENTS[np.maximum(intent, 0)], ""), "意向标签"),
                x["hangup"].to_numpy(),
            ]
            return csv_text(HEADER, columns, "\n").encode("utf-8-sig")

        path = f"outbound/{cid}_{period.compact(d).item()}.csv"
        out.day_file("outbound__call_results", path, d, e - s, DEFECTS, build)
    return calls
