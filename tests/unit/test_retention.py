"""Retention: rows of files older than their table's period are deleted, nothing else is."""

from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import pytest

from ingestion.sources import RAW_TABLES
from ingestion.warehouse import LOAD_COLUMNS, ensure_bookkeeping
from privacy.retention import (
    RetentionConfig,
    load_retention_config,
    path_date,
    purge_expired,
    purge_warehouse,
)

# newest file in the manifest: the day retention is measured from
AS_OF = date(2025, 6, 30)
CONFIG = RetentionConfig(default_days=1095, quarantine_days=90, days={"oa__events": 730})
LOADED_AT = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)

# (table, file, rows); cutoffs: pos 2025-06-30 − 1095 d = 2022-07-01, oa 2025-06-30 − 730 d =
# 2023-07-01; a file dated before its cutoff goes, one dated on it stays
FILES = [
    ("pos__receipt_lines", "pos/SH001/SH001_20210101.csv", 3),  # expired
    ("pos__receipt_lines", "pos/SH001/SH001_20220630.csv", 2),  # a day before the cutoff
    ("pos__receipt_lines", "pos/SH001/SH001_20220701.csv", 4),  # on the cutoff: kept
    ("pos__receipt_lines", "pos/SH001/SH001_20250630.csv", 5),  # kept
    ("oa__events", "oa/events/20230630.jsonl", 2),  # expired under the table's own 730 days
    ("oa__events", "oa/events/20230701.jsonl", 1),  # kept
    ("oa__events", "oa/events/20240101.jsonl", 6),  # kept
]
EXPECTED_DELETED = {"pos__receipt_lines": 3 + 2, "oa__events": 2}
# quarantine cutoff: 2025-06-30 − 90 d = 2025-04-01
QUARANTINED = [
    ("pos/SH002/SH002_20250331.csv", 2),  # expired
    ("pos/SH002/SH002_20250401.csv", 1),  # kept
]


def build_warehouse(conn: duckdb.DuckDBPyConnection) -> None:
    ensure_bookkeeping(conn)
    for table in ("pos__receipt_lines", "oa__events"):
        conn.execute(f"create table raw.{table} (value integer, {LOAD_COLUMNS})")
    for table, path, rows in FILES:
        for row in range(rows):
            conn.execute(
                f"insert into raw.{table} values (?, 'L1', ?, 'sha', ?, ?)",
                [row, path, row + 1, LOADED_AT],
            )
        conn.execute(
            "insert into raw._load_manifest values (?, ?, ?, 'L1', ?, ?, 0, 0, ?, 1, 1)",
            [f"sha-{path}", table, path, rows, rows, LOADED_AT],
        )
    for path, rows in QUARANTINED:
        for row in range(rows):
            conn.execute(
                "insert into raw._quarantine values ('pos__receipt_lines', ?, 'sha', ?, "
                "'parse_amount', 'bad', null, 'L1', ?)",
                [path, row + 1, LOADED_AT],
            )


def remaining_files(conn, table: str) -> dict[str, int]:
    rows = conn.execute(f"select _source_file, count(*) from raw.{table} group by 1").fetchall()
    return dict(rows)


def test_purge_deletes_only_rows_of_files_before_their_cutoff(conn):
    build_warehouse(conn)
    report = purge_expired(conn, CONFIG)

    assert report.as_of == AS_OF
    assert report.rows_deleted == EXPECTED_DELETED
    assert report.quarantine_rows_deleted == 2
    assert report.files_expired == 3
    kept = {path: rows for table, path, rows in FILES if table == "pos__receipt_lines"}
    del kept["pos/SH001/SH001_20210101.csv"], kept["pos/SH001/SH001_20220630.csv"]
    assert remaining_files(conn, "pos__receipt_lines") == kept
    assert set(remaining_files(conn, "oa__events")) == {
        "oa/events/20230701.jsonl",
        "oa/events/20240101.jsonl",
    }
    quarantined = conn.execute("select source_file, count(*) from raw._quarantine group by 1")
    assert dict(quarantined.fetchall()) == {"pos/SH002/SH002_20250401.csv": 1}
    # the manifest keeps every file, so a purged file still in sources/ is not landed again
    assert conn.execute("select count(*) from raw._load_manifest").fetchone()[0] == len(FILES)


def test_purge_again_deletes_nothing(conn):
    build_warehouse(conn)
    purge_expired(conn, CONFIG)
    again = purge_expired(conn, CONFIG)
    assert again.total_rows_deleted == 0
    assert again.as_of == AS_OF  # the manifest still dates the newest file


def test_a_file_without_a_date_in_its_path_ages_from_its_load_day(conn):
    build_warehouse(conn)
    old_load = datetime(2020, 3, 1, 2, 0, tzinfo=UTC)
    conn.execute(
        "insert into raw.pos__receipt_lines values (1, 'L0', 'pos/manual_upload.csv', 'x', 1, ?)",
        [old_load],
    )
    report = purge_expired(conn, CONFIG)
    assert report.rows_deleted["pos__receipt_lines"] == EXPECTED_DELETED["pos__receipt_lines"] + 1
    assert "pos/manual_upload.csv" not in remaining_files(conn, "pos__receipt_lines")


def test_an_empty_warehouse_purges_nothing(conn):
    report = purge_expired(conn, CONFIG)
    assert report.as_of is None and report.total_rows_deleted == 0


def test_path_date_follows_the_landing_rule():
    assert path_date("tmall/ExportOrderList20240102235959.csv") == date(2024, 1, 2)
    assert path_date("wecom/contacts/20240105/page_0001.json") == date(2024, 1, 5)
    # an impossible first token is skipped for the next valid one
    assert path_date("x/20241399/20240201.csv") == date(2024, 2, 1)
    assert path_date("pos/manual_upload.csv") is None


def test_repository_config_names_real_tables_and_keeps_the_demo_history():
    config = load_retention_config()
    assert set(config.days) <= set(RAW_TABLES)
    # the demo brand spans two years: the nightly purge must not eat into it
    assert min([config.default_days, config.quarantine_days, *config.days.values()]) >= 365
    assert min([config.default_days, *config.days.values()]) >= 730


def test_a_zero_day_period_is_refused(tmp_path):
    bad = tmp_path / "retention.toml"
    bad.write_text("[retention]\ndefault_days = 0\n")
    with pytest.raises(ValueError, match="at least 1 day"):
        load_retention_config(bad)


def test_the_asset_purges_the_configured_warehouse(tmp_path, monkeypatch):
    from orchestration.defs.privacy.retention import RETENTION_ASSET, raw_retention
    from orchestration.defs.resources import WarehouseResource

    path = tmp_path / "warehouse" / "siyu.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as setup:
        build_warehouse(setup)
    config_file = tmp_path / "retention.toml"
    config_file.write_text(
        "[retention]\ndefault_days = 1095\nquarantine_days = 90\n"
        '[retention.days]\n"oa__events" = 730\n'
    )
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(path))
    monkeypatch.setenv("SIYU_RETENTION_CONFIG", str(config_file))

    result = dg.materialize([raw_retention], resources={"warehouse": WarehouseResource()})

    assert result.success
    (materialization,) = result.asset_materializations_for_node(raw_retention.op.name)
    assert materialization.asset_key == RETENTION_ASSET
    metadata = {name: value.value for name, value in materialization.metadata.items()}
    assert metadata["rows_deleted"] == sum(EXPECTED_DELETED.values()) + 2
    assert metadata["rows_deleted.pos__receipt_lines"] == 5
    assert metadata["as_of"] == "2025-06-30"
    # a second run through the lock-taking entry point finds nothing left to delete
    assert purge_warehouse(path, load_retention_config(config_file)).total_rows_deleted == 0
