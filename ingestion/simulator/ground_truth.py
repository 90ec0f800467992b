"""`_ground_truth/`: what really happened, from the simulator's own person-level events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .brand import PKGCARD_STATE, STORES, store_state
from .clock import DAY, Period
from .corrupt import BAD_ROW_COLUMNS
from .people import People
from .pos import SALE, Receipts
from .text import ints

FOLDER = "_ground_truth"


def _write(out_dir: Path, name: str, frame: pd.DataFrame) -> None:
    path = out_dir / FOLDER / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def persons(people: People) -> pd.DataFrame:
    home = np.where(
        people.home_store >= 0, np.asarray(STORES)[np.maximum(people.home_store, 0)], ""
    )
    return pd.DataFrame(
        {
            "person_id": people.person_id,
            "acquisition_channel": people.acquisition,
            "home_store": home,
        }
    )


def identities(
    people: People, orders: pd.DataFrame, receipts: Receipts, rel: pd.DataFrame
) -> pd.DataFrame:
    """Identifiers each person has that show up in at least one written file."""
    rec = receipts.receipts
    active = rel[rel["deleted"] < 0]
    with_phone = np.union1d(
        rec.loc[rec["phone"] != "", "person"].to_numpy(),
        active.loc[active["remark"] != "", "person"].to_numpy(),
    )
    carded = np.unique(rec.loc[rec["card"] != "", "person"].to_numpy())
    buyers = np.unique(orders["person"].to_numpy())
    added = np.unique(rel["person"].to_numpy())
    listed = np.unique(active["person"].to_numpy())
    listed_with_unionid = listed[people.unionid[listed] != ""]
    parts = [
        ("phone", with_phone, ints(people.phone[with_phone])),
        ("tmall_buyer_nick", buyers, people.nick[buyers]),
        ("pos_member_card", carded, people.card[carded]),
        ("wecom_external_userid", added, people.external_userid[added]),
        ("unionid", listed_with_unionid, people.unionid[listed_with_unionid]),
    ]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "person_id": people.person_id[idx],
                    "identifier_type": kind,
                    "identifier_value": values,
                }
            )
            for kind, idx, values in parts
        ],
        ignore_index=True,
    )
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def acquisition_daily(
    period: Period, orders: pd.DataFrame, receipts: Receipts, rel: pd.DataFrame
) -> pd.DataFrame:
    """Reached customers and new friends per channel code and Shanghai day."""
    sales = receipts.receipts[receipts.receipts["kind"] == SALE]
    store_states = np.array([store_state(s) for s in STORES])
    reached_store = pd.DataFrame(
        {
            "channel_code": store_states[sales["store"].to_numpy()],
            "day": sales["day"].to_numpy(),
            "person": sales["person"].to_numpy(),
        }
    )
    paid = orders[orders["paid_at"] >= 0]
    reached_tmall = pd.DataFrame(
        {
            "channel_code": PKGCARD_STATE,
            "day": paid["paid_at"].to_numpy() // DAY,
            "person": paid["person"].to_numpy(),
        }
    )
    friends = pd.DataFrame(
        {
            "channel_code": rel["state"].to_numpy(),
            "day": rel["added"].to_numpy() // DAY,
            "person": rel["person"].to_numpy(),
        }
    )
    keys = ["channel_code", "day"]

    def distinct(events: pd.DataFrame, name: str) -> pd.Series:
        return events.drop_duplicates().groupby(keys).size().rename(name)

    reached = distinct(pd.concat([reached_store, reached_tmall], ignore_index=True), "reached")
    joined = pd.concat([reached, distinct(friends, "new_friends")], axis=1).fillna(0)
    joined = joined.astype(np.int64).rename(columns={"reached": "reached_customers"})
    joined = joined.reset_index().sort_values(keys, kind="stable")
    joined["day"] = period.iso(joined["day"].to_numpy())
    return joined[["channel_code", "day", "reached_customers", "new_friends"]].reset_index(
        drop=True
    )


def write(
    out_dir: Path,
    people: People,
    period: Period,
    orders: pd.DataFrame,
    receipts: Receipts,
    rel: pd.DataFrame,
    bad_rows: pd.DataFrame,
) -> None:
    _write(out_dir, "persons.csv", persons(people))
    _write(out_dir, "identities.csv", identities(people, orders, receipts, rel))
    _write(out_dir, "acquisition_daily.csv", acquisition_daily(period, orders, receipts, rel))
    bad = bad_rows[BAD_ROW_COLUMNS].sort_values(["source", "file", "row_number"], kind="stable")
    _write(out_dir, "bad_rows.csv", bad)
