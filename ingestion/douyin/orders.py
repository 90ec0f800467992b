"""Douyin shop orders: saved `order.searchList` response pages, one row per shop order."""

from pathlib import Path

import pandas as pd

from ingestion.errors import UnreadableFileError
from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import as_text, read_json_page
from quality.schemas.douyin import douyin_order_rules

SUCCESS_CODE = "10000"

FIELDS = (
    Field("order_id", "order_id"),
    # already scoped to the shop's app and opaque, so it lands as the identifier itself
    Field("open_id", "douyin_open_id"),
    Field("mask_post_tel", "has_mobile", Kind.PRESENCE, required=False),
    Field("mask_post_receiver", "receiver_name", Kind.DROP, required=False),
    Field("post_addr.province.name", "ship_province", Kind.PROVINCE, required=False),
    Field("order_amount", "order_amount", Kind.AMOUNT_FEN),
    Field("pay_amount", "paid_amount", Kind.AMOUNT_FEN),
    Field("refund_amount", "refund_amount", Kind.AMOUNT_FEN, required=False),
    Field("create_time", "created_at_epoch", Kind.EPOCH),
    Field("pay_time", "paid_at_epoch", Kind.EPOCH),
    Field("order_status", "order_status", Kind.INTEGER),
    Field("order_status_desc", "order_status_desc", required=False),
    Field("b_type", "traffic_source", Kind.INTEGER, required=False),
    Field("author_id", "author_id", required=False),
)
_SOURCE_COLUMNS = [f.source for f in FIELDS]


def read_order_page(path: Path) -> pd.DataFrame:
    """One shop order per row; numbers stay the text the API sent, so ids never pass a float."""
    page = read_json_page(path, parse_int=str, parse_float=str)
    if str(page.get("code")) != SUCCESS_CODE:
        # an error page must block the load rather than pass as a day without orders
        raise UnreadableFileError(str(path), f"API error page, code {page.get('code')}")
    orders = (page.get("data") or {}).get("shop_order_list") or []
    if not orders:
        return pd.DataFrame()  # nothing to land
    frame = pd.json_normalize(orders)
    return as_text(frame[[c for c in _SOURCE_COLUMNS if c in frame.columns]])


DOUYIN_ORDERS = RawTableSpec(
    name="douyin__orders",
    source_dir="douyin/orders",
    file_glob="*/page_*.json",
    fields=FIELDS,
    read_file=read_order_page,
    row_rules=douyin_order_rules,
)
