"""Rules for raw.pos__receipt_lines rows (store till daily drops)."""

import pandera.pandas as pa

pos_receipt_line_rules = pa.DataFrameSchema(
    {
        "receipt_no": pa.Column(nullable=False),
        "store_id": pa.Column(nullable=False, checks=pa.Check.str_matches(r"^[A-Z]{2}\d{3}$")),
        "sold_at": pa.Column(nullable=False),
        "sku": pa.Column(nullable=False),
        "quantity": pa.Column(nullable=False, checks=pa.Check.ne(0)),
        "line_amount": pa.Column(nullable=False),
    },
    checks=[
        # a return is negative in both quantity and amount; a sale positive in both
        pa.Check(
            lambda df: (df["quantity"] * df["line_amount"]) >= 0,
            name="quantity_and_amount_same_sign",
            element_wise=False,
        )
    ],
    name="pos__receipt_lines",
)
