"""The BI publish on a small hand-made warehouse: what is written, what is left out, the swap,
the last good copy, recovery, and the check gate on a real (ephemeral) Dagster instance."""

import hashlib
import os
import struct
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.publish.check_gate import judge_checks, upstream_check_keys
from publish.config import PublishConfig, PublishConfigError, load_config
from publish.swap import (
    PublishLayout,
    opens,
    prune_parquet_versions,
    recover_bi_database,
    swap_in,
)
from publish.writer import (
    IdentifierLeakError,
    build_bi_database,
    content_digest,
    verify_build,
)

# identifier values the warehouse resolved: a unionid, a WeCom external_userid, a nick hash
IDENTIFIERS = [("unionid", "oU_union_1"), ("wecom_external_userid", "wm_ext_1"),
               ("tmall_buyer", "nick_hash_9")]  # fmt: skip
WAREHOUSE_SQL = [
    "create schema marts",
    "create schema clv",
    "create schema staging",
    "create schema raw",
    "create schema intermediate",
    "create table intermediate.int_identity__identifiers "
    "(identifier_type varchar, identifier_value varchar)",
    "create table raw.tmall__orders (order_no varchar, buyer_nick_hash varchar)",
    "insert into raw.tmall__orders values ('100', 'nick_hash_9')",
    "create table staging.stg_tmall__orders (order_no varchar, buyer_nick_hash varchar)",
    "insert into staging.stg_tmall__orders values ('100', 'nick_hash_9')",
    "create table marts.dim_customers (oneid varchar, net_revenue decimal(18, 2), tier varchar)",
    "insert into marts.dim_customers values ('O1', 10.50, '新用户'), ('O2', 0, '核心用户'), "
    "('O3', null, null)",
    "create table marts.fct_orders "
    "(order_key varchar, oneid varchar, customer_key varchar, net_amount decimal(18, 2))",
    "insert into marts.fct_orders values ('tmall:100', 'O1', 'O1', 10.50), "
    "('tmall:101', null, 'tmall_buyer:nick_hash_9', 5), ('pos:S1/7', 'O2', 'O2', 0), "
    "('jd:55', null, 'unionid:oU_union_1', 1)",
    "create table marts.fct_wecom_relationships "
    "(external_userid varchar, guide_userid varchar, oneid varchar)",
    "insert into marts.fct_wecom_relationships values ('wm_ext_1', 'guide_a', 'O1')",
    "create table clv.customer_scores (oneid varchar, p_alive double)",
    "insert into clv.customer_scores values ('O1', 0.8), ('O2', 0.25)",
    "create table clv.model_fits (run_id varchar, r double)",
]
ROWS = {
    ("marts", "dim_customers"): 3,
    ("marts", "fct_orders"): 4,
    ("marts", "fct_wecom_relationships"): 1,
    ("clv", "customer_scores"): 2,
}
CONFIG = PublishConfig(
    schemas=("marts",),
    tables=("clv.customer_scores",),
    excluded_columns=("external_userid", "marts.fct_orders.customer_key"),
    parquet_grace_seconds=0,
)


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse" / "siyu.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as conn:
        for statement in WAREHOUSE_SQL:
            conn.execute(statement)
        conn.executemany("insert into intermediate.int_identity__identifiers values (?, ?)",
                         IDENTIFIERS)  # fmt: skip
    return path


@pytest.fixture
def layout(tmp_path) -> PublishLayout:
    root = tmp_path / "publish"
    root.mkdir()
    return PublishLayout(root)


def publish(warehouse: Path, layout: PublishLayout, run_id: str, config=CONFIG):
    with duckdb.connect(str(warehouse)) as conn:
        build = build_bi_database(conn, config, layout.staging(run_id), run_id)
    return build, swap_in(layout, build, config.parquet_grace_seconds)


def manifest(database: Path) -> dict[tuple[str, str], tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        rows = conn.execute(
            "select table_schema, table_name, row_count, content_hash, run_id, parquet_file "
            "from _publish.manifest"
        ).fetchall()
    return {(schema, name): rest for schema, name, *rest in rows}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_lists_every_mart_and_the_clv_scores_with_their_row_counts(warehouse, layout):
    publish(warehouse, layout, "run-a")
    listed = manifest(layout.database)
    assert {key: value[0] for key, value in listed.items()} == ROWS
    assert {value[2] for value in listed.values()} == {"run-a"}
    with duckdb.connect(str(layout.database), read_only=True) as conn:
        schemas = {s for (s,) in conn.execute("select schema_name from duckdb_tables()").fetchall()}
        for (schema, name), (rows, content_hash, *_) in listed.items():
            # the hash is the published table's, recomputed in a fresh connection
            assert content_digest(conn, f'"{schema}"."{name}"') == (rows, content_hash)
    assert schemas == {"marts", "clv", "_publish"}  # no raw, staging or intermediate table
    # and it is the warehouse table's content, less the excluded column
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        source = content_digest(conn, "(select order_key, oneid, net_amount from marts.fct_orders)")
        whole = content_digest(conn, "marts.dim_customers")
    assert tuple(listed[("marts", "fct_orders")][:2]) == source
    assert tuple(listed[("marts", "dim_customers")][:2]) == whole


def test_parquet_files_hold_the_same_rows_as_the_manifest(warehouse, layout):
    publish(warehouse, layout, "run-a")
    listed = manifest(layout.database)
    folder = layout.parquet  # the symlink a BI tool reads through
    assert folder.is_symlink()
    with duckdb.connect() as conn:
        parquet_manifest = conn.execute(
            f"select table_schema, table_name, row_count, run_id "
            f"from '{folder / '_publish' / 'manifest.parquet'}'"
        ).fetchall()
        assert {(s, n): (r, run) for s, n, r, run in parquet_manifest} == {
            key: (value[0], value[2]) for key, value in listed.items()
        }
        for rows, *_rest, parquet_file in listed.values():
            (count,) = conn.execute(f"select count(*) from '{folder / parquet_file}'").fetchone()
            assert count == rows


def test_content_hash_ignores_row_order_and_sees_one_changed_value():
    with duckdb.connect() as conn:
        conn.execute(
            "create table a as select * from (values (1, 'x'), (2, 'y'), (2, 'y')) t(i, s)"
        )
        conn.execute(
            "create table b as select * from (values (2, 'y'), (1, 'x'), (2, 'y')) t(i, s)"
        )
        conn.execute(
            "create table c as select * from (values (2, 'y'), (1, 'x'), (2, 'z')) t(i, s)"
        )
        conn.execute("create table d as select * from (values (1, 'x'), (2, 'y')) t(i, s)")
        a, b, c, d = (content_digest(conn, name) for name in "abcd")
    assert a == b
    assert a[1] != c[1]
    assert a[1] != d[1] and d[0] == 2  # a duplicate row counts


def test_excluded_columns_are_absent_and_no_identifier_value_is_published(warehouse, layout):
    build, _ = publish(warehouse, layout, "run-a")
    excluded = {t.qualified: t.excluded_columns for t in build.tables if t.excluded_columns}
    assert excluded == {
        "marts.fct_orders": ("customer_key",),
        "marts.fct_wecom_relationships": ("external_userid",),
    }
    with duckdb.connect(str(layout.database), read_only=True) as conn:
        columns = {
            (table, column)
            for table, column in conn.execute(
                "select table_name, column_name from duckdb_columns()"
            ).fetchall()
        }
        texts = _all_text_values(conn)
    assert ("fct_orders", "customer_key") not in columns
    assert ("fct_wecom_relationships", "external_userid") not in columns
    assert ("fct_orders", "order_key") in columns
    identifier_values = {value for _, value in IDENTIFIERS}
    assert texts  # the check reads real values
    assert not {text.split(":", 1)[-1] for text in texts} & identifier_values
    assert not set(texts) & identifier_values


def _all_text_values(conn) -> list[str]:
    values = []
    for schema, table, column in conn.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where data_type = 'VARCHAR' and schema_name != '_publish'"
    ).fetchall():
        values += [
            v
            for (v,) in conn.execute(f'select "{column}" from "{schema}"."{table}"').fetchall()
            if v is not None
        ]
    return values


def test_a_column_holding_identifier_values_stops_the_publish_and_names_no_value(warehouse, layout):
    publish(warehouse, layout, "run-a")
    before = sha256(layout.database)
    leaky = PublishConfig(schemas=("marts",), excluded_columns=("external_userid",))
    with pytest.raises(IdentifierLeakError) as refused:
        publish(warehouse, layout, "run-b", leaky)
    assert "marts.fct_orders.customer_key (2 rows)" in str(refused.value)
    assert not any(value in str(refused.value) for _, value in IDENTIFIERS)
    assert sha256(layout.database) == before


def test_the_bi_file_is_written_in_the_storage_version_duckdb_1_1_reads(warehouse, layout):
    publish(warehouse, layout, "run-a")
    with layout.database.open("rb") as handle:
        magic, version = struct.Struct("<8x4sQ").unpack(handle.read(20))
    # 64: the storage number of DuckDB 0.9 to 1.1 (docs: internals/storage)
    assert (magic, version) == (b"DUCK", 64)
    assert not Path(f"{layout.database}.wal").exists()


def test_a_failure_between_write_and_swap_leaves_the_published_file_untouched(
    warehouse, layout, monkeypatch
):
    publish(warehouse, layout, "run-a")
    before, parquet_before = sha256(layout.database), layout.parquet.resolve()
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("insert into marts.dim_customers values ('O4', 1, '新用户')")
        build = build_bi_database(conn, CONFIG, layout.staging("run-b"), "run-b")
    real_replace = os.replace

    def crash_on_the_database(source, target):
        if Path(target) == layout.database:
            raise OSError("disk gone")
        real_replace(source, target)

    monkeypatch.setattr("publish.swap.os.replace", crash_on_the_database)
    with pytest.raises(OSError, match="disk gone"):
        swap_in(layout, build, 0)
    assert sha256(layout.database) == before
    assert verify_build(layout.database) == "run-a"
    assert layout.parquet.resolve() == parquet_before


def test_the_previous_build_is_kept_and_older_parquet_versions_pruned(warehouse, layout):
    publish(warehouse, layout, "run-a")
    first_version = layout.parquet.resolve()
    _, second = publish(warehouse, layout, "run-b")
    assert second.previous_kept
    assert verify_build(layout.previous) == "run-a"
    assert verify_build(layout.database) == "run-b"
    assert set(layout.parquet_versions()) == {first_version, second.parquet_version}
    _, third = publish(warehouse, layout, "run-c")
    assert verify_build(layout.previous) == "run-b"
    assert third.pruned_versions == 1  # run-a's folder: neither current nor previous
    assert layout.parquet_versions() == [second.parquet_version, third.parquet_version]
    assert layout.parquet.resolve() == third.parquet_version
    assert not list(layout.root.glob(".staging-*"))


def test_a_superseded_parquet_folder_stays_for_the_grace_period(warehouse, layout):
    patient = PublishConfig(**{**CONFIG.__dict__, "parquet_grace_seconds": 3600})
    for run_id in ("run-a", "run-b", "run-c"):
        _, swapped = publish(warehouse, layout, run_id, patient)
        assert swapped.pruned_versions == 0
    oldest = layout.parquet_versions()[0]
    assert len(layout.parquet_versions()) == 3  # run-a's folder: superseded seconds ago
    superseded_at = layout.parquet_versions()[1].stat().st_mtime
    assert prune_parquet_versions(layout, 3600, now=superseded_at + 3000) == 0
    assert prune_parquet_versions(layout, 3600, now=superseded_at + 3700) == 1
    assert oldest not in layout.parquet_versions()


def test_a_damaged_file_is_restored_from_the_last_good_copy(warehouse, layout):
    publish(warehouse, layout, "run-a")
    publish(warehouse, layout, "run-b")
    with layout.database.open("r+b") as handle:
        handle.write(os.urandom(4096))  # garbage over the header
    assert not opens(layout.database)
    recovery = recover_bi_database(layout)
    assert recovery.restored and recovery.damaged_copy.exists()
    assert verify_build(layout.database) == "run-a"
    assert recover_bi_database(layout).restored is False  # it opens now: nothing to do


def test_a_damaged_current_file_never_replaces_the_last_good_copy(warehouse, layout):
    publish(warehouse, layout, "run-a")
    publish(warehouse, layout, "run-b")
    layout.database.write_bytes(b"not a database")
    _, swapped = publish(warehouse, layout, "run-c")
    assert not swapped.previous_kept
    assert verify_build(layout.previous) == "run-a"
    assert verify_build(layout.database) == "run-c"


def test_config_file_and_its_override(tmp_path, monkeypatch):
    shipped = load_config()
    assert shipped.schemas == ("marts",)
    assert "clv.customer_scores" in shipped.tables
    assert shipped.is_excluded_column("marts", "fct_wecom_relationships", "external_userid")
    assert not shipped.is_excluded_column("marts", "dim_customers", "oneid")
    override = tmp_path / "publish.toml"
    override.write_text('[publish]\nschemas = ["marts"]\nstorage_version = "v0.10.2"\n')
    monkeypatch.setenv("SIYU_PUBLISH_CONFIG", str(override))
    assert load_config().storage_version == "v0.10.2"
    override.write_text("[publish]\nschema = []\n")
    with pytest.raises(PublishConfigError, match="schema"):
        load_config()


# the gate: a tiny graph whose check passes or fails as its run config says
class Outcome(dg.Config):
    passed: bool = True
    severity: str = "ERROR"


@dg.asset(check_specs=[dg.AssetCheckSpec("rows_ok", asset="source_table", blocking=True)])
def source_table(config: Outcome):
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(
        check_name="rows_ok",
        passed=config.passed,
        severity=dg.AssetCheckSeverity[config.severity],
    )


@dg.asset(deps=[source_table])
def published():
    return None


def run_source(instance, passed: bool, severity: str = "ERROR") -> str:
    result = dg.materialize(
        [source_table],
        instance=instance,
        run_config={"ops": {"source_table": {"config": {"passed": passed, "severity": severity}}}},
        raise_on_error=False,
    )
    return result.run_id


def gate(instance, run_id: str):
    graph = dg.Definitions(assets=[source_table, published]).resolve_asset_graph()
    keys, blocking = upstream_check_keys(graph, published.key)
    assert [k.name for k in keys] == ["rows_ok"] and set(keys) == blocking
    return judge_checks(instance, keys, blocking, run_id)


def test_gate_refuses_a_check_failed_in_this_run_and_after_it_until_it_passes():
    with dg.DagsterInstance.ephemeral() as instance:
        failed_run = run_source(instance, passed=False)
        verdict = gate(instance, failed_run)
        assert not verdict.passed
        assert verdict.failed_this_run == ["source_table:rows_ok"]
        # a later run that does not evaluate the check must not publish over the failure
        later = gate(instance, "a-later-run")
        assert later.failed_earlier == ["source_table:rows_ok"] and not later.passed
        passed_run = run_source(instance, passed=True)
        assert gate(instance, passed_run).passed
        assert gate(instance, passed_run).passed_this_run == 1
        assert gate(instance, "yet-another-run").passed


def test_gate_lets_a_warning_through_and_counts_it():
    with dg.DagsterInstance.ephemeral() as instance:
        warned_run = run_source(instance, passed=False, severity="WARN")
        verdict = gate(instance, warned_run)
        assert verdict.passed and verdict.warned_this_run == 1


def test_the_publish_asset_waits_for_every_mart_and_the_clv_scores():
    from orchestration.definitions import defs
    from orchestration.defs.publish.bi_database import PUBLISH_KEY

    graph = defs.resolve_asset_graph()
    # the marts as the dbt assets define them, not as the publish module reads them
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert len(marts) >= 20
    node = graph.get(PUBLISH_KEY)
    assert set(node.parent_keys) == marts | {dg.AssetKey(["clv", "customer_scores"])}
    assert node.group_name == "publish"
    assert defs.resolve_assets_def(PUBLISH_KEY).op.pool == "duckdb_writer"
