"""WeCom guide relationships: add/delete callbacks and the final full contact list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import phones as ph
from .brand import (
    CORP_ID,
    GUIDES_PER_STORE,
    ONLINE_GUIDES,
    PKGCARD_STATE,
    STORES,
    store_guide_userids,
    store_state,
)
from .clock import DAY, Period, time_of_day
from .people import People
from .pos import SALE, Receipts
from .text import group_bounds, random_tokens, run_starts
from .writers import write_json, write_jsonl

ADD = "add_external_contact"
DEL_BY_GUIDE = "del_external_contact"
DEL_BY_CUSTOMER = "del_follow_user"

STORE_ADD_MEMBER = 0.60  # members who scan the till 活码 at their first visit to a store
STORE_ADD_WALKIN = 0.20
PKGCARD_ADD = 0.20  # Tmall buyers who scan the package card (包裹卡) once
PKGCARD_DELAY_DAYS = (2, 6)  # the parcel arrives a few days after payment
REMARK_STORE = 0.50  # guides note the phone for half the customers met in store
REMARK_PKGCARD = 0.10
DEL_CUSTOMER_SHARE = 0.10
DEL_GUIDE_SHARE = 0.02
PAGE_SIZE = 100
# People scan a package card at home: evenings and lunch breaks.
HOME_HOURS = np.array(
    [1, 0.5, 0.2, 0.1, 0.1, 0.1, 0.3, 1, 2, 2.5, 3, 3, 4, 3, 2.5, 2.5, 2.5, 3, 3.5, 4, 5, 5.5, 5, 3]
)
_STORE_GUIDES = np.array([g for i in range(len(STORES)) for g in store_guide_userids(i)])


def make_relationships(
    rng: np.random.Generator,
    people: People,
    period: Period,
    orders: pd.DataFrame,
    receipts: Receipts,
) -> pd.DataFrame:
    """One row per (person, guide) relationship with its add, optional delete, and remark."""
    # Store channel: the first sales receipt of each person at each store.
    sales = receipts.receipts[receipts.receipts["kind"] == SALE]
    person, store = sales["person"].to_numpy(), sales["store"].to_numpy()
    t, guide = sales["t"].to_numpy(), sales["guide"].to_numpy()
    order = np.lexsort((t, store, person))
    person, store, t, guide = person[order], store[order], t[order], guide[order]
    first = run_starts(person, store)
    person, store, t, guide = person[first], store[first], t[first], guide[first]
    p_add = np.where(people.member[person], STORE_ADD_MEMBER, STORE_ADD_WALKIN)
    adds = rng.random(len(person)) < p_add
    # The guide who rang up the receipt shows the QR code; otherwise any guide on the floor.
    guide = np.where(guide >= 0, guide, rng.integers(0, GUIDES_PER_STORE, size=len(person)))
    add_delay = rng.integers(60, 1200, size=len(person))
    store_rel = pd.DataFrame(
        {
            "person": person[adds],
            "guide": _STORE_GUIDES[store[adds] * GUIDES_PER_STORE + guide[adds]],
            "state": np.array([store_state(s) for s in STORES])[store[adds]],
            "added": t[adds] + add_delay[adds],
            "remark_share": REMARK_STORE,
        }
    )

    # Package card: one random paid order per chosen buyer, scanned 2–6 days later.
    paid = orders[orders["paid_at"] >= 0]
    buyer, paid_at = paid["person"].to_numpy(), paid["paid_at"].to_numpy()
    order = np.lexsort((rng.random(len(buyer)), buyer))
    buyer, paid_at = buyer[order], paid_at[order]
    one = run_starts(buyer)
    buyer, paid_at = buyer[one], paid_at[one]
    scans = rng.random(len(buyer)) < PKGCARD_ADD
    lo, hi = PKGCARD_DELAY_DAYS
    scan_day = paid_at // DAY + rng.integers(lo, hi + 1, size=len(buyer))
    added = scan_day * DAY + time_of_day(rng, HOME_HOURS, len(buyer))
    online_guide = np.asarray(ONLINE_GUIDES)[rng.integers(0, len(ONLINE_GUIDES), size=len(buyer))]
    keep = scans & (added < period.end)
    card_rel = pd.DataFrame(
        {
            "person": buyer[keep],
            "guide": online_guide[keep],
            "state": PKGCARD_STATE,
            "added": added[keep],
            "remark_share": REMARK_PKGCARD,
        }
    )

    rel = pd.concat([store_rel, card_rel], ignore_index=True)
    n = len(rel)
    added = rel["added"].to_numpy()
    # Deletes come at least a day after the add and before the period ends.
    earliest = added + DAY
    room = period.end - earliest
    u = rng.random(n)
    deleted_at = earliest + (rng.random(n) * np.maximum(room, 0)).astype(np.int64)
    del_type = np.where(u < DEL_CUSTOMER_SHARE, DEL_BY_CUSTOMER, "")
    del_type = np.where(
        (u >= DEL_CUSTOMER_SHARE) & (u < DEL_CUSTOMER_SHARE + DEL_GUIDE_SHARE),
        DEL_BY_GUIDE,
        del_type,
    )
    del_type = np.where(room > 0, del_type, "")
    rel["deleted"] = np.where(del_type != "", deleted_at, -1)
    rel["del_type"] = del_type
    has_remark = rng.random(n) < rel["remark_share"].to_numpy()
    remark = ph.varied(rng, people.phone[rel["person"].to_numpy()], ph.REMARK_FORMAT_WEIGHTS)
    rel["remark"] = np.where(has_remark, remark, "")
    rel["welcome_code"] = random_tokens(rng, n, 32)
    return rel.drop(columns="remark_share")


def _events(rel: pd.DataFrame) -> pd.DataFrame:
    adds = pd.DataFrame(
        {
            "t": rel["added"],
            "change": ADD,
            "guide": rel["guide"],
            "person": rel["person"],
            "state": rel["state"],
            "welcome_code": rel["welcome_code"],
        }
    )
    gone = rel[rel["deleted"] >= 0]
    dels = pd.DataFrame(
        {
            "t": gone["deleted"],
            "change": gone["del_type"],
            "guide": gone["guide"],
            "person": gone["person"],
            "state": "",
            "welcome_code": "",
        }
    )
    events = pd.concat([adds, dels], ignore_index=True)
    return events.sort_values(["t", "person", "guide", "change"], kind="stable").reset_index(
        drop=True
    )


def write_events(
    out_dir: Path, rel: pd.DataFrame, people: People, period: Period
) -> tuple[int, int]:
    """One JSON-lines file per Shanghai day of CreateTime; return (files, events)."""
    events = _events(rel)
    t = events["t"].to_numpy()
    day = t // DAY
    epoch = period.epoch(t).tolist()
    ext = people.external_userid[events["person"].to_numpy()].tolist()
    change, guide = events["change"].tolist(), events["guide"].tolist()
    state, code = events["state"].tolist(), events["welcome_code"].tolist()
    names = period.compact(day)
    starts, ends = group_bounds(day)
    for start, end in zip(starts, ends, strict=True):
        objects = []
        for i in range(start, end):
            obj = {
                "ToUserName": CORP_ID,
                "FromUserName": "sys",
                "CreateTime": epoch[i],
                "MsgType": "event",
                "Event": "change_external_contact",
                "ChangeType": change[i],
                "UserID": guide[i],
                "ExternalUserID": ext[i],
            }
            if change[i] == ADD:
                obj["State"] = state[i]
                obj["WelcomeCode"] = code[i]
            objects.append(obj)
        write_jsonl(out_dir / "wecom" / "events" / f"{names[start]}.jsonl", objects)
    return len(starts), len(events)


def write_contacts(
    rng: np.random.Generator, out_dir: Path, rel: pd.DataFrame, people: People, period: Period
) -> tuple[int, int]:
    """The full contact list on the last day, 100 relationships per page; return (pages, rows)."""
    active = rel[rel["deleted"] < 0].sort_values(["guide", "added", "person"], kind="stable")
    person = active["person"].to_numpy()
    ext = people.external_userid[person].tolist()
    name = people.wechat_name[person].tolist()
    unionid = people.unionid[person].tolist()
    guide, state, remark = (
        active["guide"].tolist(),
        active["state"].tolist(),
        active["remark"].tolist(),
    )
    createtime = period.epoch(active["added"].to_numpy()).tolist()
    n_pages = max(1, -(-len(person) // PAGE_SIZE))
    # The cursor is opaque to the reader; any token will do as long as the last page has none.
    cursors = random_tokens(rng, n_pages, 24).tolist()
    folder = out_dir / "wecom" / "contacts" / period.last_day.strftime("%Y%m%d")
    for page in range(n_pages):
        items = []
        for i in range(page * PAGE_SIZE, min(len(person), (page + 1) * PAGE_SIZE)):
            contact: dict[str, object] = {"external_userid": ext[i], "name": name[i], "type": 1}
            if unionid[i]:
                contact["unionid"] = unionid[i]
            follow = {
                "userid": guide[i],
                "remark": "",
                "description": "",
                "createtime": createtime[i],
                "tag_id": [],
                "remark_mobiles": [remark[i]] if remark[i] else [],
                "add_way": 1,
                "oper_userid": guide[i],
                "state": state[i],
            }
            items.append({"external_contact": contact, "follow_info": follow})
        body = {
            "errcode": 0,
            "errmsg": "ok",
            "external_contact_list": items,
            "next_cursor": cursors[page] if page < n_pages - 1 else "",
        }
        write_json(folder / f"page_{page + 1:04d}.json", body)
    return n_pages, len(person)
