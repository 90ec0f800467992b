"""Tmall orders and the seller-center order report (订单报表) files, one export per day."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import corrupt
from . import phones as ph
from .brand import PRODUCT_PRICE_CENTS, PRODUCT_TITLES, PRODUCT_WEIGHTS, SHOP_NAME
from .clock import DAY, Period, time_of_day
from .people import People
from .text import choice, draw_unique, format_cents, group_bounds, ints, rank_in_group
from .writers import write_csv

HEADER = (
    "订单编号",
    "买家会员名",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实际支付金额",
    "订单状态",
    "收货人姓名",
    "收货地址",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "宝贝标题",
    "宝贝总数量",
    "店铺名称",
    "订单关闭原因",
    "退款金额",
)
PAID_AMOUNT_COLUMN = "买家实际支付金额"

SUCCESS, UNPAID_CLOSED, REFUNDED, SHIPPED = 0, 1, 2, 3
STATUS_WEIGHTS = np.array([0.85, 0.05, 0.04, 0.06])
STATUS_TEXT = np.array(["交易成功", "交易关闭", "交易关闭", "卖家已发货，等待买家确认"])
CLOSE_REASON = np.array(["订单未关闭", "买家未付款", "退款", "订单未关闭"])

REPEAT_PER_DAY = 0.01  # Poisson mean of repeat orders per buyer per simulated day
PROMO_BUMPS = {"06-18": 5.0, "11-11": 8.0}  # 618 and Double 11 sales days
MIDNIGHT_RUSH = 0.30  # share of Double 11 orders placed in its first hour
# Online shopping peaks in the evening and dips before dawn.
HOUR_WEIGHTS = np.array(
    [
        3,
        1.5,
        0.8,
        0.4,
        0.3,
        0.3,
        0.5,
        1,
        2,
        3.5,
        4.5,
        5,
        5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        5,
        6,
        7.5,
        7.5,
        6,
    ]
)
FREE_SHIPPING_CENTS = 4900
POSTAGE_CENTS = 600
MEAN_PAY_DELAY_S = 180


def make_orders(rng: np.random.Generator, people: People, period: Period) -> pd.DataFrame:
    """Every Tmall order of the period, sorted by creation time then order number."""
    buyers = np.flatnonzero(people.buys_tmall)
    n_orders = 1 + rng.poisson(REPEAT_PER_DAY * period.days, size=len(buyers))
    person = np.repeat(buyers, n_orders)
    n = len(person)

    day = rng.choice(period.days, size=n, p=period.day_weights(PROMO_BUMPS))
    second = time_of_day(rng, HOUR_WEIGHTS, n)
    is_double11 = np.strings.endswith(period.iso(day), "-11-11")
    rush = is_double11 & (rng.random(n) < MIDNIGHT_RUSH)
    second = np.where(rush, rng.integers(0, 3600, size=n), second)
    created = day * DAY + second

    status = choice(rng, STATUS_WEIGHTS, n)
    product = choice(rng, PRODUCT_WEIGHTS, n)
    quantity = choice(rng, np.array([0.75, 0.18, 0.07]), n) + 1
    goods = PRODUCT_PRICE_CENTS[product] * quantity
    postage = np.where(goods >= FREE_SHIPPING_CENTS, 0, POSTAGE_CENTS)
    total = goods + postage
    paid = status != UNPAID_CLOSED
    # Payment lands before the 23:59:59 export, so a paid order is never shown unpaid.
    delay = np.minimum(
        5 + rng.exponential(MEAN_PAY_DELAY_S, size=n).astype(np.int64), DAY - 1 - second
    )
    order_no = draw_unique(lambda k: rng.integers(10**18, 4 * 10**18, size=k), n)

    orders = pd.DataFrame(
        {
            "order_no": order_no,
            "person": person,
            "created": created,
            "paid_at": np.where(paid, created + delay, -1),
            "status": status,
            "product": product,
            "quantity": quantity,
            "goods": goods,
            "postage": postage,
            "total": total,
            "paid_amount": np.where(paid, total, 0),
            "refund": np.where(status == REFUNDED, total, 0),
        }
    )
    order = np.lexsort((orders["order_no"].to_numpy(), orders["created"].to_numpy()))
    return orders.iloc[order].reset_index(drop=True)


def file_name(period: Period, day: np.ndarray) -> np.ndarray:
    """`tmall/ExportOrderList<yyyymmdd>235959.csv`: the export runs at the end of each day."""
    return np.strings.add(
        np.strings.add("tmall/ExportOrderList", period.compact(day)), "235959.csv"
    )


def write_orders(
    out_dir: Path,
    orders: pd.DataFrame,
    people: People,
    period: Period,
    defects: np.ndarray,
) -> tuple[int, pd.DataFrame]:
    """Write one GBK file per creation day; return the file count and the bad-row records."""
    day = orders["created"].to_numpy() // DAY
    files = file_name(period, day)
    starts, ends = group_bounds(day)
    o = {c: orders[c].to_numpy() for c in orders.columns}
    for start, end in zip(starts, ends, strict=True):
        s = slice(start, end)
        person = o["person"][s]
        paid_at = o["paid_at"][s]
        columns = [
            ints(o["order_no"][s]),
            people.nick[person],
            format_cents(o["goods"][s]),
            format_cents(o["postage"][s]),
            format_cents(o["total"][s]),
            corrupt.apply(format_cents(o["paid_amount"][s]), defects[s]),
            STATUS_TEXT[o["status"][s]],
            people.name[person],
            people.address[person],
            ph.masked(people.phone[person]),
            period.timestamp(o["created"][s]),
            np.where(paid_at >= 0, period.timestamp(np.maximum(paid_at, 0)), ""),
            PRODUCT_TITLES[o["product"][s]],
            ints(o["quantity"][s]),
            np.full(end - start, SHOP_NAME),
            CLOSE_REASON[o["status"][s]],
            format_cents(o["refund"][s]),
        ]
        write_csv(out_dir / files[start], HEADER, columns, encoding="gbk", newline="\r\n")
    bad = corrupt.records("tmall", files, rank_in_group(day) + 1, PAID_AMOUNT_COLUMN, defects)
    return len(starts), bad
