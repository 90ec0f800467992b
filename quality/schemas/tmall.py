"""Rules for raw.tmall__orders rows (Tmall seller-center order report)."""

import pandera.pandas as pa

TMALL_ORDER_STATUSES = (
    "交易成功",
    "交易关闭",
    "等待买家付款",
    "买家已付款，等待卖家发货",
    "卖家已发货，等待买家确认",
)

_money = {"nullable": False, "checks": pa.Check.ge(0)}

tmall_order_rules = pa.DataFrameSchema(
    {
        "order_no": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^\d{8,25}$")),
        "buyer_nick_hash": pa.Column(nullable=False),
        "paid_amount": pa.Column(**_money),
        "total_amount": pa.Column(**_money),
        "refund_amount": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        "order_status": pa.Column(nullable=False, checks=pa.Check.isin(TMALL_ORDER_STATUSES)),
        "created_at": pa.Column(nullable=False),
        "item_quantity": pa.Column(nullable=True, checks=pa.Check.ge(0)),
    },
    checks=[
        pa.Check(
            lambda df: df["refund_amount"].fillna(0) <= df["paid_amount"],
            name="refund_not_above_paid",
            element_wise=False,
        )
    ],
    name="tmall__orders",
)
