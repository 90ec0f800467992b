"""The lake export (a warehouse's input tables as Parquet) and the row-by-row build comparison."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.settings import load_settings
from lake.compare import compare_builds
from lake.export import export_to_lake, lake_holds_an_export
from orchestration.definitions import defs
from orchestration.defs.lake.input_tables import (
    LAKE_INPUT_TABLES_KEY,
    lake_input_tables,
    nightly_selection,
)
from orchestration.defs.resources import WarehouseResource


def _warehouse(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as conn:
        for statement in statements:
            conn.execute(statement)
    return path


def test_export_writes_one_folder_per_input_table_that_duckdb_reads_back(tmp_path):
    warehouse = _warehouse(
        tmp_path / "siyu.duckdb",
        [
            "create schema raw",
            "create schema identity",
            "create schema staging",
            "create table raw.wecom__contacts as select 'wm1' as external_userid, "
            "['p1', 'p2'] as remark_phone_hashes, 12.30::decimal(18, 2) as amount, "
            "timestamp '2025-03-01 08:00:00' as added_at, "
            "timestamptz '2025-03-01 00:00:00+00' as _loaded_at",
            "create table raw._load_manifest as select 1 as load_id",
            "create table identity.oneid_map as select 'unionid' as identifier_type, 7 as oneid",
            "create table staging.stg_anything as select 1 as id",
        ],
    )
    lake = tmp_path / "lake"
    assert not lake_holds_an_export(str(lake))

    exported = export_to_lake(warehouse, str(lake))

    assert lake_holds_an_export(str(lake))

    assert [(t.schema, t.table, t.rows) for t in exported] == [
        ("identity", "oneid_map", 1),
        ("raw", "wecom__contacts", 1),
    ]
    assert sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*") if p.is_file()) == [
        "identity/oneid_map/part-00000.parquet",
        "raw/wecom__contacts/part-00000.parquet",
    ]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        differing = conn.execute(
            f"select count(*) from (select * from raw.wecom__contacts except all "
            f"select * from read_parquet('{lake}/raw/wecom__contacts/*.parquet'))"
        ).fetchone()[0]
        types = conn.execute(
            f"select column_type from (describe select * from "
            f"read_parquet('{lake}/raw/wecom__contacts/*.parquet'))"
        ).fetchall()
    assert differing == 0
    assert [t[0] for t in types] == [
        "VARCHAR", "VARCHAR[]", "DECIMAL(18,2)", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE",
    ]  # fmt: skip


def test_export_again_replaces_a_table_folder_whole(tmp_path):
    warehouse = _warehouse(
        tmp_path / "siyu.duckdb",
        ["create schema raw", "create table raw.jd__orders as select range as n from range(3)"],
    )
    lake = tmp_path / "lake"
    export_to_lake(warehouse, str(lake))
    (lake / "raw" / "jd__orders" / "part-00001.parquet").write_bytes(b"left by another writer")
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("delete from raw.jd__orders where n = 0")

    export_to_lake(warehouse, str(lake))

    assert [p.name for p in (lake / "raw" / "jd__orders").iterdir()] == ["part-00000.parquet"]
    rows = duckdb.sql(f"select count(*) from '{lake}/raw/jd__orders/*.parquet'").fetchone()[0]
    assert rows == 2


def test_compare_counts_the_rows_each_build_has_and_the_other_lacks(tmp_path):
    statements = [
        "create schema marts",
        "create table marts.fct_orders as select * from (values (1, 'a'), (2, 'b'), (2, 'b')) "
        "as t(order_key, channel)",
        "create view marts.v_orders as select * from marts.fct_orders",
    ]
    baseline = _warehouse(tmp_path / "baseline.duckdb", statements)
    candidate = _warehouse(
        tmp_path / "candidate.duckdb",
        [*statements, "update marts.fct_orders set channel = 'c' where order_key = 1"],
    )
    same = _warehouse(tmp_path / "same.duckdb", statements)

    differences = {d.table: d for d in compare_builds(baseline, candidate, ("marts",))}

    assert (
        differences["fct_orders"].only_in_baseline,
        differences["fct_orders"].only_in_candidate,
    ) == (1, 1)
    assert not differences["v_orders"].identical
    assert all(d.identical for d in compare_builds(baseline, same, ("marts",)))


def test_the_nightly_writes_the_lake_only_when_the_brand_asks_for_it():
    graph = defs.resolve_asset_graph()
    without_lake = nightly_selection(lake_export=False).resolve(graph)
    with_lake = nightly_selection(lake_export=True).resolve(graph)
    assert LAKE_INPUT_TABLES_KEY not in without_lake
    assert with_lake - without_lake == {LAKE_INPUT_TABLES_KEY}
    # the default job, built from this environment's settings (SIYU_LAKE_EXPORT unset)
    nightly = defs.resolve_job_def("nightly").asset_layer.asset_graph
    assert LAKE_INPUT_TABLES_KEY not in nightly.get_all_asset_keys()
    with pytest.raises(ValueError, match="SIYU_LAKE_EXPORT"):
        load_settings({"SIYU_LAKE_EXPORT": "yes"})


def test_the_lake_asset_writes_every_input_table_with_counts_as_metadata(tmp_path, monkeypatch):
    warehouse = _warehouse(
        tmp_path / "siyu.duckdb",
        [
            "create schema raw",
            "create schema clv",
            "create table raw.tmall__orders as select range as order_id from range(3)",
            "create table clv.customer_scores as select 'C1' as oneid, 0.5 as p_alive",
        ],
    )
    lake = tmp_path / "lake"
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("SIYU_LAKE_PATH", str(lake))

    result = dg.materialize(
        [lake_input_tables], resources={"warehouse": WarehouseResource()}, raise_on_error=True
    )

    (materialisation,) = result.asset_materializations_for_node(lake_input_tables.op.name)
    assert {name: value.value for name, value in materialisation.metadata.items()} == {
        "tables": 2, "rows": 4, "raw_rows": 3, "identity_rows": 0, "clv_rows": 1,
    }  # fmt: skip
    with duckdb.connect() as conn:
        orders = conn.execute(
            f"select count(*) from read_parquet('{lake}/raw/tmall__orders/*.parquet')"
        ).fetchone()[0]
    assert orders == 3
