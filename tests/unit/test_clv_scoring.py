"""The CLV summary (DuckDB SQL on fct_orders), scores, holdout check and the Dagster asset, on
hand-built order tables and on a population drawn from BG/NBD with known parameters."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import duckdb
import numpy as np
import pyarrow as pa
import pytest

from benchmarks.clv_fit import TRUE_PURCHASE, simulate, write_orders
from clv import bgnbd
from clv.bgnbd import BgNbdFit, BgNbdParams
from clv.config import ClvConfig, ClvConfigError, load_config
from clv.gamma_gamma import GammaGammaFit, GammaGammaParams
from clv.holdout import cohort_of, evaluate_holdout
from clv.run import score_warehouse
from clv.scoring import DAYS_PER_MONTH, PREDICTIONS, ModelFits, score, write_scores
from clv.summary import customer_summary
from orchestration.defs.clv.scores import CONVERGED_CHECK, HOLDOUT_CHECK, customer_scores
from orchestration.defs.resources import WarehouseResource

ORDER_COLUMNS = ("oneid", "channel", "is_paid_sale", "order_date", "paid_date", "net_amount")
CUTOFF, HOLDOUT_END = date(2025, 1, 31), date(2025, 2, 28)
PARAMS = BgNbdParams(r=1.2, alpha=38.0, a=1.8, b=21.0)
SPEND = GammaGammaParams(p=2.5, q=8.9, gamma=390.0)


def sale(oneid, day, net, channel="mall"):
    return (oneid, channel, True, day, day, net)


ORDERS = [
    # C1: two orders on 01-01 are one purchase; 01-10 partly refunded (net 60); 01-20
    sale("C1", "2025-01-01", 100.0), sale("C1", "2025-01-01", 50.0),
    sale("C1", "2025-01-10", 60.0), sale("C1", "2025-01-20", 40.0),
    # … and in the holdout: two orders on 02-03 (one purchase) and 02-10
    sale("C1", "2025-02-03", 10.0), sale("C1", "2025-02-03", 10.0), sale("C1", "2025-02-10", 5.0),
    # C2 paid and was refunded in full: no purchase, no row
    sale("C2", "2025-01-05", 0.0),
    # C3 only zero-value orders (not a paid sale)
    ("C3", "mall", False, "2025-01-06", None, 0.0),
    # C4's first purchase is on the cutoff day: T = 0
    sale("C4", "2025-01-31", 25.0),
    # C5 returns the first purchase to a store, then buys again: repeat spend nets below 0
    sale("C5", "2025-01-05", 200.0, "pos"), ("C5", "pos", False, "2025-01-15", None, -200.0),
    sale("C5", "2025-01-20", 30.0),
    # C6: a store return only; C7 buys only after the cutoff; a buyer without oneid
    ("C6", "pos", False, "2025-01-08", None, -50.0),
    sale("C7", "2025-02-02", 70.0),
    sale(None, "2025-01-03", 99.0),
]  # fmt: skip


def write_order_rows(conn: duckdb.DuckDBPyConnection, rows) -> None:
    columns = list(zip(*rows, strict=True))
    table = pa.table(dict(zip(ORDER_COLUMNS, columns, strict=True)))
    conn.register("rows", table)
    conn.execute("create schema if not exists marts")
    conn.execute(
        """create or replace table marts.fct_orders as select
            oneid, oneid as customer_key, channel, is_paid_sale,
            cast(order_date as date) as order_date, cast(paid_date as date) as paid_date,
            cast(net_amount as decimal(18, 2)) as net_amount
        from rows"""
    )
    conn.unregister("rows")


@pytest.fixture
def conn(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def rows_by_oneid(summary) -> dict[str, dict]:
    return {row["oneid"]: row for row in summary.table.to_pylist()}


def known_fits() -> ModelFits:
    return ModelFits(
        bgnbd=BgNbdFit(PARAMS, 0.0, True, 1, "given"),
        gamma_gamma=GammaGammaFit(SPEND, 0.0, True, 1, "given"),
    )


def test_summary_counts_purchase_days_and_nets_refunds(conn):
    write_order_rows(conn, ORDERS)
    rows = rows_by_oneid(customer_summary(conn, CUTOFF, HOLDOUT_END))
    assert set(rows) == {"C1", "C4", "C5"}  # nobody without a purchase by the cutoff
    c1 = rows["C1"]
    assert (c1["frequency"], c1["recency_days"], c1["age_days"]) == (2, 19, 30)
    assert c1["monetary_value"] == pytest.approx((60 + 40) / 2)
    assert c1["holdout_purchases"] == 2
    assert c1["first_purchase_date"] == date(2025, 1, 1)
    c4 = rows["C4"]
    assert (c4["frequency"], c4["recency_days"], c4["age_days"]) == (0, 0, 0)
    assert c4["monetary_value"] is None
    c5 = rows["C5"]
    assert (c5["frequency"], c5["recency_days"], c5["age_days"]) == (1, 15, 26)
    assert c5["monetary_value"] == pytest.approx(-200 + 30)


def test_scores_are_finite_for_every_guard_and_clv_adds_discounted_months(conn):
    write_order_rows(conn, ORDERS)
    summary = customer_summary(conn, CUTOFF)
    flat = ClvConfig(annual_discount_rate=0.0, horizon_months=12)
    discounted = ClvConfig(annual_discount_rate=0.10, horizon_months=12)
    undiscounted = rows_by_oneid_table(score(summary, known_fits(), flat))
    scored = rows_by_oneid_table(score(summary, known_fits(), discounted))
    population = SPEND.p * SPEND.gamma / (SPEND.q - 1)
    for oneid, row in scored.items():
        assert all(np.isfinite(v) for k, v in row.items() if isinstance(v, float)), oneid
        x, t_x, T = row["frequency"], row["recency_days"], row["age_days"]
        # without discounting, the months telescope to E[Y(12 months)] × spend
        year = float(bgnbd.expected_purchases(PARAMS, 12 * DAYS_PER_MONTH, x, t_x, T))
        assert undiscounted[oneid]["predicted_clv"] == pytest.approx(
            year * row["expected_avg_spend"], rel=1e-9
        )
        assert row["predicted_clv"] < undiscounted[oneid]["predicted_clv"]
    # by hand: Σ_m (E[Y(m)] - E[Y(m-1)]) / 1.1^(m/12)
    c1 = scored["C1"]
    cumulative = [
        float(bgnbd.expected_purchases(PARAMS, m * DAYS_PER_MONTH, 2, 19, 30)) for m in range(13)
    ]
    by_hand = sum((cumulative[m] - cumulative[m - 1]) / 1.1 ** (m / 12) for m in range(1, 13))
    assert c1["predicted_clv"] == pytest.approx(by_hand * c1["expected_avg_spend"], rel=1e-9)
    assert scored["C4"]["p_alive"] == 1.0
    assert scored["C4"]["expected_avg_spend"] == pytest.approx(population)
    # repeat spend netting below 0 counts as 0: below the population mean, above 0
    assert 0 < scored["C5"]["expected_avg_spend"] < population
    assert scored["C1"]["expected_purchases_365d"] > scored["C1"]["expected_purchases_90d"] > 0


def rows_by_oneid_table(table: pa.Table) -> dict[str, dict]:
    return {row["oneid"]: row for row in table.to_pylist()}


def test_one_customer_with_thousands_of_orders(conn):
    days = np.arange(3000)
    heavy = [sale("BIG", str(date(2016, 1, 1) + timedelta(days=int(d))), 20.0)
             for d in np.repeat(days, 2)]  # fmt: skip
    write_order_rows(conn, [*heavy, *ORDERS])
    cutoff = date(2025, 1, 31)
    row = rows_by_oneid(customer_summary(conn, cutoff))["BIG"]
    assert row["frequency"] == 2999  # 6,000 orders on 3,000 days
    assert row["monetary_value"] == pytest.approx(40.0)
    scored = rows_by_oneid_table(score(customer_summary(conn, cutoff), known_fits(), ClvConfig()))
    big = scored["BIG"]
    assert all(np.isfinite(big[k]) for k in ("p_alive", "expected_purchases_365d", "predicted_clv"))
    assert 0 <= big["p_alive"] <= 1


def test_fit_on_a_simulated_population_recovers_parameters_and_passes_the_holdout(conn):
    write_orders(conn, simulate(30_000, seed=7))
    config = ClvConfig(min_cohort_customers=2000)
    run = score_warehouse(conn, config, "test")
    assert run.fits.converged
    fitted = run.fits.bgnbd.params
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(TRUE_PURCHASE, name), rel=0.2), name
    holdout = run.holdout
    assert holdout.passed, holdout.failures
    assert holdout.error < 0.05
    assert holdout.actual == int(
        conn.execute(
            "select count(distinct (oneid, paid_date)) from marts.fct_orders "
            "where paid_date > $c and oneid in (select oneid from marts.fct_orders "
            "group by oneid having min(paid_date) <= $c)",
            {"c": holdout.calibration_end},
        ).fetchone()[0]
    )
    assert sum(c.customers for c in holdout.cohorts) == holdout.customers
    assert sum(c.actual for c in holdout.cohorts) == holdout.actual
    written = conn.execute("select count(*), count(distinct oneid) from clv.customer_scores")
    assert written.fetchone() == (run.customers, run.customers)
    fits = conn.execute("select run_id, customers, holdout_passed, r from clv.model_fits")
    assert fits.fetchall() == [("test", run.customers, True, pytest.approx(fitted.r))]


def test_holdout_fails_beyond_the_bound_and_without_repeat_purchases(conn):
    write_orders(conn, simulate(5_000, seed=3))
    end = conn.execute("select max(order_date) from marts.fct_orders").fetchone()[0]
    strict = evaluate_holdout(conn, ClvConfig(max_holdout_error=1e-6), end)
    assert not strict.passed
    assert any("max_holdout_error" in reason for reason in strict.failures)
    # every customer bought once: nothing to predict, and no finite dropout estimate
    write_order_rows(conn, [sale(f"S{i}", f"2025-01-{1 + i % 28:02d}", 10.0) for i in range(50)])
    single = evaluate_holdout(conn, ClvConfig(holdout_days=10), date(2025, 1, 28))
    assert not single.passed
    assert single.actual == 0


def test_cohorts_are_first_purchase_quarters():
    days = np.array(["2024-01-01", "2024-03-31", "2024-04-01", "2025-12-30"], dtype="datetime64[D]")
    assert cohort_of(days).tolist() == ["2024Q1", "2024Q1", "2024Q2", "2025Q4"]


def test_config_file_and_its_guards(tmp_path, monkeypatch):
    shipped = load_config()
    assert (shipped.annual_discount_rate, shipped.horizon_months, shipped.holdout_days) == (
        0.10, 12, 90,
    )  # fmt: skip
    assert shipped.monthly_discount_rate == pytest.approx(1.1 ** (1 / 12) - 1)
    path = tmp_path / "clv.toml"
    path.write_text('[clv]\nholdout_days = 30\ntime_unit = "week"\n')
    monkeypatch.setenv("SIYU_CLV_CONFIG", str(path))
    assert load_config().holdout_days == 30
    assert load_config().days_per_unit == 7
    path.write_text("[clv]\nhorizon = 12\n")
    with pytest.raises(ClvConfigError, match="unknown keys"):
        load_config()
    with pytest.raises(ClvConfigError):
        ClvConfig(time_unit="month")


def test_weeks_and_days_give_the_same_scores(conn):
    write_orders(conn, simulate(3_000, seed=5))
    end = conn.execute("select max(order_date) from marts.fct_orders").fetchone()[0]
    summary = customer_summary(conn, end)
    from clv.scoring import fit_models

    by_day = score(summary, fit_models(summary, ClvConfig()), ClvConfig())
    weekly = ClvConfig(time_unit="week")
    by_week = score(summary, fit_models(summary, weekly), weekly)
    for column in ("p_alive", "expected_purchases_90d", "predicted_clv"):
        assert by_week.column(column).to_numpy() == pytest.approx(
            by_day.column(column).to_numpy(), rel=1e-4
        )


def test_asset_writes_scores_and_reports_blocking_checks(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as c:
        write_orders(c, simulate(5_000, seed=11))
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    result = dg.materialize(
        [customer_scores], resources={"warehouse": WarehouseResource()}, raise_on_error=False
    )
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {name: e.passed for name, e in checks.items()} == {
        CONVERGED_CHECK: True,
        HOLDOUT_CHECK: True,
    }
    assert all(spec.blocking for spec in customer_scores.check_specs)
    materialized = result.asset_materializations_for_node("clv__customer_scores")[0]
    metadata = {k: v.value for k, v in materialized.metadata.items()}
    with duckdb.connect(str(warehouse), read_only=True) as c:
        customers = c.execute("select count(*) from clv.customer_scores").fetchone()[0]
    assert metadata["customers"] == customers
    assert 0 <= metadata["holdout error"] < 0.1
    assert "holdout error 2024Q1" in metadata


def test_a_short_history_holds_out_a_third():
    from clv.holdout import holdout_days

    config = ClvConfig(holdout_days=90)
    assert [holdout_days(config, n) for n in (1000, 270, 269, 100, 2)] == [90, 90, 89, 33, 1]


def test_a_population_too_small_to_judge_warns_without_blocking(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as c:
        write_orders(c, simulate(5_000, seed=11))
    config = tmp_path / "clv.toml"
    # a bound nothing meets, on a population below min_cohort_customers
    config.write_text("[clv]\nmax_holdout_error = 1e-9\nmin_cohort_customers = 1000000\n")
    monkeypatch.setenv("SIYU_CLV_CONFIG", str(config))
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    result = dg.materialize(
        [customer_scores], resources={"warehouse": WarehouseResource()}, raise_on_error=False
    )
    holdout = {e.check_name: e for e in result.get_asset_check_evaluations()}[HOLDOUT_CHECK]
    assert not holdout.passed
    assert holdout.severity == dg.AssetCheckSeverity.WARN
    assert holdout.metadata["judged"].value == 0
    assert result.success  # a WARN does not block what reads the scores

    config.write_text("[clv]\nmax_holdout_error = 1e-9\n")  # judged: the same miss blocks
    result = dg.materialize(
        [customer_scores], resources={"warehouse": WarehouseResource()}, raise_on_error=False
    )
    holdout = {e.check_name: e for e in result.get_asset_check_evaluations()}[HOLDOUT_CHECK]
    assert (holdout.passed, holdout.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert not result.success


def test_untrusted_fits_and_non_finite_scores_are_written_null(conn):
    from datetime import UTC, datetime

    row = {"oneid": ["A", "B"], "first_purchase_date": [date(2025, 1, 1)] * 2,
           "frequency": [1, 0], "recency_days": [3, 0], "age_days": [10, 10],
           "monetary_value": [5.0, 0.0]}  # fmt: skip
    values = {name: [0.5, float("nan")] for name in PREDICTIONS}
    scores = pa.table({**row, **values})
    write_scores(conn, scores, datetime.now(UTC))
    written = conn.execute(f"select oneid, {', '.join(PREDICTIONS)} from clv.customer_scores "
                           "order by oneid").fetchall()  # fmt: skip
    assert written == [("A", *[0.5] * len(PREDICTIONS)), ("B", *[None] * len(PREDICTIONS))]
    write_scores(conn, scores, datetime.now(UTC), trusted=False)
    nulls = conn.execute(
        f"select count(*) from clv.customer_scores where coalesce({', '.join(PREDICTIONS)}) "
        "is null and frequency is not null"
    ).fetchone()
    assert nulls == (2,)


def test_a_line_search_stopping_at_the_optimum_counts_as_converged(conn):
    from scipy.optimize import OptimizeResult

    from clv import gamma_gamma
    from clv.optimisation import reached_optimum

    stalled = OptimizeResult(success=False, fun=1.0, jac=np.array([5.8e-8, -1e-9]))
    assert reached_optimum(stalled)
    assert not reached_optimum(OptimizeResult(success=False, fun=1.0, jac=np.array([1e-3])))
    assert not reached_optimum(OptimizeResult(success=True, fun=np.inf, jac=np.zeros(1)))
    # the same customers in any order give a converged fit (some orders once stopped "ABNORMAL")
    write_orders(conn, simulate(5_000, seed=11))
    end = conn.execute("select max(order_date) from marts.fct_orders").fetchone()[0]
    summary = customer_summary(conn, end)
    x, m = np.asarray(summary.frequency, float), np.asarray(summary.monetary_value, float)
    orders = np.random.default_rng(0)
    for _ in range(30):
        shuffled = orders.permutation(len(x))
        assert gamma_gamma.fit(x[shuffled], m[shuffled]).converged


def test_the_same_orders_in_another_row_order_give_the_very_same_scores(tmp_path):
    from clv.scoring import fit_models

    scores = []
    for number, seed in enumerate((None, 1)):
        with duckdb.connect(str(tmp_path / f"warehouse-{number}.duckdb")) as conn:
            write_orders(conn, simulate(3_000, seed=5))
            if seed is not None:  # the same rows, stored in a shuffled order
                conn.execute("select setseed(0.5)")
                conn.execute(
                    "create or replace table marts.fct_orders as "
                    "select * from marts.fct_orders order by random()"
                )
            end = conn.execute("select max(order_date) from marts.fct_orders").fetchone()[0]
            summary = customer_summary(conn, end)
            scores.append(score(summary, fit_models(summary, ClvConfig()), ClvConfig()))
    first, second = scores
    assert first.num_rows == second.num_rows > 1_000
    for column in ("oneid", "p_alive", "expected_purchases_365d", "predicted_clv"):
        assert first.column(column).to_pylist() == second.column(column).to_pylist(), column
