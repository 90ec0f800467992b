"""The NPS and outbound campaign marts, checked against the simulator's ground truth."""

from __future__ import annotations

from collections import defaultdict

import pytest

from .conftest import read_csv

NPS_MART = "marts.mart_nps__monthly"
NPS_TOUCHPOINT_MART = "marts.mart_nps__touchpoint_monthly"
OUTBOUND_MART = "marts.mart_campaigns__outbound_funnel"
# purchases are found through OneID (a mall account without phone or unionid stays unlinked) and
# include purchases the call did not cause, so they only approximate the platform's win-backs
PURCHASED_TOLERANCE = (2, 0.25)


@pytest.fixture(scope="module")
def built(full_history_brand):
    return full_history_brand.pipeline


def test_nps_monthly_matches_ground_truth(built):
    truth = {
        row["month"]: tuple(
            int(row[k]) for k in ("responses", "promoters", "passives", "detractors")
        )
        for row in read_csv(built.ground_truth / "nps_monthly.csv")
    }
    rows = built.query(
        "select strftime(business_month, '%Y-%m'), responses, promoters, passives, detractors, "
        f"respondents, nps from {NPS_MART}"
    )
    assert len(truth) >= 3
    assert {month: tuple(counts) for month, *counts, _, _ in rows} == truth
    for _, responses, promoters, _, detractors, respondents, nps in rows:
        assert 1 <= respondents <= responses
        assert nps == pytest.approx(100 * (promoters - detractors) / responses)


def test_nps_touchpoints_add_up_to_the_month(built):
    by_month = defaultdict(lambda: [0, 0, 0, 0])
    for month, *counts in built.query(
        "select strftime(business_month, '%Y-%m'), responses, promoters, passives, detractors "
        f"from {NPS_TOUCHPOINT_MART}"
    ):
        by_month[month] = [a + b for a, b in zip(by_month[month], counts, strict=True)]
    monthly = built.query(
        "select strftime(business_month, '%Y-%m'), responses, promoters, passives, detractors "
        f"from {NPS_MART}"
    )
    assert monthly
    assert dict(by_month) == {month: list(counts) for month, *counts in monthly}


def test_outbound_funnel_matches_ground_truth(built):
    truth = {
        row["campaign_id"]: (int(row["called"]), int(row["connected"]), int(row["reactivated"]))
        for row in read_csv(built.ground_truth / "outbound.csv")
    }
    rows = {
        campaign: rest
        for campaign, *rest in built.query(
            "select campaign_id, calls, connected_calls, reactivated_customers, called_customers, "
            "connected_customers, purchased_customers, attributed_net_revenue, cost_amount, roi "
            f"from {OUTBOUND_MART}"
        )
    }
    assert truth and sum(reactivated for _, _, reactivated in truth.values()) > 0
    assert {campaign: tuple(row[:3]) for campaign, row in rows.items()} == truth
    # the simulator calls a person once per campaign, on the one phone they have
    assert {campaign: tuple(row[3:5]) for campaign, row in rows.items()} == {
        campaign: (called, connected) for campaign, (called, connected, _) in truth.items()
    }
    absolute, relative = PURCHASED_TOLERANCE
    for campaign, (*_, connected, purchased, revenue, cost, roi) in rows.items():
        reactivated = truth[campaign][2]
        assert abs(purchased - reactivated) <= max(absolute, relative * reactivated), campaign
        assert purchased <= connected
        if cost:
            assert roi == pytest.approx(float(revenue) / float(cost))
        else:
            assert roi is None


NPS_BREAKDOWNS = {
    "marts.mart_nps__store_monthly": "store_id",
    "marts.mart_nps__channel_monthly": "first_touch_channel",
    "marts.mart_nps__segment_monthly": "segment_type, segment",
}


@pytest.mark.parametrize("mart", list(NPS_BREAKDOWNS))
def test_nps_breakdowns_add_up_to_the_ground_truth_month(built, mart):
    truth = {
        row["month"]: [int(row[k]) for k in ("responses", "promoters", "passives", "detractors")]
        for row in read_csv(built.ground_truth / "nps_monthly.csv")
    }
    # the segment mart counts every sheet once per kind of segment
    kind = "segment_type" if "segment_type" in NPS_BREAKDOWNS[mart] else "'all'"
    rows = built.query(
        f"select {kind}, strftime(business_month, '%Y-%m'), "
        f"responses, promoters, passives, detractors, nps from {mart}"
    )
    by_kind = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    for kind, month, *counts, nps in rows:
        by_kind[kind][month] = [a + b for a, b in zip(by_kind[kind][month], counts, strict=True)]
        responses, promoters, _, detractors = counts
        assert nps == pytest.approx(100 * (promoters - detractors) / responses)
    assert truth and by_kind
    for kind, months in by_kind.items():
        assert dict(months) == truth, kind


def test_nps_store_visits_are_store_answers_of_store_buyers(built):
    """Hand check: a visit-credited sheet is a 门店 sheet whose respondent bought in a store on
    or before the day, recomputed here from the identified answers and the receipts."""
    answers = built.query(
        "select survey_id, response_no, customer_key, submitted_date, business_month "
        "from intermediate.int_nps_responses_identified where touchpoint = '门店'"
    )
    store_sale_days = defaultdict(list)
    for customer, day in built.query(
        "select customer_key, paid_date from marts.fct_orders "
        "where channel = 'pos' and is_paid_sale and customer_key is not null"
    ):
        store_sale_days[customer].append(day)
    expected = defaultdict(int)
    for *_, customer, submitted, month in answers:
        if any(day <= submitted for day in store_sale_days.get(customer, [])):
            expected[month] += 1
    mart = dict(
        built.query(
            "select business_month, sum(visit_responses) from marts.mart_nps__store_monthly "
            "group by 1 having sum(visit_responses) > 0"
        )
    )
    assert sum(expected.values()) > 0
    assert mart == dict(expected)
