"""Official account (公众号): follower snapshots and subscribe/unsubscribe/SCAN callbacks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .brand import OA_ORIGINAL_ID, PKGCARD_STATES, STORE_STATES
from .clock import DAY, HOME_HOURS, Period
from .corrupt import Defect, spoiler
from .output import Output, numbered, page_sizes
from .people import People
from .rand import below, categorical, exponential, integers
from .text import cat, day_runs
from .writers import event_head, jn, js, jsonl_text, objects

FOLLOW_WITHIN_DAYS = 60  # a follower subscribes within two months of first contact
UNSUBSCRIBE = 0.25
UNSUBSCRIBE_MEAN_DAYS = 180
SCAN = 0.60  # chance of each next scan of a parametric QR code (at a later visit or parcel)
MAX_SCANS = 4
PAGE_SIZE = 100
# Scenes of followers without a channel QR code.
OTHER_SCENES = np.array(
    ["ADD_SCENE_SEARCH", "ADD_SCENE_PROFILE_CARD", "ADD_SCENE_ACCOUNT_MIGRATION"]
)
OTHER_SCENE_WEIGHTS = np.array([0.5, 0.4, 0.1])
EVENT_DEFECTS = (
    Defect("bad_time", "CreateTime"),
    Defect("missing_value", "FromUserName"),
    Defect("unknown_status", "Event"),
)
FOLLOWER_DEFECTS = (Defect("missing_value", "openid"), Defect("bad_time", "subscribe_time"))


def followers(seed: int, people: People) -> pd.DataFrame:
    """One row per follower: subscribe time, scene, QR channel code, optional unsubscribe."""
    person = np.flatnonzero(people.oa)
    day = people.joined[person] // DAY + integers(seed, "oa_day", 0, FOLLOW_WITHIN_DAYS, person)
    hour = categorical(seed, "oa_hour", HOME_HOURS, person)
    subscribed = day * DAY + hour * 3600 + integers(seed, "oa_sec", 0, 3600, person)
    # Store customers scan the store's QR code; platform buyers the package card's.
    store = people.home_store[person]
    store_code = STORE_STATES[np.maximum(store, 0)]
    platform_code = np.where(
        people.tmall[person],
        PKGCARD_STATES["tmall"],
        np.where(
            people.jd[person],
            PKGCARD_STATES["jd"],
            np.where(people.douyin[person], PKGCARD_STATES["douyin"], ""),
        ),
    )
    qr = np.where(store >= 0, store_code, platform_code)
    qr = np.where(below(seed, "oa_qr", 0.7, person), qr, "")
    scene = np.where(
        qr != "",
        "ADD_SCENE_QR_CODE",
        OTHER_SCENES[categorical(seed, "oa_scene", OTHER_SCENE_WEIGHTS, person)],
    )
    leaves = below(seed, "oa_unsub", UNSUBSCRIBE, person)
    unsub = (
        subscribed
        + DAY
        + exponential(seed, "oa_unsub_at", UNSUBSCRIBE_MEAN_DAYS * DAY, person).astype(np.int64)
    )
    # Followers with a channel QR code scan it again now and then while they follow.
    scans = {}
    at = subscribed
    going = qr != ""
    for k in range(MAX_SCANS):
        at = at + DAY + exponential(seed, "oa_scan_at", 60 * DAY, person, k).astype(np.int64)
        going = going & below(seed, "oa_scan", SCAN, person, k) & (~leaves | (at < unsub))
        scans[f"scan{k}"] = np.where(going, at, -1)
    return (
        pd.DataFrame(
            {
                "person": person,
                "subscribed": subscribed,
                "scene": scene,
                "qr": qr,
                "unsubscribed": np.where(leaves, unsub, -1),
                **scans,
            }
        )
        .sort_values(["subscribed", "person"], kind="stable")
        .reset_index(drop=True)
    )


def events(f: pd.DataFrame) -> pd.DataFrame:
    sub = pd.DataFrame(
        {
            "t": f["subscribed"],
            "person": f["person"],
            "event": "subscribe",
            "key": np.where(f["qr"] != "", cat("qrscene_", f["qr"].to_numpy()), ""),
        }
    )
    gone = f[f["unsubscribed"] >= 0]
    unsub = pd.DataFrame(
        {"t": gone["unsubscribed"], "person": gone["person"], "event": "unsubscribe", "key": ""}
    )
    scans = []
    for k in range(MAX_SCANS):
        sc = f[f[f"scan{k}"] >= 0]
        scans.append(
            pd.DataFrame(
                {"t": sc[f"scan{k}"], "person": sc["person"], "event": "SCAN", "key": sc["qr"]}
            )
        )
    ev = pd.concat([sub, unsub, *scans], ignore_index=True)
    ev = ev[ev["t"] >= 0]
    return ev.sort_values(["t", "person", "event"], kind="stable").reset_index(drop=True)


def write_events(out: Output, ev: pd.DataFrame, people: People, period: Period) -> None:
    ev = ev[ev["t"] < period.end]
    for s, e, d in day_runs(ev["t"].to_numpy() // DAY):
        out.saw("oa_openid", ev["person"].to_numpy()[s:e], d)

        def build(kinds, s=s, e=e) -> bytes:
            bad = spoiler(kinds, EVENT_DEFECTS, json=True)
            x = ev.iloc[s:e]
            fields = event_head(
                OA_ORIGINAL_ID,
                bad(js(people.oa_openid[x["person"].to_numpy()]), "FromUserName"),
                bad(jn(period.epoch(x["t"].to_numpy())), "CreateTime"),
                bad(js(x["event"].to_numpy()), "Event"),
            )
            fields.append(("EventKey", js(x["key"].to_numpy())))
            return jsonl_text(objects(fields)).encode("utf-8")

        path = f"oa/events/{period.compact(d).item()}.jsonl"
        out.day_file("oa__events", path, d, e - s, EVENT_DEFECTS, build)


def write_followers(out: Output, f: pd.DataFrame, people: People, period: Period) -> None:
    """`user/info/batchget` pages of 100 followers on each snapshot day."""
    sub, unsub = f["subscribed"].to_numpy(), f["unsubscribed"].to_numpy()
    for d in period.snapshot_days():
        d = int(d)
        at = d * DAY + DAY - 1
        cur = f[(sub <= at) & ((unsub < 0) | (unsub > at))]
        stamp = period.compact(d).item()
        p_all = cur["person"].to_numpy()
        out.saw("oa_openid", p_all, d)
        out.saw("unionid", p_all[people.unionid[p_all] != ""], d)
        sizes = page_sizes(len(cur), PAGE_SIZE)

        def items(kinds, cur=cur) -> list[str]:
            bad = spoiler(kinds, FOLLOWER_DEFECTS, json=True)
            p = cur["person"].to_numpy()
            unionid = people.unionid[p]
            n = len(cur)
            fields = [
                ("subscribe", np.full(n, "1")),
                ("openid", bad(js(people.oa_openid[p]), "openid")),
                ("language", np.full(n, '"zh_CN"')),
                (
                    "subscribe_time",
                    bad(jn(period.epoch(cur["subscribed"].to_numpy())), "subscribe_time"),
                ),
                ("unionid", js(unionid)),
                ("remark", np.full(n, '""')),
                ("groupid", np.full(n, "0")),
                ("tagid_list", np.full(n, "[]")),
                ("subscribe_scene", js(cur["scene"].to_numpy())),
                ("qr_scene", np.full(n, "0")),
                ("qr_scene_str", js(cur["qr"].to_numpy())),
            ]
            return objects(fields, {"unionid": unionid != ""})

        def wrap(i, page_items) -> bytes:
            return ('{"user_info_list":[' + ",".join(page_items) + "]}").encode("utf-8")

        out.pages(
            raw_table="oa__followers",
            paths=numbered(f"oa/followers/{stamp}/user_info", len(sizes)),
            sizes=sizes,
            day=d,
            defects=FOLLOWER_DEFECTS,
            build_items=items,
            wrap=wrap,
        )
