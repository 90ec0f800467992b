"""Freshness checks on the marts: hours since the last successful materialisation vs an SLA.

Dagster 1.13's own answers do not fit both launch paths: `FreshnessPolicy` is evaluated only by
the daemon (a preview switched on in dagster.yaml) and records no asset check, and
`build_last_update_freshness_checks` is superseded by it. These checks read the same instance
record (the latest materialisation) and run as ordinary asset checks: in the nightly job, after
the marts, and every hour by a schedule for the daemon, which catches a nightly run that never
came.
"""

import json
import os
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.defs.resources import DBT_PROJECT_DIR

CONFIG_ENV_VAR = "SIYU_FRESHNESS_CONFIG"
DEFAULT_CONFIG = Path(__file__).resolve().parents[3] / "config" / "freshness.toml"
CHECK_NAME = "fresh_within_sla"
MARTS_SCHEMA = "marts"
FRESHNESS_JOB = "mart_freshness"


@dataclass(frozen=True)
class FreshnessConfig:
    default_sla_hours: float = 26.0
    severity: str = "ERROR"
    sla_hours: dict[str, float] = field(default_factory=dict)  # per mart, by model name

    def sla_for(self, mart: str) -> float:
        return self.sla_hours.get(mart, self.default_sla_hours)


def load_freshness_config(path: Path | None = None) -> FreshnessConfig:
    """The file at `path`, else $SIYU_FRESHNESS_CONFIG, else config/freshness.toml."""
    path = path or Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG)
    with path.open("rb") as handle:
        table = tomllib.load(handle).get("freshness", {})
    config = FreshnessConfig(
        default_sla_hours=float(table.get("default_sla_hours", 26)),
        severity=str(table.get("severity", "ERROR")).upper(),
        sla_hours={name: float(hours) for name, hours in table.get("sla_hours", {}).items()},
    )
    if config.severity not in ("ERROR", "WARN"):
        raise ValueError(f"{path}: severity must be ERROR or WARN, got {config.severity!r}")
    if config.default_sla_hours <= 0 or any(h <= 0 for h in config.sla_hours.values()):
        raise ValueError(f"{path}: SLA hours must be > 0")
    return config


def mart_names(manifest_path: Path | None = None) -> list[str]:
    """The dbt models built in schema marts (dim_customers among them), from the manifest."""
    manifest_path = manifest_path or DBT_PROJECT_DIR / "target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA
    )


@dataclass(frozen=True)
class FreshnessVerdict:
    passed: bool
    age_hours: float | None  # None: never materialised
    sla_hours: float


def freshness_verdict(
    last_materialized: float | None, now: float, sla_hours: float
) -> FreshnessVerdict:
    """Fresh when the last materialisation (epoch seconds) is at most `sla_hours` old."""
    if last_materialized is None:
        return FreshnessVerdict(False, None, sla_hours)
    age = (now - last_materialized) / 3600
    return FreshnessVerdict(age <= sla_hours, round(age, 3), sla_hours)


def build_freshness_checks(
    marts: Iterable[str], config: FreshnessConfig
) -> dg.AssetChecksDefinition:
    keys = {dg.AssetKey([MARTS_SCHEMA, name]): name for name in marts}
    severity = dg.AssetCheckSeverity[config.severity]

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                description=f"Fails when the last successful materialisation of marts.{name} is "
                f"more than {config.sla_for(name):g} hours old (config/freshness.toml).",
            )
            for key, name in keys.items()
        ],
        can_subset=True,
        name="mart_freshness_checks",
    )
    def mart_freshness_checks(context: dg.AssetCheckExecutionContext):
        now = time.time()
        for check_key in context.selected_asset_check_keys:
            name = keys[check_key.asset_key]
            entry = context.instance.get_latest_materialization_event(check_key.asset_key)
            last = entry.timestamp if entry is not None else None
            verdict = freshness_verdict(last, now, config.sla_for(name))
            metadata = {"sla_hours": verdict.sla_hours, "age_hours": verdict.age_hours}
            if last is not None:
                metadata["last_materialized"] = dg.MetadataValue.timestamp(last)
            yield dg.AssetCheckResult(
                asset_key=check_key.asset_key,
                check_name=CHECK_NAME,
                passed=verdict.passed,
                severity=severity,
                metadata=metadata,
            )

    return mart_freshness_checks


def freshness_definitions(config: FreshnessConfig | None = None) -> dg.Definitions:
    checks = build_freshness_checks(mart_names(), config or load_freshness_config())
    job = dg.define_asset_job(
        FRESHNESS_JOB,
        selection=dg.AssetSelection.checks(checks),
        description="Evaluate the marts' freshness checks only (nothing is rebuilt).",
        executor_def=dg.in_process_executor,
    )
    # the daemon's hourly look: a nightly run that failed or never started leaves the marts
    # ageing with no run to evaluate their checks
    schedule = dg.ScheduleDefinition(
        job=job,
        cron_schedule="30 * * * *",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    return dg.Definitions(asset_checks=[checks], jobs=[job], schedules=[schedule])
