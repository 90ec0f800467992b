"""The WeCom relationship history and the retention marts, checked against the simulator's ground
truth: its relationships (who added which guide when, and who deleted when) and orders_daily.csv.
Some callbacks are dropped from the files before the run, as WeCom loses them, so the repair
from the full contact list is checked too."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.simulator.clock import DAY
from ingestion.simulator.wecom import ADD

from .conftest import FULL_HISTORY_DAYS as HORIZON_DAYS
from .conftest import read_csv
from .wecom_truth import START, Relationship, snapshot_days

RELATIONSHIPS = "marts.fct_wecom_relationships"
WECOM_MONTHLY = "marts.mart_retention__wecom_monthly"
ORDER_COHORTS = "marts.mart_retention__order_cohorts"
MONEY_MOVEMENTS = "marts.fct_order_money_movements"
REPURCHASE = "marts.mart_retention__repurchase_monthly"
TENURE = "marts.mart_retention__wecom_tenure"
GROUPS = "marts.mart_retention__group_monthly"
CALENDAR = "marts.dim_calendar"
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
    # refunds are booked in the month they happen, so only the whole history adds up; anonymous
    # store receipts belong to no customer: between the online and the whole truth
    online = sum(month["online"] for month in truth.values())
    pos = sum(month["pos"] for month in truth.values())
    assert online <= sum(mart.values()) <= online + pos
    cohorts = brand.query(
        f"select cohort_month, count(*), min(activity_month), max(months_since_first), "
        f"max(cohort_customers) - min(cohort_customers) from {ORDER_COHORTS} group by all"
    )
    last = max(truth)
    for cohort, n, first_activity, span, size_spread in cohorts:
        months = (last.year - cohort.year) * 12 + last.month - cohort.month
        assert (n, first_activity, span, size_spread) == (months + 1, cohort, months, 0)


def test_order_cohort_refunds_land_in_the_month_they_are_booked(brand, built):
    """Each cohort month's revenue recomputed from the money movements of its customers."""
    first_purchase = dict(
        brand.query(
            "select customer_key, date_trunc('month', min(paid_date)) from marts.fct_orders "
            "where customer_key is not null and is_paid_sale and net_amount > 0 group by all"
        )
    )
    expected = defaultdict(Decimal)
    later_refunds = 0
    for customer, booked, paid, amount in brand.query(
        f"select customer_key, business_date, order_paid_date, amount from {MONEY_MOVEMENTS} "
        "where customer_key is not null"
    ):
        cohort = first_purchase.get(customer)
        if cohort is None or (paid or booked) < cohort:
            continue
        expected[(cohort, booked.replace(day=1))] += amount
        later_refunds += bool(paid and paid.replace(day=1) < booked.replace(day=1))
    assert later_refunds > 0  # refunds booked in a month after the sale are in the data
    mart = {
        (cohort, month): revenue
        for cohort, month, revenue in brand.query(
            f"select cohort_month, activity_month, net_revenue from {ORDER_COHORTS} "
            "where net_revenue <> 0"
        )
    }
    assert mart == {key: value for key, value in expected.items() if value}


def repurchase_truth(purchase_days: dict[str, set[date]]) -> dict[date, dict]:
    """The repurchase mart's definitions applied in Python to each customer's purchase days."""
    months = defaultdict(lambda: {"buyers": set(), "repeat": set(), "intervals": []})
    in_month = defaultdict(set)  # month -> customers with two purchase days or more in it
    for customer, days in purchase_days.items():
        ordered = sorted(days)
        per_month = Counter(day.replace(day=1) for day in ordered)
        for month, count in per_month.items():
            if count >= 2:
                in_month[month].add(customer)
        for previous, day in zip([None, *ordered], ordered, strict=False):
            month = months[day.replace(day=1)]
            month["buyers"].add(customer)
            if previous is not None:
                month["repeat"].add(customer)
                month["intervals"].append((day - previous).days)
    return {
        month: {
            "buyers": len(m["buyers"]),
            "repeat_buyers": len(m["repeat"]),
            "in_month_repeat_buyers": len(in_month[month]),
            "median": statistics.median(m["intervals"]) if m["intervals"] else None,
            "mean": statistics.fmean(m["intervals"]) if m["intervals"] else None,
        }
        for month, m in months.items()
    }


def test_repurchase_matches_purchase_days_computed_in_python(brand, built):
    purchase_days = defaultdict(set)
    for customer, day in brand.query(
        "select customer_key, paid_date from marts.fct_orders "
        "where customer_key is not null and is_paid_sale and net_amount > 0"
    ):
        purchase_days[customer].add(day)
    expected = repurchase_truth(purchase_days)
    rows = brand.query(
        "select business_month, buyers, repeat_buyers, repurchase_rate, median_interval_days, "
        f"mean_interval_days, repurchase_rate_change, repurchase_rate_moving_avg from {REPURCHASE} "
        "order by business_month"
    )
    in_month = brand.query(f"select business_month, in_month_repeat_buyers from {REPURCHASE}")
    assert {month: n for month, n in in_month if n} == {
        month: m["in_month_repeat_buyers"]
        for month, m in expected.items()
        if m["in_month_repeat_buyers"]
    }
    assert sum(n for _, n in in_month) > 0
    assert {row[0] for row in rows if row[1]} == set(expected)
    assert sum(m["repeat_buyers"] for m in expected.values()) > 0
    rates = []
    for month, buyers, repeat, rate, median, mean, change, moving in rows:
        want = expected[month]
        assert (buyers, repeat) == (want["buyers"], want["repeat_buyers"]), month
        assert rate == pytest.approx(repeat / buyers)
        assert median == pytest.approx(want["median"]) and mean == pytest.approx(want["mean"])
        assert change == (None if not rates else pytest.approx(rate - rates[-1]))
        rates.append(rate)
        assert moving == pytest.approx(statistics.fmean(rates[-3:]))


def test_wecom_tenure_matches_ground_truth(brand, built):
    truth, lost_adds, lost_deletes = built
    intervals = expected_intervals(truth, lost_adds, lost_deletes, HORIZON_DAYS)
    as_of = max(max(i.added_day, i.ended_day or 0) for i in intervals)
    expected = defaultdict(lambda: defaultdict(int))
    for i in intervals:
        month = expected[month_of(i.added_day)]
        kept = (i.ended_day if i.ended_day is not None else as_of) - i.added_day
        month["relationships_added"] += 1
        month["ended_relationships"] += i.ended_day is not None
        for n in (7, 30):
            month[f"observed_{n}d"] += as_of - i.added_day >= n
            month[f"survived_{n}d"] += as_of - i.added_day >= n and kept >= n
    columns = list(next(iter(expected.values())))
    rows = brand.query(
        f"select added_month, {', '.join(f'sum({c})' for c in columns)} from {TENURE} group by 1"
    )
    mart = {month: dict(zip(columns, sums, strict=True)) for month, *sums in rows}
    assert {m: dict(v) for m, v in expected.items()} == mart
    assert sum(v["ended_relationships"] for v in expected.values()) >= 2
    # a person adding two guides counts once: never more persons than relationships
    assert brand.query(f"select count(*) from {TENURE} where friends_added > relationships_added")[
        0
    ] == (0,)


def group_stats_from_files(sources) -> dict[tuple[str, date], list[dict]]:
    """The daily group statistics as the WeCom files carry them, one copy per group and day."""
    days = {}
    for path in sorted((sources / "wecom" / "group_stats").glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        day = date.fromisoformat(page["stat_date"])
        for item in page["items"]:
            days[(item["chat_id"], day)] = item
    by_month = defaultdict(list)
    for (chat_id, day), item in days.items():
        by_month[(chat_id, day.replace(day=1))].append({**item, "day": day})
    return by_month


def test_group_activity_matches_the_statistics_files(brand, built):
    by_month = group_stats_from_files(brand.sources)
    assert by_month
    rows = brand.query(
        f"select chat_id, business_month, stat_days, messages, silent_share, members_at_end, "
        f"is_dismissed from {GROUPS}"
    )
    mart = {(chat, month): rest for chat, month, *rest in rows}
    assert set(by_month) <= set(mart)
    for key, items in by_month.items():
        stat_days, messages, silent_share, members_at_end, dismissed = mart[key]
        last = max(items, key=lambda item: item["day"])
        assert stat_days == len(items), key
        assert messages == sum(item["msg_total"] for item in items), key
        speakers = sum(item["member_has_msg"] for item in items)
        assert silent_share == pytest.approx(1 - speakers / sum(i["member_total"] for i in items))
        assert members_at_end == (0 if dismissed else last["member_total"]), key


def test_calendar_matches_pythons_calendar_and_the_holiday_seed(brand, built):
    seed_path = Path(__file__).parents[2] / "dbt_project" / "seeds" / "cn_public_holidays.csv"
    holidays = {
        date.fromisoformat(row["calendar_date"]): row["is_workday"] == "true"
        for row in read_csv(seed_path)
    }
    rows = brand.query(
        f"select calendar_date, iso_year, iso_week, iso_day_of_week, is_weekend, is_workday "
        f"from {CALENDAR} order by 1"
    )
    first, last = brand.query(
        "select min(order_date), max(greatest(order_date, coalesce(refund_date, order_date))) "
        "from marts.fct_orders"
    )[0]
    assert rows[0][0] <= first and rows[-1][0] >= last
    assert len(rows) == (rows[-1][0] - rows[0][0]).days + 1
    for day, iso_year, iso_week, weekday, weekend, workday in rows:
        assert (iso_year, iso_week, weekday) == tuple(day.isocalendar()), day
        assert weekend == (weekday >= 6)
        assert workday == holidays.get(day, weekday <= 5), day
    assert any(day in holidays for day, *_ in rows)  # the brand's history meets a holiday
