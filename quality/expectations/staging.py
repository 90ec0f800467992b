"""Suites on the staging models: the latest load's volume, key nulls and references; freshness.

A staging suite judges the latest load of its raw table: the newest load id of raw._load_manifest
that landed rows. A failed load therefore fails again on a run that lands nothing new for that
table, and only a new load that passes clears it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

import great_expectations as gx
import sqlalchemy as sa

from quality.expectations.config import QualityConfig, Reference, StagingSuite
from quality.expectations.engine import WarehouseDatasource
from quality.expectations.results import GateOutcome, counts, observed, share
from quality.expectations.suites import sql_literal, validate_query

VOLUME_CHECK = "latest_load_volume_vs_recent_loads"
NULLS_CHECK = "latest_load_key_null_shares"
REFERENCES_CHECK = "latest_load_references_exist"
FRESHNESS_CHECK = "newest_business_date_fresh"


@dataclass(frozen=True)
class LoadHistory:
    latest_load: str | None  # None: nothing landed in the table yet
    earlier_rows: tuple[int, ...]  # rows landed by the loads before it, newest first


def load_history(datasource: WarehouseDatasource, raw_table: str, loads: int) -> LoadHistory:
    """The latest load that landed rows in `raw_table`, and the rows of up to `loads` before it."""
    query = sa.text(
        "select load_id, sum(rows_loaded) from raw._load_manifest where raw_table = :t "
        "group by load_id having sum(rows_loaded) > 0 order by max(loaded_at) desc limit :n"
    )
    with datasource.get_engine().connect() as conn:
        rows = conn.execute(query, {"t": raw_table, "n": loads + 1}).fetchall()
    if not rows:
        return LoadHistory(None, ())
    return LoadHistory(rows[0][0], tuple(int(n) for _, n in rows[1:]))


def run_date(datasource: WarehouseDatasource, suites, *, demo: bool, today: date) -> date:
    """Today's business date; in demo mode the simulated brand's clock: the newest business date
    of any suite's model."""
    if not demo:
        return today
    newest = " union all ".join(
        f"select max({s.business_date}) as d from {s.relation}" for s in suites
    )
    with datasource.get_engine().connect() as conn:
        (value,) = conn.execute(sa.text(f"select max(d) from ({newest})")).fetchone()
    return value or today


def check_volume(datasource, suite: StagingSuite, config: QualityConfig, history: LoadHistory):
    """Rows the latest load landed, against the median of the loads before it."""
    volume = config.volume
    min_ratio = suite.min_volume_ratio or volume.min_ratio
    earlier = history.earlier_rows
    median = statistics.median(earlier) if earlier else 0
    if len(earlier) < volume.min_history_loads:
        note = f"fewer than {volume.min_history_loads} earlier loads: not judged"
    elif median < volume.min_median_rows:
        note = f"median of earlier loads under {volume.min_median_rows} rows: not judged"
    else:
        note = "judged against the median of earlier loads"
    judged = note.startswith("judged")
    minimum = math.ceil(median * min_ratio) if judged else 0
    results = validate_query(
        datasource,
        f"{suite.model}__volume",
        f"select 1 from raw.{suite.raw_table} where _load_id = {sql_literal(history.latest_load)}",
        {"rows": gx.expectations.ExpectTableRowCountToBeBetween(min_value=minimum)},
    )
    rows = int(observed(results["rows"]))
    return GateOutcome(
        suite.model,
        VOLUME_CHECK,
        passed=results["rows"].success,
        metadata={
            "rows_latest_load": rows,
            "earlier_loads_compared": len(earlier),
            "median_rows_earlier_loads": float(median),
            "ratio_to_median": round(rows / median, 4) if median else -1.0,
            "min_ratio": min_ratio,
            "min_rows": minimum,
            "judged": judged,
            "note": note,
        },
    )


def check_nulls(datasource, suite: StagingSuite, config: QualityConfig, history: LoadHistory):
    """Share of null values per key column among the latest load's rows, each under its bound;
    a bound above 0 is judged only on a load large enough for a share to mean something."""
    columns = list(suite.max_null_share)
    results = validate_query(
        datasource,
        f"{suite.model}__nulls",
        f"select {', '.join(columns)} from {suite.relation} "
        f"where _load_id = {sql_literal(history.latest_load)}",
        {
            column: gx.expectations.ExpectColumnValuesToNotBeNull(
                column=column, mostly=round(1 - bound, 6)
            )
            for column, bound in suite.max_null_share.items()
        },
    )
    metadata: dict = {}
    failed = 0
    for column, bound in suite.max_null_share.items():
        rows, nulls = counts(results[column])
        judged = bound == 0 or rows >= config.nulls.min_rows
        failed += int(judged and not results[column].success)
        metadata |= {
            f"{column} nulls": nulls,
            f"{column} null_share": share(nulls, rows),
            f"{column} max_null_share": bound,
            f"{column} judged": judged,
        }
        metadata["rows_latest_load"] = rows
    metadata |= {"columns_over_bound": failed, "min_rows_for_a_share": config.nulls.min_rows}
    return GateOutcome(suite.model, NULLS_CHECK, passed=not failed, metadata=metadata)


def check_references(datasource, suite: StagingSuite, history: LoadHistory) -> GateOutcome:
    """Every non-null value of a reference column of the latest load exists in its table."""
    metadata: dict = {}
    passed = True
    for reference in suite.references:
        result = validate_query(
            datasource,
            f"{suite.model}__{reference.column}__references",
            _orphan_query(suite, reference, history.latest_load),
            {"found": gx.expectations.ExpectColumnValuesToBeInSet(column="found", value_set=[1])},
        )["found"]
        rows, orphans = counts(result)
        target = f"{reference.table}.{reference.to_column}"
        metadata |= {
            f"{reference.column} rows_checked": rows,
            f"{reference.column} rows_missing_in {target}": orphans,
        }
        passed = passed and result.success
    return GateOutcome(suite.model, REFERENCES_CHECK, passed=passed, metadata=metadata)


def _orphan_query(suite: StagingSuite, reference: Reference, load_id: str) -> str:
    # a 1/0 flag per row, never the value itself, so that nothing of a row can be reported
    condition = f" and ({reference.where})" if reference.where else ""
    return (
        f"select case when known.{reference.to_column} is null then 0 else 1 end as found "
        f"from (select {reference.column} from {suite.relation} "
        f"where _load_id = {sql_literal(load_id)} and {reference.column} is not null{condition}) "
        f"as checked left join (select distinct {reference.to_column} from {reference.table}) "
        f"as known on checked.{reference.column} = known.{reference.to_column}"
    )


def check_freshness(datasource, suite: StagingSuite, config: QualityConfig, as_of: date):
    """The newest business date of the whole model lags the run date by at most the SLA, for a
    model busy enough that a gap that long means something."""
    freshness = config.freshness
    max_lag = suite.max_lag_days if suite.max_lag_days is not None else freshness.max_lag_days
    oldest_allowed = as_of - timedelta(days=max_lag)
    expected = _expected_rows(datasource, suite, as_of, days=max_lag + 1)
    judged = expected >= freshness.min_expected_rows
    result = validate_query(
        datasource,
        f"{suite.model}__freshness",
        f"select {suite.business_date} from {suite.relation}",
        {
            "newest": gx.expectations.ExpectColumnMaxToBeBetween(
                column=suite.business_date, min_value=oldest_allowed if judged else None
            )
        },
    )["newest"]
    newest = observed(result)
    lag = (as_of - _as_date(newest)).days if newest is not None else -1
    return GateOutcome(
        suite.model,
        FRESHNESS_CHECK,
        passed=bool(result.success) and (newest is not None or not judged),
        metadata={
            "newest_business_date": str(newest),
            "run_date": str(as_of),
            "lag_days": lag,
            "max_lag_days": max_lag,
            "expected_rows_in_lag_window": round(expected, 2),
            "min_expected_rows": freshness.min_expected_rows,
            "judged": judged,
        },
    )


RECENT_DAYS = 28  # the window of the model's usual daily rows


def _expected_rows(datasource, suite: StagingSuite, as_of: date, days: int) -> float:
    """Rows the model usually has in `days` business days: its daily mean over RECENT_DAYS."""
    query = sa.text(
        f"select count(*) from {suite.relation} where {suite.business_date} "
        "between :first and :last"
    )
    first = as_of - timedelta(days=RECENT_DAYS - 1)
    with datasource.get_engine().connect() as conn:
        rows = conn.execute(query, {"first": first, "last": as_of}).scalar()
    return rows / RECENT_DAYS * days


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def check_staging_suite(
    datasource: WarehouseDatasource, suite: StagingSuite, config: QualityConfig, as_of: date
) -> list[GateOutcome]:
    outcomes = [check_freshness(datasource, suite, config, as_of)]
    history = load_history(datasource, suite.raw_table, config.volume.history_loads)
    if history.latest_load is None:
        note = {"note": f"nothing landed in raw.{suite.raw_table} yet"}
        names = [VOLUME_CHECK, NULLS_CHECK] + ([REFERENCES_CHECK] if suite.references else [])
        return outcomes + [GateOutcome(suite.model, name, True, note) for name in names]
    outcomes += [
        check_volume(datasource, suite, config, history),
        check_nulls(datasource, suite, config, history),
    ]
    if suite.references:
        outcomes.append(check_references(datasource, suite, history))
    return outcomes


def staging_check_names(suite: StagingSuite) -> list[str]:
    names = [FRESHNESS_CHECK, VOLUME_CHECK, NULLS_CHECK]
    return names + ([REFERENCES_CHECK] if suite.references else [])
