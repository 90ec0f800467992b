"""Rules for raw.jd__orders rows (JD merchant back-office order export)."""

import pandera.pandas as pa

from quality.schemas.checks import MONEY, refund_not_above_paid

JD_ORDER_STATUSES = ("等待出库", "等待确认收货", "完成", "已取消", "锁定")

jd_order_rules = pa.DataFrameSchema(
    {
        "order_no": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^\d{12}$")),
        "jd_pin_hash": pa.Column(nullable=False),
        "order_amount": pa.Column(**MONEY),
        "payable_amount": pa.Column(**MONEY),
        "refund_amount": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        "order_status": pa.Column(nullable=False, checks=pa.Check.isin(JD_ORDER_STATUSES)),
        "ordered_at": pa.Column(nullable=False),
        "item_quantity": pa.Column(nullable=True, checks=pa.Check.ge(0)),
    },
    checks=[
        # JD refunds what the buyer paid after discounts (应付金额), never more
        refund_not_above_paid("payable_amount", blank_refund_passes=True)
    ],
    name="jd__orders",
)
