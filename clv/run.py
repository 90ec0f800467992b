"""One scoring run over the warehouse: summary, fits, scores, holdout, and the run's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from clv.config import ClvConfig
from clv.holdout import HoldoutResult, evaluate_holdout
from clv.scoring import ModelFits, fit_models, record_fit, score, write_scores
from clv.summary import ORDERS_TABLE, customer_summary, observation_end


@dataclass(frozen=True)
class ScoringRun:
    observation_end: date | None
    customers: int
    repeat_customers: int
    fits: ModelFits | None
    holdout: HoldoutResult | None


def score_warehouse(
    conn: duckdb.DuckDBPyConnection,
    config: ClvConfig,
    run_id: str,
    *,
    with_holdout: bool = True,
    orders: str = ORDERS_TABLE,
) -> ScoringRun:
    """Fit on the whole history up to its last business day and replace clv.customer_scores."""
    end = observation_end(conn, orders)
    if end is None:
        return ScoringRun(None, 0, 0, None, None)
    summary = customer_summary(conn, end, orders=orders)
    fits = fit_models(summary, config)
    scored_at = datetime.now(UTC)
    write_scores(conn, score(summary, fits, config), scored_at, trusted=fits.converged)
    holdout = evaluate_holdout(conn, config, end, orders=orders) if with_holdout else None
    repeat_customers = int((summary.frequency > 0).sum())
    record_fit(conn, _fit_row(run_id, scored_at, end, config, summary.customers,
                              repeat_customers, fits, holdout))  # fmt: skip
    return ScoringRun(end, summary.customers, repeat_customers, fits, holdout)


def _fit_row(run_id, fitted_at, end, config, customers, repeat_customers, fits, holdout) -> dict:
    purchase, spend = fits.bgnbd, fits.gamma_gamma
    return {
        "run_id": run_id,
        "fitted_at": fitted_at,
        "observation_end": end,
        "time_unit": config.time_unit,
        "customers": customers,
        "repeat_customers": repeat_customers,
        "r": purchase.params.r,
        "alpha": purchase.params.alpha,
        "a": purchase.params.a,
        "b": purchase.params.b,
        "bgnbd_log_likelihood": purchase.log_likelihood,
        "bgnbd_converged": purchase.converged,
        "p": spend.params.p,
        "q": spend.params.q,
        "gamma": spend.params.gamma,
        "gamma_gamma_customers": spend.customers,
        "gamma_gamma_log_likelihood": spend.log_likelihood,
        "gamma_gamma_converged": spend.converged,
        "annual_discount_rate": config.annual_discount_rate,
        "horizon_months": config.horizon_months,
        "holdout_days": None if holdout is None else holdout.days,
        "holdout_converged": None if holdout is None else holdout.converged,
        "holdout_predicted": None if holdout is None else holdout.predicted,
        "holdout_actual": None if holdout is None else holdout.actual,
        "holdout_error": None if holdout is None else holdout.error,
        "holdout_passed": None if holdout is None else holdout.passed,
    }
