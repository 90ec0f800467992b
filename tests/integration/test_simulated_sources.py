"""Every source of a simulated brand with bad rows, landed: each bad row is caught where the
simulator says it put it, and every other row lands. No Dagster, no dbt: ingestion alone."""

import os

import duckdb
import pytest

from ingestion.landing import land
from ingestion.simulator import simulate_brand
from ingestion.sources import ALL_SPECS

from .conftest import read_csv

BAD_ROW_RATE = 0.02


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    root = tmp_path_factory.mktemp("brand")
    sources = root / "sources"
    simulate_brand(sources, customers=600, days=40, seed=11, bad_row_rate=BAD_ROW_RATE)
    from ingestion.pseudonymise import PseudonymisationKey

    key = PseudonymisationKey(b"test-key-not-secret")
    conn = duckdb.connect(str(root / "warehouse.duckdb"))
    saved = {k: os.environ.get(k) for k in ("SIYU_MODE", "SIYU_MALL_API_URL")}
    os.environ["SIYU_MODE"] = "demo"
    os.environ.pop("SIYU_MALL_API_URL", None)
    try:
        reports = {}
        for spec in ALL_SPECS:
            if spec.extract is not None:
                spec.extract(sources, None)
            reports[spec.name] = land(conn, spec, sources, key, "load-1")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield sources, conn, reports
    conn.close()


def test_every_bad_row_is_caught_at_its_file_and_row(landed):
    sources, conn, _ = landed
    truth = {
        (row["raw_table"], row["file"], int(row["row_number"]))
        for row in read_csv(sources / "_ground_truth" / "bad_rows.csv")
    }
    caught = set(
        conn.execute(
            "select raw_table, source_file, row_number from raw._quarantine union "
            "select raw_table, source_file, row_number from raw._rejected_values"
        ).fetchall()
    )
    assert len(truth) > 20

    # the mall's bad records sit in its server-side files; they land from fetched pages
    def by_file(rows):
        return {r for r in rows if not r[0].startswith("mall__")}

    def mall_count(rows):
        return sorted(r[0] for r in rows if r[0].startswith("mall__"))

    assert by_file(caught) == by_file(truth)
    assert mall_count(caught) == mall_count(truth)


def test_every_row_is_accounted_for_per_table(landed):
    sources, conn, reports = landed
    written = {}
    for row in read_csv(sources / "_ground_truth" / "files.csv"):
        if not row["resent_copy_of"]:
            written[row["raw_table"]] = written.get(row["raw_table"], 0) + int(row["rows"])
    for name, report in reports.items():
        counts = report.as_metadata()
        assert counts["rows_in"] == (
            counts["rows_loaded"] + counts["rows_quarantined"] + counts["rows_duplicate"]
        ), name
        (in_raw,) = conn.execute(f"select count(*) from raw.{name}").fetchone()
        assert in_raw == counts["rows_loaded"], name
    # byte-identical files (empty exports, unchanged pages) are read once: never more rows in
    assert all(reports[t].as_metadata()["rows_in"] <= n for t, n in written.items())
    assert sum(r.as_metadata()["rows_in"] for r in reports.values()) > 1000
