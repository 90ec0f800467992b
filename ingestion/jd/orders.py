"""JD order export (订单导出): GBK CSV with Chinese headers, one row per order, one file a day."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_gbk_csv
from quality.schemas.jd import jd_order_rules

FIELDS = (
    Field("订单号", "order_no"),
    Field("下单帐号", "jd_pin_hash", Kind.KEYED_ID),
    Field("订单金额", "order_amount", Kind.AMOUNT),
    Field("应付金额", "payable_amount", Kind.AMOUNT),
    Field("下单时间", "ordered_at", Kind.TIMESTAMP),
    Field("付款确认时间", "paid_at", Kind.TIMESTAMP),
    Field("订单状态", "order_status"),
    Field("退款金额", "refund_amount", Kind.AMOUNT, required=False),
    Field("客户姓名", "customer_name", Kind.DROP, required=False),
    Field("客户地址", "ship_province", Kind.PROVINCE, required=False),
    Field("联系电话", "has_mobile", Kind.PRESENCE, required=False),
    Field("商品名称", "item_title", required=False),
    Field("商品数量", "item_quantity", Kind.INTEGER, required=False),
)


JD_ORDERS = RawTableSpec(
    name="jd__orders",
    source_dir="jd/orders",
    file_glob="JdOrders_*.csv",
    fields=FIELDS,
    read_file=read_gbk_csv,
    row_rules=jd_order_rules,
)
