"""Suites on the marts: paid order values, dim_customers' volume and the orders' buyers in it."""

from __future__ import annotations

import math
import statistics

import great_expectations as gx

from quality.expectations import history
from quality.expectations.config import ORDER_VALUE_STATISTICS, QualityConfig
from quality.expectations.engine import WarehouseDatasource
from quality.expectations.results import GateOutcome, counts, observed
from quality.expectations.suites import validate_query

ORDERS_MODEL = "fct_orders"
CUSTOMERS_MODEL = "dim_customers"
ORDER_VALUES_CHECK = "paid_order_values_within_band"
CUSTOMER_COUNT_CHECK = "customer_count_vs_previous_run"
ORDER_BUYERS_CHECK = "every_order_buyer_in_dim_customers"


def order_value_bounds(datasource, config: QualityConfig) -> dict[str, tuple]:
    """(low, high, how) per statistic: fixed bounds from the config, else a band around the
    median of the recent passed runs, else (None, None) while that history is too short."""
    settings = config.order_values
    bounds = {}
    with datasource.get_engine().connect() as conn:
        for name in ORDER_VALUE_STATISTICS:
            if name in settings.bounds:
                bounds[name] = (*settings.bounds[name], "fixed bounds")
                continue
            recent = history.recent_passed_values(
                conn, ORDERS_MODEL, ORDER_VALUES_CHECK, name, settings.history_runs
            )
            if len(recent) < settings.min_history_runs:
                bounds[name] = (None, None, f"{len(recent)} passed runs: not judged")
                continue
            centre = statistics.median(recent)
            spread = settings.tolerance * centre
            bounds[name] = (centre - spread, centre + spread, f"band of {len(recent)} runs")
    return bounds


def check_order_values(datasource: WarehouseDatasource, config: QualityConfig, run_id: str):
    """Mean, median and 90th percentile of paid_amount over the paid sales of the last
    window_days business days, each within its bounds; the figures are kept for later runs."""
    days = config.order_values.window_days
    bounds = order_value_bounds(datasource, config)
    expectations = {
        "mean": gx.expectations.ExpectColumnMeanToBeBetween(
            column="paid_amount", min_value=bounds["mean"][0], max_value=bounds["mean"][1]
        ),
        "median": gx.expectations.ExpectColumnMedianToBeBetween(
            column="paid_amount", min_value=bounds["median"][0], max_value=bounds["median"][1]
        ),
        "p90": gx.expectations.ExpectColumnQuantileValuesToBeBetween(
            column="paid_amount",
            quantile_ranges={"quantiles": [0.9], "value_ranges": [list(bounds["p90"][:2])]},
        ),
        "rows": gx.expectations.ExpectTableRowCountToBeBetween(min_value=0),
    }
    results = validate_query(
        datasource,
        "fct_orders__paid_values",
        # cast: a decimal mean or quantile comes back as Decimal, a double compares with bounds
        "select cast(paid_amount as double) as paid_amount from marts.fct_orders "
        "where is_paid_sale and paid_date > (select max(paid_date) from marts.fct_orders "
        f"where is_paid_sale) - {int(days)}",
        expectations,
    )
    rows = int(observed(results["rows"]))
    figures = {
        "mean": _number(observed(results["mean"])),
        "median": _number(observed(results["median"])),
        "p90": _number((observed(results["p90"]) or {}).get("values", [None])[0]),
    }
    passed = rows == 0 or all(results[name].success for name in ORDER_VALUE_STATISTICS)
    metadata: dict = {"paid_orders_in_window": rows, "window_days": days}
    for name in ORDER_VALUE_STATISTICS:
        low, high, how = bounds[name]
        metadata |= {
            f"{name} paid_amount": -1.0 if figures[name] is None else round(figures[name], 2),
            f"{name} low": -1.0 if low is None else round(low, 2),
            f"{name} high": -1.0 if high is None else round(high, 2),
            f"{name} bounds": how,
            f"{name} passed": bool(rows == 0 or results[name].success),
        }
    if rows:
        with datasource.get_engine().connect() as conn:
            history.record(conn, run_id, ORDERS_MODEL, ORDER_VALUES_CHECK, figures, passed)
    return GateOutcome(ORDERS_MODEL, ORDER_VALUES_CHECK, passed, metadata)


def check_customer_count(datasource: WarehouseDatasource, config: QualityConfig, run_id: str):
    """dim_customers has at most max_drop fewer rows than at the previous passed run."""
    max_drop = config.customers.max_drop
    with datasource.get_engine().connect() as conn:
        previous = history.recent_passed_values(
            conn, CUSTOMERS_MODEL, CUSTOMER_COUNT_CHECK, "rows", 1
        )
    minimum = math.ceil(previous[0] * (1 - max_drop)) if previous else 0
    result = validate_query(
        datasource,
        "dim_customers__count",
        "select 1 from marts.dim_customers",
        {"rows": gx.expectations.ExpectTableRowCountToBeBetween(min_value=minimum)},
    )["rows"]
    rows = int(observed(result))
    with datasource.get_engine().connect() as conn:
        history.record(
            conn, run_id, CUSTOMERS_MODEL, CUSTOMER_COUNT_CHECK, {"rows": rows}, result.success
        )
    return GateOutcome(
        CUSTOMERS_MODEL,
        CUSTOMER_COUNT_CHECK,
        passed=bool(result.success),
        metadata={
            "customers": rows,
            "customers_previous_passed_run": int(previous[0]) if previous else -1,
            "max_drop": max_drop,
            "min_customers": minimum,
            "note": "compared with the previous passed run" if previous else "no previous run",
        },
    )


def check_order_buyers(datasource: WarehouseDatasource) -> GateOutcome:
    """Every customer (oneid) that fct_orders names is a row of dim_customers."""
    result = validate_query(
        datasource,
        "fct_orders__buyers_in_dim_customers",
        # a 1/0 flag per buyer, never the oneid itself
        "select case when customers.oneid is null then 0 else 1 end as found "
        "from (select distinct oneid from marts.fct_orders where oneid is not null) as buyers "
        "left join marts.dim_customers as customers on buyers.oneid = customers.oneid",
        {"found": gx.expectations.ExpectColumnValuesToBeInSet(column="found", value_set=[1])},
    )["found"]
    buyers, missing = counts(result)
    return GateOutcome(
        CUSTOMERS_MODEL,
        ORDER_BUYERS_CHECK,
        passed=bool(result.success),
        metadata={"order_buyers": buyers, "order_buyers_missing_in_dim_customers": missing},
    )


def _number(value) -> float | None:
    return None if value is None else float(value)
