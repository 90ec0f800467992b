"""`_ground_truth/`: what really happened, from the simulator's own person-level events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .brand import STORE_PHONES, STORES
from .clock import DAY, Period
from .corrupt import BAD_ROW_COLUMNS
from .output import FILE_COLUMNS, Output
from .people import People
from .text import cat, format_cents, ints

FOLDER = "_ground_truth"
# identifier_type → the People attribute holding its value.
IDENTIFIERS = {
    "phone": "phone",
    "tmall_buyer_nick": "nick",
    "jd_pin": "jd_pin",
    "douyin_open_id": "douyin_open_id",
    "mall_openid": "mall_openid",
    "oa_openid": "oa_openid",
    "unionid": "unionid",
    "wecom_external_userid": "external_userid",
    "pos_member_card": "card",
}


def _write(out_dir: Path, name: str, frame: pd.DataFrame) -> None:
    path = out_dir / FOLDER / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def junk_identifiers() -> pd.DataFrame:
    """Identifiers in the files that belong to no person: the stores' own phones at the till."""
    return pd.DataFrame(
        {
            "identifier_type": "phone",
            "identifier_value": list(STORE_PHONES),
            "reason": "store's own phone typed at the till for members who gave none",
        }
    )


def farm_person_ids(farm_key: np.ndarray) -> np.ndarray:
    """Fake accounts of invite farms are persons of their own: `F` + campaign + sequence."""
    return cat("F", ints(farm_key, 8))


def persons(people: People, period: Period, farm_keys: np.ndarray) -> pd.DataFrame:
    home = np.where(
        people.home_store >= 0, np.asarray(STORES)[np.maximum(people.home_store, 0)], ""
    )
    joined_day = people.joined // DAY
    joined = (np.datetime64(period.start, "D") + joined_day).astype("U10")
    real = pd.DataFrame(
        {
            "person_id": people.person_id,
            "acquisition_channel": people.acquisition,
            "home_store": home,
            "joined_on": joined,
        }
    )
    fake = pd.DataFrame(
        {
            "person_id": farm_person_ids(farm_keys),
            "acquisition_channel": "invite_farm",
            "home_store": "",
            "joined_on": "",
        }
    )
    return pd.concat([real, fake], ignore_index=True)


def identities(out: Output, people: People) -> tuple[pd.DataFrame, np.ndarray]:
    """Identifiers that appear in at least one arrived file, and the invite-farm keys."""
    frames = []
    for kind, persons_seen in sorted(out.ids.items()):
        p = np.unique(np.concatenate(persons_seen))
        values = getattr(people, IDENTIFIERS[kind])[p]
        values = ints(values) if kind == "phone" else values
        keep = values != ""
        frames.append(
            pd.DataFrame(
                {
                    "person_id": people.person_id[p][keep],
                    "identifier_type": kind,
                    "identifier_value": values[keep],
                }
            )
        )
    farm_keys = np.zeros(0, dtype=np.int64)
    if out.extra_ids:
        extra = pd.concat(out.extra_ids, ignore_index=True)
        farm = extra["person"].to_numpy() < 0
        farm_keys = np.unique(extra["farm_key"].to_numpy()[farm])
        owner = np.where(
            farm,
            farm_person_ids(extra["farm_key"].to_numpy()),
            people.person_id[np.maximum(extra["person"].to_numpy(), 0)],
        )
        for kind, col in (("unionid", "unionid"), ("mall_openid", "openid")):
            frames.append(
                pd.DataFrame(
                    {
                        "person_id": owner,
                        "identifier_type": kind,
                        "identifier_value": extra[col].to_numpy(),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["person_id", "identifier_type", "identifier_value"]), farm_keys
    frame = pd.concat(frames, ignore_index=True).drop_duplicates()
    frame = frame.sort_values(["person_id", "identifier_type", "identifier_value"], kind="stable")
    return frame.reset_index(drop=True), farm_keys


def acquisition_daily(
    period: Period, reached: pd.DataFrame, friends: pd.DataFrame, counted: pd.DataFrame
) -> pd.DataFrame:
    """Reached customers and new friends per channel code and Shanghai day.

    reached and friends: (state, t, person) rows; counted: reach already counted per
    (channel_code, day), for codes whose reached rows would be too many to keep.
    """
    keys = ["channel_code", "day"]

    def distinct(events: pd.DataFrame, name: str) -> pd.Series:
        e = pd.DataFrame(
            {
                "channel_code": events["state"].to_numpy(),
                "day": events["t"].to_numpy() // DAY,
                "person": events["person"].to_numpy(),
            }
        )
        e = e[(e["day"] >= 0) & (e["day"] < period.days)]
        return e.drop_duplicates().groupby(keys).size().rename(name)

    extra = counted[counted["day"] < period.days].set_index(keys)["reached_customers"]
    reach = pd.concat([distinct(reached, "reached_customers"), extra])
    joined = pd.concat([reach, distinct(friends, "new_friends")], axis=1)
    joined = joined.fillna(0).astype(np.int64).reset_index().sort_values(keys, kind="stable")
    joined["day"] = period.iso(joined["day"].to_numpy())
    return joined[["channel_code", "day", "reached_customers", "new_friends"]].reset_index(
        drop=True
    )


def orders_daily(period: Period, observed: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """source, creation day, orders, paid orders, paid and refunded amounts (final status)."""
    frames = []
    for source, o in observed.items():
        if o.empty:
            continue
        day = o["created"].to_numpy() // DAY
        g = (
            pd.DataFrame(
                {
                    "day": day,
                    # POS returns are receipts of their own: refunds, not orders.
                    "orders": o["is_order"].to_numpy().astype(np.int64) if "is_order" in o else 1,
                    "paid_orders": o["paid"].to_numpy().astype(np.int64),
                    "paid": o["paid_amount"].to_numpy(),
                    "refund": o["refund_amount"].to_numpy(),
                }
            )
            .groupby("day", as_index=False)
            .sum()
        )
        frames.append(
            pd.DataFrame(
                {
                    "source": source,
                    "day": period.iso(g["day"].to_numpy()),
                    "orders": g["orders"].to_numpy(),
                    "paid_orders": g["paid_orders"].to_numpy(),
                    "paid_amount": format_cents(g["paid"].to_numpy()),
                    "refund_amount": format_cents(g["refund"].to_numpy()),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=["source", "day", "orders", "paid_orders", "paid_amount", "refund_amount"]
        )
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["source", "day"], kind="stable")
        .reset_index(drop=True)
    )


def nps_monthly(period: Period, responses: pd.DataFrame) -> pd.DataFrame:
    month = np.strings.slice(period.iso(responses["t"].to_numpy() // DAY), 0, 7)
    score = responses["score"].to_numpy()
    g = pd.DataFrame(
        {
            "month": month,
            "responses": 1,
            "promoters": score >= 9,
            "passives": (score >= 7) & (score <= 8),
            "detractors": score <= 6,
        }
    )
    g = g.groupby("month", as_index=False).sum()
    return g.astype({c: np.int64 for c in ("responses", "promoters", "passives", "detractors")})


def referral_summary(invites: pd.DataFrame) -> pd.DataFrame:
    kind = invites["kind"].to_numpy()
    g = pd.DataFrame(
        {
            "campaign_id": invites["campaign"].to_numpy(),
            "invites": 1,
            "self_invites": kind == "self",
            "farm_invites": kind == "farm",
        }
    )
    g = g.groupby("campaign_id", as_index=False).sum()
    return g.astype({c: np.int64 for c in ("invites", "self_invites", "farm_invites")})


def outbound_summary(
    calls: pd.DataFrame, reactivation: pd.DataFrame | None, period: Period
) -> pd.DataFrame:
    g = pd.DataFrame(
        {
            "campaign_id": calls["campaign"].to_numpy(),
            "called": 1,
            "connected": calls["connected"].to_numpy().astype(np.int64),
        }
    )
    g = g.groupby("campaign_id", as_index=False).sum()
    back = pd.Series(0, index=g["campaign_id"], dtype=np.int64)
    r = reactivation[reactivation["created"] < period.end] if reactivation is not None else None
    if r is not None and len(r):
        cid = np.strings.replace(r["channel_code"].to_numpy().astype(str), "outbound_", "")
        n = (
            pd.DataFrame({"c": cid, "p": r["person"].to_numpy()})
            .drop_duplicates()
            .groupby("c")
            .size()
        )
        back = back.add(n, fill_value=0).astype(np.int64)
    g["reactivated"] = back.reindex(g["campaign_id"]).to_numpy()
    return g


def consent_latest(people: People, period: Period, signals: list[pd.DataFrame]) -> pd.DataFrame:
    """The latest consent signal of each person by the last day (person, t, accepts)."""
    s = pd.concat(signals, ignore_index=True)
    s = s[(s["t"] >= 0) & (s["t"] < period.end)]
    s = s.sort_values(["person", "t"], kind="stable").drop_duplicates("person", keep="last")
    return pd.DataFrame(
        {
            "person_id": people.person_id[s["person"].to_numpy().astype(np.int64)],
            "accepts_marketing": np.where(s["accepts"].to_numpy().astype(bool), "true", "false"),
        }
    )


def merge_previous(
    out_dir: Path, files: pd.DataFrame, bad: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Next-day mode: keep the rows of files an earlier run left that this horizon does not list
    (the earlier last-day snapshots)."""
    folder = out_dir / FOLDER
    old_files = pd.read_csv(folder / "files.csv", dtype=str, keep_default_na=False)
    old_bad = pd.read_csv(folder / "bad_rows.csv", dtype=str, keep_default_na=False)
    stale = ~old_files["path"].isin(files["path"])
    kept = old_files[stale].astype({"rows": np.int64, "bad_rows": np.int64})
    files = pd.concat([files, kept], ignore_index=True)
    old_bad = old_bad[old_bad["file"].isin(kept["path"])].astype({"row_number": np.int64})
    return files, pd.concat([bad, old_bad], ignore_index=True)


def write(out_dir: Path, tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        _write(out_dir, name, frame)


def sorted_files(files: pd.DataFrame) -> pd.DataFrame:
    return files[FILE_COLUMNS].sort_values("path", kind="stable").reset_index(drop=True)


def sorted_bad(bad: pd.DataFrame) -> pd.DataFrame:
    return (
        bad[BAD_ROW_COLUMNS]
        .sort_values(["file", "row_number"], kind="stable")
        .reset_index(drop=True)
    )
