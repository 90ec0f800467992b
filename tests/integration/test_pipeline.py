"""The nightly job end to end, checked against the simulator's ground truth."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

ACQUISITION_MART = "marts.mart_acquisition__channel_daily"


def read_csv(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def first_run(pipeline):
    result = pipeline.run()
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def test_every_source_landed_with_load_metadata(pipeline, first_run):
    landed = dict(
        pipeline.query(
            "select raw_table, sum(rows_loaded) from raw._load_manifest group by raw_table"
        )
    )
    assert set(landed) == {
        "tmall__orders",
        "pos__receipt_lines",
        "wecom__contact_events",
        "wecom__contacts",
    }
    assert all(count > 0 for count in landed.values())
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
    assert {k: v[:2] for k, v in mart.items()} == truth
    for reached, friends, rate in mart.values():
        if reached:
            assert rate == pytest.approx(friends / reached)
        else:
            assert rate is None


def test_no_customer_mixes_two_people(pipeline, first_run):
    """Pairwise precision 1.0 on the demo: every OneID holds identifiers of one person only."""
    key = pipeline.key()
    hashed_types = {"phone": "phone_hash", "tmall_buyer_nick": "tmall_buyer_nick_hash"}
    plain_types = {"pos_member_card": "pos_member_card", "wecom_external_userid":
                   "wecom_external_userid", "unionid": "unionid"}  # fmt: skip
    person_of = {}
    for row in read_csv(pipeline.ground_truth / "identities.csv"):
        kind, value = row["identifier_type"], row["identifier_value"]
        if kind in hashed_types:
            person_of[(hashed_types[kind], key.hmac_hex(value))] = row["person_id"]
        else:
            person_of[(plain_types[kind], value)] = row["person_id"]
    people_per_oneid = defaultdict(set)
    for kind, value, oneid in pipeline.query(
        "select identifier_type, identifier_value, oneid from identity.oneid_map"
    ):
        assert (kind, value) in person_of, f"{kind} not in ground truth"
        people_per_oneid[oneid].add(person_of[(kind, value)])
    assert people_per_oneid
    assert max(len(people) for people in people_per_oneid.values()) == 1
    (customers,) = pipeline.query("select count(*) from marts.dim_customers")[0]
    assert customers == len(people_per_oneid)


def test_second_run_with_nothing_new_changes_no_mart_row(pipeline, first_run):
    marts = [ACQUISITION_MART, "marts.dim_customers"]
    before = {table: pipeline.table_digest(table) for table in marts}
    raw_before = pipeline.query("select count(*) from raw.tmall__orders")
    result = pipeline.run()
    assert result.success
    assert pipeline.query("select count(*) from raw.tmall__orders") == raw_before
    assert {table: pipeline.table_digest(table) for table in marts} == before


def test_file_missing_a_column_stops_the_load_and_leaves_the_mart(pipeline, first_run):
    before = pipeline.table_digest(ACQUISITION_MART)
    latest = sorted((pipeline.sources / "tmall").glob("*.csv"))[-1]
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
