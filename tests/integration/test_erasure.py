"""PIPL erasure end to end: a small brand's full run, `siyu erase` by one identifier, then a
full rebuild from the original raw files in a fresh warehouse with the registry kept.

The person is picked from the simulator's ground truth (a phone and at least two other
identifier types, all resolved to one OneID). Their identifiers are searched in plain and in
keyed-hash form (hex) in the bytes of every file under SIYU_HOME except sources/, and in every
table of the warehouse and the BI file and every Parquet file (DuckDB and Parquet compress
text, so a byte scan alone could miss a plain id). Before the erasure these searches find the
person; after it, and after the rebuild, they find nothing.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from ingestion.simulator import simulate_brand
from orchestration.cli import main as siyu

from .conftest import Pipeline, demo_home, read_csv

pytestmark = pytest.mark.integration

CUSTOMERS = 150
DAYS = 25
SEED = 11
MALL_APPID = "wx8c1d2e3f4a5b6c70"  # dbt var mall_appid: live and referral openids get it
# ground truth's identifier types: how the warehouse stores each (OneID type, keyed?)
STORED_AS = {
    "phone": ("phone_hash", True),
    "tmall_buyer_nick": ("tmall_buyer_nick_hash", True),
    "jd_pin": ("jd_pin_hash", True),
    "unionid": ("unionid", False),
    "mall_openid": ("mall_openid", False),
    "oa_openid": ("oa_openid", False),
    "wecom_external_userid": ("wecom_external_userid", False),
    "douyin_open_id": ("douyin_open_id", False),
    "pos_member_card": ("pos_member_card", False),
}


def run_nightly(pipeline: Pipeline):
    result = pipeline.run()
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def oneids_of(pipeline: Pipeline, identifier_type: str, value: str) -> set[str]:
    if identifier_type == "mall_openid":  # stored as appid/openid
        rows = pipeline.query(
            "select oneid from identity.oneid_map where identifier_type = 'mall_openid' "
            "and ends_with(identifier_value, '/' || $v)",
            {"v": value},
        )
    else:
        rows = pipeline.query(
            "select oneid from identity.oneid_map where identifier_type = $t "
            "and identifier_value = $v",
            {"t": identifier_type, "v": value},
        )
    return {oneid for (oneid,) in rows}


def pick_person(pipeline: Pipeline):
    """A person with a phone and two more identifier types, every one resolved to one OneID:
    (phone, every needle: plain values, their keyed hashes, the OneID)."""
    key = pipeline.key()
    by_person = defaultdict(list)
    for row in read_csv(pipeline.ground_truth / "identities.csv"):
        by_person[row["person_id"]].append((row["identifier_type"], row["identifier_value"]))
    for identifiers in by_person.values():
        types = {t for t, _ in identifiers}
        if "phone" not in types or len(types) < 3:
            continue
        needles, oneids = set(), set()
        for kind, plain in identifiers:
            stored_type, keyed = STORED_AS[kind]
            stored = key.hmac_hex(plain) if keyed else plain
            needles |= {plain, stored}
            oneids |= oneids_of(pipeline, stored_type, stored) or {None}
        if len(oneids) == 1 and None not in oneids:
            phone = next(v for t, v in identifiers if t == "phone")
            return phone, sorted(needles | oneids)
    pytest.fail("no person with a phone and two more identifier types resolved to one OneID")


def files_holding(home: Path, needles: list[str]) -> dict[str, int]:
    """Every file under SIYU_HOME but sources/: how many needles its bytes hold."""
    encoded = [n.encode() for n in needles]
    hits = {}
    for folder, _, names in os.walk(home):
        if Path(folder) == home / "sources" or home / "sources" in Path(folder).parents:
            continue
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            found = sum(1 for n in encoded if n in data)
            if found:
                hits[str(path.relative_to(home))] = found
    return hits


def rows_holding(database: Path, needles: list[str]) -> dict[str, int]:
    """Rows of every table of a DuckDB file, and of every Parquet file beside it, whose text
    (every column cast to text) holds a needle."""
    found = {}
    with duckdb.connect(str(database), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name, table_name from duckdb_tables() where not temporary"
        ).fetchall()
        for schema, name in tables:
            sql = f'select count(*) from "{schema}"."{name}" as t where list_bool_or(list_transform($n, x -> contains(cast(t as varchar), x)))'  # noqa: E501
            (n,) = conn.execute(sql, {"n": needles}).fetchone()
            if n:
                found[f"{schema}.{name}"] = n
    return found


def parquet_rows_holding(folder: Path, needles: list[str]) -> dict[str, int]:
    found = {}
    with duckdb.connect() as conn:
        for path in folder.rglob("*.parquet"):
            (n,) = conn.execute(
                "select count(*) from read_parquet($p) as t "
                "where list_bool_or(list_transform($n, x -> contains(cast(t as varchar), x)))",
                {"p": str(path), "n": needles},
            ).fetchone()
            if n:
                found[str(path.relative_to(folder))] = n
    return found


def customers(pipeline: Pipeline) -> int:
    return pipeline.query("select count(*) from marts.dim_customers")[0][0]


def assert_no_trace(settings, needles: list[str]) -> None:
    assert files_holding(settings.home, needles) == {}
    assert rows_holding(settings.warehouse_path, needles) == {}
    publish = settings.home / "publish"
    assert rows_holding(publish / "siyu.duckdb", needles) == {}
    assert parquet_rows_holding(publish, needles) == {}
    assert not (publish / "previous").exists()
    assert parquet_rows_holding(settings.home / "lake", needles) == {}


def test_erasure_by_one_identifier_leaves_no_trace_even_after_a_rebuild(tmp_path, capsys):
    with demo_home(tmp_path / "home") as settings:
        simulate_brand(settings.sources_dir, customers=CUSTOMERS, days=DAYS, seed=SEED)
        pipeline = Pipeline(settings)
        run_nightly(pipeline)
        phone, needles = pick_person(pipeline)
        customers_before = customers(pipeline)

        # the searches can fail: they find the person before the erasure
        assert rows_holding(settings.warehouse_path, needles)
        assert len({n for n in needles if rows_holding(settings.warehouse_path, [n])}) >= 5
        assert files_holding(settings.home, needles), "the byte scan sees the warehouse file"
        assert rows_holding(settings.home / "publish" / "siyu.duckdb", needles)
        assert siyu(["export-lake"]) == 0  # a lake copy, which the erasure has to rewrite
        assert parquet_rows_holding(settings.home / "lake", needles)

        typed = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"  # normalised as landing does
        assert siyu(["erase", "--phone", typed]) == 0
        printed = capsys.readouterr().out
        assert "complete" in printed and not any(n in printed for n in needles)
        assert customers(pipeline) == customers_before - 1
        assert_no_trace(settings, needles)
        erased_home = settings.home

    # a fresh warehouse from the original raw files, the registry and keys kept
    with demo_home(tmp_path / "rebuilt") as rebuilt:
        shutil.copytree(erased_home / "sources", rebuilt.sources_dir, dirs_exist_ok=True)
        shutil.copytree(erased_home / "secrets", rebuilt.secrets_dir, dirs_exist_ok=True)
        shutil.copytree(erased_home / "privacy", rebuilt.home / "privacy")
        pipeline = Pipeline(rebuilt)
        result = run_nightly(pipeline)
        assert_no_trace(rebuilt, needles)
        erased_rows = sum(
            int(event.materialization.metadata["rows_erased"].value)
            for event in result.get_asset_materialization_events()
            if "rows_erased" in event.materialization.metadata
        )
        assert erased_rows > 0
        assert customers(pipeline) == customers_before - 1
        with DagsterInstance.get() as instance:  # the event log is in the scanned SQLite files
            assert instance.get_runs()
