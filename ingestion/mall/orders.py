"""Mall orders: saved pages of `GET /v1/orders`, one file per page, one raw row per item."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.mall.extract import PAGE_GLOB, PAGES_DIR, extractor
from ingestion.mall.pages import MALL_PAGES
from quality.schemas.mall import mall_order_rules

ENTITY = "orders"

# nullable fields are optional columns: an API may leave a null key out of every item on a page
FIELDS = (
    Field("order_no", "order_no"),
    Field("appid", "appid"),
    Field("openid", "openid"),
    Field("unionid", "unionid", required=False),
    Field("phone", "phone_hash", Kind.PHONE, required=False),
    Field("status", "status"),
    Field("total_amount", "total_amount", Kind.AMOUNT),
    Field("paid_amount", "paid_amount", Kind.AMOUNT),
    Field("refund_amount", "refund_amount", Kind.AMOUNT),
    Field("created_at", "created_at", Kind.TIMESTAMP),
    Field("paid_at", "paid_at", Kind.TIMESTAMP, required=False),
    Field("updated_at", "updated_at", Kind.TIMESTAMP),
    Field("channel_code", "channel_code", required=False),
    Field("item_count", "item_count", Kind.INTEGER, required=False),
)

MALL_ORDERS = RawTableSpec(
    name="mall__orders",
    source_dir=f"{PAGES_DIR}/{ENTITY}",
    file_glob=PAGE_GLOB,
    fields=FIELDS,
    pages=MALL_PAGES,
    row_rules=mall_order_rules,
    extract=extractor(ENTITY),
)
