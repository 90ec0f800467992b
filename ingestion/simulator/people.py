"""Persons of the demo brand and every identifier each one carries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import phones as ph
from .brand import (
    GUIDES_PER_STORE,
    LIVE_START_HOUR,
    REFERRAL_DAYS,
    REFERRAL_EVERY,
    REFERRAL_FIRST_DAY,
    STORE_WEIGHTS,
    live_day_mask,
)
from .clock import DAY, HOUR, Period
from .rand import below, integers, stream
from .text import ALNUM, BASE64URL, cat, choice, draw_unique, ints, pick, random_tokens

# How persons first came to the brand.
CHANNELS = ("tmall", "jd", "douyin", "store", "mall", "live", "referral")
CHANNEL_WEIGHTS = np.array([0.34, 0.12, 0.14, 0.18, 0.10, 0.06, 0.06])
# Share of a channel's persons among those acquired elsewhere (cross-channel buyers).
CROSS_SHARES = {"tmall": 0.12, "jd": 0.05, "douyin": 0.06, "store": 0.08, "mall": 0.20}
LIVE_SHARE = 0.30  # persons who watch the brand's live sessions
OA_SHARE = 0.25  # persons who follow the official account at some point
PRE_START_SHARE = 0.30  # customers the brand already had before the first day
PRE_START_YEARS = 3
JOIN_MEAN_DAYS = 450  # newcomers keep arriving, fewer as the years go by
ACTIVE_MEAN_DAYS = 420  # how long a customer keeps buying before going dormant
MEMBER_SHARE = 0.70  # store customers holding a member card
# a trap for OneID: carriers reassign a number left unused; a later member gets it
RECYCLED_PHONE_SHARE = 0.005
RECYCLE_QUIET_DAYS = 365  # the old holder's last activity at least this long before the new one
NAMESAKE_SHARE = 0.20  # in a big brand many customers share a full name; none may link
MALL_PHONE_SHARE = 0.70  # mall users who authorise their phone
TMALL_MEMBER_SHARE = 0.40  # Tmall buyers who join the brand membership (会员通)
UNIONID_SHARE = 0.70  # persons whose WeChat is bound to the brand's open-platform account

# Most common surnames, weighted roughly by population share.
_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
)
_SURNAME_WEIGHTS = np.array(
    [7.1, 7.0, 6.8, 5.4, 4.5, 3.1, 2.2, 2.1, 2.0, 1.9] + [1.2] * 10 + [0.7] * (len(_SURNAMES) - 20)
)
_GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲丹宇浩凯晨欣怡婷雪琳颖倩佳嘉子梓涵轩雨萱"
    "思博文俊宁悦瑶琪晓慧鑫睿可馨诗一妍彤泽辰铭昊"
)
_NICK_HEAD = ("小", "阿", "大")
_NICK_MIDDLE = (
    "爱购物",
    "爱喝茶",
    "的小店",
    "想变美",
    "不熬夜",
    "要发光",
    "爱吃瓜",
    "的日常",
    "买买买",
    "种草机",
    "在路上",
    "慢生活",
)
_WECHAT_NICKS = (
    "Lily",
    "Amy",
    "Coco",
    "Momo",
    "Vivian",
    "Lucky",
    "小太阳",
    "阳光明媚",
    "岁月静好",
    "静待花开",
    "一路向北",
    "微笑向暖",
    "安然",
    "向日葵",
    "听风",
    "清风徐来",
    "木子",
    "知足常乐",
    "🌸花开半夏",
    "🍵茶茶",
    "A. 王小姐",
    "橙子🍊",
)
# (province, city, districts): the first token of an address is its province.
_PLACES = (
    ("浙江省", "杭州市", ("西湖区", "拱墅区", "上城区", "滨江区", "余杭区")),
    ("浙江省", "宁波市", ("鄞州区", "海曙区", "江北区")),
    ("上海市", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区", "黄浦区")),
    ("北京市", "北京市", ("朝阳区", "海淀区", "东城区", "丰台区")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "建邺区")),
    ("江苏省", "苏州市", ("姑苏区", "工业园区", "吴中区")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "番禺区")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区")),
    ("四川省", "成都市", ("武侯区", "锦江区", "高新区")),
    ("湖北省", "武汉市", ("洪山区", "江汉区", "武昌区")),
    ("山东省", "青岛市", ("市南区", "崂山区", "黄岛区")),
    ("福建省", "厦门市", ("思明区", "湖里区")),
    ("湖南省", "长沙市", ("岳麓区", "天心区", "开福区")),
    ("陕西省", "西安市", ("雁塔区", "碑林区")),
    ("重庆市", "重庆市", ("渝中区", "江北区", "南岸区")),
    ("天津市", "天津市", ("和平区", "南开区")),
    ("安徽省", "合肥市", ("蜀山区", "包河区")),
    ("广西壮族自治区", "南宁市", ("青秀区", "西乡塘区")),
)
_PLACE_WEIGHTS = np.array([8, 3, 10, 8, 5, 4, 7, 7, 5, 4, 3, 2, 3, 3, 3, 2, 2, 1], dtype=float)
_STREETS = (
    "文三路",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "文化路",
    "长江路",
    "新华路",
    "学院路",
    "朝阳路",
    "滨江大道",
)


@dataclass(frozen=True)
class People:
    """One row per person; arrays are aligned on the person index."""

    person_id: np.ndarray
    acquisition: np.ndarray  # one of CHANNELS
    joined: np.ndarray  # local seconds of the first contact (negative: before the first day)
    active_until: np.ndarray  # local seconds after which the person stops buying by themselves
    last_before_start: np.ndarray  # last purchase before the first day, -inf-like when none
    propensity: np.ndarray  # multiplies every purchase rate
    tmall: np.ndarray
    jd: np.ndarray
    douyin: np.ndarray
    store: np.ndarray
    mall: np.ndarray
    live: np.ndarray
    oa: np.ndarray
    home_store: np.ndarray  # store index, -1 when the person never visits a store
    store_guide: np.ndarray  # the home store guide (0..GUIDES_PER_STORE-1) who serves them
    member: np.ndarray
    card: np.ndarray  # "" for non-members
    mall_phone: np.ndarray  # authorised the phone in the mall
    tmall_member: np.ndarray  # joins the Tmall brand membership at the first Tmall order
    phone: np.ndarray  # int64, 11 digits
    name: np.ndarray
    wechat_name: np.ndarray
    address: np.ndarray
    nick: np.ndarray  # Tmall buyer nick
    jd_pin: np.ndarray
    douyin_open_id: np.ndarray
    mall_openid: np.ndarray
    oa_openid: np.ndarray
    unionid: np.ndarray  # "" when the open-platform binding is missing
    external_userid: np.ndarray
    device_id: np.ndarray

    @property
    def n(self) -> int:
        return len(self.person_id)

    @property
    def known_phone(self) -> np.ndarray:
        """The brand holds the full phone: store member, mall authorisation or Tmall membership."""
        return self.member | (self.mall & self.mall_phone) | (self.tmall & self.tmall_member)


NO_PURCHASE = np.iinfo(np.int64).min // 2


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = pick(_SURNAMES, choice(rng, _SURNAME_WEIGHTS, n))
    first = pick(_GIVEN, rng.integers(0, len(_GIVEN), size=n))
    second = pick(_GIVEN, rng.integers(0, len(_GIVEN), size=n))
    return cat(surname, first, np.where(rng.random(n) < 0.7, second, ""))


def _nicks(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique nicks: half `tb` + 9–10 digits, half `小王爱购物88` style."""

    def draw(k: int) -> np.ndarray:
        tb_len = rng.integers(9, 11, size=k)
        tb = cat("tb", ints(rng.integers(10 ** (tb_len - 1), 10**tb_len)))
        digits_len = rng.integers(2, 5, size=k)
        chinese = cat(
            pick(_NICK_HEAD, rng.integers(0, len(_NICK_HEAD), size=k)),
            pick(_SURNAMES, rng.integers(0, len(_SURNAMES), size=k)),
            pick(_NICK_MIDDLE, rng.integers(0, len(_NICK_MIDDLE), size=k)),
            ints(rng.integers(10 ** (digits_len - 1), 10**digits_len)),
        )
        return np.where(rng.random(k) < 0.5, tb, chinese).astype("U16")

    return draw_unique(draw, n)


def _addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    place = choice(rng, _PLACE_WEIGHTS, n)
    province = pick([p for p, _, _ in _PLACES], place)
    city = pick([c for _, c, _ in _PLACES], place)
    district_pos = rng.integers(0, 1000, size=n)
    n_districts = np.array([len(d) for _, _, d in _PLACES])[place]
    flat = [d for _, _, ds in _PLACES for d in ds]
    offset = np.cumsum([0] + [len(d) for _, _, d in _PLACES])[place]
    district = pick(flat, offset + district_pos % n_districts)
    street = pick(_STREETS, rng.integers(0, len(_STREETS), size=n))
    number = ints(rng.integers(1, 800, size=n))
    room = cat(
        " ", ints(rng.integers(1, 30, size=n)), "幢", ints(rng.integers(101, 2800, size=n)), "室"
    )
    return cat(
        province,
        " ",
        city,
        " ",
        district,
        " ",
        street,
        number,
        "号",
        np.where(rng.random(n) < 0.6, room, ""),
    )


def _join_times(
    rng: np.random.Generator, period: Period, acq: np.ndarray, pre: np.ndarray
) -> np.ndarray:
    """First contact: older customers before the first day, newcomers after it."""
    n = len(acq)
    back = (rng.random(n) * PRE_START_YEARS * 365 * DAY).astype(np.int64)
    ahead = (rng.exponential(JOIN_MEAN_DAYS, size=n) * DAY).astype(np.int64)
    joined = np.where(pre, -1 - back, ahead)
    # Referral newcomers join during a campaign's two weeks; live newcomers in a session.
    day = joined // DAY
    k = np.maximum(0, (day - REFERRAL_FIRST_DAY) // REFERRAL_EVERY)
    in_campaign = (REFERRAL_FIRST_DAY + k * REFERRAL_EVERY) * DAY + (
        rng.random(n) * REFERRAL_DAYS * DAY
    ).astype(np.int64)
    joined = np.where(acq == "referral", in_campaign, joined)
    days = np.arange(0, int(day.max(initial=0)) + 8)
    live = days[live_day_mask(*period.fields(days))]
    nxt = live[np.minimum(np.searchsorted(live, np.maximum(day, 0)), len(live) - 1)]
    in_session = nxt * DAY + LIVE_START_HOUR * HOUR + rng.integers(0, 90 * 60, size=n)
    joined = np.where((acq == "live") & ~pre, in_session, joined)
    return joined


def _namesakes(seed: int, names: np.ndarray) -> np.ndarray:
    """Common names repeat (张伟 is hundreds of thousands of people): some share another's."""
    index = np.arange(len(names))
    copies = below(seed, "namesake", NAMESAKE_SHARE, index)
    named_after = integers(seed, "namesake_of", 0, len(names), index)
    return np.where(copies, names[named_after], names)


def _recycle_phones(seed, phone, member, joined, active_until) -> np.ndarray:
    """A few late-joining members get the number of a member who went quiet long before."""
    new_holders = np.flatnonzero(member & below(seed, "recycled_phone", RECYCLED_PHONE_SHARE,
                                                np.arange(len(phone))))  # fmt: skip
    is_new_holder = np.zeros(len(phone), dtype=bool)
    is_new_holder[new_holders] = True
    new_holders = new_holders[np.argsort(-joined[new_holders], kind="stable")]
    # old holders who joined within the horizon, so their use of the number is in the files
    old_holders = np.flatnonzero(member & (joined >= 0) & ~is_new_holder)
    old_holders = old_holders[np.argsort(active_until[old_holders], kind="stable")]
    pairs = min(len(new_holders), len(old_holders))
    new_holders, old_holders = new_holders[:pairs], old_holders[:pairs]
    quiet = active_until[old_holders] + RECYCLE_QUIET_DAYS * DAY < joined[new_holders]
    recycled = phone.copy()
    recycled[new_holders[quiet]] = phone[old_holders[quiet]]
    return recycled


def make_people(seed: int, n: int, period: Period) -> People:
    """Draw n persons: channels, stores, memberships, timeline and all identifiers."""
    rng = stream(seed, "people")
    width = max(7, len(str(n)))
    person_id = cat("P", ints(np.arange(1, n + 1), width))
    acq = pick(CHANNELS, choice(rng, CHANNEL_WEIGHTS, n))
    pre = rng.random(n) < PRE_START_SHARE
    # Live and referral need a session or a campaign, which older customers did not have.
    acq = np.where(pre & np.isin(acq, ("live", "referral")), "mall", acq)
    joined = _join_times(rng, period, acq, pre)
    active_until = joined + (rng.exponential(ACTIVE_MEAN_DAYS, size=n) * DAY).astype(np.int64)
    gap = (rng.exponential(30, size=n) * DAY).astype(np.int64)
    last_before = np.where(pre, np.maximum(joined, np.minimum(active_until, 0) - gap), NO_PURCHASE)
    propensity = rng.gamma(2.0, 0.5, size=n)

    flags = {c: (acq == c) | (rng.random(n) < CROSS_SHARES[c]) for c in CROSS_SHARES}
    mall = flags["mall"] | np.isin(acq, ("live", "referral"))
    live = (acq == "live") | (rng.random(n) < LIVE_SHARE)
    store = flags["store"]
    home_store = np.where(store, choice(rng, STORE_WEIGHTS, n), -1)
    member = store & (rng.random(n) < MEMBER_SHARE)
    card = np.full(n, "", dtype="U11")
    card_numbers = draw_unique(lambda k: rng.integers(10**9, 10**10, size=k), int(member.sum()))
    card[member] = cat("M", ints(card_numbers, 10))

    has_unionid = rng.random(n) < UNIONID_SHARE
    unionid = cat("o", draw_unique(lambda k: random_tokens(rng, k, 27, BASE64URL), n))
    external_userid = cat("wm", draw_unique(lambda k: random_tokens(rng, k, 30), n))
    mall_openid = cat("o", draw_unique(lambda k: random_tokens(rng, k, 27, BASE64URL), n))
    oa_openid = cat("o", draw_unique(lambda k: random_tokens(rng, k, 27, BASE64URL), n))
    jd_pin = cat("jd_", draw_unique(lambda k: random_tokens(rng, k, 12, ALNUM[26:]), n))
    douyin_open_id = cat("_000", draw_unique(lambda k: random_tokens(rng, k, 32), n))
    device_id = random_tokens(rng, n, 32, "0123456789abcdef")
    phone = _recycle_phones(seed, ph.unique_phones(rng, n), member, joined, active_until)
    names = _namesakes(seed, _names(rng, n))
    nickname = pick(_WECHAT_NICKS, rng.integers(0, len(_WECHAT_NICKS), size=n))
    wechat_name = np.where(rng.random(n) < 0.45, names, nickname)
    return People(
        person_id=person_id,
        acquisition=acq,
        joined=joined,
        active_until=active_until,
        last_before_start=last_before,
        propensity=propensity,
        tmall=flags["tmall"],
        jd=flags["jd"],
        douyin=flags["douyin"],
        store=store,
        mall=mall,
        live=live,
        oa=rng.random(n) < OA_SHARE,
        home_store=home_store,
        store_guide=rng.integers(0, GUIDES_PER_STORE, size=n),
        member=member,
        card=card,
        mall_phone=rng.random(n) < MALL_PHONE_SHARE,
        tmall_member=rng.random(n) < TMALL_MEMBER_SHARE,
        phone=phone,
        name=names,
        wechat_name=wechat_name,
        address=_addresses(rng, n),
        nick=_nicks(rng, n),
        jd_pin=jd_pin,
        douyin_open_id=douyin_open_id,
        mall_openid=mall_openid,
        oa_openid=oa_openid,
        unionid=np.where(has_unionid, unionid, ""),
        external_userid=external_userid,
        device_id=device_id,
    )
