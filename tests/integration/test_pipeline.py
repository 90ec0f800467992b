"""The nightly job end to end, checked against the simulator's ground truth."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import date, timedelta

import duckdb
import pytest

from identity.evaluation import demo_truth, pairwise_scores
from ingestion.simulator.brand import MALL_APPID as DEMO_MALL_APPID
from ingestion.simulator.clock import Period
from ingestion.simulator.people import make_people
from ingestion.sources import RAW_TABLES

from .conftest import DEMO_CUSTOMERS, DEMO_DAYS, DEMO_SEED, read_csv

ACQUISITION_MART = "marts.mart_acquisition__channel_daily"
MALL_API_FOLDER = "_mall_api/"  # the demo mall's server-side records, landed as fetched pages
# the channel families whose reach the mart computes today; new friends are checked for all
REACH_FAMILIES = ("store_", "pkgcard_tmall")


@pytest.fixture(scope="module")
def first_run(pipeline):
    result = pipeline.run()
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def sha256_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_files(pipeline, arrival_day: str | None = None, landed_before=frozenset()):
    """Per (raw table, path): (rows, bad rows) from files.csv, one entry per distinct content
    (a re-sent or byte-identical file is landed once), skipping content landed before."""
    expected, seen = {}, set(landed_before)
    for row in read_csv(pipeline.ground_truth / "files.csv"):
        if row["path"].startswith(MALL_API_FOLDER) or row["resent_copy_of"]:
            continue
        if arrival_day is not None and row["arrival_day"] != arrival_day:
            continue
        content = (row["raw_table"], sha256_of(pipeline.sources / row["path"]))
        if content not in seen:
            seen.add(content)
            expected[(row["raw_table"], row["path"])] = (int(row["rows"]), int(row["bad_rows"]))
    return expected


def mall_items(pipeline, arrival_day: str | None = None) -> dict[str, int]:
    items = defaultdict(int)
    for row in read_csv(pipeline.ground_truth / "files.csv"):
        in_day = arrival_day is None or row["arrival_day"] == arrival_day
        if row["path"].startswith(MALL_API_FOLDER) and in_day:
            items[row["raw_table"]] += int(row["rows"])
    return dict(items)


def landed_files(pipeline, load_id: str | None = None):
    """Per (raw table, file) of the manifest: (rows in, bad rows = quarantined + rejected)."""
    rows = pipeline.query(
        """
        select m.raw_table, m.source_file, m.rows_in, m.rows_quarantined + count(r.row_number)
        from raw._load_manifest as m
        left join raw._rejected_values as r
            on r.raw_table = m.raw_table and r.file_sha256 = m.file_sha256
        where $load_id is null or m.load_id = $load_id
        group by m.raw_table, m.source_file, m.rows_in, m.rows_quarantined
        """,
        {"load_id": load_id},
    )
    return {(table, file): (rows_in, bad) for table, file, rows_in, bad in rows}


def test_every_file_lands_with_the_rows_and_bad_rows_the_simulator_wrote(pipeline, first_run):
    landed = landed_files(pipeline)
    expected = expected_files(pipeline)
    assert {k: v for k, v in landed.items() if not k[0].startswith("mall__")} == expected
    mall = pipeline.query(
        "select raw_table, sum(rows_in) from raw._load_manifest "
        "where raw_table like 'mall__%' group by 1"
    )
    assert dict(mall) == mall_items(pipeline)
    conserved = pipeline.query(
        "select count(*) from raw._load_manifest "
        "where rows_in != rows_loaded + rows_quarantined + rows_duplicate"
    )
    assert conserved == [(0,)]
    every_table = {table for table, _ in landed}
    assert every_table == set(RAW_TABLES) - {"outbound__call_results"}  # no campaign yet
    materialised = {
        event.asset_key.to_user_string() for event in first_run.get_asset_materialization_events()
    }
    assert {"raw/tmall__orders", "identity/oneid_map", f"{ACQUISITION_MART.replace('.', '/')}"} <= (
        materialised
    )


def test_acquisition_mart_matches_ground_truth(pipeline, first_run):
    truth = {
        (row["channel_code"], row["day"]): (int(row["reached_customers"]), int(row["new_friends"]))
        for row in read_csv(pipeline.ground_truth / "acquisition_daily.csv")
    }
    mart = {
        (code, day.isoformat()): (reached or 0, friends, rate)
        for code, day, reached, friends, rate in pipeline.query(
            "select channel_code, business_date, reached_customers, new_wecom_friends, "
            f"add_friend_rate from {ACQUISITION_MART}"
        )
    }
    assert len(truth) > 100
    reach_codes = {k for k in truth if k[0].startswith(REACH_FAMILIES)}
    assert {k: v[:2] for k, v in mart.items() if k in reach_codes} == {
        k: truth[k] for k in reach_codes
    }
    friends = {k: v[1] for k, v in mart.items() if v[1]}
    assert friends == {k: v[1] for k, v in truth.items() if v[1]}
    for reached, friends, rate in mart.values():
        if reached:
            assert rate == pytest.approx(friends / reached)
        else:
            assert rate is None


def test_oneid_pairwise_precision_and_recall_against_ground_truth(pipeline, first_run):
    """Every identifier is scored; pairs sharing a OneID are one person's, and every pair the
    data makes linkable shares one (definitions in identity/evaluation.py)."""
    truth = demo_truth(pipeline.ground_truth, pipeline.key(), DEMO_MALL_APPID)
    with duckdb.connect(str(pipeline.settings.warehouse_path), read_only=True) as conn:
        scores = pairwise_scores(conn, truth)
    assert scores.identifiers_unknown == 0
    assert scores.identifiers_scored >= 0.95 * len(truth)  # what arrived landed in the graph
    assert scores.linkable_pairs >= len(truth) // 4  # the graph really links sources
    assert scores.precision >= 0.995
    assert scores.recall >= 0.98
    (customers,) = pipeline.query("select count(*) from marts.dim_customers")[0]
    (oneids,) = pipeline.query("select count(distinct oneid) from identity.oneid_map")[0]
    assert customers == oneids


def oneid_by_identifier(pipeline) -> dict[tuple[str, str], str]:
    rows = pipeline.query("select identifier_type, identifier_value, oneid from identity.oneid_map")
    return {(kind, value): oneid for kind, value, oneid in rows}


def oneid_by_person(pipeline) -> dict[str, set[str]]:
    truth = demo_truth(pipeline.ground_truth, pipeline.key(), DEMO_MALL_APPID)
    oneid_of = oneid_by_identifier(pipeline)
    oneids = defaultdict(set)
    for row in truth.itertuples():
        oneid = oneid_of.get((row.identifier_type, row.identifier_value))
        if oneid is not None:
            oneids[row.person_id].add(oneid)
    return oneids


def test_one_unionid_seen_through_the_mall_and_the_official_account_merges(pipeline, first_run):
    """A unionid seen next to a mini-program openid and next to an official-account openid
    joins the two apps' openids into one customer."""
    through_both = pipeline.query(
        "select m.left_value, o.left_value, m.right_value from intermediate.int_identity__edges m "
        "join intermediate.int_identity__edges o using (right_type, right_value) "
        "where m.left_type = 'mall_openid' and o.left_type = 'oa_openid' "
        "and m.right_type = 'unionid'"
    )
    assert through_both  # the case is in the data
    oneid_of = oneid_by_identifier(pipeline)
    for mall_openid, oa_openid, unionid in through_both:
        assert (
            oneid_of[("mall_openid", mall_openid)]
            == oneid_of[("oa_openid", oa_openid)]
            == oneid_of[("unionid", unionid)]
        )


def test_two_people_with_the_same_name_stay_two_customers(pipeline, first_run):
    people = make_people(DEMO_SEED, DEMO_CUSTOMERS, Period(date(2024, 1, 1), DEMO_DAYS))
    oneids = oneid_by_person(pipeline)
    namesakes = defaultdict(list)
    for person_id, name in zip(people.person_id.tolist(), people.name.tolist(), strict=True):
        if oneids.get(person_id):
            namesakes[name].append(person_id)
    pairs = [persons for persons in namesakes.values() if len(persons) > 1]
    assert pairs  # the case is in the data
    for persons in pairs:
        seen = [oneids[p] for p in persons]
        assert all(a.isdisjoint(b) for i, a in enumerate(seen) for b in seen[i + 1 :])


def test_second_run_with_nothing_new_adds_no_raw_row_and_changes_no_mart_row(pipeline, first_run):
    marts = [ACQUISITION_MART, "marts.dim_customers"]
    before = {table: pipeline.table_digest(table) for table in marts}
    raw_before = pipeline.raw_row_counts()
    result = pipeline.run()
    assert result.success
    assert pipeline.raw_row_counts() == raw_before
    assert {table: pipeline.table_digest(table) for table in marts} == before


def test_next_day_run_lands_exactly_the_files_that_arrived_that_day(pipeline, first_run):
    landed_before = {
        (table, sha) for table, sha in pipeline.query(
            "select raw_table, file_sha256 from raw._load_manifest")
    }  # fmt: skip
    raw_before = pipeline.raw_row_counts()
    oneids_before = oneid_by_identifier(pipeline)
    pipeline.simulate_next_day()
    new_day = date(2024, 1, 1) + timedelta(days=DEMO_DAYS)
    expected = expected_files(pipeline, new_day.isoformat(), frozenset(landed_before))
    assert expected, "the next day brings files"

    result = pipeline.run()
    assert result.success, [e.message for e in result.all_events if e.is_failure]

    this_load = landed_files(pipeline, result.run_id)
    assert {k: v for k, v in this_load.items() if not k[0].startswith("mall__")} == expected
    mall = pipeline.query(
        "select raw_table, sum(rows_in) from raw._load_manifest "
        "where raw_table like 'mall__%' and load_id = $run group by 1",
        {"run": result.run_id},
    )
    assert dict(mall) == mall_items(pipeline, new_day.isoformat())
    loaded = dict(
        pipeline.query(
            "select raw_table, sum(rows_loaded) from raw._load_manifest "
            "where load_id = $run group by 1",
            {"run": result.run_id},
        )
    )
    raw_after = pipeline.raw_row_counts()
    assert {t: raw_after[t] - raw_before[t] for t in raw_after} == {
        t: loaded.get(t, 0) for t in raw_after
    }
    assert_oneids_stable(pipeline, oneids_before, result.run_id)


def assert_oneids_stable(pipeline, before: dict, run_id: str) -> None:
    """Every identifier known before keeps its OneID, unless this run logged a merge or a split
    of it; a merge keeps the oldest id."""
    after = oneid_by_identifier(pipeline)
    changes = pipeline.query(
        "select old_oneid, new_oneid, change_type from identity.oneid_changes where run_id = $r",
        {"r": run_id},
    )
    logged = {(old, new) for old, new, _ in changes}
    moved = {(before[i], after[i]) for i in before if i in after and before[i] != after[i]}
    assert moved <= logged
    created = dict(pipeline.query("select oneid, created_at from identity.oneids"))
    for old, new, change_type in changes:
        if change_type == "merge":
            assert created[new] <= created[old]


PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def test_no_text_column_anywhere_in_the_warehouse_holds_a_phone(pipeline, first_run):
    columns = pipeline.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('VARCHAR', 'JSON', 'VARCHAR[]')"
    )
    assert len(columns) > 100
    for schema, table, column in columns:
        values = pipeline.query(
            f'select distinct cast("{column}" as varchar) from {schema}.{table}'
        )
        leaked = [v for (v,) in values if v is not None and PHONE.search(v)]
        assert not leaked, f"{schema}.{table}.{column} holds a phone number"


def test_file_missing_a_column_stops_the_load_and_leaves_the_mart(pipeline, first_run):
    before = pipeline.table_digest(ACQUISITION_MART)
    latest = sorted((pipeline.sources / "tmall").glob("ExportOrderList*.csv"))[-1]
    broken = pipeline.sources / "tmall" / "ExportOrderList20991231235959.csv"
    text = latest.read_bytes().decode("gbk").replace("买家实际支付金额", "实付款")
    broken.write_bytes(text.encode("gbk"))
    try:
        result = pipeline.run()
        assert not result.success
        failures = [
            e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure
        ]
        assert any(
            "ExportOrderList20991231235959.csv" in m and "买家实际支付金额" in m for m in failures
        ), failures
        assert pipeline.table_digest(ACQUISITION_MART) == before
        (landed,) = pipeline.query(
            "select count(*) from raw._load_manifest where source_file like '%20991231%'"
        )[0]
        assert landed == 0
    finally:
        broken.unlink()
