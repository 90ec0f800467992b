"""Predictive CLV on the 100-day demo brand, built by the nightly job: the scores, the run's
record and holdout, and the CLV marts, each checked against a recomputation in plain Python from
the orders in fct_orders (whose totals test_marts_orders.py reconciles with the ground truth)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from clv.config import load_config
from clv.holdout import MIN_HISTORY_IN_HOLDOUTS

from .conftest import FULL_HISTORY_DAYS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def brand(full_history_brand):
    return full_history_brand.pipeline


@pytest.fixture(scope="module")
def customer_days(brand):
    """oneid → business day → (net amount, is a purchase day), from fct_orders in Python."""
    days: dict[str, dict[date, list]] = defaultdict(dict)
    rows = brand.query(
        "select oneid, coalesce(paid_date, order_date), net_amount, is_paid_sale "
        "from marts.fct_orders where oneid is not null and (is_paid_sale or channel = 'pos')"
    )
    for oneid, day, net, is_paid_sale in rows:
        entry = days[oneid].setdefault(day, [Decimal(0), False])
        entry[0] += net
        entry[1] = entry[1] or (is_paid_sale and net > 0)
    return days


@pytest.fixture(scope="module")
def observation_end(brand):
    return brand.query("select max(order_date) from marts.fct_orders")[0][0]


def summarise(days: dict[date, list], cutoff: date):
    purchases = sorted(d for d, (_, bought) in days.items() if bought and d <= cutoff)
    if not purchases:
        return None
    first = purchases[0]
    frequency = len(purchases) - 1
    repeat_net = sum((net for d, (net, _) in days.items() if first < d <= cutoff), Decimal(0))
    monetary = float(repeat_net) / frequency if frequency else None
    return first, frequency, (purchases[-1] - first).days, (cutoff - first).days, monetary


def test_every_buyer_is_scored_with_their_purchase_history(brand, customer_days, observation_end):
    scores = {
        row[0]: row[1:]
        for row in brand.query(
            "select oneid, first_purchase_date, frequency, recency_days, age_days, "
            "monetary_value, p_alive, expected_purchases_90d, expected_purchases_365d, "
            "expected_avg_spend, predicted_clv from clv.customer_scores"
        )
    }
    expected = {
        oneid: s for oneid, days in customer_days.items()
        if (s := summarise(days, observation_end)) is not None
    }  # fmt: skip
    assert len(expected) > 150
    assert set(scores) == set(expected)
    for oneid, (first, frequency, recency, age, monetary) in expected.items():
        row = scores[oneid]
        assert row[:4] == (first, frequency, recency, age), oneid
        assert row[4] == (None if monetary is None else pytest.approx(monetary)), oneid
        p_alive, e90, e365, spend, clv = row[5:]
        assert 0 <= p_alive <= 1
        assert 0 < e90 < e365
        assert spend > 0 and clv > 0
    # brand-new customers (first purchase on the last day) have a full score, alive for sure
    newest = [scores[o] for o, s in expected.items() if s[3] == 0]
    assert newest and all(row[5] == 1.0 for row in newest)


def test_run_record_and_holdout_match_the_orders(brand, customer_days, observation_end):
    (run,) = brand.query(
        "select customers, repeat_customers, bgnbd_converged, gamma_gamma_converged, "
        "holdout_days, holdout_actual, holdout_predicted, holdout_error, holdout_passed, "
        "r, alpha, a, b from clv.model_fits"
    )
    customers, repeat_customers, converged, gg_converged, days, actual, predicted = run[:7]
    error, passed = run[7:9]
    assert customers == len(brand.query("select oneid from clv.customer_scores"))
    assert (
        repeat_customers
        == brand.query("select count(*) from clv.customer_scores where frequency > 0")[0][0]
    )
    assert converged and gg_converged and passed
    # a 100-day history is split in thirds instead of holding out the configured 90 days
    assert days == min(load_config().holdout_days, FULL_HISTORY_DAYS // MIN_HISTORY_IN_HOLDOUTS)
    calibration_end = observation_end - timedelta(days=days)
    holdout_purchases = sum(
        sum(1 for d, (_, bought) in per_day.items() if bought and d > calibration_end)
        for per_day in customer_days.values()
        if summarise(per_day, calibration_end) is not None
    )
    assert actual == holdout_purchases
    assert error == pytest.approx(abs(predicted - actual) / actual)
    assert error <= load_config().max_holdout_error
    assert all(v > 0 for v in run[9:])


def test_cohort_mart_matches_the_orders(brand, customer_days, observation_end):
    mart = {
        row[0]: row[1:]
        for row in brand.query(
            "select cohort_month, cohort_customers, net_revenue_per_customer_1m, "
            "net_revenue_per_customer_3m, scored_customers, mean_p_alive "
            "from marts.mart_clv__cohorts"
        )
    }
    firsts = {
        oneid: s[0] for oneid, days in customer_days.items()
        if (s := summarise(days, observation_end)) is not None
    }  # fmt: skip
    by_cohort = defaultdict(list)
    for oneid, first in firsts.items():
        by_cohort[first.replace(day=1)].append(oneid)
    assert {month: row[0] for month, row in mart.items()} == {
        month: len(members) for month, members in by_cohort.items()
    }
    assert any(row[1] is not None for row in mart.values())
    for month, members in by_cohort.items():
        observable = add_month(add_month(month)) - timedelta(days=1) <= observation_end
        if not observable:
            assert mart[month][1] is None
            continue
        revenue = [
            sum(
                (net for d, (net, _) in customer_days[o].items()
                 if firsts[o] <= d < add_month(firsts[o])),
                Decimal(0),
            )
            for o in members
        ]  # fmt: skip
        assert mart[month][1] == (sum(revenue) / len(revenue)).quantize(Decimal("0.01"))
        assert mart[month][3] == len(members)
        assert 0 < mart[month][4] <= 1


def add_month(day: date) -> date:
    """The same day a month later, clipped to the month's end (as DuckDB adds a month)."""
    year, month = (day.year, day.month + 1) if day.month < 12 else (day.year + 1, 1)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def test_ltv_cac_mart_counts_every_first_buyer_once(brand):
    mart = {
        row[0]: row[1:]
        for row in brand.query(
            "select channel_code, customers, spend_amount, cac, mean_predicted_clv "
            "from marts.mart_clv__ltv_cac_by_channel"
        )
    }
    buyers = brand.query(
        "select count(distinct oneid) from marts.fct_orders "
        "where is_paid_sale and oneid is not null"
    )[0][0]
    assert sum(row[0] for row in mart.values()) == buyers
    cac_totals = brand.query(
        "select channel_code, sum(spend_amount), sum(new_customers) "
        "from marts.mart_acquisition__cac_monthly group by channel_code"
    )
    for channel, spend, new_customers in cac_totals:
        assert mart[channel][1] == spend
        if new_customers:
            assert mart[channel][2] == (spend / new_customers).quantize(Decimal("0.01"))
            # CAC and LTV count the same people for a spend channel
            assert mart[channel][0] == new_customers
