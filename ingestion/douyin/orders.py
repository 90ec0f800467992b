"""Douyin shop orders: saved `order.searchList` response pages, one row per shop order."""

from ingestion.fields import Field, Kind
from ingestion.json_pages import JsonPages
from ingestion.landing import RawTableSpec
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
# an error page (code other than 10000) must block the load, not pass as a day without orders
ORDER_PAGES = JsonPages(
    records="$.data.shop_order_list",
    status="$.code",
    status_label="code",
    ok_status=SUCCESS_CODE,
    missing_status_is_ok=False,
)


DOUYIN_ORDERS = RawTableSpec(
    name="douyin__orders",
    source_dir="douyin/orders",
    file_glob="*/page_*.json",
    fields=FIELDS,
    pages=ORDER_PAGES,
    row_rules=douyin_order_rules,
)
