"""Step retry policies, with counts from environment variables read when definitions load."""

import os

import dagster as dg

API_STEP_RETRIES = "SIYU_API_STEP_RETRIES"  # default 3
API_STEP_RETRY_DELAY = "SIYU_API_STEP_RETRY_DELAY_SECONDS"  # default 30, doubles per retry
DBT_STEP_RETRIES = "SIYU_DBT_STEP_RETRIES"  # default 0
DBT_STEP_RETRY_DELAY = "SIYU_DBT_STEP_RETRY_DELAY_SECONDS"  # default 60


def _count(name: str, default: int) -> int:
    value = int(os.environ.get(name, str(default)))
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _policy(retries_var: str, retries: int, delay_var: str, delay: float):
    count = _count(retries_var, retries)
    if count == 0:
        return None
    return dg.RetryPolicy(
        max_retries=count,
        delay=float(os.environ.get(delay_var, str(delay))),
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


def api_step_retry_policy() -> dg.RetryPolicy | None:
    """For the steps that fetch from an HTTP API before landing.

    The HTTP client already retries a page a few times within seconds; an outage of minutes
    (a gateway restart, an exhausted daily quota) outlasts it, and re-running the whole step a
    few minutes later is safe: a day's pages are swapped in only once complete, and landing is
    all or nothing.
    """
    return _policy(API_STEP_RETRIES, 3, API_STEP_RETRY_DELAY, 30.0)


def dbt_step_retry_policy() -> dg.RetryPolicy | None:
    """For the dbt build step: none by default.

    A failing dbt build is a failing model or test, which a re-run repeats after minutes of
    rebuilding; its one transient cause, another process holding the DuckDB file, is prevented
    by the run queue and the run lock. Set SIYU_DBT_STEP_RETRIES for an environment where the
    warehouse can be transiently unavailable (a network disk).
    """
    return _policy(DBT_STEP_RETRIES, 0, DBT_STEP_RETRY_DELAY, 60.0)
