"""Referral (裂变) campaigns: invite events from the fission tool, with fraud.

Real invitees are the persons acquired through referral. Fraud: self-invites (a person invites
their own second WeChat account from the same device) and invite farms (bursts of fake accounts
sharing a few devices that never buy). The tool rejects the reward of much of the fraud.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .brand import REFERRAL_DAYS, REFERRAL_EVERY, REFERRAL_FIRST_DAY, campaign_id
from .clock import DAY, HOUR, Period
from .corrupt import Defect, spoiler
from .output import Output
from .people import People
from .rand import below, hex_tokens, integers, stream
from .text import BASE64URL, cat, day_runs, random_tokens
from .writers import js, js_or_null, jsonl_text, objects

DEFECTS = (
    Defect("bad_time", "invited_at"),
    Defect("missing_value", "inviter_unionid"),
    Defect("unknown_status", "reward_status"),
)
REWARD_CENTS = 500
GRANTED = 0.80  # real invites rewarded (the rest still pending)
SELF_SHARE = 0.04  # self-invites per real invite
SELF_REJECTED = 0.70
FARM_PER_INVITES = 150  # one farm per this many real invites (at least one)
FARM_BURST = (15, 40)
FARM_REJECTED = 0.60
OVERMARKETED = 2  # every second campaign blasts its new friends and loses many of them
REWARD_STATUS = np.array(["granted", "pending", "rejected"])


def campaign_of(day: np.ndarray, period: Period) -> np.ndarray:
    """Id of the campaign running on each day (or the last one before it)."""
    k = np.maximum(0, (np.asarray(day, dtype=np.int64) - REFERRAL_FIRST_DAY) // REFERRAL_EVERY)
    ks = np.unique(k)
    first = (np.datetime64(period.start, "D") + REFERRAL_FIRST_DAY + ks * REFERRAL_EVERY).astype(
        "U10"
    )
    names = [campaign_id("RF", d.replace("-", "")) for d in first]
    return np.asarray(names, dtype="U6")[np.searchsorted(ks, k)] if len(ks) else np.zeros(0, "U6")


def campaigns(period: Period) -> list[tuple[int, int, str]]:
    """(k, first day, id) of campaigns starting within the horizon."""
    starts = range(REFERRAL_FIRST_DAY, period.days, REFERRAL_EVERY)
    return [(k, s, campaign_id("RF", period.compact(s).item())) for k, s in enumerate(starts)]


def overmarketed_codes(period: Period) -> set[str]:
    return {f"referral_{cid}" for k, _, cid in campaigns(period) if k % OVERMARKETED == 1}


def invites(seed: int, people: People, period: Period) -> pd.DataFrame:
    """Every invite event; fake and second accounts carry their own ids."""
    frames = []
    ids = np.arange(people.n)
    for k, start, cid in campaigns(period):
        begin, end = start * DAY, (start + REFERRAL_DAYS) * DAY
        pool = ids[people.mall & (people.unionid != "") & (people.joined < begin)]
        if len(pool) == 0:
            continue
        invitee = ids[
            (people.acquisition == "referral") & (people.joined >= begin) & (people.joined < end)
        ]
        inviter = pool[integers(seed, "ref_inviter", 0, len(pool), invitee)]
        real = pd.DataFrame(
            {
                "inviter": inviter,
                "invitee": invitee,
                "t": people.joined[invitee],
                "kind": "real",
                "unionid": people.unionid[invitee],
                "openid": people.mall_openid[invitee],
                "device": people.device_id[invitee],
                "status": np.where(below(seed, "ref_granted", GRANTED, invitee), 0, 1),
            }
        )
        rng = stream(seed, "referral_fraud", k)
        n_self = max(1, round(SELF_SHARE * len(invitee)))
        cheat = pool[rng.integers(0, len(pool), size=n_self)]
        fake = pd.DataFrame(
            {
                "inviter": cheat,
                "invitee": -1,
                "t": begin + (rng.random(n_self) * (end - begin)).astype(np.int64),
                "kind": "self",
                "unionid": cat("o", random_tokens(rng, n_self, 27, BASE64URL)),
                "openid": cat("o", random_tokens(rng, n_self, 27, BASE64URL)),
                "device": people.device_id[cheat],
                "status": np.where(rng.random(n_self) < SELF_REJECTED, 2, 0),
            }
        )
        farms = []
        for _ in range(1 + len(invitee) // FARM_PER_INVITES):
            boss = pool[rng.integers(0, len(pool))]
            size = int(rng.integers(*FARM_BURST))
            at = begin + int(rng.random() * (end - begin - 2 * HOUR))
            devices = random_tokens(rng, int(rng.integers(2, 4)), 32, "0123456789abcdef")
            farms.append(
                pd.DataFrame(
                    {
                        "inviter": boss,
                        "invitee": -1,
                        "t": at + np.sort(rng.integers(0, HOUR, size=size)),
                        "kind": "farm",
                        "unionid": cat("o", random_tokens(rng, size, 27, BASE64URL)),
                        "openid": cat("o", random_tokens(rng, size, 27, BASE64URL)),
                        "device": devices[rng.integers(0, len(devices), size=size)],
                        "status": np.where(rng.random(size) < FARM_REJECTED, 2, 0),
                    }
                )
            )
        c = pd.concat([real, fake, *farms], ignore_index=True)
        c["campaign"] = cid
        c["k"] = k
        c["seq"] = np.arange(len(c))
        frames.append(c)
    if not frames:
        return pd.DataFrame(
            columns=[
                "inviter",
                "invitee",
                "t",
                "kind",
                "unionid",
                "openid",
                "device",
                "status",
                "campaign",
                "k",
                "seq",
            ]
        )
    inv = pd.concat(frames, ignore_index=True)
    return inv.sort_values(["t", "k", "seq"], kind="stable").reset_index(drop=True)


def write(out: Output, inv: pd.DataFrame, people: People, period: Period, seed: int) -> None:
    inv = inv[inv["t"] < period.end].reset_index(drop=True)
    for s, e, d in day_runs(inv["t"].to_numpy() // DAY):
        x = inv.iloc[s:e]
        out.saw("unionid", x["inviter"].to_numpy(), d)
        real = x[x["kind"] == "real"]
        out.saw("unionid", real["invitee"].to_numpy()[real["unionid"].to_numpy() != ""], d)
        out.saw("mall_openid", real["invitee"].to_numpy(), d)
        fake = x[x["kind"] != "real"]
        out.saw_values(
            pd.DataFrame(
                {
                    "person": np.where(
                        fake["kind"].to_numpy() == "self", fake["inviter"].to_numpy(), -1
                    ),
                    "farm_key": fake["k"].to_numpy() * 100_000 + fake["seq"].to_numpy(),
                    "unionid": fake["unionid"].to_numpy(),
                    "openid": fake["openid"].to_numpy(),
                }
            ),
            d,
        )

        def build(kinds, x=x) -> bytes:
            bad = spoiler(kinds, DEFECTS, json=True)
            status = x["status"].to_numpy()
            fields = [
                (
                    "event_id",
                    js(
                        cat(
                            "inv_",
                            hex_tokens(
                                seed, "invite_id", 20, x["k"].to_numpy(), x["seq"].to_numpy()
                            ),
                        )
                    ),
                ),
                ("campaign_id", js(x["campaign"].to_numpy())),
                (
                    "inviter_unionid",
                    bad(js(people.unionid[x["inviter"].to_numpy()]), "inviter_unionid"),
                ),
                ("invitee_unionid", js_or_null(x["unionid"].to_numpy())),
                ("invitee_openid", js(x["openid"].to_numpy())),
                ("invited_at", bad(js(period.timestamp(x["t"].to_numpy())), "invited_at")),
                ("reward_status", bad(js(REWARD_STATUS[status]), "reward_status")),
                ("reward_amount", js(np.full(len(x), f"{REWARD_CENTS / 100:.2f}"))),
                ("device_id", js(x["device"].to_numpy())),
            ]
            return jsonl_text(objects(fields)).encode("utf-8")

        path = f"referral/invites_{period.compact(d).item()}.jsonl"
        out.day_file("referral__invites", path, d, e - s, DEFECTS, build)
