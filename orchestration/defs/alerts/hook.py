"""The alert hook: one log line, and a JSON POST to SIYU_ALERT_WEBHOOK_URL when it is set.

A run that failed, or any failed asset check of severity ERROR, raises an error alert; failed
checks of severity WARN alone raise a warning. The alert names the run, the job, the failed
steps and checks and carries counts only: never an error message (a message can quote a value).
Posting is best effort: a webhook that is down is logged and never fails the run.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.load_report import (
    RunReport,
    build_run_report,
    write_report_files,
    write_report_table,
)

log = logging.getLogger("siyu.alerts")

WEBHOOK_URL_ENV_VAR = "SIYU_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_ENV_VAR = "SIYU_ALERT_WEBHOOK_TIMEOUT_SECONDS"  # default 10
FAILED_RUN_STATUSES = ("FAILURE", "CANCELED")


@dataclass(frozen=True)
class RunAlert:
    run_id: str
    job: str
    run_status: str
    failed_steps: tuple[str, ...]
    failed_checks: tuple[str, ...]  # severity ERROR, as asset:check
    warned_checks: tuple[str, ...]  # severity WARN
    counts: dict[str, int]

    @property
    def level(self) -> str:
        run_failed = self.run_status in FAILED_RUN_STATUSES
        return "error" if run_failed or self.failed_checks else "warning"

    def payload(self) -> dict:
        return {
            "source": "siyu",
            "level": self.level,
            "run_id": self.run_id,
            "job": self.job,
            "run_status": self.run_status,
            "failed_steps": list(self.failed_steps),
            "failed_checks": list(self.failed_checks),
            "warned_checks": list(self.warned_checks),
            "counts": self.counts,
        }

    def log_line(self) -> str:
        parts = [f"run {self.run_id} job {self.job} {self.run_status}"]
        if self.failed_steps:
            parts.append("failed steps: " + ", ".join(self.failed_steps))
        if self.failed_checks:
            parts.append("failed checks: " + ", ".join(self.failed_checks))
        if self.warned_checks:
            parts.append("warning checks: " + ", ".join(self.warned_checks))
        parts.append(" ".join(f"{name}={value}" for name, value in self.counts.items()))
        return "; ".join(parts)


def alert_for_report(report: RunReport) -> RunAlert | None:
    """The alert a run's report calls for, or None when the run and all its checks passed."""
    failed_steps = tuple(step.step for step in report.steps_with("FAILURE"))
    failed = tuple(c.label for c in report.checks_with("failed", "ERROR"))
    warned = tuple(c.label for c in report.checks_with("failed", "WARN"))
    if report.status not in FAILED_RUN_STATUSES and not failed and not warned:
        return None
    totals = report.totals()
    counts = {
        "steps_failed": len(failed_steps),
        "steps_skipped": len(report.steps_with("SKIPPED")),
        "checks_failed": len(failed),
        "checks_warned": len(warned),
        "checks_not_evaluated": len(report.checks_with("not_evaluated")),
        "checks_passed": len(report.checks_with("passed")),
        "rows_in": totals["rows_in"],
        "rows_quarantined": totals["rows_quarantined"],
    }
    return RunAlert(report.run_id, report.job, report.status, failed_steps, failed, warned, counts)


def send_alert(alert: RunAlert, environ: dict[str, str] | None = None) -> bool:
    """Log the alert; POST it when a webhook is configured. True when a POST was accepted."""
    env = os.environ if environ is None else environ
    log.log(logging.ERROR if alert.level == "error" else logging.WARNING, alert.log_line())
    url = env.get(WEBHOOK_URL_ENV_VAR, "").strip()
    if not url:
        return False
    timeout = float(env.get(WEBHOOK_TIMEOUT_ENV_VAR, "10"))
    return post_json(url, alert.payload(), timeout)


def post_json(url: str, payload: dict, timeout: float) -> bool:
    host = urllib.parse.urlsplit(url).hostname or "?"  # the rest of a URL may hold a token
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # a local receiver must not be sent through a proxy configured for the outside world
    handlers = [urllib.request.ProxyHandler({})] if host in ("127.0.0.1", "localhost") else []
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=timeout) as response:
            response.read()
        return True
    except urllib.error.HTTPError as error:
        log.warning("alert webhook on %s answered HTTP %d; the alert is only in this log", host,
                    error.code)  # fmt: skip
    except (OSError, ValueError) as error:
        log.warning("alert webhook on %s unreachable (%s); the alert is only in this log", host,
                    type(error).__name__)  # fmt: skip
    return False


def report_and_alert(
    instance: dg.DagsterInstance,
    run_id: str,
    logs_dir: Path,
    warehouse_path: Path,
    environ: dict[str, str] | None = None,
    *,
    keep_report: bool = True,
) -> tuple[RunReport, RunAlert | None]:
    """After a run: write its load report (files, then the ops tables), then alert if needed.
    Without `keep_report` (a checks-only run) only the alert is sent."""
    report = build_run_report(instance, run_id, warehouse_path if keep_report else None)
    if keep_report:
        write_report_files(report, logs_dir)
        if not write_report_table(report, warehouse_path):
            log.warning("run %s: warehouse busy, load report kept only in %s", run_id, logs_dir)
    alert = alert_for_report(report)
    if alert is not None:
        send_alert(alert, environ)
    return report, alert
