"""Rules for the mini-program mall raw tables (saved pages of the mall's REST API)."""

import pandera.pandas as pa

from quality.schemas.checks import MONEY, refund_not_above_paid

MALL_ORDER_STATUSES = ("CREATED", "PAID", "SHIPPED", "COMPLETED", "CLOSED", "REFUNDED")
MEMBER_LEVELS = (1, 2, 3, 4)

mall_order_rules = pa.DataFrameSchema(
    {
        "order_no": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^M\d{16}$")),
        "appid": pa.Column(nullable=False),
        "openid": pa.Column(nullable=False),
        "status": pa.Column(nullable=False, checks=pa.Check.isin(MALL_ORDER_STATUSES)),
        "total_amount": pa.Column(**MONEY),
        "paid_amount": pa.Column(**MONEY),
        "refund_amount": pa.Column(**MONEY),
        "created_at": pa.Column(nullable=False),
        "updated_at": pa.Column(nullable=False),
        "item_count": pa.Column(nullable=True, checks=pa.Check.ge(0)),
    },
    checks=[refund_not_above_paid(blank_refund_passes=False)],
    name="mall__orders",
)

mall_member_rules = pa.DataFrameSchema(
    {
        "member_id": pa.Column(nullable=False),
        "appid": pa.Column(nullable=False),
        "openid": pa.Column(nullable=False),
        "registered_at": pa.Column(nullable=False),
        "updated_at": pa.Column(nullable=False),
        "level": pa.Column(nullable=False, checks=pa.Check.isin(MEMBER_LEVELS)),
        "marketing_consent": pa.Column(nullable=False),
    },
    name="mall__members",
)
