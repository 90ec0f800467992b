"""The one entry point Dagster loads: `dagster dev -m orchestration.definitions`."""

import dagster as dg

from orchestration.defs import resources, schedules
from orchestration.defs.alerts import sensors as alerts
from orchestration.defs.clv import scores as clv_scores
from orchestration.defs.identity import oneid
from orchestration.defs.ingestion import raw_tables
from orchestration.defs.lake import input_tables as lake_tables
from orchestration.defs.privacy import erasure, retention
from orchestration.defs.publish import bi_database
from orchestration.defs.quality import expectations
from orchestration.defs.transform import dbt_models

defs = dg.Definitions.merge(
    resources.defs,
    raw_tables.defs,
    oneid.defs,
    dbt_models.defs,
    schedules.defs,
    clv_scores.defs,
    alerts.defs,
    bi_database.defs,
    expectations.defs,
    erasure.defs,
    retention.defs,
    lake_tables.defs,
)
