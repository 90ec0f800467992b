"""The per-customer RFM-T summary the models read, computed in DuckDB from marts.fct_orders.

Time is counted in business days (Asia/Shanghai, the dates of fct_orders). A purchase is a
business day on which the customer (oneid) has at least one paid sale that was not refunded in
full; several orders on one day are one purchase (the BTYD convention). Per customer:

- frequency = purchase days - 1 (repeat purchases), up to the cutoff;
- recency_days = last purchase day - first purchase day;
- age_days = cutoff - first purchase day (0 for a customer whose first purchase is the cutoff);
- monetary_value = net spend after the first purchase day up to the cutoff (online orders net of
  their refunds, store receipts with their returns on the day the goods came back) / frequency;
  null without repeat purchases.

Customers without any purchase (only refunds, returns or zero-value orders) have no first
purchase, so no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

ORDERS_TABLE = "marts.fct_orders"

_SUMMARY_SQL = """
with customer_days as (
    select
        oneid,
        coalesce(paid_date, order_date) as business_date,
        -- summed as decimals, exact in any order: a double sum changes with the scan order
        sum(net_amount) as net_amount,
        bool_or(is_paid_sale and net_amount > 0) as is_purchase
    from {orders}
    where
        oneid is not null
        and (is_paid_sale or channel = 'pos')
        and coalesce(paid_date, order_date) <= $holdout_end
    group by oneid, coalesce(paid_date, order_date)
),
dated as (
    select
        *,
        min(business_date) filter (where is_purchase and business_date <= $cutoff)
            over (partition by oneid) as first_purchase_date
    from customer_days
),
summary as (
    select
        oneid,
        first_purchase_date,
        count(*) filter (where is_purchase and business_date <= $cutoff) - 1 as frequency,
        max(business_date) filter (where is_purchase and business_date <= $cutoff)
            - first_purchase_date as recency_days,
        cast($cutoff as date) - first_purchase_date as age_days,
        sum(net_amount) filter (
            where business_date > first_purchase_date and business_date <= $cutoff
        ) as repeat_net_amount,
        count(*) filter (where is_purchase and business_date > $cutoff) as holdout_purchases
    from dated
    where first_purchase_date is not null
    group by oneid, first_purchase_date
)
select
    oneid,
    first_purchase_date,
    cast(frequency as bigint) as frequency,
    cast(recency_days as bigint) as recency_days,
    cast(age_days as bigint) as age_days,
    case
        when frequency > 0 then cast(coalesce(repeat_net_amount, 0) as double) / frequency
    end as monetary_value,
    cast(holdout_purchases as bigint) as holdout_purchases
from summary
-- the fits sum floats in row order: a fixed order makes a rerun give the very same scores
order by oneid
"""


@dataclass(frozen=True)
class CustomerSummary:
    """Column arrays aligned on customers; `table` keeps them for writing back."""

    table: pa.Table
    cutoff: date

    @property
    def customers(self) -> int:
        return self.table.num_rows

    def column(self, name: str) -> np.ndarray:
        return self.table.column(name).to_numpy(zero_copy_only=False)

    @property
    def frequency(self) -> np.ndarray:
        return self.column("frequency").astype(float)

    @property
    def recency_days(self) -> np.ndarray:
        return self.column("recency_days").astype(float)

    @property
    def age_days(self) -> np.ndarray:
        return self.column("age_days").astype(float)

    @property
    def monetary_value(self) -> np.ndarray:
        return self.column("monetary_value").astype(float)  # null → nan


def observation_end(conn: duckdb.DuckDBPyConnection, orders: str = ORDERS_TABLE) -> date | None:
    """The last business day the order data covers: the end of observation, T's reference."""
    return conn.execute(f"select max(order_date) from {orders}").fetchone()[0]


def customer_summary(
    conn: duckdb.DuckDBPyConnection,
    cutoff: date,
    holdout_end: date | None = None,
    orders: str = ORDERS_TABLE,
) -> CustomerSummary:
    """Customers whose first purchase is on or before `cutoff`, summarised up to it; with
    `holdout_end`, also their purchase days in (cutoff, holdout_end]."""
    sql = _SUMMARY_SQL.format(orders=orders)
    params = {"cutoff": cutoff, "holdout_end": holdout_end or cutoff}
    return CustomerSummary(table=conn.execute(sql, params).fetch_arrow_table(), cutoff=cutoff)
