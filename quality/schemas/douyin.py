"""Rules for raw.douyin__orders rows (saved Douyin shop `order.searchList` pages)."""

import pandera.pandas as pa

# 1 待确认/待支付, 2 备货中, 3 已发货, 4 已取消, 5 已完成
DOUYIN_ORDER_STATUSES = (1, 2, 3, 4, 5)
# 0 商品卡, 1 直播, 2 短视频
DOUYIN_TRAFFIC_SOURCES = (0, 1, 2)

_money = {"nullable": False, "checks": pa.Check.ge(0)}

douyin_order_rules = pa.DataFrameSchema(
    {
        "order_id": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^\d{19}$")),
        "douyin_open_id": pa.Column(nullable=False),
        "order_amount": pa.Column(**_money),
        "paid_amount": pa.Column(**_money),
        "refund_amount": pa.Column(**_money),
        "created_at_epoch": pa.Column(nullable=False, checks=pa.Check.gt(1_000_000_000)),
        # 0 is the API's "not paid yet"
        "paid_at_epoch": pa.Column(nullable=False, checks=pa.Check.ge(0)),
        "order_status": pa.Column(nullable=False, checks=pa.Check.isin(DOUYIN_ORDER_STATUSES)),
        "traffic_source": pa.Column(nullable=True, checks=pa.Check.isin(DOUYIN_TRAFFIC_SOURCES)),
    },
    checks=[
        pa.Check(
            lambda df: df["refund_amount"] <= df["paid_amount"],
            name="refund_not_above_paid",
            element_wise=False,
        )
    ],
    name="douyin__orders",
)
