"""Rules for the live-room raw tables (viewers and orders of the mini-program live console)."""

import pandera.pandas as pa

from quality.schemas.checks import refund_not_above_paid

LIVE_ORDER_STATUSES = ("已支付", "已发货", "已完成", "已关闭", "已退款")
_DAY_SECONDS = 24 * 60 * 60

_count = {"nullable": True, "checks": pa.Check.ge(0)}

live_viewer_rules = pa.DataFrameSchema(
    {
        "room_id": pa.Column(nullable=False),
        "openid": pa.Column(nullable=False),
        "first_entered_at": pa.Column(nullable=False),
        # one export covers one session, which cannot be watched for more than a day
        "watch_seconds": pa.Column(nullable=False, checks=pa.Check.in_range(0, _DAY_SECONDS)),
        "comment_count": pa.Column(**_count),
        "like_count": pa.Column(**_count),
    },
    name="live__viewers",
)

live_order_rules = pa.DataFrameSchema(
    {
        "order_no": pa.Column(nullable=False),
        "room_id": pa.Column(nullable=False),
        "openid": pa.Column(nullable=False),
        "ordered_at": pa.Column(nullable=False),
        "paid_amount": pa.Column(nullable=False, checks=pa.Check.ge(0)),
        "refund_amount": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        "order_status": pa.Column(nullable=False, checks=pa.Check.isin(LIVE_ORDER_STATUSES)),
    },
    checks=[refund_not_above_paid(blank_refund_passes=True)],
    name="live__orders",
)
