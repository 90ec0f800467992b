"""Fit both models on a customer summary, score every customer, and write the scores.

Scores are in business days whatever the fit's time unit: expected purchases in the next 90
and 365 days, P(alive), expected spend per purchase, and the discounted CLV = Σ over the next
horizon months of (expected purchases in that month × expected spend per purchase) /
(1 + monthly rate)^month, the monthly rate being (1 + annual rate)^(1/12) - 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from clv import bgnbd, gamma_gamma
from clv.config import ClvConfig
from clv.summary import CustomerSummary

DAYS_PER_MONTH = 365.25 / 12
SCORES_TABLE = "clv.customer_scores"


@dataclass(frozen=True)
class ModelFits:
    bgnbd: bgnbd.BgNbdFit
    gamma_gamma: gamma_gamma.GammaGammaFit

    @property
    def converged(self) -> bool:
        return self.bgnbd.converged and self.gamma_gamma.converged


@dataclass(frozen=True)
class PurchaseHistories:
    """The distinct (x, t_x, T) of a summary, in the fit's unit: customers sharing a history
    share every BG/NBD score, so each is computed once."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    customers: np.ndarray  # how many customers share each history
    of_customer: np.ndarray  # index into the histories, per customer

    @classmethod
    def of(cls, summary: CustomerSummary, days_per_unit: float) -> PurchaseHistories:
        x = summary.column("frequency").astype(np.int64)
        t_x = summary.column("recency_days").astype(np.int64)
        T = summary.column("age_days").astype(np.int64)
        width = int(T.max(initial=0)) + 1
        key = (x * width + t_x) * width + T
        unique, of_customer, counts = np.unique(key, return_inverse=True, return_counts=True)
        return cls(
            x=(unique // (width * width)).astype(float),
            t_x=(unique // width % width) / days_per_unit,
            T=(unique % width) / days_per_unit,
            customers=counts,
            of_customer=of_customer.ravel(),
        )


def fit_models(summary: CustomerSummary, config: ClvConfig) -> ModelFits:
    histories = PurchaseHistories.of(summary, config.days_per_unit)
    purchase_fit = bgnbd.fit(histories.x, histories.t_x, histories.T, weights=histories.customers)
    spend_fit = gamma_gamma.fit(summary.frequency, summary.monetary_value)
    return ModelFits(bgnbd=purchase_fit, gamma_gamma=spend_fit)


def discounted_expected_purchases(
    params: bgnbd.BgNbdParams, histories: PurchaseHistories, config: ClvConfig
) -> np.ndarray:
    """Σ_m (E[Y(month m end)] - E[Y(month m-1 end)]) / (1 + monthly rate)^m, per history."""
    total = np.zeros_like(histories.x)
    previous = np.zeros_like(histories.x)
    for month in range(1, config.horizon_months + 1):
        t = month * DAYS_PER_MONTH / config.days_per_unit
        cumulative = bgnbd.expected_purchases(params, t, histories.x, histories.t_x, histories.T)
        total += (cumulative - previous) / (1 + config.monthly_discount_rate) ** month
        previous = cumulative
    return total


def score(summary: CustomerSummary, fits: ModelFits, config: ClvConfig) -> pa.Table:
    """The summary's customers with their scores, one row each."""
    histories = PurchaseHistories.of(summary, config.days_per_unit)
    params = fits.bgnbd.params
    unit = config.days_per_unit
    args = (histories.x, histories.t_x, histories.T)
    per_history = {
        "p_alive": bgnbd.p_alive(params, *args),
        "expected_purchases_90d": bgnbd.expected_purchases(params, 90 / unit, *args),
        "expected_purchases_365d": bgnbd.expected_purchases(params, 365 / unit, *args),
        "discounted_purchases": discounted_expected_purchases(params, histories, config),
    }
    scores = {name: values[histories.of_customer] for name, values in per_history.items()}
    spend = gamma_gamma.expected_average_spend(
        fits.gamma_gamma.params, summary.frequency, summary.monetary_value
    )
    columns = {
        "oneid": summary.table.column("oneid"),
        "first_purchase_date": summary.table.column("first_purchase_date"),
        "frequency": summary.table.column("frequency"),
        "recency_days": summary.table.column("recency_days"),
        "age_days": summary.table.column("age_days"),
        "monetary_value": summary.table.column("monetary_value"),
        "p_alive": scores["p_alive"],
        "expected_purchases_90d": scores["expected_purchases_90d"],
        "expected_purchases_365d": scores["expected_purchases_365d"],
        "expected_avg_spend": spend,
        "predicted_clv": spend * scores["discounted_purchases"],
    }
    return pa.table(columns)


_MODEL_FITS_DDL = """
create table if not exists clv.model_fits (
    run_id varchar not null,
    fitted_at timestamp with time zone not null,
    observation_end date not null,
    time_unit varchar not null,
    customers bigint not null,
    repeat_customers bigint not null,
    r double, alpha double, a double, b double,
    bgnbd_log_likelihood double,
    bgnbd_converged boolean not null,
    p double, q double, gamma double,
    gamma_gamma_customers bigint not null,
    gamma_gamma_log_likelihood double,
    gamma_gamma_converged boolean not null,
    annual_discount_rate double not null,
    horizon_months integer not null,
    holdout_days integer,
    holdout_converged boolean,
    holdout_predicted double,
    holdout_actual bigint,
    holdout_error double,
    holdout_passed boolean
)
"""


PREDICTIONS = ("p_alive", "expected_purchases_90d", "expected_purchases_365d",
               "expected_avg_spend", "predicted_clv")  # fmt: skip


def write_scores(
    conn: duckdb.DuckDBPyConnection, scores: pa.Table, scored_at: datetime, *, trusted: bool = True
) -> None:
    """Replace clv.customer_scores in one statement, so readers never see half a run. Without a
    `trusted` (converged) fit the predictions are written null, and so is any non-finite value:
    a NaN would read as a number to every consumer."""

    def prediction(name: str) -> str:
        if not trusted:
            return f"cast(null as double) as {name}"
        return f"case when isfinite({name}) then cast({name} as double) end as {name}"

    conn.execute("create schema if not exists clv")
    conn.register("clv_new_scores", scores)
    try:
        conn.execute(
            f"""create or replace table {SCORES_TABLE} as
            select
                cast(oneid as varchar) as oneid,
                cast(first_purchase_date as date) as first_purchase_date,
                cast(frequency as bigint) as frequency,
                cast(recency_days as bigint) as recency_days,
                cast(age_days as bigint) as age_days,
                cast(monetary_value as double) as monetary_value,
                {", ".join(prediction(name) for name in PREDICTIONS)},
                cast($scored_at as timestamp with time zone) as scored_at
            from clv_new_scores""",
            {"scored_at": scored_at},
        )
    finally:
        conn.unregister("clv_new_scores")


def record_fit(conn: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Append one row per run to clv.model_fits: the parameters stay comparable over time."""
    conn.execute("create schema if not exists clv")
    conn.execute(_MODEL_FITS_DDL)
    names = ", ".join(row)
    placeholders = ", ".join(f"${name}" for name in row)
    conn.execute(f"insert into clv.model_fits ({names}) values ({placeholders})", row)
