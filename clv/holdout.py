"""Calibration/holdout validation: fit on all but the last `holdout_days` business days, predict
each calibration customer's repeat purchases in those days, compare with what they did.

The error is relative: |Σ predicted - Σ actual| / Σ actual, over all calibration customers and
per cohort (the quarter of the first purchase). Cohorts smaller than min_cohort_customers are
reported but not judged: a few dozen customers make a noisy ratio. The same holds for the whole
calibration population of a young brand: the result then says it was not judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np

from clv import bgnbd
from clv.config import ClvConfig
from clv.scoring import PurchaseHistories, fit_models
from clv.summary import ORDERS_TABLE, customer_summary

# a history shorter than this many configured holdouts is split in thirds instead
MIN_HISTORY_IN_HOLDOUTS = 3


@dataclass(frozen=True)
class CohortError:
    cohort: str  # e.g. "2025Q1"
    customers: int
    predicted: float
    actual: int
    error: float | None  # None when the cohort made no purchase in the holdout
    judged: bool


@dataclass(frozen=True)
class HoldoutResult:
    calibration_end: date
    holdout_end: date  # the holdout is (calibration_end, holdout_end]
    converged: bool
    customers: int
    predicted: float
    actual: int
    error: float | None
    cohorts: tuple[CohortError, ...] = ()
    failures: tuple[str, ...] = field(default=())
    judged: bool = True  # False: too few calibration customers for the error to mean anything

    @property
    def days(self) -> int:
        return (self.holdout_end - self.calibration_end).days

    @property
    def passed(self) -> bool:
        return not self.failures


def relative_error(predicted: float, actual: float) -> float | None:
    return abs(predicted - actual) / actual if actual > 0 else None


def cohort_of(first_purchase: np.ndarray) -> np.ndarray:
    """The calendar quarter of each first purchase date, as 'YYYYQn'."""
    months = first_purchase.astype("datetime64[M]").astype(np.int64)
    years, quarters = 1970 + months // 12, months % 12 // 3 + 1
    return np.char.add(np.char.add(years.astype(str), "Q"), quarters.astype(str))


def holdout_days(config: ClvConfig, history_days: int) -> int:
    """The configured holdout, or a third of a history shorter than three holdouts, so that a
    young brand still calibrates on twice as many days as it predicts."""
    return max(1, min(config.holdout_days, history_days // MIN_HISTORY_IN_HOLDOUTS))


def history_days(conn: duckdb.DuckDBPyConnection, orders: str = ORDERS_TABLE) -> int:
    first, last = conn.execute(f"select min(order_date), max(order_date) from {orders}").fetchone()
    return 0 if first is None else (last - first).days + 1


def evaluate_holdout(
    conn: duckdb.DuckDBPyConnection,
    config: ClvConfig,
    observation_end: date,
    orders: str = ORDERS_TABLE,
) -> HoldoutResult:
    days = holdout_days(config, history_days(conn, orders))
    calibration_end = observation_end - timedelta(days=days)
    summary = customer_summary(conn, calibration_end, observation_end, orders=orders)
    if summary.customers == 0:
        return HoldoutResult(
            calibration_end, observation_end, False, 0, 0.0, 0, None,
            failures=("no customer bought before the holdout period: shorten holdout_days",),
            judged=False,
        )  # fmt: skip
    fits = fit_models(summary, config)
    histories = PurchaseHistories.of(summary, config.days_per_unit)
    per_history = bgnbd.expected_purchases(
        fits.bgnbd.params,
        days / config.days_per_unit,
        histories.x,
        histories.t_x,
        histories.T,
    )
    predicted = per_history[histories.of_customer]
    actual = summary.column("holdout_purchases")
    cohorts = cohort_of(summary.column("first_purchase_date").astype("datetime64[D]"))

    cohort_errors = []
    for cohort in np.unique(cohorts):
        members = cohorts == cohort
        size = int(members.sum())
        cohort_predicted, cohort_actual = (
            float(predicted[members].sum()),
            int(actual[members].sum()),
        )
        cohort_errors.append(
            CohortError(
                cohort=str(cohort),
                customers=size,
                predicted=cohort_predicted,
                actual=cohort_actual,
                error=relative_error(cohort_predicted, cohort_actual),
                judged=size >= config.min_cohort_customers,
            )
        )
    total_predicted, total_actual = float(predicted.sum()), int(actual.sum())
    total_error = relative_error(total_predicted, total_actual)

    failures = []
    if not fits.bgnbd.converged:
        failures.append(f"the calibration BG/NBD fit did not converge: {fits.bgnbd.message}")
    if total_error is None:
        failures.append("no repeat purchase in the holdout period: nothing to compare with")
    elif total_error > config.max_holdout_error:
        failures.append(
            f"total holdout error {total_error:.3f} exceeds max_holdout_error "
            f"{config.max_holdout_error}"
        )
    for c in cohort_errors:
        if c.judged and c.error is not None and c.error > config.max_cohort_holdout_error:
            failures.append(
                f"cohort {c.cohort} holdout error {c.error:.3f} exceeds "
                f"max_cohort_holdout_error {config.max_cohort_holdout_error}"
            )
    return HoldoutResult(
        calibration_end=calibration_end,
        holdout_end=observation_end,
        converged=fits.bgnbd.converged,
        customers=summary.customers,
        predicted=total_predicted,
        actual=total_actual,
        error=total_error,
        cohorts=tuple(cohort_errors),
        failures=tuple(failures),
        judged=summary.customers >= config.min_cohort_customers,
    )
