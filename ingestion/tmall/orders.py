"""Tmall seller-center order report (订单报表): GBK CSV with Chinese headers, one row per order."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_gbk_csv
from quality.schemas.tmall import tmall_order_rules

FIELDS = (
    Field("订单编号", "order_no"),
    Field("买家会员名", "buyer_nick_hash", Kind.KEYED_ID),
    Field("买家应付货款", "goods_amount", Kind.AMOUNT),
    Field("买家应付邮费", "postage_amount", Kind.AMOUNT),
    Field("总金额", "total_amount", Kind.AMOUNT),
    Field("买家实际支付金额", "paid_amount", Kind.AMOUNT),
    Field("订单状态", "order_status"),
    Field("收货人姓名", "receiver_name", Kind.DROP, required=False),
    Field("收货地址", "ship_province", Kind.PROVINCE, required=False),
    Field("联系手机", "has_mobile", Kind.PRESENCE, required=False),
    Field("订单创建时间", "created_at", Kind.TIMESTAMP),
    Field("订单付款时间", "paid_at", Kind.TIMESTAMP),
    Field("宝贝标题", "item_title", required=False),
    Field("宝贝总数量", "item_quantity", Kind.INTEGER, required=False),
    Field("店铺名称", "shop_name", required=False),
    Field("订单关闭原因", "close_reason", required=False),
    Field("退款金额", "refund_amount", Kind.AMOUNT, required=False),
)


TMALL_ORDERS = RawTableSpec(
    name="tmall__orders",
    source_dir="tmall",
    file_glob="ExportOrderList*.csv",
    fields=FIELDS,
    read_file=read_gbk_csv,
    row_rules=tmall_order_rules,
)
