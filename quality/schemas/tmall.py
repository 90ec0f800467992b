"""Rules for raw.tmall__orders rows (Tmall seller-center order report)."""

import pandera.pandas as pa

from quality.schemas.checks import MONEY, refund_not_above_paid

TMALL_ORDER_STATUSES = (
    "交易成功",
    "交易关闭",
    "等待买家付款",
    "买家已付款，等待卖家发货",
    "卖家已发货，等待买家确认",
)

tmall_order_rules = pa.DataFrameSchema(
    {
        "order_no": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^\d{8,25}$")),
        "buyer_nick_hash": pa.Column(nullable=False),
        "paid_amount": pa.Column(**MONEY),
        "total_amount": pa.Column(**MONEY),
        "refund_amount": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        "order_status": pa.Column(nullable=False, checks=pa.Check.isin(TMALL_ORDER_STATUSES)),
        "created_at": pa.Column(nullable=False),
        "item_quantity": pa.Column(nullable=True, checks=pa.Check.ge(0)),
    },
    checks=[refund_not_above_paid(blank_refund_passes=True)],
    name="tmall__orders",
)

TMALL_MEMBER_LEVELS = (1, 2, 3, 4)
TMALL_JOIN_CHANNELS = ("店铺首页", "订单页", "直播间", "包裹卡")

tmall_member_rules = pa.DataFrameSchema(
    {
        "buyer_nick_hash": pa.Column(nullable=False),
        # 会员通 members join by authorising their phone, so a member without one is a bad row
        "phone_hash": pa.Column(nullable=False),
        "joined_at": pa.Column(nullable=False),
        "member_level": pa.Column(nullable=False, checks=pa.Check.isin(TMALL_MEMBER_LEVELS)),
        "join_channel": pa.Column(nullable=True, checks=pa.Check.isin(TMALL_JOIN_CHANNELS)),
    },
    name="tmall__members",
)
