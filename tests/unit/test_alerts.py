"""Retries, mart freshness checks and the alert hook, on real local HTTP servers and a real
Dagster instance."""

import json
import logging
import shutil
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.instance.utils import RUNLESS_JOB_NAME, RUNLESS_RUN_ID

from ingestion.mall.demo_server import Faults, serve
from ingestion.mall.orders import MALL_ORDERS
from orchestration.defs.alerts.freshness import (
    CHECK_NAME,
    FreshnessConfig,
    FreshnessVerdict,
    build_freshness_checks,
    freshness_verdict,
    load_freshness_config,
    mart_names,
)
from orchestration.defs.alerts.hook import alert_for_report, report_and_alert, send_alert
from orchestration.defs.alerts.sensors import alert_on_run_failure, report_and_alert_on_checks
from orchestration.defs.ingestion.raw_tables import build_raw_table_asset, raw_asset_key
from orchestration.defs.resources import WarehouseResource
from orchestration.load_report import build_run_report

MALL_FIXTURE = Path(__file__).parents[1] / "fixtures" / "mall_api"
TOKEN = "test-token-not-secret"
HOUR = 3600.0


# --- a webhook receiver ---------------------------------------------------------------------


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int):
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.status, self.posts = status, []


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def webhook(status: int = 200):
    server = _Receiver(status)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/siyu", server.posts
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- freshness ------------------------------------------------------------------------------


def test_freshness_verdict_compares_age_with_the_sla():
    now = 1_000_000.0
    assert freshness_verdict(now - 25 * HOUR, now, 26) == FreshnessVerdict(True, 25.0, 26)
    assert freshness_verdict(now - 26 * HOUR, now, 26).passed  # exactly at the SLA: still fresh
    assert freshness_verdict(now - 26.5 * HOUR, now, 26) == FreshnessVerdict(False, 26.5, 26)
    assert freshness_verdict(None, now, 26) == FreshnessVerdict(False, None, 26)  # never built


def test_freshness_config_default_override_and_env_path(tmp_path, monkeypatch):
    shipped = load_freshness_config()
    assert shipped.sla_for("fct_orders") == shipped.default_sla_hours
    assert shipped.sla_for("dim_calendar") > shipped.default_sla_hours
    config = tmp_path / "freshness.toml"
    config.write_text(
        '[freshness]\ndefault_sla_hours = 12\nseverity = "warn"\n'
        "[freshness.sla_hours]\nmart_nps__monthly = 800\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SIYU_FRESHNESS_CONFIG", str(config))
    loaded = load_freshness_config()
    assert (loaded.default_sla_hours, loaded.severity) == (12, "WARN")
    assert (loaded.sla_for("mart_nps__monthly"), loaded.sla_for("fct_orders")) == (800, 12)
    config.write_text("[freshness]\ndefault_sla_hours = 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="> 0"):
        load_freshness_config()


def test_every_mart_and_dim_customers_has_a_freshness_check():
    from orchestration.definitions import defs

    marts = mart_names()
    assert "dim_customers" in marts and "fct_orders" in marts
    nightly = defs.resolve_job_def("nightly")
    checks = {
        key.asset_key.path[1]
        for key in nightly.asset_layer.asset_graph.asset_check_keys
        if key.name == CHECK_NAME
    }
    assert checks == set(marts)


def _materialized_at(instance, key: dg.AssetKey, timestamp: float) -> None:
    """Record a materialisation of `key` as if it had happened at `timestamp`."""
    instance.report_dagster_event(
        DagsterEvent(
            event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
            event_specific_data=StepMaterializationData(dg.AssetMaterialization(key)),
            job_name=RUNLESS_JOB_NAME,
        ),
        run_id=RUNLESS_RUN_ID,
        timestamp=timestamp,
    )


def _run_checks(instance, checks):
    job = dg.define_asset_job("freshness", selection=dg.AssetSelection.checks(checks))
    defs = dg.Definitions(asset_checks=[checks], jobs=[job])
    return defs.resolve_job_def("freshness").execute_in_process(
        instance=instance, raise_on_error=False
    )


def test_stale_mart_fails_its_freshness_check_and_fresh_one_passes():
    config = FreshnessConfig(default_sla_hours=26, sla_hours={"dim_calendar": 168})
    checks = build_freshness_checks(["fct_orders", "dim_customers", "dim_calendar"], config)
    with dg.DagsterInstance.ephemeral() as instance:
        now = time.time()
        _materialized_at(instance, dg.AssetKey(["marts", "fct_orders"]), now - 30 * HOUR)
        _materialized_at(instance, dg.AssetKey(["marts", "dim_customers"]), now - 2 * HOUR)
        _materialized_at(instance, dg.AssetKey(["marts", "dim_calendar"]), now - 30 * HOUR)
        result = _run_checks(instance, checks)
    evaluations = {e.asset_key.path[1]: e for e in result.get_asset_check_evaluations()}
    assert {name: e.passed for name, e in evaluations.items()} == {
        "fct_orders": False,  # 30 h > 26 h
        "dim_customers": True,
        "dim_calendar": True,  # its own SLA: 168 h
    }
    assert evaluations["fct_orders"].severity == dg.AssetCheckSeverity.ERROR
    stale = evaluations["fct_orders"].metadata
    assert stale["sla_hours"].value == 26
    assert stale["age_hours"].value == pytest.approx(30, abs=0.01)


def test_a_mart_never_built_is_not_fresh():
    checks = build_freshness_checks(["fct_orders"], FreshnessConfig())
    with dg.DagsterInstance.ephemeral() as instance:
        result = _run_checks(instance, checks)
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed


# --- alerts on failed checks ----------------------------------------------------------------


def _asset_with_checks(outcomes: dict[str, tuple[bool, dg.AssetCheckSeverity]]):
    key = dg.AssetKey(["marts", "mart_demo"])

    @dg.asset(key=key, check_specs=[dg.AssetCheckSpec(name, asset=key) for name in outcomes])
    def mart_demo():
        yield dg.MaterializeResult()
        for name, (passed, severity) in outcomes.items():
            yield dg.AssetCheckResult(
                check_name=name, passed=passed, severity=severity, metadata={"rows": 3}
            )

    return mart_demo


def test_failed_error_check_alerts_by_log_line_and_webhook(tmp_path, caplog):
    mart = _asset_with_checks(
        {
            "volume_ok": (False, dg.AssetCheckSeverity.ERROR),
            "nulls_ok": (False, dg.AssetCheckSeverity.WARN),
            "keys_ok": (True, dg.AssetCheckSeverity.ERROR),
        }
    )
    with dg.DagsterInstance.ephemeral() as instance, webhook() as (url, posts):
        result = dg.materialize([mart], instance=instance)
        assert result.success  # non-blocking checks fail without failing the run
        with caplog.at_level(logging.WARNING, logger="siyu.alerts"):
            _, alert = report_and_alert(
                instance,
                result.run_id,
                tmp_path / "logs",
                tmp_path / "absent.duckdb",
                {"SIYU_ALERT_WEBHOOK_URL": url},
            )
    assert alert is not None and alert.level == "error"
    [(content_type, payload)] = posts
    assert content_type == "application/json"
    assert payload == {
        "source": "siyu",
        "level": "error",
        "run_id": result.run_id,
        "job": result.dagster_run.job_name,
        "run_status": "SUCCESS",
        "failed_steps": [],
        "failed_checks": ["marts/mart_demo:volume_ok"],
        "warned_checks": ["marts/mart_demo:nulls_ok"],
        "counts": {
            "steps_failed": 0,
            "steps_skipped": 0,
            "checks_failed": 1,
            "checks_warned": 1,
            "checks_not_evaluated": 0,
            "checks_passed": 1,
            "rows_in": 0,
            "rows_quarantined": 0,
        },
    }
    [line] = [r for r in caplog.records if r.name == "siyu.alerts"]
    assert line.levelno == logging.ERROR
    assert result.run_id in line.getMessage()
    assert "failed checks: marts/mart_demo:volume_ok" in line.getMessage()
    assert (tmp_path / "logs" / f"load-report-{result.run_id}.json").is_file()


def test_daemon_sensor_reports_a_successful_run_and_alerts_on_its_failed_check(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(tmp_path / "home" / "siyu.duckdb"))
    mart = _asset_with_checks({"volume_ok": (False, dg.AssetCheckSeverity.ERROR)})
    with dg.DagsterInstance.ephemeral() as instance, webhook() as (url, posts):
        monkeypatch.setenv("SIYU_ALERT_WEBHOOK_URL", url)
        result = dg.materialize([mart], instance=instance)
        success = next(e for e in result.all_events if e.event_type_value == "PIPELINE_SUCCESS")
        report_and_alert_on_checks(
            dg.build_run_status_sensor_context(
                sensor_name="report_and_alert_on_checks",
                dagster_event=success,
                dagster_instance=instance,
                dagster_run=result.dagster_run,
            )
        )
    [(_, payload)] = posts
    assert (payload["run_id"], payload["failed_checks"]) == (
        result.run_id,
        ["marts/mart_demo:volume_ok"],
    )
    with duckdb.connect(str(tmp_path / "home" / "siyu.duckdb"), read_only=True) as conn:
        stored = conn.execute(
            "select check_name, status, severity from ops.run_check_results where run_id = ?",
            [result.run_id],
        ).fetchall()
    assert stored == [("volume_ok", "failed", "ERROR")]


def test_report_table_waits_for_no_writer_and_never_hangs(tmp_path, monkeypatch):
    import fcntl

    from ingestion.warehouse_lock import lock_path
    from orchestration import load_report

    monkeypatch.setattr(load_report, "WAREHOUSE_RETRY_SECONDS", 0.01)
    warehouse = tmp_path / "siyu.duckdb"
    mart = _asset_with_checks({"keys_ok": (True, dg.AssetCheckSeverity.ERROR)})
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([mart], instance=instance)
        report = build_run_report(instance, result.run_id, warehouse)
    with lock_path(warehouse).open("a") as other_run:  # a run holding the warehouse
        fcntl.flock(other_run, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert load_report.write_report_table(report, warehouse) is False
        assert not warehouse.exists()  # not even opened under the other run
    assert load_report.write_report_table(report, warehouse) is True
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        stored = conn.execute("select run_id, status from ops.run_reports").fetchall()
    assert stored == [(result.run_id, "SUCCESS")]


def test_warn_only_check_is_a_warning_line(tmp_path, caplog):
    mart = _asset_with_checks({"nulls_ok": (False, dg.AssetCheckSeverity.WARN)})
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([mart], instance=instance)
        report = build_run_report(instance, result.run_id, None)
    alert = alert_for_report(report)
    assert alert.level == "warning"
    with caplog.at_level(logging.WARNING, logger="siyu.alerts"):
        assert send_alert(alert, environ={}) is False  # no webhook configured: log only
    assert [r.levelno for r in caplog.records if r.name == "siyu.alerts"] == [logging.WARNING]


def test_passing_run_raises_no_alert():
    mart = _asset_with_checks({"keys_ok": (True, dg.AssetCheckSeverity.ERROR)})
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([mart], instance=instance)
        assert alert_for_report(build_run_report(instance, result.run_id, None)) is None


def test_a_webhook_answering_an_error_is_logged_and_never_raises(caplog):
    alert = _failed_check_alert()
    with webhook(status=500) as (url, posts), caplog.at_level(logging.WARNING):
        assert send_alert(alert, {"SIYU_ALERT_WEBHOOK_URL": url}) is False
    assert len(posts) == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "siyu.alerts"]
    assert "alert webhook on 127.0.0.1 answered HTTP 500" in messages[-1]


def test_an_unreachable_webhook_is_logged_and_never_raises(caplog):
    import socket

    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "SIYU_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "SIYU_ALERT_WEBHOOK_TIMEOUT_SECONDS": "2",
    }
    with caplog.at_level(logging.WARNING):
        assert send_alert(_failed_check_alert(), env) is False
    messages = [r.getMessage() for r in caplog.records if r.name == "siyu.alerts"]
    assert "alert webhook on 127.0.0.1 unreachable" in messages[-1]


def _failed_check_alert():
    mart = _asset_with_checks({"volume_ok": (False, dg.AssetCheckSeverity.ERROR)})
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([mart], instance=instance)
        return alert_for_report(build_run_report(instance, result.run_id, None))


# --- retries of the API landing step --------------------------------------------------------


@pytest.fixture
def mall_home(tmp_path, monkeypatch):
    """A demo home whose mall API is a local server; the HTTP client tries each page once, so
    every server error reaches the Dagster step."""
    sources = tmp_path / "home" / "sources"
    shutil.copytree(MALL_FIXTURE, sources / "_mall_api")
    monkeypatch.setenv("SIYU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIYU_MODE", "demo")
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(tmp_path / "home" / "siyu.duckdb"))
    monkeypatch.delenv("SIYU_SOURCES_DIR", raising=False)
    monkeypatch.delenv("SIYU_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.setenv("SIYU_MALL_API_TOKEN", TOKEN)
    monkeypatch.setenv("SIYU_MALL_API_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("SIYU_API_STEP_RETRIES", "2")
    monkeypatch.setenv("SIYU_API_STEP_RETRY_DELAY_SECONDS", "0.1")
    return tmp_path / "home"


def _land_mall_orders(instance, home: Path, faults: Faults):
    asset = build_raw_table_asset(MALL_ORDERS)  # built with this test's retry settings
    op = raw_asset_key(MALL_ORDERS).to_python_identifier()
    config = {"first_day": "2025-11-11", "last_day": "2025-11-12"}
    with (
        serve(home / "sources" / "_mall_api", TOKEN, faults) as url,
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv("SIYU_MALL_API_URL", url)
        return dg.materialize(
            [asset],
            instance=instance,
            resources={"warehouse": WarehouseResource()},
            run_config={"ops": {op: {"config": config}}},
            raise_on_error=False,
        )


def _fixture_orders() -> int:
    return sum(
        1
        for path in (MALL_FIXTURE / "orders").glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )


def test_api_step_retries_through_an_outage_and_lands_everything(mall_home):
    assert build_raw_table_asset(MALL_ORDERS).op.retry_policy.max_retries == 2
    with dg.DagsterInstance.ephemeral() as instance:
        # requests 1 and 2 fail: the first two attempts of the step die on their first page
        result = _land_mall_orders(instance, mall_home, Faults(server_error_on=(1, 2)))
        assert result.success
        [stats] = instance.get_run_step_stats(result.run_id)
        report = build_run_report(instance, result.run_id, mall_home / "siyu.duckdb")
    assert stats.attempts == 3
    with duckdb.connect(str(mall_home / "siyu.duckdb"), read_only=True) as conn:
        landed = conn.execute("select count(*) from raw.mall__orders").fetchone()[0]
        quarantined = conn.execute("select count(*) from raw._quarantine").fetchone()[0]
    assert landed + quarantined == _fixture_orders()  # every item the server holds
    [load] = report.loads
    assert (load.files, load.rows_in, load.rows_loaded) == (2, _fixture_orders(), landed)
    assert [(s.status, s.attempts) for s in report.steps] == [("SUCCESS", 3)]
    assert alert_for_report(report) is None


def test_api_that_always_fails_ends_the_run_failed_with_an_alert(mall_home, caplog):
    always = Faults(server_error_on=range(1, 1000))
    with dg.DagsterInstance.ephemeral() as instance, webhook() as (url, posts):
        result = _land_mall_orders(instance, mall_home, always)
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        [stats] = instance.get_run_step_stats(result.run_id)
        assert stats.attempts == 3  # the first try and two retries
        # the daemon's path: the run failure sensor reports and alerts
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_run_failure",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=run,
        ).for_run_failure()
        with pytest.MonkeyPatch.context() as env, caplog.at_level(logging.ERROR):
            env.setenv("SIYU_ALERT_WEBHOOK_URL", url)
            alert_on_run_failure(context)
    [(_, payload)] = posts
    step = raw_asset_key(MALL_ORDERS).to_python_identifier()
    assert (payload["run_status"], payload["failed_steps"]) == ("FAILURE", [step])
    assert payload["counts"]["steps_failed"] == 1
    # the quarantine and conservation checks never ran: reported, not counted as failures
    assert payload["counts"]["checks_not_evaluated"] == 2
    assert any(
        r.name == "siyu.alerts" and result.run_id in r.getMessage() and step in r.getMessage()
        for r in caplog.records
    )
    report = json.loads(
        (mall_home / "logs" / f"load-report-{result.run_id}.json").read_text(encoding="utf-8")
    )
    assert (report["status"], report["loads"]) == ("FAILURE", [])
