"""WeCom guide relationships: add/delete callbacks and the periodic full contact list.

Customers add a guide through a channel code (`state`): the store till's 活码, the package
card (包裹卡) of each platform, a live room or a referral campaign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import phones as ph
from .brand import (
    CORP_ID,
    GUIDES_PER_STORE,
    ONLINE_GUIDES,
    PKGCARD_STATES,
    STORE_STATES,
    STORES,
    store_guide_userids,
)
from .clock import DAY, HOME_HOURS, Period
from .corrupt import Defect, spoiler
from .output import Output, numbered, page_sizes
from .people import People
from .pos import Receipts
from .rand import below, categorical, exponential, hex_tokens, integers, text_keys, uniform
from .text import cat, day_runs
from .writers import event_head, jn, js, jsonl_text, objects

ADD = "add_external_contact"
DEL_BY_GUIDE = "del_external_contact"
DEL_BY_CUSTOMER = "del_follow_user"

# Add-friend rates (加粉率) of customers reached through each code.
STORE_ADD_SERVED = 0.90  # members served by their own guide at their home store
STORE_ADD_MEMBER = 0.45
STORE_ADD_WALKIN = 0.20
PKGCARD_REACH = {"tmall": 0.45, "jd": 0.35, "douyin": 0.30}  # parcels whose card reaches the buyer
PKGCARD_ADD = 0.22
LIVE_ADD = 0.04
REFERRAL_ADD = 0.35
REMARK_STORE = 0.50  # guides note the phone for half the customers met in store
REMARK_ONLINE = 0.10
# Deletes: a slow trickle, and a wave after campaigns that over-market their new friends.
DEL_CUSTOMER_SHARE, DEL_CUSTOMER_MEAN_DAYS = 0.10, 200
DEL_GUIDE_SHARE, DEL_GUIDE_MEAN_DAYS = 0.02, 150
OVERMARKETED_DEL_SHARE, OVERMARKETED_MEAN_DAYS = 0.50, 10
PAGE_SIZE = 100
EVENT_DEFECTS = (
    Defect("bad_time", "CreateTime"),
    Defect("missing_value", "ExternalUserID"),
    Defect("unknown_status", "ChangeType"),
)
CONTACT_DEFECTS = (
    Defect("missing_value", "external_userid"),
    Defect("bad_time", "createtime"),
)
STORE_GUIDES = np.array([g for i in range(len(STORES)) for g in store_guide_userids(i)])
ALL_GUIDES = np.concatenate([STORE_GUIDES, np.asarray(ONLINE_GUIDES)])


def _home_time(seed: int, label: str, day: np.ndarray, key: np.ndarray) -> np.ndarray:
    hour = categorical(seed, f"{label}_h", HOME_HOURS, key)
    return day * DAY + hour * 3600 + integers(seed, f"{label}_s", 0, 3600, key)


def _online_guide(seed: int, person: np.ndarray, state: np.ndarray) -> np.ndarray:
    # Each code routes a customer to one online guide (the 活码 spreads friends over the pool).
    code = text_keys(state)
    return len(STORE_GUIDES) + integers(seed, "online_guide", 0, len(ONLINE_GUIDES), person, code)


def store_adds(seed: int, people: People, receipts: Receipts) -> pd.DataFrame:
    """The till 活码: offered at each sale until the customer adds a guide of that store."""
    sales = receipts.sales
    person, store = sales["person"].to_numpy(), sales["store"].to_numpy()
    guide, t, key = sales["guide"].to_numpy(), sales["t"].to_numpy(), sales["key"].to_numpy()
    home = store == people.home_store[person]
    own = home & (guide == people.store_guide[person])
    p = np.where(
        own & people.member[person],
        STORE_ADD_SERVED,
        np.where(people.member[person], STORE_ADD_MEMBER, STORE_ADD_WALKIN),
    )
    adds = below(seed, "store_add", p, key)
    guide = np.where(guide >= 0, guide, integers(seed, "floor_guide", 0, GUIDES_PER_STORE, key))
    return pd.DataFrame(
        {
            "person": person[adds],
            "guide": store[adds] * GUIDES_PER_STORE + guide[adds],
            "state": STORE_STATES[store[adds]],
            "added": t[adds] + integers(seed, "store_add_delay", 60, 1200, key[adds]),
            "remark_share": REMARK_STORE,
        }
    )


def pkgcard_reach(seed: int, platform: str, orders: pd.DataFrame) -> pd.DataFrame:
    """Paid orders whose package card reaches the buyer (Wangwang message and card)."""
    paid = orders[orders["paid_at"] >= 0]
    reach = below(seed, f"reach_{platform}", PKGCARD_REACH[platform], paid["serial"].to_numpy())
    r = paid[reach]
    return pd.DataFrame(
        {
            "state": PKGCARD_STATES[platform],
            "t": r["paid_at"].to_numpy(),
            "person": r["person"].to_numpy(),
            "key": r["serial"].to_numpy(),
        }
    )


def pkgcard_adds(seed: int, people: People, reached: pd.DataFrame) -> pd.DataFrame:
    key = reached["key"].to_numpy()
    adds = below(seed, "pkg_add", PKGCARD_ADD, key)
    r = reached[adds]
    key = key[adds]
    day = r["t"].to_numpy() // DAY + integers(seed, "pkg_delay", 2, 7, key)
    person = r["person"].to_numpy()
    return pd.DataFrame(
        {
            "person": person,
            "guide": _online_guide(seed, person, r["state"].to_numpy()),
            "state": r["state"].to_numpy(),
            "added": _home_time(seed, "pkg_t", day, key),
            "remark_share": REMARK_ONLINE,
        }
    )


def code_adds(seed: int, reached: pd.DataFrame, rate: float, label: str) -> pd.DataFrame:
    """Adds through a live room or referral code: reached rows are (state, t, person, key)."""
    return picked_adds(seed, reached[accepts(seed, reached["key"].to_numpy(), rate, label)], label)


def accepts(seed: int, key: np.ndarray, rate: float, label: str) -> np.ndarray:
    """Which reached customers add a guide through the code."""
    return below(seed, label, rate, key)


def picked_adds(seed: int, r: pd.DataFrame, label: str) -> pd.DataFrame:
    """The relationships of reached rows (state, t, person, key) that do add a guide."""
    person = r["person"].to_numpy()
    delay = integers(seed, f"{label}_delay", 300, 3 * 3600, r["key"].to_numpy())
    return pd.DataFrame(
        {
            "person": person,
            "guide": _online_guide(seed, person, r["state"].to_numpy()),
            "state": r["state"].to_numpy(),
            "added": r["t"].to_numpy() + delay,
            "remark_share": REMARK_ONLINE,
        }
    )


def relationships(
    seed: int, people: People, parts: list[pd.DataFrame], overmarketed: set[str]
) -> pd.DataFrame:
    """One row per (person, guide): the earliest add, its delete (or -1) and the remark."""
    rel = pd.concat(parts, ignore_index=True)
    # Empty parts carry object columns; keep the numbers numeric.
    rel = rel.astype(
        {"person": np.int64, "guide": np.int64, "added": np.int64, "remark_share": float}
    )
    rel = rel.sort_values(["added", "person", "guide"], kind="stable")
    rel = rel.drop_duplicates(["person", "guide"]).drop_duplicates(["person", "state"])
    rel = rel.reset_index(drop=True)
    person, guide = rel["person"].to_numpy(), rel["guide"].to_numpy()
    key = person * 64 + guide
    added = rel["added"].to_numpy()
    over = rel["state"].isin(overmarketed).to_numpy()
    u = uniform(seed, "del_kind", key)
    by_customer = u < np.where(over, OVERMARKETED_DEL_SHARE, DEL_CUSTOMER_SHARE)
    by_guide = ~by_customer & (u > 1 - DEL_GUIDE_SHARE)
    mean = np.where(
        over,
        OVERMARKETED_MEAN_DAYS,
        np.where(by_guide, DEL_GUIDE_MEAN_DAYS, DEL_CUSTOMER_MEAN_DAYS),
    )
    deleted = added + DAY + exponential(seed, "del_at", mean * DAY, key).astype(np.int64)
    rel["deleted"] = np.where(by_customer | by_guide, deleted, -1)
    rel["del_type"] = np.where(by_customer, DEL_BY_CUSTOMER, np.where(by_guide, DEL_BY_GUIDE, ""))
    has_remark = below(seed, "remark", rel["remark_share"].to_numpy(), key)
    fmt = categorical(seed, "remark_fmt", ph.REMARK_FORMAT_WEIGHTS, key)
    rel["remark"] = np.where(has_remark, ph.formatted(people.phone[person], fmt), "")
    rel["key"] = key
    return rel.drop(columns="remark_share")


def events(rel: pd.DataFrame) -> pd.DataFrame:
    adds = (
        rel[["added", "person", "guide", "state", "key"]]
        .rename(columns={"added": "t"})
        .assign(change=ADD)
    )
    gone = rel[rel["deleted"] >= 0]
    dels = pd.DataFrame(
        {
            "t": gone["deleted"],
            "person": gone["person"],
            "guide": gone["guide"],
            "state": "",
            "key": gone["key"],
            "change": gone["del_type"],
        }
    )
    ev = pd.concat([adds, dels], ignore_index=True)
    return ev.sort_values(["t", "person", "guide", "change"], kind="stable").reset_index(drop=True)


def write_events(out: Output, ev: pd.DataFrame, people: People, period: Period, seed: int) -> None:
    """One JSON-lines file per Shanghai day of CreateTime."""
    ev = ev[ev["t"] < period.end]
    for s, e, d in day_runs(ev["t"].to_numpy() // DAY):
        out.saw("wecom_external_userid", ev["person"].to_numpy()[s:e], d)

        def build(kinds, s=s, e=e) -> bytes:
            bad = spoiler(kinds, EVENT_DEFECTS, json=True)
            x = ev.iloc[s:e]
            change = x["change"].to_numpy()
            is_add = change == ADD
            create_time = bad(jn(period.epoch(x["t"].to_numpy())), "CreateTime")
            fields = [
                *event_head(CORP_ID, "sys", create_time, "change_external_contact"),
                ("ChangeType", bad(js(change), "ChangeType")),
                ("UserID", js(ALL_GUIDES[x["guide"].to_numpy()])),
                (
                    "ExternalUserID",
                    bad(js(people.external_userid[x["person"].to_numpy()]), "ExternalUserID"),
                ),
                ("State", js(x["state"].to_numpy())),
                ("WelcomeCode", js(hex_tokens(seed, "welcome", 32, x["key"].to_numpy()))),
            ]
            present = {"State": is_add, "WelcomeCode": is_add}
            return jsonl_text(objects(fields, present)).encode("utf-8")

        path = f"wecom/events/{period.compact(d).item()}.jsonl"
        out.day_file("wecom__contact_events", path, d, e - s, EVENT_DEFECTS, build)


def open_at(rel: pd.DataFrame, at: int) -> pd.DataFrame:
    """Relationships open at local second `at`, in contact-list order."""
    added, deleted = rel["added"].to_numpy(), rel["deleted"].to_numpy()
    live = rel[(added <= at) & ((deleted < 0) | (deleted > at))]
    return live.sort_values(["guide", "added", "person"], kind="stable")


def write_contacts(
    out: Output, rel: pd.DataFrame, people: People, period: Period, seed: int
) -> None:
    """The full contact list on each snapshot day, 100 relationships per page."""
    for d in period.snapshot_days():
        d = int(d)
        active = open_at(rel, d * DAY + DAY - 1)
        stamp = period.compact(d).item()
        sizes = page_sizes(len(active), PAGE_SIZE)
        n_pages = len(sizes)
        person = active["person"].to_numpy()
        out.saw("wecom_external_userid", person, d)
        out.saw("unionid", person[people.unionid[person] != ""], d)
        out.saw("phone", person[active["remark"].to_numpy() != ""], d)
        cursors = hex_tokens(
            seed, "cursor", 24, np.full(max(n_pages, 1), d), np.arange(max(n_pages, 1))
        )

        def items(kinds, active=active, person=person) -> list[str]:
            bad = spoiler(kinds, CONTACT_DEFECTS, json=True)
            guide = ALL_GUIDES[active["guide"].to_numpy()]
            unionid = people.unionid[person]
            n = len(person)
            contact = objects(
                [
                    ("external_userid", bad(js(people.external_userid[person]), "external_userid")),
                    ("name", js(people.wechat_name[person])),
                    ("type", np.full(n, "1")),
                    ("unionid", js(unionid)),
                ],
                {"unionid": unionid != ""},
            )
            remark = active["remark"].to_numpy()
            follow = objects(
                [
                    ("userid", js(guide)),
                    ("remark", np.full(n, '""')),
                    ("description", np.full(n, '""')),
                    ("createtime", bad(jn(period.epoch(active["added"].to_numpy())), "createtime")),
                    ("tag_id", np.full(n, "[]")),
                    ("remark_mobiles", np.where(remark != "", cat("[", js(remark), "]"), "[]")),
                    ("add_way", np.full(n, "1")),
                    ("oper_userid", js(guide)),
                    ("state", js(active["state"].to_numpy())),
                ]
            )
            return objects([("external_contact", contact), ("follow_info", follow)])

        def wrap(i, page_items, n_pages=n_pages, cursors=cursors) -> bytes:
            cursor = cursors[i] if i < n_pages - 1 else ""
            body = '{"errcode":0,"errmsg":"ok","external_contact_list":[' + ",".join(page_items)
            return (body + f'],"next_cursor":"{cursor}"}}').encode("utf-8")

        out.pages(
            raw_table="wecom__contacts",
            paths=numbered(f"wecom/contacts/{stamp}/page", n_pages),
            sizes=sizes,
            day=d,
            defects=CONTACT_DEFECTS,
            build_items=items,
            wrap=wrap,
        )
