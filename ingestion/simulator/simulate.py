"""simulate_brand: draw the demo brand's world and write every source plus ground truth.

The world is drawn as if the horizon were unbounded (counts per fixed block of days, choices
hashed from each event's key) and then cut at the last day, so a file dated before the last day
is byte-identical whatever the horizon.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import douyin, groups, jd, live, mall, nps, oa, outbound, pos, referral, spend, tmall, wecom
from . import ground_truth as gt
from .brand import STORE_STATES
from .clock import DAY, Period
from .output import Output
from .people import People, make_people

# Folders the simulator owns under out_dir; nothing else is ever written or removed.
OWNED = (
    "tmall",
    "jd",
    "douyin",
    "pos",
    "wecom",
    "oa",
    "live",
    "surveys",
    "outbound",
    "referral",
    "spend",
    mall.FOLDER,
    gt.FOLDER,
)
MODES = ("history", "next_day")


@dataclass(frozen=True)
class SimulationSummary:
    """What one simulation wrote."""

    persons: int
    first_day: date
    last_day: date
    mode: str
    files: dict[str, int]  # per raw table: files listed (arrived by the last day)
    rows: dict[str, int]  # per raw table: rows in those files
    written: int  # files written by this call
    bad_rows: int

    def __str__(self) -> str:
        parts = [f"{self.persons} persons, {self.first_day} .. {self.last_day} ({self.mode})"]
        parts += [f"{k}: {self.files[k]} files, {self.rows[k]} rows" for k in sorted(self.files)]
        parts.append(f"files written: {self.written}, bad rows: {self.bad_rows}")
        return "\n".join(parts)


def _prepare(out_dir: Path, overwrite: bool, next_day: bool) -> None:
    if next_day:
        if not (out_dir / gt.FOLDER / "files.csv").exists():
            raise FileNotFoundError(f"{out_dir} holds no earlier simulation to add a day to")
        return
    present = [name for name in OWNED if (out_dir / name).exists()]
    if present and not overwrite:
        raise FileExistsError(
            f"{out_dir} already holds {', '.join(present)}; "
            "pass overwrite=True (--overwrite) to replace them"
        )
    for name in present:
        shutil.rmtree(out_dir / name)
    out_dir.mkdir(parents=True, exist_ok=True)


def _paid(o: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    paid = o["paid_at"].to_numpy() >= 0
    return o["person"].to_numpy()[paid], o["created"].to_numpy()[paid]


def _world(seed: int, people: People, period: Period) -> dict:
    """Every event of the brand, drawn in dependency order."""
    w: dict = {}
    w["tmall"] = tmall.make_orders(seed, people, period)
    w["jd"] = jd.make_orders(seed, people, period)
    w["douyin"] = douyin.make_orders(seed, people, period)
    w["mall"] = mall.make_orders(seed, people, period)
    w["pos"] = pos.make_receipts(seed, people, period)
    w["viewers"] = live.viewers(seed, people, period)
    w["live"] = live.make_orders(seed, w["viewers"])
    sales = w["pos"].sales
    bought = [_paid(w[k]) for k in ("tmall", "jd", "douyin", "mall", "live")]
    bought.append((sales["person"].to_numpy(), sales["t"].to_numpy()))
    purchases = (np.concatenate([b[0] for b in bought]), np.concatenate([b[1] for b in bought]))
    w["calls"], w["reactivation"] = outbound.run(seed, people, period, purchases, mall.PLAN)
    if w["reactivation"] is not None:
        w["mall"] = mall.add_orders(w["mall"], w["reactivation"], period)
    w["invites"] = referral.invites(seed, people, period)

    reached_pkg = pd.concat(
        [wecom.pkgcard_reach(seed, p, w[p]) for p in ("tmall", "jd", "douyin")], ignore_index=True
    )
    # Every viewer is reached by the room's 活码 (viewers are unique per session, and a live code
    # is new each day); the code's text is built only for those who add.
    v = w["viewers"]
    live_add = v[wecom.accepts(seed, v["key"].to_numpy(), wecom.LIVE_ADD, "live_add")]
    live_add = pd.DataFrame(
        {
            "state": np.strings.add("live_", period.compact(live_add["day"].to_numpy())),
            "t": live_add["entered"].to_numpy(),
            "person": live_add["person"].to_numpy(),
            "key": live_add["key"].to_numpy(),
        }
    )
    real = w["invites"][w["invites"]["kind"] == "real"]
    ref_reach = pd.DataFrame(
        {
            "state": np.strings.add("referral_", real["campaign"].to_numpy().astype(str)),
            "t": real["t"].to_numpy(),
            "person": real["invitee"].to_numpy().astype(np.int64),
            "key": real["invitee"].to_numpy().astype(np.int64),
        }
    )
    store_rel = wecom.store_adds(seed, people, w["pos"])
    # what the data shows each code reached (every sale, paid parcel and invitee; viewers are
    # counted apart): the denominator of the add-friend rate, in the marts and ground truth
    w["observed_reach"] = pd.concat(
        [
            _store_reached(w["pos"]),
            *[_paid_parcels(p, w[p]) for p in ("tmall", "jd", "douyin")],
            ref_reach[["state", "t", "person"]],
        ],
        ignore_index=True,
    )
    parts = [
        store_rel,
        wecom.pkgcard_adds(seed, people, reached_pkg),
        wecom.picked_adds(seed, live_add, "live_add"),
        wecom.code_adds(seed, ref_reach, wecom.REFERRAL_ADD, "referral_add"),
    ]
    w["rel"] = wecom.relationships(seed, people, parts, referral.overmarketed_codes(period))
    w["contact_events"] = wecom.events(w["rel"])
    w["groups"], w["members"] = groups.memberships(seed, w["rel"])
    w["group_events"] = groups.events(w["groups"], w["members"])
    w["group_stats"] = groups.stats(seed, w["groups"], w["members"], period)
    w["followers"] = oa.followers(seed, people)
    w["oa_events"] = oa.events(w["followers"])
    w["tmall_members"] = tmall.members(seed, w["tmall"], people)
    w["mall_members"] = mall.members(seed, people, w["mall"])
    w["nps"] = nps.responses(seed, people, _nps_triggers(people, w))
    return w


def _live_reached(viewers: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Viewers per session day, reached by that day's live code."""
    per_day = viewers.groupby("day").size()
    day = per_day.index.to_numpy().astype(np.int64)
    return pd.DataFrame(
        {
            "channel_code": np.strings.add("live_", period.compact(day)),
            "day": day,
            "reached_customers": per_day.to_numpy(),
        }
    )


def _paid_parcels(platform: str, orders: pd.DataFrame) -> pd.DataFrame:
    paid = orders[orders["paid_at"] >= 0]
    return pd.DataFrame(
        {
            "state": wecom.PKGCARD_STATES[platform],
            "t": paid["paid_at"].to_numpy(),
            "person": paid["person"].to_numpy(),
        }
    )


def _store_reached(receipts: pos.Receipts) -> pd.DataFrame:
    sales = receipts.sales
    return pd.DataFrame(
        {
            "state": STORE_STATES[sales["store"].to_numpy()],
            "t": sales["t"].to_numpy(),
            "person": sales["person"].to_numpy(),
        }
    )


def _nps_triggers(people: People, w: dict) -> list:
    sales = w["pos"].sales
    out = [("门店", sales["person"].to_numpy(), sales["t"].to_numpy(), sales["key"].to_numpy())]
    m = w["mall"][w["mall"]["paid_at"] >= 0]
    out.append(("商城", m["person"].to_numpy(), m["paid_at"].to_numpy(), m["serial"].to_numpy()))
    rel = w["rel"]
    out.append(
        (
            "企业微信",
            rel["person"].to_numpy(),
            rel["added"].to_numpy(),
            rel["key"].to_numpy() + 7 * 10**15,
        )
    )
    for i, platform in enumerate(("tmall", "jd", "douyin")):
        o = w[platform][w[platform]["paid_at"] >= 0]
        p = o["person"].to_numpy()
        known = people.known_phone[p]
        out.append(
            (
                "短信",
                p[known],
                o["paid_at"].to_numpy()[known],
                o["serial"].to_numpy()[known] + (i + 1) * 10**17,
            )
        )
    return out


def simulate_brand(
    out_dir: Path,
    *,
    customers: int = 5000,
    days: int = 730,
    seed: int = 42,
    start_date: date = date(2024, 1, 1),
    bad_row_rate: float = 0.0,
    overwrite: bool = False,
    mode: str = "history",
) -> SimulationSummary:
    """Write the demo brand's source files and `_ground_truth/` under out_dir.

    Same arguments give byte-identical files. mode="history" writes every file that has arrived
    by the last day; mode="next_day" adds to a folder written with days-1 only the files that
    arrive on the last day, and rewrites `_ground_truth/` for the whole horizon. overwrite=True
    lets history mode replace the simulator's own folders.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if not 0.0 <= bad_row_rate <= 1.0:
        raise ValueError("bad_row_rate must be between 0 and 1")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    out_dir = Path(out_dir)
    next_day = mode == "next_day"
    period = Period(start_date, days)
    people = make_people(seed, customers, period)
    w = _world(seed, people, period)

    _prepare(out_dir, overwrite, next_day)
    out = Output(out_dir, period, seed, bad_row_rate, next_day)
    observed = {
        "tmall": tmall.write_orders(out, w["tmall"], people, period),
        "jd": jd.write_orders(out, w["jd"], people, period),
        "douyin": douyin.write_orders(out, w["douyin"], people, period),
        "mall": mall.write_orders(out, w["mall"], people, period),
    }
    tmall.write_members(out, w["tmall_members"], people, period)
    mall.write_members(out, w["mall_members"], people, period)
    pos.write_receipts(out, w["pos"], people, period, seed)
    observed["pos"] = pos.observed(w["pos"], seed, period)
    observed["live"] = live.write(out, w["viewers"], w["live"], people, period)
    wecom.write_events(out, w["contact_events"], people, period, seed)
    wecom.write_contacts(out, w["rel"], people, period, seed)
    groups.write_events(out, w["group_events"], people, period)
    groups.write_snapshots(out, w["groups"], w["members"], people, period)
    groups.write_stats(out, w["group_stats"], period)
    oa.write_events(out, w["oa_events"], people, period)
    oa.write_followers(out, w["followers"], people, period)
    responses = nps.write(out, w["nps"], people, period, seed)
    calls = outbound.write(out, w["calls"], people, period)
    referral.write(out, w["invites"], people, period, seed)
    sheet = spend.sheet(
        period,
        customers / 5000,
        _shipped(w, period),
        calls,
        w["invites"],
        _store_friends(w["rel"]),
        seed,
    )
    spend.write(out, sheet, period)

    files, bad = out.files_frame(), out.bad_frame()
    if next_day:
        files, bad = gt.merge_previous(out_dir, files, bad)
    identities, farm_keys = gt.identities(out, people)
    invites = w["invites"][w["invites"]["t"] < period.end]
    gt.write(
        out_dir,
        {
            "persons.csv": gt.persons(people, period, farm_keys),
            "identities.csv": identities,
            "junk_identifiers.csv": gt.junk_identifiers(),
            "acquisition_daily.csv": gt.acquisition_daily(
                period,
                w["observed_reach"],
                w["rel"].rename(columns={"added": "t"}),
                _live_reached(w["viewers"], period),
            ),
            "bad_rows.csv": gt.sorted_bad(bad),
            "files.csv": gt.sorted_files(files),
            "orders_daily.csv": gt.orders_daily(period, observed),
            "nps_monthly.csv": gt.nps_monthly(period, responses),
            "referral.csv": gt.referral_summary(invites),
            "outbound.csv": gt.outbound_summary(calls, w["reactivation"], period),
            "consent_latest.csv": gt.consent_latest(people, period, _consent_signals(w, calls)),
        },
    )
    per_table = files.groupby("raw_table")
    return SimulationSummary(
        persons=customers,
        first_day=period.start,
        last_day=period.last_day,
        mode=mode,
        files={k: int(v) for k, v in per_table.size().items()},
        rows={k: int(v) for k, v in per_table["rows"].sum().items()},
        written=out.written,
        bad_rows=len(bad),
    )


def _shipped(w: dict, period: Period) -> dict[str, np.ndarray]:
    return {
        p: w[p]["shipped_at"].to_numpy()[w[p]["shipped_at"].to_numpy() >= 0] // DAY
        for p in ("tmall", "jd", "douyin")
    }


def _store_friends(rel: pd.DataFrame) -> pd.DataFrame:
    store = rel[rel["state"].str.startswith("store_")]
    return pd.DataFrame(
        {"state": store["state"].to_numpy(), "day": store["added"].to_numpy() // DAY}
    )


def _consent_signals(w: dict, calls: pd.DataFrame) -> list[pd.DataFrame]:
    tm, mm = w["tmall_members"], w["mall_members"]
    f = w["followers"]
    unsub = f[f["unsubscribed"] >= 0]
    dnc = calls[calls["intent"].to_numpy() == outbound.DO_NOT_CALL]
    return [
        pd.DataFrame({"person": tm["person"], "t": tm["t"], "accepts": tm["accepts"]}),
        pd.DataFrame({"person": mm["person"], "t": mm["t"], "accepts": mm["consent"]}),
        pd.DataFrame({"person": unsub["person"], "t": unsub["unsubscribed"], "accepts": False}),
        pd.DataFrame({"person": dnc["person"], "t": dnc["t"], "accepts": False}),
    ]
