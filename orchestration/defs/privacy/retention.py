"""The nightly retention purge: raw and quarantine rows older than config/retention.toml allows.

It runs after every raw table has landed. dbt's staging models do not wait for it, so a row it
deletes leaves staging at the next night's rebuild (a day against periods of years).
"""

import dagster as dg

from orchestration.defs.ingestion.raw_tables import RAW_ASSET_KEYS
from orchestration.defs.resources import WarehouseResource
from privacy.retention import purge_warehouse

RETENTION_ASSET = dg.AssetKey(["privacy", "raw_retention"])


@dg.asset(
    key=RETENTION_ASSET,
    group_name="privacy",
    kinds={"duckdb", "python"},
    deps=RAW_ASSET_KEYS,
    pool="duckdb_writer",
    description="Deletes raw and quarantine rows whose file is older than its retention period "
    "(config/retention.toml, measured back from the newest file date). Counts per table only.",
)
def raw_retention(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    report = purge_warehouse(
        warehouse.settings().warehouse_path, run_id=context.run_id, command="dagster run"
    )
    context.log.info(f"retention: {report.as_metadata()}")
    return dg.MaterializeResult(metadata=report.as_metadata())


defs = dg.Definitions(assets=[raw_retention])
