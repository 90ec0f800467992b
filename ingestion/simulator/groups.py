"""WeCom customer groups (社群): snapshots per group, change_external_chat events, daily stats.

Each guide opens a new group every few months and fills it with the friends added meanwhile;
a group is lively at first, falls silent after a few months and is dismissed later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .brand import CORP_ID
from .clock import DAY, HOUR, Period
from .corrupt import Defect, spoiler
from .output import Output, numbered
from .people import People
from .rand import below, categorical, exponential, hex_tokens, integers, uniform
from .text import cat, day_runs, group_bounds, ints, rank_in_group
from .wecom import ALL_GUIDES
from .writers import event_head, jn, js, jsonl_text, objects

JOIN = 0.50  # friends who join their guide's current group
JOIN_WITHIN_DAYS = 10
WAVE_DAYS = 90  # a guide opens a new group every wave
GROUP_CAP = 300  # a full group spills into a new one
LEAVE = 0.25
LEAVE_MEAN_DAYS = 60
DISMISS_AFTER_DAYS = 240
LIVELY_DAYS = 45  # then activity decays, and stops at the silent day
SILENT_AFTER_DAYS = (90, 150)
MSGS_PER_MEMBER = 0.4
SCENE_WEIGHTS = np.array([0.3, 0.3, 0.4])  # invited directly, by link, by QR code
GROUP_NAMES = ("福利群", "会员群", "新品尝鲜群", "茶友会")
EVENT_DEFECTS = (Defect("bad_time", "CreateTime"), Defect("missing_value", "ChatId"))
MEMBER_DEFECTS = (Defect("missing_value", "userid"), Defect("bad_time", "join_time"))
STATS_DEFECTS = (Defect("missing_value", "chat_id"),)


def memberships(seed: int, rel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(groups, members): who joined which group when, and when they left."""
    key = rel["key"].to_numpy()
    joins = below(seed, "group_join", JOIN, key)
    r = rel[joins]
    key = key[joins]
    t = (
        r["added"].to_numpy()
        + HOUR
        + (uniform(seed, "group_join_at", key) * JOIN_WITHIN_DAYS * DAY).astype(np.int64)
    )
    deleted = r["deleted"].to_numpy()
    ok = (deleted < 0) | (t < deleted)
    m = pd.DataFrame(
        {
            "person": r["person"].to_numpy()[ok],
            "guide": r["guide"].to_numpy()[ok],
            "t": t[ok],
            "key": key[ok],
        }
    )
    m["wave"] = m["t"] // (WAVE_DAYS * DAY)
    m = m.sort_values(["guide", "wave", "t", "person"], kind="stable").reset_index(drop=True)
    gw = m["guide"].to_numpy() * 10_000 + m["wave"].to_numpy() + 1000
    m["chunk"] = rank_in_group(gw) // GROUP_CAP
    gkey = gw * 1000 + m["chunk"].to_numpy()
    m["gkey"] = gkey
    starts, _ = group_bounds(gkey)
    gk = gkey[starts]
    first_join = m["t"].to_numpy()[starts]
    created = first_join - integers(seed, "group_created", HOUR, 24 * HOUR, gk)
    groups = (
        pd.DataFrame(
            {
                "gkey": gk,
                "guide": m["guide"].to_numpy()[starts],
                "created": created,
                "dismissed": created + DISMISS_AFTER_DAYS * DAY,
                "silent": created
                + integers(
                    seed, "group_silent", SILENT_AFTER_DAYS[0] * DAY, SILENT_AFTER_DAYS[1] * DAY, gk
                ),
                "chat_id": cat("wr", hex_tokens(seed, "chat_id", 30, gk)),
                "name": cat(
                    "青禾",
                    np.asarray(GROUP_NAMES)[integers(seed, "group_name", 0, len(GROUP_NAMES), gk)],
                    ints(m["chunk"].to_numpy()[starts] + 1),
                ),
            }
        )
        .sort_values(["created", "gkey"], kind="stable")
        .reset_index(drop=True)
    )
    # Leaving: by themselves or removed; a guide deleting the friend removes them too.
    leaves = below(seed, "group_leave", LEAVE, m["key"].to_numpy())
    left = (
        m["t"].to_numpy()
        + DAY
        + exponential(seed, "group_leave_at", LEAVE_MEAN_DAYS * DAY, m["key"].to_numpy()).astype(
            np.int64
        )
    )
    dismissed = groups.set_index("gkey").loc[gkey, "dismissed"].to_numpy()
    m["left"] = np.where(leaves & (left < dismissed), left, -1)
    m["quit_scene"] = np.where(below(seed, "group_removed", 0.2, m["key"].to_numpy()), 1, 0)
    m["join_scene"] = 1 + categorical(seed, "group_scene", SCENE_WEIGHTS, m["key"].to_numpy())
    m["dismissed"] = dismissed
    return groups, m


def events(groups: pd.DataFrame, m: pd.DataFrame) -> pd.DataFrame:
    g = groups.set_index("gkey")
    chat = g.loc[m["gkey"].to_numpy(), "chat_id"].to_numpy()
    create = pd.DataFrame(
        {
            "t": groups["created"],
            "chat_id": groups["chat_id"],
            "change": "create",
            "detail": "",
            "person": -1,
            "scene": 0,
        }
    )
    dismiss = pd.DataFrame(
        {
            "t": groups["dismissed"],
            "chat_id": groups["chat_id"],
            "change": "dismiss",
            "detail": "",
            "person": -1,
            "scene": 0,
        }
    )
    add = pd.DataFrame(
        {
            "t": m["t"],
            "chat_id": chat,
            "change": "update",
            "detail": "add_member",
            "person": m["person"],
            "scene": m["join_scene"],
        }
    )
    gone = m["left"].to_numpy() >= 0
    dele = pd.DataFrame(
        {
            "t": m["left"].to_numpy()[gone],
            "chat_id": chat[gone],
            "change": "update",
            "detail": "del_member",
            "person": m["person"].to_numpy()[gone],
            "scene": m["quit_scene"].to_numpy()[gone],
        }
    )
    ev = pd.concat([create, add, dele, dismiss], ignore_index=True)
    ev = ev[ev["t"] >= 0]
    return ev.sort_values(["t", "chat_id", "person"], kind="stable").reset_index(drop=True)


def write_events(out: Output, ev: pd.DataFrame, people: People, period: Period) -> None:
    ev = ev[ev["t"] < period.end]
    for s, e, d in day_runs(ev["t"].to_numpy() // DAY):
        p = ev["person"].to_numpy()[s:e]
        out.saw("wecom_external_userid", p[p >= 0], d)

        def build(kinds, s=s, e=e) -> bytes:
            bad = spoiler(kinds, EVENT_DEFECTS, json=True)
            x = ev.iloc[s:e]
            n = e - s
            p = x["person"].to_numpy()
            detail = x["detail"].to_numpy()
            member = people.external_userid[np.maximum(p, 0)]
            create_time = bad(jn(period.epoch(x["t"].to_numpy())), "CreateTime")
            fields = [
                *event_head(CORP_ID, "sys", create_time, "change_external_chat"),
                ("ChatId", bad(js(x["chat_id"].to_numpy()), "ChatId")),
                ("ChangeType", js(x["change"].to_numpy())),
                ("UpdateDetail", js(detail)),
                ("JoinScene", jn(x["scene"].to_numpy())),
                ("QuitScene", jn(x["scene"].to_numpy())),
                ("MemChangeCnt", jn(np.ones(n))),
                ("MemChangeList", cat("[", js(member), "]")),
            ]
            is_update = detail != ""
            present = {
                "UpdateDetail": is_update,
                "JoinScene": detail == "add_member",
                "QuitScene": detail == "del_member",
                "MemChangeCnt": is_update,
                "MemChangeList": is_update,
            }
            return jsonl_text(objects(fields, present)).encode("utf-8")

        path = f"wecom/group_events/{period.compact(d).item()}.jsonl"
        out.day_file("wecom__group_events", path, d, e - s, EVENT_DEFECTS, build)


def _alive(groups: pd.DataFrame, at: int) -> pd.DataFrame:
    return groups[(groups["created"].to_numpy() <= at) & (groups["dismissed"].to_numpy() > at)]


def write_snapshots(
    out: Output, groups: pd.DataFrame, m: pd.DataFrame, people: People, period: Period
) -> None:
    """One `groupchat/get` response per living group on each snapshot day."""
    mg, mt, ml = m["gkey"].to_numpy(), m["t"].to_numpy(), m["left"].to_numpy()
    for d in period.snapshot_days():
        d = int(d)
        at = d * DAY + DAY - 1
        alive = _alive(groups, at)
        if alive.empty:
            continue
        rank = pd.Series(np.arange(len(alive)), index=alive["gkey"].to_numpy())
        inside = (mt <= at) & ((ml < 0) | (ml > at)) & np.isin(mg, alive["gkey"].to_numpy())
        cur = m[inside]
        cur = cur.assign(rank=rank.loc[cur["gkey"].to_numpy()].to_numpy())
        cur = cur.sort_values(["rank", "t", "person"], kind="stable")
        sizes = np.bincount(cur["rank"].to_numpy(), minlength=len(alive))
        p_all = cur["person"].to_numpy()
        out.saw("wecom_external_userid", p_all, d)
        out.saw("unionid", p_all[people.unionid[p_all] != ""], d)
        owner = ALL_GUIDES[alive["guide"].to_numpy()]
        created = period.epoch(alive["created"].to_numpy())
        heads = [
            f'{{"errcode":0,"errmsg":"ok","group_chat":{{"chat_id":"{c}","name":"{nm}","owner":"{o}",'
            f'"create_time":{t},"notice":"","member_list":[{{"userid":"{o}","type":1,"join_time":{t},'
            f'"join_scene":1,"group_nickname":"","name":"{o}"}}'
            for c, nm, o, t in zip(
                alive["chat_id"], alive["name"], owner, created.tolist(), strict=True
            )
        ]

        def items(kinds, cur=cur, owner=owner) -> list[str]:
            bad = spoiler(kinds, MEMBER_DEFECTS, json=True)
            p = cur["person"].to_numpy()
            n = len(cur)
            unionid = people.unionid[p]
            scene = cur["join_scene"].to_numpy()
            fields = [
                ("userid", bad(js(people.external_userid[p]), "userid")),
                ("type", np.full(n, "2")),
                ("unionid", js(unionid)),
                ("join_time", bad(jn(period.epoch(cur["t"].to_numpy())), "join_time")),
                ("join_scene", jn(scene)),
                ("invitor", cat('{"userid":"', owner[cur["rank"].to_numpy()], '"}')),
                ("group_nickname", np.full(n, '""')),
                ("name", js(people.wechat_name[p])),
            ]
            return objects(fields, {"unionid": unionid != "", "invitor": scene != 3})

        def wrap(i, member_items, heads=heads) -> bytes:
            body = heads[i] + ("," + ",".join(member_items) if member_items else "")
            return (body + '],"admin_list":[]}}').encode("utf-8")

        stamp = period.compact(d).item()
        # The owner is row 1 of every file and never spoiled; customers' rows start at 2.
        out.pages(
            raw_table="wecom__group_members",
            paths=numbered(f"wecom/groups/{stamp}/groupchat", len(alive)),
            sizes=sizes.tolist(),
            day=d,
            defects=MEMBER_DEFECTS,
            build_items=items,
            wrap=wrap,
            leading_rows=1,
        )


def stats(seed: int, groups: pd.DataFrame, m: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per group and day alive: members (owner included), members who spoke, messages."""
    if groups.empty:
        return pd.DataFrame(
            columns=["day", "chat_id", "member_total", "member_has_msg", "msg_total"]
        )
    n_days = period.days
    index = pd.Series(np.arange(len(groups)), index=groups["gkey"].to_numpy())
    g = index.loc[m["gkey"].to_numpy()].to_numpy().astype(np.int64)
    delta = np.zeros((len(groups), n_days + 1), dtype=np.int64)
    join_day = np.clip(m["t"].to_numpy().astype(np.int64) // DAY, 0, n_days)
    np.add.at(delta, (g, join_day), 1)
    left = m["left"].to_numpy().astype(np.int64)
    gone = left >= 0
    np.add.at(delta, (g[gone], np.clip(left[gone] // DAY, 0, n_days)), -1)
    # A join before the first day counts from day 0 on.
    members = np.cumsum(delta, axis=1)[:, :n_days] + 1
    day = np.arange(n_days)
    created_day, dismissed_day = (
        groups["created"].to_numpy() // DAY,
        groups["dismissed"].to_numpy() // DAY,
    )
    alive = (created_day[:, None] <= day[None, :]) & (dismissed_day[:, None] > day[None, :])
    gi, di = np.nonzero(alive.T)[::-1]
    order = np.lexsort((gi, di))
    gi, di = gi[order], di[order]
    total = members[gi, di]
    age = di - created_day[gi]
    activity = np.where(age < LIVELY_DAYS, 1.0, np.exp(-(age - LIVELY_DAYS) / 20))
    silent_day = groups["silent"].to_numpy()[gi] // DAY
    activity = np.where(di >= silent_day, 0.0, activity)
    u = uniform(seed, "group_msgs", groups["gkey"].to_numpy()[gi], di)
    msgs = (total * MSGS_PER_MEMBER * activity * 2 * u).astype(np.int64)
    has = np.minimum(total, (msgs * 0.3).astype(np.int64) + (msgs > 0))
    return pd.DataFrame(
        {
            "day": di,
            "chat_id": groups["chat_id"].to_numpy()[gi],
            "member_total": total,
            "member_has_msg": has,
            "msg_total": msgs,
        }
    )


def write_stats(out: Output, st: pd.DataFrame, period: Period) -> None:
    for s, e, d in day_runs(st["day"].to_numpy()):

        def build(kinds, s=s, e=e, d=d) -> bytes:
            bad = spoiler(kinds, STATS_DEFECTS, json=True)
            x = st.iloc[s:e]
            items = objects(
                [
                    ("chat_id", bad(js(x["chat_id"].to_numpy()), "chat_id")),
                    ("member_total", jn(x["member_total"].to_numpy())),
                    ("member_has_msg", jn(x["member_has_msg"].to_numpy())),
                    ("msg_total", jn(x["msg_total"].to_numpy())),
                ]
            )
            body = (
                f'{{"errcode":0,"errmsg":"ok","stat_date":"{period.iso(d).item()}","items":['
                + ",".join(items)
                + "]}"
            )
            return body.encode("utf-8")

        path = f"wecom/group_stats/{period.compact(d).item()}.json"
        out.day_file("wecom__group_stats", path, d, e - s, STATS_DEFECTS, build)
