"""Douyin shop orders: saved `order.searchList` pages of the orders that changed each day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import orders as od
from . import phones as ph
from .brand import LIVE_HOSTS
from .clock import Period
from .corrupt import Defect, spoiler
from .output import Output, numbered, page_sizes
from .people import People
from .rand import categorical, integers
from .text import cat, day_runs, ints
from .writers import jn, js, objects

PLAN = od.OrderPlan("douyin", rate=0.030, close_unpaid_hours=(0.25, 1.0), serial_digits=13)
PAGE_SIZE = 100
DEFECTS = (
    Defect("bad_amount", "pay_amount"),
    Defect("bad_time", "create_time"),
    Defect("missing_value", "order_id"),
    Defect("unknown_status", "order_status"),
)
# Shared statuses → Douyin's codes (a refund in progress keeps the paid/shipped code).
STATUS_CODE = np.array([1, 2, 3, 5, 4, 0, 4])
STATUS_DESC = np.array(["", "待支付", "备货中", "已发货", "已取消", "已完成"])
TRAFFIC_WEIGHTS = np.array([0.50, 0.35, 0.15])  # 商品卡, 直播, 短视频
CREATORS = ("7311045521", "7311045522", "7311045523", "7311045524")


def make_orders(seed: int, people: People, period: Period) -> pd.DataFrame:
    orders = od.make_orders(seed, PLAN, people, period, people.douyin)
    serial = orders["serial"].to_numpy()
    orders["order_no"] = 3 * 10**18 + serial * 100 + serial % 97
    b_type = categorical(seed, "douyin_btype", TRAFFIC_WEIGHTS, serial)
    host = np.asarray(LIVE_HOSTS)[integers(seed, "douyin_host", 0, len(LIVE_HOSTS), serial)]
    creator = np.asarray(CREATORS)[integers(seed, "douyin_creator", 0, len(CREATORS), serial)]
    orders["b_type"] = b_type
    orders["author_id"] = np.where(b_type == 1, host, np.where(b_type == 2, creator, "0"))
    return orders


def _masked_name(name: np.ndarray) -> np.ndarray:
    return cat(np.strings.slice(name, 0, 1), "**")


def write_orders(out: Output, orders: pd.DataFrame, people: People, period: Period) -> pd.DataFrame:
    up = od.updates(orders, period.end - 1)
    province = np.strings.partition(people.address, " ")[0]
    city = np.strings.partition(np.strings.partition(people.address, " ")[2], " ")[0]
    for s, e, d in day_runs(up["day"].to_numpy()):
        stamp = period.compact(d).item()
        rows = up["order"].to_numpy()[s:e]
        updated = up["updated_at"].to_numpy()[s:e]
        out.saw("douyin_open_id", orders["person"].to_numpy()[rows], d)
        sizes = page_sizes(e - s, PAGE_SIZE)

        def items(kinds, rows=rows, updated=updated) -> list[str]:
            bad = spoiler(kinds, DEFECTS, json=True)
            o = orders.iloc[rows]
            person = o["person"].to_numpy()
            status = od.status_at(o, updated)
            status = np.where(status == od.REFUNDING, od.before_refund(o, updated), status)
            code = STATUS_CODE[status]
            paid_at = o["paid_at"].to_numpy()
            fen = o["total"].to_numpy()
            addr = cat(
                '{"province":{"name":',
                js(province[person]),
                '},"city":{"name":',
                js(city[person]),
                "}}",
            )
            fields = [
                ("order_id", bad(js(ints(o["order_no"].to_numpy())), "order_id")),
                ("open_id", js(people.douyin_open_id[person])),
                ("mask_post_tel", js(ph.masked(people.phone[person]))),
                ("mask_post_receiver", js(_masked_name(people.name[person]))),
                ("post_addr", addr),
                ("order_amount", jn(fen)),
                ("pay_amount", bad(jn(np.where(paid_at >= 0, fen, 0)), "pay_amount")),
                ("refund_amount", jn(np.where(status == od.REFUNDED_ST, fen, 0))),
                ("create_time", bad(jn(period.epoch(o["created"].to_numpy())), "create_time")),
                ("pay_time", jn(np.where(paid_at >= 0, period.epoch(paid_at), 0))),
                ("update_time", jn(period.epoch(updated))),
                ("order_status", bad(jn(code), "order_status")),
                ("order_status_desc", js(STATUS_DESC[code])),
                ("b_type", jn(o["b_type"].to_numpy())),
                ("author_id", o["author_id"].to_numpy()),
            ]
            return objects(fields)

        def wrap(page, page_items, total=e - s) -> bytes:
            body = '{"code":10000,"msg":"success","data":{"shop_order_list":[' + ",".join(
                page_items
            )
            return (body + f'],"page":{page},"size":{PAGE_SIZE},"total":{total}}}}}').encode(
                "utf-8"
            )

        out.pages(
            raw_table="douyin__orders",
            paths=numbered(f"douyin/orders/{stamp}/page", len(sizes)),
            sizes=sizes,
            day=d,
            defects=DEFECTS,
            build_items=items,
            wrap=wrap,
        )
    return od.latest(orders, up)
