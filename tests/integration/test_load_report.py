"""`siyu run` on a small generated brand: the per-run load report against the warehouse's own
records, and no personal value in the report, the logs or the run's Dagster events."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date

import duckdb
import pytest
from dagster._serdes import serialize_value

from ingestion.simulator import simulate_brand
from ingestion.simulator.clock import Period
from ingestion.simulator.people import make_people

from .conftest import demo_home, read_csv

pytestmark = pytest.mark.integration

CUSTOMERS, DAYS, SEED = 300, 40, 11
COUNTS = ("files", "rows_in", "rows_loaded", "rows_quarantined", "rows_duplicate")


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """One `siyu run` (the CLI's in-process path): settings, run, its events, what it printed."""
    from dagster import DagsterInstance

    from orchestration.cli import run_nightly

    home = tmp_path_factory.mktemp("load_report_home")
    with demo_home(home) as settings, pytest.MonkeyPatch.context() as env:
        env.delenv("SIYU_ALERT_WEBHOOK_URL", raising=False)
        # a few bad rows, so that quarantined counts are not all zero
        simulate_brand(
            settings.sources_dir, customers=CUSTOMERS, days=DAYS, seed=SEED, bad_row_rate=0.01
        )
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            exit_code = run_nightly(settings)
        with DagsterInstance.get() as instance:
            [run] = instance.get_runs(limit=1)
            events = list(instance.all_logs(run.run_id))
        yield settings, run, events, exit_code, printed.getvalue()


def query(settings, sql: str, params=None):
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute(sql, params or {}).fetchall()


def report_json(settings, run_id: str) -> dict:
    path = settings.logs_dir / f"load-report-{run_id}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_run_writes_both_report_files_with_its_status(cli_run):
    settings, run, _, exit_code, printed = cli_run
    # the landing and the models ran (a later step's failure is reported, not hidden)
    assert exit_code == (0 if run.status.value == "SUCCESS" else 1), printed
    report = report_json(settings, run.run_id)
    assert (report["run_id"], report["job"], report["status"]) == (
        run.run_id,
        "nightly",
        run.status.value,
    )
    text = (settings.logs_dir / f"load-report-{run.run_id}.txt").read_text(encoding="utf-8")
    assert all(f"raw.{load['raw_table']}" in text for load in report["loads"])
    assert f"load-report-{run.run_id}.txt" in printed  # the summary points at it


def test_report_counts_equal_the_manifest_and_the_raw_tables(cli_run):
    settings, run, _, _, _ = cli_run
    report = report_json(settings, run.run_id)
    loads = {load["raw_table"]: load for load in report["loads"]}
    manifest = query(
        settings,
        "select raw_table, count(*), sum(rows_in), sum(rows_loaded), sum(rows_quarantined), "
        "sum(rows_duplicate) from raw._load_manifest where load_id = $run group by raw_table",
        {"run": run.run_id},
    )
    assert {table: tuple(loads[table][c] for c in COUNTS) for table in loads} == {
        table: tuple(counts) for table, *counts in manifest
    }
    assert len(loads) >= 15  # every file-fed source landed something
    for table, load in loads.items():
        assert load["source"] == table.split("__")[0]
        [(landed,)] = query(
            settings, f"select count(*) from raw.{table} where _load_id = $run", {"run": run.run_id}
        )
        [(quarantined,)] = query(
            settings,
            "select count(distinct (source_file, row_number)) from raw._quarantine "
            "where load_id = $run and raw_table = $table",
            {"run": run.run_id, "table": table},
        )
        assert (load["rows_loaded"], load["rows_quarantined"]) == (landed, quarantined)
    assert report["load_totals"]["rows_quarantined"] > 0  # the bad rows were counted
    # the same counts in the warehouse's ops table
    rows = query(
        settings,
        f"select raw_table, {', '.join(COUNTS)} from ops.run_load_reports where run_id = $run",
        {"run": run.run_id},
    )
    assert {table: tuple(counts) for table, *counts in rows} == {
        table: tuple(load[c] for c in COUNTS) for table, load in loads.items()
    }


def test_every_executed_check_and_step_is_reported(cli_run):
    settings, run, events, _, _ = cli_run
    report = report_json(settings, run.run_id)
    evaluated = {
        (e.asset_key.to_user_string(), e.check_name): "passed" if e.passed else "failed"
        for e in (
            entry.dagster_event.event_specific_data
            for entry in events
            if entry.dagster_event
            and entry.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
        )
    }
    reported = {(c["asset"], c["check"]): c["status"] for c in report["checks"]}
    assert evaluated and {k: reported[k] for k in evaluated} == evaluated
    # freshness is planned in the nightly run; it runs once the marts are built
    freshness = reported[("marts/dim_customers", "fresh_within_sla")]
    assert freshness == "passed" if run.status.value == "SUCCESS" else freshness != "failed"
    stored = query(
        settings,
        "select asset_key, check_name, status from ops.run_check_results where run_id = $run",
        {"run": run.run_id},
    )
    assert {(a, c): s for a, c, s in stored} == reported
    ended = {
        entry.step_key: entry.dagster_event.event_type_value.removeprefix("STEP_")
        for entry in events
        if entry.dagster_event
        and entry.dagster_event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE")
    }
    steps = {s["step"]: s for s in report["steps"]}
    assert {step: s["status"] for step, s in steps.items()} == ended
    assert {"raw__tmall__orders", "identity__oneid_map", "siyu_dbt_models"} <= set(ended)
    assert all(s["seconds"] >= 0 and s["attempts"] == 1 for s in steps.values())
    assert sum(s["seconds"] for s in steps.values()) <= report["seconds"] + 1


def personal_values(settings) -> set[str]:
    """Every identifier the simulator gave a person, and every person's name."""
    truth = settings.sources_dir / "_ground_truth"
    values = {row["identifier_value"] for row in read_csv(truth / "identities.csv")}
    people = make_people(SEED, CUSTOMERS, Period(date(2024, 1, 1), DAYS))
    values |= set(people.name.tolist())
    return {v for v in values if v}


def test_no_personal_value_in_report_logs_or_event_metadata(cli_run):
    settings, run, events, _, printed = cli_run
    values = personal_values(settings)
    assert len(values) > CUSTOMERS  # phones, platform ids and names are all there
    texts = {"terminal": printed}
    for path in settings.logs_dir.iterdir():
        if path.is_file():
            texts[path.name] = path.read_text(encoding="utf-8")
    assert any(name.startswith("load-report-") for name in texts)
    assert any(name.startswith("run-") for name in texts)  # the run log, dbt's output included
    for number, entry in enumerate(events):
        # as stored, then with non-ASCII unescaped so that names compare as written
        stored = serialize_value(entry)
        texts[f"event {number}"] = json.dumps(json.loads(stored), ensure_ascii=False)
    stored_ops = query(
        settings,
        "select * from ops.run_reports join ops.run_step_durations using (run_id) "
        "where run_id = $run",
        {"run": run.run_id},
    )
    texts["ops tables"] = repr(stored_ops)
    leaks = {where: sorted(v for v in values if v in text) for where, text in texts.items()}
    assert {where: found for where, found in leaks.items() if found} == {}
