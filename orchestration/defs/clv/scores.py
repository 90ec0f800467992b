"""Predictive CLV: BG/NBD and Gamma-Gamma fitted on fct_orders, one score row per customer."""

import dagster as dg

from clv.config import load_config
from clv.holdout import HoldoutResult
from clv.run import ScoringRun, score_warehouse
from ingestion.warehouse import connect
from orchestration.defs.resources import WarehouseResource

SCORES_KEY = dg.AssetKey(["clv", "customer_scores"])
CONVERGED_CHECK = "clv_fit_converged"
HOLDOUT_CHECK = "clv_holdout_error"
CHECKS = {
    CONVERGED_CHECK: "Fails, and blocks the CLV marts, when the BG/NBD or Gamma-Gamma fit on the "
    "whole history did not converge (or there was no purchase to fit).",
    HOLDOUT_CHECK: "Fits on all but the last holdout_days of config/clv.toml and compares "
    "predicted with actual repeat purchases in them; fails, and blocks the CLV marts, when that "
    "fit does not converge or the error exceeds max_holdout_error (total) or "
    "max_cohort_holdout_error (a first-purchase quarter). With fewer calibration customers than "
    "min_cohort_customers both checks only warn: too few to fit or judge a model.",
}


@dg.asset(
    key=SCORES_KEY,
    deps=[dg.AssetKey(["marts", "fct_orders"])],
    group_name="clv",
    kinds={"duckdb", "scipy"},
    description="P(alive), expected purchases in 90 and 365 days, expected spend and discounted "
    "CLV per customer (oneid) from BG/NBD and Gamma-Gamma maximum-likelihood fits on the order "
    "history; parameters of each run in clv.model_fits. See docs/clv.md.",
    pool="duckdb_writer",
    check_specs=[
        dg.AssetCheckSpec(name, asset=SCORES_KEY, blocking=True, description=description)
        for name, description in CHECKS.items()
    ],
)
def customer_scores(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    config = load_config()
    with connect(warehouse.settings().warehouse_path) as conn:
        run = score_warehouse(conn, config, run_id=context.run_id)
    context.log.info(
        f"CLV: {run.customers} customers scored, holdout error "
        f"{'n/a' if run.holdout is None else run.holdout.error}"
    )
    yield dg.MaterializeResult(metadata=run_metadata(run))
    holdout = run.holdout
    # a young brand's few customers can neither fit nor judge a model: warn, do not block
    severity = (
        dg.AssetCheckSeverity.WARN
        if holdout is not None and not holdout.judged
        else dg.AssetCheckSeverity.ERROR
    )
    converged = run.fits is not None and run.fits.converged
    yield dg.AssetCheckResult(
        check_name=CONVERGED_CHECK,
        passed=converged,
        severity=severity,
        metadata={"bgnbd_converged": bool(run.fits and run.fits.bgnbd.converged),
                  "gamma_gamma_converged": bool(run.fits and run.fits.gamma_gamma.converged)},
    )  # fmt: skip
    yield dg.AssetCheckResult(
        check_name=HOLDOUT_CHECK,
        passed=holdout is not None and holdout.passed,
        severity=severity,
        metadata=holdout_metadata(holdout) if holdout else {"failure": "no order history"},
    )


def run_metadata(run: ScoringRun) -> dict[str, int | float | str]:
    """Counts and model parameters only: no customer value ever reaches the event log."""
    out: dict[str, int | float | str] = {
        "customers": run.customers,
        "repeat_customers": run.repeat_customers,
        "observation_end": str(run.observation_end),
    }
    if run.fits is not None:
        purchase, spend = run.fits.bgnbd, run.fits.gamma_gamma
        out |= {
            "bgnbd r": purchase.params.r,
            "bgnbd alpha (days)": purchase.params.alpha,
            "bgnbd a": purchase.params.a,
            "bgnbd b": purchase.params.b,
            "bgnbd converged": int(purchase.converged),
            "gamma_gamma p": spend.params.p,
            "gamma_gamma q": spend.params.q,
            "gamma_gamma gamma": spend.params.gamma,
            "gamma_gamma customers": spend.customers,
            "gamma_gamma converged": int(spend.converged),
        }
    if run.holdout is not None:
        out |= {f"holdout {k}": v for k, v in holdout_metadata(run.holdout).items()}
    return out


def holdout_metadata(holdout: HoldoutResult) -> dict[str, int | float | str]:
    # -1 when there was nothing to compare: Dagster metadata has no "not applicable"
    out: dict[str, int | float | str] = {
        "calibration_end": str(holdout.calibration_end),
        "holdout_days": holdout.days,
        "converged": int(holdout.converged),
        "judged": int(holdout.judged),
        "customers": holdout.customers,
        "predicted_repeat_purchases": round(holdout.predicted, 1),
        "actual_repeat_purchases": holdout.actual,
        "error": -1.0 if holdout.error is None else round(holdout.error, 4),
    }
    for cohort in holdout.cohorts:
        out[f"error {cohort.cohort}"] = -1.0 if cohort.error is None else round(cohort.error, 4)
        out[f"predicted {cohort.cohort}"] = round(cohort.predicted, 1)
        out[f"actual {cohort.cohort}"] = cohort.actual
        out[f"customers {cohort.cohort}"] = cohort.customers
    if holdout.failures:
        out["failures"] = "; ".join(holdout.failures)
    return out


defs = dg.Definitions(assets=[customer_scores])
