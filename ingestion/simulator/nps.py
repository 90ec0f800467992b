"""NPS survey answers (问卷星-style exports): one GB18030 file per monthly survey and day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import phones as ph
from .clock import DAY, HOUR, Period
from .corrupt import Defect, spoiler
from .output import Output
from .people import People
from .rand import below, categorical, integers, uniform
from .text import cat, day_runs, ints, pick, rank_in_group
from .writers import csv_text

HEADER = (
    "序号",
    "提交答卷时间",
    "所用时间",
    "来源渠道",
    "手机号码",
    "unionid",
    "1、您有多大可能向朋友推荐我们？",
    "2、请说说您打分的原因",
)
DEFECTS = (
    Defect("bad_time", "提交答卷时间"),
    Defect("invalid_phone", "手机号码"),
    Defect("missing_value", "1、您有多大可能向朋友推荐我们？"),
)
TOUCHPOINTS = ("门店", "商城", "企业微信", "短信")
ANSWER_RATE = {"门店": 0.08, "商城": 0.06, "企业微信": 0.10, "短信": 0.03}
PHONE_TYPED = {"门店": 0.8, "商城": 0.5, "企业微信": 0.3, "短信": 0.9}
PHONE_IN_COMMENT = 0.06
RARE_CHARS = 0.04  # comments with characters only GB18030 can encode
# Score distribution: detractors 0–6, passives 7–8, promoters 9–10.
SCORE_WEIGHTS = np.array([2, 1, 1, 2, 2, 4, 6, 12, 18, 24, 28], dtype=float)
PROMOTER_COMMENTS = (
    "茶很香，包装也好看",
    "导购很专业，推荐给朋友了",
    "发货快，会回购",
    "味道稳定，一直在喝",
    "",
)
PASSIVE_COMMENTS = ("还可以，价格有点贵", "一般般吧", "物流慢了点", "")
DETRACTOR_COMMENTS = ("收到的罐子压坏了", "客服回复太慢", "味道和以前不一样了", "退款很麻烦")
PHONE_TEMPLATES = ("有问题请打我电话", "回访请联系", "我的手机号")
RARE = ("𠮷", "😊", "👍", "𡈼")


def responses(
    seed: int, people: People, triggers: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]
) -> pd.DataFrame:
    """Answers to the survey sent after a purchase or a new friendship.

    triggers: (touchpoint, person, time, unique event key) per kind of event.
    """
    frames = []
    for touchpoint, person, t, key in triggers:
        answers = below(seed, f"nps_{touchpoint}", ANSWER_RATE[touchpoint], key)
        p, k = person[answers], key[answers]
        submitted = t[answers] + HOUR + (uniform(seed, "nps_delay", k) * 72 * HOUR).astype(np.int64)
        submitted = submitted - submitted % DAY + np.clip(submitted % DAY, 8 * HOUR, 23 * HOUR)
        tp = TOUCHPOINTS.index(touchpoint)
        frames.append(
            pd.DataFrame(
                {"person": p, "t": submitted, "touchpoint": touchpoint, "tp": tp, "key": k}
            )
        )
    r = pd.concat(frames, ignore_index=True)
    r = r.sort_values(["t", "key"], kind="stable").reset_index(drop=True)
    k = r["key"].to_numpy()
    r["score"] = categorical(seed, "nps_score", SCORE_WEIGHTS, k)
    r["seconds"] = integers(seed, "nps_seconds", 25, 300, k)
    return r


def _comments(seed: int, r: pd.DataFrame, people: People) -> np.ndarray:
    k = r["key"].to_numpy()
    score = r["score"].to_numpy()
    u = uniform(seed, "nps_comment", k)
    text = np.where(
        score >= 9,
        pick(PROMOTER_COMMENTS, (u * len(PROMOTER_COMMENTS)).astype(np.int64)),
        np.where(
            score >= 7,
            pick(PASSIVE_COMMENTS, (u * len(PASSIVE_COMMENTS)).astype(np.int64)),
            pick(DETRACTOR_COMMENTS, (u * len(DETRACTOR_COMMENTS)).astype(np.int64)),
        ),
    )
    with_phone = below(seed, "nps_phone_comment", PHONE_IN_COMMENT, k)
    fmt = categorical(seed, "nps_phone_comment_fmt", [0.6, 0.2, 0.1, 0.0, 0.1], k)
    typed = ph.formatted(people.phone[r["person"].to_numpy()], fmt)
    template = pick(PHONE_TEMPLATES, integers(seed, "nps_phone_tpl", 0, len(PHONE_TEMPLATES), k))
    text = np.where(with_phone, cat(text, "，", template, typed), text)
    rare = below(seed, "nps_rare", RARE_CHARS, k)
    return np.where(
        rare, cat(text, pick(RARE, integers(seed, "nps_rare_char", 0, len(RARE), k))), text
    )


def phone_in_comment(seed: int, r: pd.DataFrame) -> np.ndarray:
    return below(seed, "nps_phone_comment", PHONE_IN_COMMENT, r["key"].to_numpy())


def typed_phone(seed: int, r: pd.DataFrame, people: People) -> np.ndarray:
    k = r["key"].to_numpy()
    share = np.array([PHONE_TYPED[t] for t in TOUCHPOINTS])[r["tp"].to_numpy()]
    has = below(seed, "nps_phone", share, k)
    fmt = categorical(seed, "nps_phone_fmt", ph.NPS_FORMAT_WEIGHTS, k)
    return np.where(has, ph.formatted(people.phone[r["person"].to_numpy()], fmt), "")


def survey_ids(period: Period, day: np.ndarray) -> np.ndarray:
    """Monthly survey ids: `NPS2511`."""
    return cat("NPS", np.strings.slice(period.compact(day), 2, 6))


def write(out: Output, r: pd.DataFrame, people: People, period: Period, seed: int) -> pd.DataFrame:
    """One file per survey and day; return the responses written (for nps_monthly)."""
    r = r[r["t"] < period.end].reset_index(drop=True)
    day = r["t"].to_numpy() // DAY
    survey = survey_ids(period, day)
    r["response_no"] = rank_in_group(survey) + 1 if len(r) else []
    phone = typed_phone(seed, r, people)
    in_wechat = np.isin(r["touchpoint"].to_numpy(), ("商城", "企业微信"))
    unionid = np.where(in_wechat, people.unionid[r["person"].to_numpy()], "")
    comment = _comments(seed, r, people)
    p_all = r["person"].to_numpy()
    for s, e, d in day_runs(day):
        sl = slice(s, e)
        out.saw("phone", p_all[sl][(phone[sl] != "") | phone_in_comment(seed, r.iloc[sl])], d)
        out.saw("unionid", p_all[sl][unionid[sl] != ""], d)

        def build(kinds, sl=sl) -> bytes:
            bad = spoiler(kinds, DEFECTS, json=False)
            x = r.iloc[sl]
            columns = [
                ints(x["response_no"].to_numpy()),
                bad(period.slash_timestamp(x["t"].to_numpy()), "提交答卷时间"),
                cat(ints(x["seconds"].to_numpy()), "秒"),
                x["touchpoint"].to_numpy(),
                bad(phone[sl], "手机号码"),
                unionid[sl],
                bad(ints(x["score"].to_numpy()), "1、您有多大可能向朋友推荐我们？"),
                comment[sl],
            ]
            return csv_text(HEADER, columns, "\r\n").encode("gb18030")

        path = f"surveys/nps_{survey[s]}_{period.compact(d).item()}.csv"
        out.day_file("survey__nps_responses", path, d, e - s, DEFECTS, build)
    return r
