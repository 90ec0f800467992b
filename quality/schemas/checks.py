"""Rules more than one raw table checks the same way."""

import pandera.pandas as pa

# an amount that cannot be blank or negative
MONEY = {"nullable": False, "checks": pa.Check.ge(0)}


def refund_not_above_paid(paid: str = "paid_amount", *, blank_refund_passes: bool) -> pa.Check:
    """No more refunded than `paid`; where the refund column is optional a blank is no refund."""

    def holds(df):
        refund = df["refund_amount"].fillna(0) if blank_refund_passes else df["refund_amount"]
        return refund <= df[paid]

    return pa.Check(holds, name="refund_not_above_paid", element_wise=False)
