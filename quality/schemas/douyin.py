"""Rules for raw.douyin__orders rows (saved Douyin shop `order.searchList` pages)."""

import pandera.pandas as pa

from quality.schemas.checks import MONEY, refund_not_above_paid

# 1 待确认/待支付, 2 备货中, 3 已发货, 4 已取消, 5 已完成
DOUYIN_ORDER_STATUSES = (1, 2, 3, 4, 5)
# 0 商品卡, 1 直播, 2 短视频
DOUYIN_TRAFFIC_SOURCES = (0, 1, 2)

douyin_order_rules = pa.DataFrameSchema(
    {
        "order_id": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^\d{19}$")),
        "douyin_open_id": pa.Column(nullable=False),
        "order_amount": pa.Column(**MONEY),
        "paid_amount": pa.Column(**MONEY),
        "refund_amount": pa.Column(**MONEY),
        "created_at_epoch": pa.Column(nullable=False, checks=pa.Check.gt(1_000_000_000)),
        # 0 is the API's "not paid yet"
        "paid_at_epoch": pa.Column(nullable=False, checks=pa.Check.ge(0)),
        "order_status": pa.Column(nullable=False, checks=pa.Check.isin(DOUYIN_ORDER_STATUSES)),
        "traffic_source": pa.Column(nullable=True, checks=pa.Check.isin(DOUYIN_TRAFFIC_SOURCES)),
    },
    checks=[refund_not_above_paid(blank_refund_passes=False)],
    name="douyin__orders",
)
