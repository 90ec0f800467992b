"""One asset per raw table; its key equals the dbt source it feeds (raw/<source>__<table>)."""

from __future__ import annotations

import dagster as dg

from ingestion.landing import RawTableSpec, land
from ingestion.sources import ALL_SPECS
from ingestion.warehouse import connect
from orchestration.defs.resources import WarehouseResource


def raw_asset_key(spec: RawTableSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.name])


def build_raw_table_asset(spec: RawTableSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(spec),
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"Lands new files from {spec.source_dir}/ ({spec.file_glob}) in raw.{spec.name}"
        " after pandera validation and pseudonymisation; bad rows go to raw._quarantine.",
        pool="duckdb_writer",
    )
    def _raw_table(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings()
        with connect(settings.warehouse_path) as conn:
            report = land(
                conn, spec, settings.sources_dir, warehouse.pseudonymisation_key(), context.run_id
            )
        context.log.info(f"raw.{spec.name}: {report.as_metadata()}")
        return dg.MaterializeResult(metadata=report.as_metadata())

    return _raw_table


def build_quarantine_check(spec: RawTableSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_asset_key(spec),
        name="quarantine_share_within_limit",
        blocking=True,
        description="Blocks downstream models when this run quarantined more than "
        "SIYU_MAX_QUARANTINE_SHARE of the rows it read.",
    )
    def _quarantine_check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings()
        with connect(settings.warehouse_path, read_only=True) as conn:
            rows_in, quarantined = conn.execute(
                "select coalesce(sum(rows_in), 0), coalesce(sum(rows_quarantined), 0) "
                "from raw._load_manifest where raw_table = $table and load_id = $load_id",
                {"table": spec.name, "load_id": context.run_id},
            ).fetchone()
        share = quarantined / rows_in if rows_in else 0.0
        return dg.AssetCheckResult(
            passed=share <= settings.max_quarantine_share,
            metadata={
                "rows_in": int(rows_in),
                "rows_quarantined": int(quarantined),
                "quarantine_share": round(share, 6),
                "limit": settings.max_quarantine_share,
            },
        )

    return _quarantine_check


defs = dg.Definitions(
    assets=[build_raw_table_asset(spec) for spec in ALL_SPECS],
    asset_checks=[build_quarantine_check(spec) for spec in ALL_SPECS],
)
