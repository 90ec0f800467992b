"""The demo brand 青禾: its shop, stores, guides, products and channel codes."""

from __future__ import annotations

import numpy as np

BRAND = "青禾"
SHOP_NAME = f"{BRAND}官方旗舰店"

# One corp per brand, so external_userids are scoped to this id.
CORP_ID = "ww5f3a2b7c9d1e4f60"

STORES = ("SH001", "SH002", "HZ001", "BJ001")
# each store's own mobile, which cashiers sometimes type for a member who gives no phone
STORE_PHONES = ("13916000001", "13916000002", "13957100003", "13910100004")
# Share of store customers who call each store home (Shanghai has two shops).
STORE_WEIGHTS = np.array([0.30, 0.25, 0.25, 0.20])
GUIDES_PER_STORE = 3
ONLINE_GUIDES = tuple(f"online_guide{k}" for k in range(1, 4))


def store_state(store: str) -> str:
    """Channel code of the 活码 printed at a store's till."""
    return f"store_{store}"


# store_state of every store, by store index.
STORE_STATES = np.array([store_state(s) for s in STORES])


def store_guide_userids(store_idx: int) -> tuple[str, ...]:
    """WeCom userids of one store's guides, e.g. sh001_guide1."""
    return tuple(f"{STORES[store_idx].lower()}_guide{k}" for k in range(1, GUIDES_PER_STORE + 1))


def _ean13(body12: str) -> str:
    # Real till SKUs are EAN-13 barcodes, so carry a valid check digit.
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


# (title without brand, price in cents, popularity weight)
_CATALOGUE = (
    ("高山乌龙茶 250g 罐装", 12900, 8),
    ("桂花红茶 100g 罐装", 6900, 10),
    ("玄米煎茶 茶包 20袋", 3900, 12),
    ("冷萃冻干茶粉 12颗", 5900, 9),
    ("燕麦奶 1L*6瓶", 7900, 7),
    ("冻干柠檬片 120g", 2990, 11),
    ("每日坚果 750g 30包", 9900, 8),
    ("白桃乌龙 三角茶包 15袋", 3500, 10),
    ("手作陶瓷茶具 一壶四杯", 29900, 3),
    ("节日限定礼盒 茶+坚果", 19900, 4),
)

PRODUCT_TITLES = np.array([f"{BRAND} {title}" for title, _, _ in _CATALOGUE])
PRODUCT_PRICE_CENTS = np.array([price for _, price, _ in _CATALOGUE], dtype=np.int64)
PRODUCT_WEIGHTS = np.array([w for _, _, w in _CATALOGUE], dtype=float) / sum(
    w for _, _, w in _CATALOGUE
)
PRODUCT_SKUS = np.array([_ean13(f"6975123{i + 1:05d}") for i in range(len(_CATALOGUE))])

# The mini-program (mall, live room, fission pages) and the official account are two apps of
# one open-platform account: unionid is shared, openids differ per app.
MALL_APPID = "wx8c1d2e3f4a5b6c70"
OA_ORIGINAL_ID = "gh_3f9a2b7c1d4e"

PKGCARD_STATES = {"tmall": "pkgcard_tmall", "jd": "pkgcard_jd", "douyin": "pkgcard_douyin"}

# Live sessions: every evening but Monday's, and every evening of 618 and Double 11.
LIVE_WEEKDAYS = (1, 2, 3, 4, 5, 6)
LIVE_START_HOUR = 20
LIVE_HOSTS = ("7302118840", "7302118841", "7302118842")  # Douyin author ids of the brand's hosts

# Fixed campaign calendars (day offsets from the first day), so a campaign never moves when the
# horizon grows. Ids carry year and month only: a path's first 8-digit run must be its date.
REFERRAL_FIRST_DAY, REFERRAL_EVERY, REFERRAL_DAYS = 30, 120, 14
OUTBOUND_FIRST_DAY, OUTBOUND_EVERY, OUTBOUND_DAYS = 60, 90, 3


def festival_mask(month: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """Days of 618 (June 1–18) and Double 11 (November 1–11)."""
    return ((month == 6) & (dom <= 18)) | ((month == 11) & (dom <= 11))


def live_day_mask(month: np.ndarray, dom: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Days with a live session."""
    return np.isin(weekday, LIVE_WEEKDAYS) | festival_mask(month, dom)


def campaign_id(prefix: str, compact_day: str) -> str:
    """`RF2506` from a start day `20250611`: year and month only."""
    return f"{prefix}{compact_day[2:6]}"


def room_id(compact_day: str) -> str:
    """Live room id of a session day, e.g. `lr7f3a1c` (hex, never an 8-digit run)."""
    return f"lr{(int(compact_day) * 2654435761) % 16**6:06x}"
