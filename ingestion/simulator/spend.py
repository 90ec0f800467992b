"""Finance's daily marketing-spend sheet, consistent with the campaigns that ran that day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .brand import STORES, live_day_mask, store_state
from .clock import DAY, Period
from .corrupt import Defect, spoiler
from .output import Output
from .rand import uniform
from .text import day_runs, yuan
from .writers import csv_text

HEADER = ("日期", "渠道编码", "活动", "花费")
DEFECTS = (
    Defect("bad_amount", "花费"),
    Defect("missing_value", "渠道编码"),
    Defect("bad_time", "日期"),
)
# Daily ad budgets in yuan, scaled by the day's demand weight (and by brand size).
ADS = (
    ("tmall_ztc", "天猫直通车", 3000),
    ("jd_jzt", "京准通", 1200),
    ("douyin_qianchuan", "巨量千川", 2500),
)
PKGCARD_CENTS = 35  # printing per parcel
LIVE_SESSION_CENTS = 150_000
CALL_CENTS, CONNECTED_CENTS = 12, 30
REFERRAL_DAY_CENTS, REWARD_CENTS = 30_000, 500
STORE_DAY_CENTS, STORE_FRIEND_CENTS = 8_000, 200
CAMPAIGN_NAMES = {
    "pkgcard": "包裹卡",
    "live": "直播间",
    "outbound": "沉睡唤醒外呼",
    "referral": "老带新裂变",
    "store": "门店活码",
}


def _count(rows: list, code, day: np.ndarray, cents_each: int, name: str) -> None:
    if len(day):
        codes = np.broadcast_to(np.asarray(code), day.shape)
        frame = pd.DataFrame({"day": day, "code": codes}).value_counts().reset_index(name="n")
        rows.append(frame.assign(cents=frame["n"] * cents_each, campaign=name).drop(columns="n"))


def sheet(
    period: Period,
    scale: float,
    shipped: dict[str, np.ndarray],
    calls: pd.DataFrame,
    invites: pd.DataFrame,
    store_friends: pd.DataFrame,
    seed: int,
) -> pd.DataFrame:
    """One row per (day, channel code) with a positive cost."""
    days = np.arange(period.days)
    rows: list[pd.DataFrame] = []
    weight = period.weights("online", days)
    for i, (code, name, budget) in enumerate(ADS):
        noise = 0.85 + 0.3 * uniform(seed, "ad_noise", days, i)
        cents = (budget * 100 * scale * weight * noise).astype(np.int64)
        rows.append(pd.DataFrame({"day": days, "code": code, "cents": cents, "campaign": name}))
    for platform, day in shipped.items():
        _count(
            rows,
            f"pkgcard_{platform}",
            day[day < period.days],
            PKGCARD_CENTS,
            CAMPAIGN_NAMES["pkgcard"],
        )
    live = days[live_day_mask(period.month(days), period.dom(days), period.weekday(days))]
    peak = np.isin(period.month(live), (6, 11)) & (period.dom(live) <= 18)
    rows.append(
        pd.DataFrame(
            {
                "day": live,
                "code": np.strings.add("live_", period.compact(live)),
                "cents": np.where(peak, 3, 1) * LIVE_SESSION_CENTS,
                "campaign": CAMPAIGN_NAMES["live"],
            }
        )
    )
    c = calls[calls["t"] < period.end]
    cday = c["t"].to_numpy() // DAY
    _count(
        rows,
        np.strings.add("outbound_", c["campaign"].to_numpy().astype(str)),
        cday,
        CALL_CENTS,
        CAMPAIGN_NAMES["outbound"],
    )
    conn = c["connected"].to_numpy().astype(bool)
    _count(
        rows,
        np.strings.add("outbound_", c["campaign"].to_numpy()[conn].astype(str)),
        cday[conn],
        CONNECTED_CENTS,
        CAMPAIGN_NAMES["outbound"],
    )
    i = invites[invites["t"] < period.end]
    iday = i["t"].to_numpy() // DAY
    code = np.strings.add("referral_", i["campaign"].to_numpy().astype(str))
    granted = i["status"].to_numpy() == 0
    _count(rows, code[granted], iday[granted], REWARD_CENTS, CAMPAIGN_NAMES["referral"])
    active = pd.DataFrame({"day": iday, "code": code}).drop_duplicates()
    rows.append(active.assign(cents=REFERRAL_DAY_CENTS, campaign=CAMPAIGN_NAMES["referral"]))
    for s in STORES:
        rows.append(
            pd.DataFrame(
                {
                    "day": days,
                    "code": store_state(s),
                    "cents": STORE_DAY_CENTS,
                    "campaign": CAMPAIGN_NAMES["store"],
                }
            )
        )
    f = store_friends[store_friends["day"] < period.days]
    _count(
        rows,
        f["state"].to_numpy(),
        f["day"].to_numpy(),
        STORE_FRIEND_CENTS,
        CAMPAIGN_NAMES["store"],
    )
    allrows = pd.concat(rows, ignore_index=True)
    out = allrows.groupby(["day", "code", "campaign"], as_index=False)["cents"].sum()
    out = out[out["cents"] > 0]
    return out.sort_values(["day", "code"], kind="stable").reset_index(drop=True)


def write(out: Output, s: pd.DataFrame, period: Period) -> None:
    for a, b, d in day_runs(s["day"].to_numpy()):

        def build(kinds, a=a, b=b, d=d) -> bytes:
            bad = spoiler(kinds, DEFECTS, json=False)
            x = s.iloc[a:b]
            columns = [
                bad(np.full(b - a, period.iso(d).item()), "日期"),
                bad(x["code"].to_numpy().astype(str), "渠道编码"),
                x["campaign"].to_numpy().astype(str),
                bad(yuan(x["cents"].to_numpy()), "花费"),
            ]
            return csv_text(HEADER, columns, "\n").encode("utf-8-sig")

        path = f"spend/marketing_spend_{period.compact(d).item()}.csv"
        out.day_file("marketing__spend", path, d, b - a, DEFECTS, build)
