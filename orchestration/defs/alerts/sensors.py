"""For runs the daemon launches (schedule, UI): report and alert when a run ends.

`siyu run` does the same in its own process right after the run (orchestration/cli.py); these
sensors only see runs launched from a code location, so a CLI run is never reported twice.
"""

import dagster as dg

from ingestion.settings import load_settings
from orchestration.defs.alerts.freshness import FRESHNESS_JOB, freshness_definitions
from orchestration.defs.alerts.hook import report_and_alert


def _report_and_alert(context: dg.RunStatusSensorContext) -> None:
    settings = load_settings()
    run = context.dagster_run
    report_and_alert(
        context.instance,
        run.run_id,
        settings.logs_dir,
        settings.warehouse_path,
        # the hourly freshness runs land nothing: alert on them, keep no report
        keep_report=run.job_name != FRESHNESS_JOB,
    )


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    description="Writes the load report of a failed or canceled run and sends its alert.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext):
    _report_and_alert(context)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="report_and_alert_on_checks",
    description="Writes the load report of a successful run; alerts when any of its asset "
    "checks failed (a non-blocking check fails without failing the run).",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def report_and_alert_on_checks(context: dg.RunStatusSensorContext):
    _report_and_alert(context)


defs = dg.Definitions.merge(
    freshness_definitions(),
    dg.Definitions(sensors=[alert_on_run_failure, report_and_alert_on_checks]),
)
