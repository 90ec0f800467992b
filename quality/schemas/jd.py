"""Rules for raw.jd__orders rows (JD merchant back-office order export)."""

import pandera.pandas as pa

JD_ORDER_STATUSES = ("等待出库", "等待确认收货", "完成", "已取消", "锁定")

_money = {"nullable": False, "checks": pa.Check.ge(0)}

jd_order_rules = pa.DataFrameSchema(
    {
        "order_no": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^\d{12}$")),
        "jd_pin_hash": pa.Column(nullable=False),
        "order_amount": pa.Column(**_money),
        "payable_amount": pa.Column(**_money),
        "refund_amount": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        "order_status": pa.Column(nullable=False, checks=pa.Check.isin(JD_ORDER_STATUSES)),
        "ordered_at": pa.Column(nullable=False),
        "item_quantity": pa.Column(nullable=True, checks=pa.Check.ge(0)),
    },
    checks=[
        # JD refunds what the buyer paid after discounts (应付金额), never more
        pa.Check(
            lambda df: df["refund_amount"].fillna(0) <= df["payable_amount"],
            name="refund_not_above_paid",
            element_wise=False,
        )
    ],
    name="jd__orders",
)
