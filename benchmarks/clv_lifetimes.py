"""The `lifetimes` package's BG/NBD and Gamma-Gamma fits on the summary siyu's own fit uses.

Run in a process of its own by `benchmarks.clv_fit`, on a copy of its generated warehouse, so
that its wall time, CPU time and peak memory stand beside those of siyu's fit. The summary
query is not timed: both sides fit the same arrays, in the same time unit.

    python -m benchmarks.clv_lifetimes --warehouse /tmp/clv_bench.round.duckdb
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import time
import warnings
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.memory import own_peak_rss_gb
from clv.config import ClvConfig
from clv.gamma_gamma import usable
from clv.summary import customer_summary, observation_end


def fit_with_lifetimes(warehouse: Path) -> dict:
    """Parameters, wall and CPU seconds of both lifetimes fits, and this process's peak RSS."""
    with warnings.catch_warnings():
        # lifetimes sets a pandas option that pandas 3 deprecates; nothing else is affected
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, GammaGammaFitter

    config = ClvConfig()
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        summary = customer_summary(conn, observation_end(conn))
    unit = config.days_per_unit
    x, t_x, age = summary.frequency, summary.recency_days / unit, summary.age_days / unit
    spend = summary.monetary_value
    repeat = usable(x, spend)
    started, cpu_started = time.monotonic(), time.process_time()
    purchase = BetaGeoFitter(penalizer_coef=0.0).fit(pd.Series(x), pd.Series(t_x), pd.Series(age))
    bgnbd_seconds = time.monotonic() - started
    spend_fit = GammaGammaFitter(penalizer_coef=0.0).fit(
        pd.Series(x[repeat]), pd.Series(spend[repeat])
    )
    fit_seconds = time.monotonic() - started
    return {
        "version": importlib.metadata.version("lifetimes"),
        "customers": summary.customers,
        "fit_seconds": fit_seconds,
        "bgnbd_seconds": bgnbd_seconds,
        "fit_cpu_seconds": time.process_time() - cpu_started,
        "peak_rss_gb": own_peak_rss_gb(),
        "bgnbd": {name: float(purchase.params_[name]) for name in ("r", "alpha", "a", "b")},
        # lifetimes names the Gamma-Gamma scale v; siyu and the literature call it gamma
        "gamma_gamma": {
            "p": float(spend_fit.params_["p"]),
            "q": float(spend_fit.params_["q"]),
            "gamma": float(spend_fit.params_["v"]),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(fit_with_lifetimes(args.warehouse)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
