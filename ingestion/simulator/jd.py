"""JD orders: the merchant back-office export, one GBK file per day (Mondays re-export a week)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import orders as od
from . import phones as ph
from .brand import PRODUCT_PRICE_CENTS, PRODUCT_TITLES
from .clock import DAY, Period
from .corrupt import Defect, spoiler
from .output import Output
from .people import People
from .rand import below, integers
from .text import day_runs, ints, yuan
from .tmall import observations
from .writers import csv_text

# JD closes an unpaid order within half an hour, so an export never shows one open.
PLAN = od.OrderPlan("jd", rate=0.030, close_unpaid_hours=(0.1, 0.5), serial_digits=9)
HEADER = (
    "订单号",
    "下单帐号",
    "订单金额",
    "应付金额",
    "下单时间",
    "付款确认时间",
    "订单状态",
    "退款金额",
    "客户姓名",
    "客户地址",
    "联系电话",
    "商品名称",
    "商品数量",
)
DEFECTS = (
    Defect("bad_amount", "应付金额"),
    Defect("bad_time", "下单时间"),
    Defect("missing_value", "下单帐号"),
    Defect("unknown_status", "订单状态"),
)
# CREATED never shows (closed within the day); a refund in progress locks the order.
STATUS_TEXT = np.array(["已取消", "等待出库", "等待确认收货", "完成", "已取消", "锁定", "已取消"])
REEXPORT_DAYS = 7
YUAN = "￥"  # GBK has no half-width yen sign
COUPONS_CENTS = np.array([0, 500, 1000, 2000])
BULK_SHARE = 0.03
GIFT_BOX = int(np.flatnonzero(np.char.find(PRODUCT_TITLES, "礼盒") >= 0)[0])


def make_orders(seed: int, people: People, period: Period) -> pd.DataFrame:
    orders = od.make_orders(seed, PLAN, people, period, people.jd)
    orders["order_no"] = orders["serial"].to_numpy()
    # Companies buy gift boxes by the ten on JD (invoices): the orders above ￥1,000.
    bulk = below(seed, "jd_bulk", BULK_SHARE, orders["order_no"].to_numpy())
    orders.loc[bulk, "product"] = GIFT_BOX
    orders.loc[bulk, "quantity"] = 10
    goods = PRODUCT_PRICE_CENTS[orders["product"].to_numpy()] * orders["quantity"].to_numpy()
    orders["goods"] = goods
    orders["total"] = goods + orders["postage"].to_numpy() * (goods < od.FREE_SHIPPING_CENTS)
    coupon = COUPONS_CENTS[
        integers(seed, "jd_coupon", 0, len(COUPONS_CENTS), orders["order_no"].to_numpy())
    ]
    # A coupon applies only above twice its value.
    total = orders["total"].to_numpy()
    orders["payable"] = total - np.where(total >= 2 * coupon, coupon, 0)
    return orders


def write_orders(out: Output, orders: pd.DataFrame, people: People, period: Period) -> pd.DataFrame:
    created_day = orders["created"].to_numpy() // DAY
    daily = {d: (s, e) for s, e, d in day_runs(created_day)}
    seen = []
    for day in range(period.days):
        first = day - REEXPORT_DAYS if period.weekday(day) == 0 else day
        covered = [daily[d] for d in range(max(0, first), day + 1) if d in daily]
        if not covered:
            continue
        rows = np.arange(covered[0][0], covered[-1][1])
        at = day * DAY + DAY - 1
        seen.append(pd.DataFrame({"row": rows, "at": at}))
        o = orders.iloc[rows]
        out.saw("jd_pin", o["person"].to_numpy(), day)

        def build(kinds, o=o, at=at) -> bytes:
            bad = spoiler(kinds, DEFECTS, json=False)
            person = o["person"].to_numpy()
            status = od.status_at(o, at)
            paid_at = o["paid_at"].to_numpy()
            payable = o["payable"].to_numpy()
            columns = [
                ints(o["order_no"].to_numpy()),
                bad(people.jd_pin[person], "下单帐号"),
                yuan(o["total"].to_numpy(), YUAN),
                bad(yuan(payable, YUAN), "应付金额"),
                bad(period.timestamp(o["created"].to_numpy()), "下单时间"),
                np.where(paid_at >= 0, period.timestamp(np.maximum(paid_at, 0)), ""),
                bad(STATUS_TEXT[status], "订单状态"),
                yuan(np.where(status == od.REFUNDED_ST, payable, 0), YUAN),
                people.name[person],
                people.address[person],
                ph.masked(people.phone[person]),
                PRODUCT_TITLES[o["product"].to_numpy()],
                ints(o["quantity"].to_numpy()),
            ]
            return csv_text(HEADER, columns, "\r\n").encode("gbk")

        path = f"jd/orders/JdOrders_{period.compact(day).item()}.csv"
        out.day_file("jd__orders", path, day, len(rows), DEFECTS, build)
    return observations(orders.assign(total=orders["payable"]), seen)
