"""Live room orders: one UTF-8 (BOM) CSV per room per session, one row per order."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_bom_csv
from quality.schemas.live import live_order_rules

FIELDS = (
    Field("订单号", "order_no"),
    Field("直播间ID", "room_id"),
    Field("观众openid", "openid"),
    Field("unionid", "unionid"),
    Field("下单时间", "ordered_at", Kind.TIMESTAMP),
    Field("支付金额", "paid_amount", Kind.AMOUNT),
    Field("订单状态", "order_status"),
    Field("退款金额", "refund_amount", Kind.AMOUNT, required=False),
    Field("收货人手机", "has_mobile", Kind.PRESENCE, required=False),
)


LIVE_ORDERS = RawTableSpec(
    name="live__orders",
    source_dir="live/orders",
    file_glob="*/*.csv",
    fields=FIELDS,
    read_file=read_bom_csv,
    row_rules=live_order_rules,
)
