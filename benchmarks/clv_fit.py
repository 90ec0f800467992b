"""Predictive CLV at brand scale: a synthetic BG/NBD population, fitted and scored.

Draws customers from a BG/NBD process and a Gamma-Gamma spend process with known parameters,
writes their purchases as a `marts.fct_orders` table into a DuckDB file, then times the scoring
run (summary in SQL, both fits, scores, write of clv.customer_scores) in a process of its own on
a fresh copy each round, and reports how close the fit came to the true parameters. Times are
medians:

    python -m benchmarks.clv_fit --customers 1000000 --warehouse /tmp/clv_bench.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from benchmarks.memory import own_peak_rss_gb
from clv.bgnbd import BgNbdParams
from clv.config import ClvConfig
from clv.gamma_gamma import GammaGammaParams

# a consumer brand in days: a purchase every ~7 weeks while alive, ~1 in 9 drops after each
TRUE_PURCHASE = BgNbdParams(r=0.8, alpha=40.0, a=1.2, b=9.0)
TRUE_SPEND = GammaGammaParams(p=4.0, q=5.0, gamma=120.0)
HISTORY_DAYS = 730
FIRST_DAY = date(2024, 1, 1)


def simulate(
    customers: int,
    seed: int,
    days: int = HISTORY_DAYS,
    purchase: BgNbdParams = TRUE_PURCHASE,
    spend: GammaGammaParams = TRUE_SPEND,
) -> pa.Table:
    """Purchases (customer, day, amount) of customers whose first purchase is uniform over the
    history; each later purchase comes after an exponential gap, and the customer drops out
    after any purchase with probability p. Several purchases on one day stay separate orders."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(purchase.r, 1 / purchase.alpha, size=customers)
    dropout = rng.beta(purchase.a, purchase.b, size=customers)
    spend_rate = rng.gamma(spend.q, 1 / spend.gamma, size=customers)
    first = rng.integers(0, days, size=customers).astype(float)
    who, when = [np.arange(customers)], [first]
    alive, t = np.arange(customers), first.copy()
    while len(alive):
        t = t + rng.exponential(1 / rate[alive])
        bought = t < days
        alive, t = alive[bought], t[bought]
        who.append(alive)
        when.append(t)
        stays = rng.random(len(alive)) >= dropout[alive]
        alive, t = alive[stays], t[stays]
    customer = np.concatenate(who)
    day = np.floor(np.concatenate(when)).astype(np.int64)
    amount = np.round(rng.gamma(spend.p, 1 / spend_rate[customer]), 2)
    return pa.table({"customer": customer, "day": day, "amount": amount})


def write_orders(conn: duckdb.DuckDBPyConnection, purchases: pa.Table) -> None:
    """The columns of marts.fct_orders the CLV summary reads, one paid order per purchase."""
    conn.register("purchases", purchases)
    conn.execute("create schema if not exists marts")
    conn.execute(
        f"""create or replace table marts.fct_orders as
        select
            'C' || lpad(cast(customer as varchar), 9, '0') as oneid,
            'C' || lpad(cast(customer as varchar), 9, '0') as customer_key,
            'mall' as channel,
            true as is_paid_sale,
            cast(date '{FIRST_DAY}' + cast(day as integer) as date) as order_date,
            cast(date '{FIRST_DAY}' + cast(day as integer) as date) as paid_date,
            cast(amount as decimal(18, 2)) as net_amount
        from purchases"""
    )
    conn.unregister("purchases")


def score_once(warehouse: Path) -> dict:
    """One timed scoring run in this process; figures as a dict."""
    from clv.run import score_warehouse
    from clv.scoring import fit_models
    from clv.summary import customer_summary, observation_end

    config = ClvConfig()
    with duckdb.connect(str(warehouse)) as conn:
        started, cpu_started = time.monotonic(), time.process_time()
        run = score_warehouse(conn, config, "benchmark", with_holdout=False)
        scoring_seconds = time.monotonic() - started
        # CPU seconds of all threads: on a shared machine wall time also counts waiting
        scoring_cpu_seconds = time.process_time() - cpu_started
        started = time.monotonic()
        from clv.holdout import evaluate_holdout

        holdout = evaluate_holdout(conn, config, observation_end(conn))
        holdout_seconds = time.monotonic() - started
        started = time.monotonic()
        summary = customer_summary(conn, observation_end(conn))
        summary_seconds = time.monotonic() - started
        # the fits alone, as `benchmarks.clv_lifetimes` times those of lifetimes
        started, cpu_started = time.monotonic(), time.process_time()
        fit_models(summary, config)
        fit_seconds, fit_cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
    return {
        "customers": run.customers,
        "scoring_seconds": scoring_seconds,
        "scoring_cpu_seconds": scoring_cpu_seconds,
        "load_average": os.getloadavg()[0],
        "summary_seconds": summary_seconds,
        "holdout_seconds": holdout_seconds,
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": fit_cpu_seconds,
        "holdout_error": holdout.error,
        "peak_rss_gb": own_peak_rss_gb(),
        "bgnbd": asdict(run.fits.bgnbd.params),
        "bgnbd_converged": run.fits.bgnbd.converged,
        "gamma_gamma": asdict(run.fits.gamma_gamma.params),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--warehouse", type=Path, default=Path("/tmp/clv_bench.duckdb"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; times are medians")
    parser.add_argument("--figures", type=Path, help="also write the figures to this file")
    parser.add_argument("--score-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_only:
        print(json.dumps(score_once(args.score_only)))
        return 0

    started = time.monotonic()
    purchases = simulate(args.customers, args.seed)
    args.warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(args.warehouse)) as conn:
        write_orders(conn, purchases)
    print(f"generated {purchases.num_rows:,} purchases in {time.monotonic() - started:.1f} s")

    rounds = [run_child(args.warehouse, "benchmarks.clv_fit", "--score-only")
              for _ in range(args.repeat)]  # fmt: skip
    # once: lifetimes takes minutes at 1M customers, and its fit is deterministic
    lifetimes = run_child(args.warehouse, "benchmarks.clv_lifetimes", "--warehouse")
    figures = summarise(rounds, purchases.num_rows)
    print("\n".join(f"{name}={value}" for name, value in figures.items()))
    if args.figures:
        side_by_side = compare_with_lifetimes(rounds, lifetimes)
        args.figures.write_text(json.dumps({"figures": figures, **side_by_side}, indent=1))
    return 0


def run_child(warehouse: Path, module: str, option: str) -> dict:
    """One process of its own on a fresh copy of the warehouse; the JSON it prints last."""
    copy = warehouse.with_suffix(".round.duckdb")
    shutil.copyfile(warehouse, copy)
    try:
        out = subprocess.run([sys.executable, "-m", module, option, str(copy)],
                             check=True, capture_output=True, text=True)  # fmt: skip
    finally:
        copy.unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_with_lifetimes(rounds: list[dict], lifetimes: dict) -> dict:
    """siyu's fit (medians of its rounds, the last round's parameters), lifetimes', the truth."""
    last = rounds[-1]
    ours = {
        "fit_seconds": statistics.median(r["fit_seconds"] for r in rounds),
        "fit_cpu_seconds": statistics.median(r["fit_cpu_seconds"] for r in rounds),
        "peak_rss_gb": max(r["peak_rss_gb"] for r in rounds),
        "bgnbd": last["bgnbd"],
        "gamma_gamma": last["gamma_gamma"],
    }
    truth = {"bgnbd": asdict(TRUE_PURCHASE), "gamma_gamma": asdict(TRUE_SPEND)}
    return {"ours": ours, "lifetimes": lifetimes, "truth": truth}


def summarise(rounds: list[dict], orders: int) -> dict[str, str]:
    """Medians over the rounds and the last round's fit against the true parameters."""
    last = rounds[-1]
    figures = {"customers": f"{last['customers']:,}", "orders": f"{orders:,}",
               "rounds": str(len(rounds))}  # fmt: skip
    timed = ("scoring_seconds", "scoring_cpu_seconds", "summary_seconds", "holdout_seconds",
             "fit_seconds")  # fmt: skip
    for name in timed:
        figures[f"{name}_median"] = f"{statistics.median(r[name] for r in rounds):.2f}"
    figures["peak_rss_gb_max"] = f"{max(r['peak_rss_gb'] for r in rounds):.2f}"
    figures["load_average_1min"] = "/".join(f"{r['load_average']:.1f}" for r in rounds)
    figures["holdout_error"] = f"{last['holdout_error']:.4f}"
    figures["bgnbd_converged"] = str(last["bgnbd_converged"])
    for model, truth in (("bgnbd", TRUE_PURCHASE), ("gamma_gamma", TRUE_SPEND)):
        for name, true_value in asdict(truth).items():
            figures[f"{model}_{name}_fitted/true"] = f"{last[model][name]:.3g}/{true_value:g}"
    return figures


if __name__ == "__main__":
    sys.exit(main())
