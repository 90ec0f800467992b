"""The BI publish end to end, on a copy of the session's full-history brand.

The brand's nightly run has published once. The copy gets the next day's files, and while a
separate BI reader process queries the published DuckDB file and Parquet files in a loop, a
`siyu run` subprocess lands the day, rebuilds and publishes a changed build. The reader must
see no error and no partial result, and both builds. The published file must then open in the
DuckDB release BI tools embedded (1.1.0, from .venv-bi-reader) and through SQLAlchemy.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.simulator import simulate_brand
from publish.swap import PublishLayout
from publish.writer import verify_build

from .conftest import BAD_ROW_RATE, DEMO_CUSTOMERS, DEMO_SEED, FULL_HISTORY_DAYS, demo_home

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OLD_DUCKDB_PYTHON = REPO / ".venv-bi-reader" / "bin" / "python"
OLD_DUCKDB_VERSION = "1.1.0"  # requirements-bi-reader.lock
RUN_TIMEOUT_SECONDS = 1200
READS_AFTER_RUN = 3  # reader loops over the new build before it is stopped

# A BI reader: each loop opens the file read-only, reads the manifest, then (a moment later, so
# a swap can fall in between) counts every table in the same connection; then does the same on
# the Parquet folder the symlink points at. One JSON line per read: the build seen, or what
# was partial, or the error.
READER = r"""
import json, os, sys, time
import duckdb

publish, stop, out = sys.argv[1:4]


def read_database():
    with duckdb.connect(os.path.join(publish, "siyu.duckdb"), read_only=True) as conn:
        manifest = conn.execute(
            "select table_schema, table_name, row_count, run_id from _publish.manifest"
        ).fetchall()
        time.sleep(0.05)
        tables = conn.execute(
            "select count(*) from duckdb_tables() where schema_name != '_publish'"
        ).fetchone()[0]
        partial = [] if tables == len(manifest) else ["tables missing or extra"]
        for schema, name, rows, _ in manifest:
            count = conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            if count != rows:
                partial.append(f"{schema}.{name}")
        return {run for *_, run in manifest}, partial


def read_parquet():
    folder = os.path.realpath(os.path.join(publish, "parquet"))  # resolve the build once
    with duckdb.connect() as conn:
        manifest = conn.execute(
            "select table_schema, table_name, row_count, run_id, parquet_file "
            f"from '{folder}/_publish/manifest.parquet'"
        ).fetchall()
        partial = []
        for schema, name, rows, _, parquet_file in manifest:
            count = conn.execute(f"select count(*) from '{folder}/{parquet_file}'").fetchone()[0]
            if count != rows:
                partial.append(f"{schema}.{name}")
        return {row[3] for row in manifest}, partial


with open(out, "a", encoding="utf-8") as log:
    while not os.path.exists(stop):
        for kind, read in (("duckdb", read_database), ("parquet", read_parquet)):
            try:
                runs, partial = read()
                line = {"kind": kind, "runs": sorted(runs), "partial": partial}
            except Exception as error:
                line = {"kind": kind, "error": f"{type(error).__name__}: {error}"}
            log.write(json.dumps(line) + "\n")
            log.flush()
        time.sleep(0.1)
"""


@dataclass(frozen=True)
class Republished:
    layout: PublishLayout
    warehouse: Path
    first_run: str  # run id of the build published before the nightly run
    second_run: str
    run_output: str
    reads: list[dict]


def reader_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def wait_for_reads(path: Path, run_id: str, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = [r for r in reader_lines(path) if r.get("runs") == [run_id]]
        if len(seen) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"the reader did not read build {run_id} {count} times")


@pytest.fixture(scope="module")
def republished(full_history_brand, tmp_path_factory):
    work = tmp_path_factory.mktemp("publish")
    home = work / "home"
    shutil.copytree(full_history_brand.pipeline.settings.home, home, symlinks=True)
    with demo_home(home) as settings:
        layout = PublishLayout(settings.home / "publish")
        first_run = verify_build(layout.database)  # the session brand's run published
        simulate_brand(
            settings.sources_dir,
            customers=DEMO_CUSTOMERS,
            days=FULL_HISTORY_DAYS + 1,
            seed=DEMO_SEED,
            bad_row_rate=BAD_ROW_RATE,
            mode="next_day",
        )
        (work / "reader.py").write_text(READER, encoding="utf-8")
        stop, out = work / "stop", work / "reads.jsonl"
        reader = subprocess.Popen(
            [sys.executable, str(work / "reader.py"), str(layout.root), str(stop), str(out)]
        )
        try:
            wait_for_reads(out, first_run, READS_AFTER_RUN)
            run = subprocess.run(
                [sys.executable, "-m", "orchestration.cli", "run"],
                env=dict(os.environ),  # demo_home's SIYU_HOME, DAGSTER_HOME, warehouse
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
            second_run = verify_build(layout.database)
            wait_for_reads(out, second_run, READS_AFTER_RUN)
        finally:
            stop.touch()
            reader.wait(timeout=60)
        yield Republished(
            layout, settings.warehouse_path, first_run, second_run, run.stdout, reader_lines(out)
        )


def test_a_bi_reader_through_a_nightly_run_sees_no_error_no_partial_result_and_both_builds(
    republished,
):
    reads = republished.reads
    errors = [r["error"] for r in reads if "error" in r]
    partial = [r for r in reads if r.get("partial")]
    assert errors == []
    assert partial == []
    first, second = [republished.first_run], [republished.second_run]
    for kind in ("duckdb", "parquet"):
        builds = [r["runs"] for r in reads if r["kind"] == kind]
        assert builds[0] == first and builds[-1] == second
        switch = builds.index(second)
        # one build per read, the old one until the swap and the new one after it
        assert builds == [first] * switch + [second] * (len(builds) - switch)


def test_the_nightly_run_published_a_changed_build_and_kept_the_previous_one(republished):
    layout = republished.layout
    assert republished.second_run != republished.first_run
    assert f"siyu nightly run {republished.second_run[:8]}: succeeded" in republished.run_output
    assert verify_build(layout.previous) == republished.first_run

    def hashes(database):
        with duckdb.connect(str(database), read_only=True) as conn:
            rows = conn.execute("select table_name, content_hash from _publish.manifest")
            return dict(rows.fetchall())

    before, after = hashes(layout.previous), hashes(layout.database)
    assert before.keys() == after.keys()
    assert before["fct_orders"] != after["fct_orders"]  # the next day's orders
    assert layout.parquet.resolve().name.endswith(republished.second_run[:8])


def published_counts(database: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(manifest row counts, actual row counts) read with the current DuckDB."""
    with duckdb.connect(str(database), read_only=True) as conn:
        manifest = {
            f"{s}.{n}": rows
            for s, n, rows in conn.execute(
                "select table_schema, table_name, row_count from _publish.manifest"
            ).fetchall()
        }
        actual = {
            name: conn.execute(f"select count(*) from {name}").fetchone()[0] for name in manifest
        }
    return manifest, actual


OLD_READER = r"""
import json, sys
import duckdb

with duckdb.connect(sys.argv[1], read_only=True) as conn:
    manifest = {
        f"{s}.{n}": rows
        for s, n, rows in conn.execute(
            "select table_schema, table_name, row_count from _publish.manifest"
        ).fetchall()
    }
    counts = {name: conn.execute(f"select count(*) from {name}").fetchone()[0] for name in manifest}
    customers = conn.execute("select count(distinct oneid) from marts.dim_customers").fetchone()[0]
print(json.dumps({"version": duckdb.__version__, "manifest": manifest, "counts": counts,
                  "customers": customers}))
"""


def test_the_bi_file_opens_in_the_duckdb_release_bi_tools_embed(republished):
    assert OLD_DUCKDB_PYTHON.exists(), "run `make test` (it creates .venv-bi-reader) first"
    old = subprocess.run(
        [str(OLD_DUCKDB_PYTHON), "-c", OLD_READER, str(republished.layout.database)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(old.stdout)
    manifest, actual = published_counts(republished.layout.database)
    assert seen["version"] == OLD_DUCKDB_VERSION
    assert seen["manifest"] == manifest == actual == seen["counts"]
    assert seen["customers"] == manifest["marts.dim_customers"] > 0


def test_the_bi_file_opens_read_only_through_sqlalchemy(republished):
    from sqlalchemy import create_engine, text

    manifest, _ = published_counts(republished.layout.database)
    engine = create_engine(
        f"duckdb:///{republished.layout.database}", connect_args={"read_only": True}
    )
    try:
        with engine.connect() as conn:
            listed = dict(
                conn.execute(
                    text(
                        "select table_schema || '.' || table_name, row_count from _publish.manifest"
                    )
                ).fetchall()
            )
            counts = {
                name: conn.execute(text(f"select count(*) from {name}")).scalar_one()
                for name in listed
            }
            with pytest.raises(Exception, match="read-only"):
                conn.execute(text("delete from marts.dim_customers"))
    finally:
        engine.dispose()
    assert listed == counts == manifest


def test_no_published_text_value_is_an_identifier_value_of_the_warehouse(republished):
    identifiers = (
        "select identifier_value from intermediate.int_identity__identifiers "
        "union select identifier_value from intermediate.int_identifiers_observed"
    )
    with duckdb.connect(str(republished.warehouse), read_only=True) as conn:
        conn.execute(f"attach '{republished.layout.database}' as bi (read_only)")
        conn.execute(f"create temp table identifier_values as {identifiers}")
        (identifier_count,) = conn.execute("select count(*) from identifier_values").fetchone()
        columns = conn.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = 'bi' and data_type = 'VARCHAR' and schema_name != '_publish'"
        ).fetchall()
        schemas = {
            schema
            for (schema,) in conn.execute(
                "select distinct schema_name from duckdb_tables() where database_name = 'bi'"
            ).fetchall()
        }
        checked, leaked = 0, {}
        for schema, table, column in columns:
            source = f'bi."{schema}"."{table}"'
            values = f'(select "{column}" as v from {source} where "{column}" is not null)'
            total, hits = conn.execute(
                f"select count(*), count(*) filter (where v in (select * from identifier_values) "
                f"or regexp_replace(v, '^[A-Za-z_]+:', '') in (select * from identifier_values)) "
                f"from {values}"
            ).fetchone()
            checked += total
            if hits:
                leaked[f"{schema}.{table}.{column}"] = hits
        (customers,) = conn.execute("select count(*) from bi.marts.dim_customers").fetchone()
    # the comparison has material: every customer has at least one identifier
    assert identifier_count >= customers > 0
    assert checked > identifier_count
    assert leaked == {}
    assert schemas == {"marts", "clv", "_publish"}
