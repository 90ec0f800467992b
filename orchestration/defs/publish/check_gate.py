"""Whether the asset checks upstream of the publish step allow publishing.

Two rules, both read from the Dagster instance's check records:
- every check of an upstream asset evaluated in this run passed (a failure of severity WARN is
  reported, not blocking: the check's author chose "warn, do not block");
- the latest recorded evaluation of every blocking upstream check passed, whichever run made
  it: a check that failed in an earlier run and did not run again keeps the BI database as it
  is until a run where it passes.
A check planned but not evaluated (still to run, skipped, or its run was killed) is judged by
its latest evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    AssetCheckExecutionRecordStatus,
)


@dataclass
class GateVerdict:
    checks: int = 0  # checks of upstream assets considered
    passed_this_run: int = 0
    warned_this_run: int = 0  # failed with severity WARN in this run
    never_evaluated: int = 0
    failed_this_run: list[str] = field(default_factory=list)  # check keys, as strings
    failed_earlier: list[str] = field(default_factory=list)  # blocking checks of earlier runs

    @property
    def passed(self) -> bool:
        return not self.failed_this_run and not self.failed_earlier

    def reason(self) -> str:
        parts = []
        if self.failed_this_run:
            parts.append(f"failed in this run: {', '.join(self.failed_this_run)}")
        if self.failed_earlier:
            parts.append(
                "blocking checks whose latest evaluation (an earlier run) failed: "
                + ", ".join(self.failed_earlier)
            )
        return "; ".join(parts) or "every upstream check passed"

    def metadata(self) -> dict[str, int]:
        return {
            "upstream checks": self.checks,
            "checks passed in this run": self.passed_this_run,
            "checks warned in this run": self.warned_this_run,
            "checks failed in this run": len(self.failed_this_run),
            "blocking checks failed earlier": len(self.failed_earlier),
            "checks never evaluated": self.never_evaluated,
        }


def upstream_check_keys(
    asset_graph, asset_key: dg.AssetKey
) -> tuple[list[dg.AssetCheckKey], set[dg.AssetCheckKey]]:
    """Every check on an ancestor of `asset_key`, and which of them are blocking."""
    ancestors = asset_graph.get_ancestor_asset_keys(asset_key)
    keys = sorted(
        (key for key in asset_graph.asset_check_keys if key.asset_key in ancestors),
        key=lambda key: key.to_user_string(),
    )
    blocking = {key for key in keys if asset_graph.get_check_spec(key).blocking}
    return keys, blocking


def judge_checks(
    instance: dg.DagsterInstance,
    check_keys: Iterable[dg.AssetCheckKey],
    blocking: set[dg.AssetCheckKey],
    run_id: str,
) -> GateVerdict:
    storage = instance.event_log_storage
    check_keys = list(check_keys)
    latest = storage.get_latest_asset_check_execution_by_key(check_keys)
    verdict = GateVerdict(checks=len(check_keys))
    for key in check_keys:
        record = latest.get(key)
        if record is not None and record.status == AssetCheckExecutionRecordStatus.PLANNED:
            evaluated = storage.get_asset_check_execution_history(
                key, limit=1, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
            )
            record = evaluated[0] if evaluated else None
        evaluation = record.event.asset_check_evaluation if record and record.event else None
        if evaluation is None:
            verdict.never_evaluated += 1
            continue
        this_run = record.run_id == run_id
        blocks = evaluation.severity == dg.AssetCheckSeverity.ERROR
        if evaluation.passed:
            verdict.passed_this_run += int(this_run)
        elif this_run and blocks:
            verdict.failed_this_run.append(key.to_user_string())
        elif this_run:
            verdict.warned_this_run += 1
        elif blocks and key in blocking:
            verdict.failed_earlier.append(key.to_user_string())
    return verdict
