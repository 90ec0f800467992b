"""The WeCom relationship history and the retention marts, checked against the simulator's ground
truth: its relationships (who added which guide when, and who deleted when) and orders_daily.csv.
Some callbacks are dropped from the files before the run, as WeCom loses them, so the repair
from the full contact list is checked too."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from ingestion.simulator.clock import DAY
from ingestion.simulator.wecom import ADD

from .conftest import FULL_HISTORY_DAYS as HORIZON_DAYS
from .conftest import read_csv
from .wecom_truth import START, Relationship, snapshot_days

RELATIONSHIPS = "marts.fct_wecom_relationships"
WECOM_MONTHLY = "marts.mart_retention__wecom_monthly"
ORDER_COHORTS = "marts.mart_retention__order_cohorts"
ONLINE_SOURCES = ("tmall", "jd", "douyin", "mall", "live")


@dataclass(frozen=True)
class Interval:
    """What the warehouse can know of a relationship once the lost callbacks are gone."""

    person_id: str
    external_userid: str
    guide_userid: str
    valid_from: datetime
    valid_to: datetime | None
    start_type: str
    end_type: str | None
    added_day: int
    ended_day: int | None
    retention_days: float | None


def local_time(t: int) -> datetime:
    return datetime.combine(START, datetime.min.time()) + timedelta(seconds=int(t))


def month_of(day: int) -> date:
    return (START + timedelta(days=day)).replace(day=1)


def expected_intervals(
    truth: list[Relationship], lost_adds: set, lost_deletes: set, days: int
) -> list[Interval]:
    """A lost add is repaired with its exact time; a lost delete is dated by the first snapshot
    that no longer lists the relationship (valid_to = the end of that day)."""
    out = []
    for r in truth:
        end_type, valid_to, ended_day, retention = r.del_type, None, None, None
        if r.deleted is not None and r in lost_deletes:
            ended_day = min(d for d in snapshot_days(days) if d >= r.deleted // DAY)
            end_type, valid_to = "contact_list", local_time((ended_day + 1) * DAY)
        elif r.deleted is not None:
            ended_day, valid_to = r.deleted // DAY, local_time(r.deleted)
            retention = (r.deleted - r.added) / DAY
        out.append(
            Interval(
                person_id=r.person_id,
                external_userid=r.external_userid,
                guide_userid=r.guide_userid,
                valid_from=local_time(r.added),
                valid_to=valid_to,
                start_type="contact_list" if r in lost_adds else ADD,
                end_type=end_type,
                added_day=r.added // DAY,
                ended_day=ended_day,
                retention_days=retention,
            )
        )
    return out


def monthly_truth(intervals: list[Interval]) -> dict[date, dict]:
    """The retention mart's definitions applied to the expected intervals, a person a person_id."""
    first = min(i.added_day for i in intervals)
    last = max(max(i.added_day, i.ended_day or 0) for i in intervals)
    months, month = [], month_of(first)
    while month <= month_of(last):
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    out = {}
    for month in months:
        start = (month - START).days
        end = ((month + timedelta(days=32)).replace(day=1) - START).days

        def open_at(day, i):
            return i.added_day < day and (i.ended_day is None or i.ended_day >= day)

        ended = [i for i in intervals if i.ended_day is not None and start <= i.ended_day < end]
        at_end = {i.person_id for i in intervals if open_at(end, i)}
        at_start = {i.person_id for i in intervals if open_at(start, i)}
        days_kept = [i.retention_days for i in ended if i.retention_days is not None]
        out[month] = {
            "friends_at_start": len(at_start),
            "new_friends": len({i.person_id for i in intervals if start <= i.added_day < end}),
            "deleted_relationships": len(ended),
            "deleted_friends": len({i.person_id for i in ended} - at_end),
            "friends_at_end": len(at_end),
            "median_retention_days": statistics.median(days_kept) if days_kept else None,
        }
    return out


def merged_persons(query, truth: list[Relationship]) -> int:
    """Persons whose external_userid shares its OneID with another person's (a OneID error)."""
    oneid_of = dict(
        query(
            "select identifier_value, oneid from identity.oneid_map "
            "where identifier_type = 'wecom_external_userid'"
        )
    )
    persons = defaultdict(set)
    for r in truth:
        persons[oneid_of.get(r.external_userid)].add(r.person_id)
    return sum(len(p) for p in persons.values() if len(p) > 1)


@pytest.fixture(scope="module")
def brand(full_history_brand):
    return full_history_brand.pipeline


@pytest.fixture(scope="module")
def built(full_history_brand):
    return full_history_brand.lost_callbacks


def test_relationship_history_matches_ground_truth(brand, built):
    truth, lost_adds, lost_deletes = built
    assert lost_adds and lost_deletes  # both repairs are in the data
    assert len(lost_deletes) < sum(r.deleted is not None for r in truth)  # and a kept delete
    expected = {
        (i.external_userid, i.guide_userid, i.valid_from, i.valid_to, i.start_type, i.end_type)
        for i in expected_intervals(truth, lost_adds, lost_deletes, HORIZON_DAYS)
    }
    rows = brand.query(
        "select external_userid, guide_userid, valid_from, valid_to, start_type, end_type "
        f"from {RELATIONSHIPS}"
    )
    assert len(rows) == len(expected) == len(truth)
    assert set(rows) == expected
    # the current intervals agree with the reconciled current state
    disagree = brand.query(
        f"select count(*) from intermediate.int_wecom_relationships_reconciled as r "
        f"full join (select external_userid, guide_userid, bool_or(is_current) as is_current "
        f"from {RELATIONSHIPS} group by all) as f using (external_userid, guide_userid) "
        "where r.is_active is distinct from f.is_current"
    )
    assert disagree == [(0,)]


def test_wecom_retention_matches_ground_truth(brand, built):
    truth, lost_adds, lost_deletes = built
    expected = monthly_truth(expected_intervals(truth, lost_adds, lost_deletes, HORIZON_DAYS))
    columns = list(next(iter(expected.values())))
    rows = brand.query(
        f"select business_month, {', '.join(columns)}, delete_rate from {WECOM_MONTHLY}"
    )
    mart = {row[0]: dict(zip([*columns, "delete_rate"], row[1:], strict=True)) for row in rows}
    assert set(mart) == set(expected)
    assert sum(m["deleted_friends"] for m in expected.values()) >= 2  # deletes are in the data
    # a OneID merging two friends counts them once: person counts may differ by the merged persons
    tolerance = merged_persons(brand.query, truth)
    for month, want in expected.items():
        got = mart[month]
        assert got["deleted_relationships"] == want["deleted_relationships"], month
        assert got["median_retention_days"] == pytest.approx(want["median_retention_days"]), month
        for column in ("friends_at_start", "new_friends", "deleted_friends", "friends_at_end"):
            assert abs(got[column] - want[column]) <= tolerance, (month, column)
        if got["friends_at_start"]:
            assert got["delete_rate"] == pytest.approx(
                got["deleted_friends"] / got["friends_at_start"]
            )
        else:
            assert got["delete_rate"] is None


def test_order_cohort_revenue_matches_ground_truth(brand, built):
    truth = defaultdict(lambda: defaultdict(Decimal))
    for row in read_csv(brand.ground_truth / "orders_daily.csv"):
        net = Decimal(row["paid_amount"]) - Decimal(row["refund_amount"])
        family = "online" if row["source"] in ONLINE_SOURCES else row["source"]
        truth[date.fromisoformat(row["day"]).replace(day=1)][family] += net
    mart = dict(
        brand.query(
            f"select activity_month, sum(net_revenue) from {ORDER_COHORTS} group by activity_month"
        )
    )
    assert set(mart) == set(truth)
    for month, net in mart.items():
        # anonymous store receipts belong to no customer: between the online and the whole truth
        assert truth[month]["online"] <= net <= truth[month]["online"] + truth[month]["pos"], month
    cohorts = brand.query(
        f"select cohort_month, count(*), min(activity_month), max(months_since_first), "
        f"max(cohort_customers) - min(cohort_customers) from {ORDER_COHORTS} group by all"
    )
    last = max(truth)
    for cohort, n, first_activity, span, size_spread in cohorts:
        months = (last.year - cohort.year) * 12 + last.month - cohort.month
        assert (n, first_activity, span, size_spread) == (months + 1, cohort, months, 0)
