"""One asset per raw table; its key equals the dbt source it feeds (raw/<source>__<table>)."""

import dagster as dg

from ingestion.landing import LoadReport, RawTableSpec, land
from ingestion.sources import ALL_SPECS
from ingestion.warehouse import connect
from orchestration.defs.resources import WarehouseResource

QUARANTINE_CHECK = "quarantine_share_within_limit"


def raw_asset_key(spec: RawTableSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.name])


def quarantine_check_result(report: LoadReport, limit: float) -> dg.AssetCheckResult:
    """Too many bad rows in one load means a broken export: block the models downstream."""
    counts = report.as_metadata()
    share = counts["rows_quarantined"] / counts["rows_in"] if counts["rows_in"] else 0.0
    return dg.AssetCheckResult(
        check_name=QUARANTINE_CHECK,
        passed=share <= limit,
        metadata={
            "rows_in": counts["rows_in"],
            "rows_quarantined": counts["rows_quarantined"],
            "quarantine_share": round(share, 6),
            "limit": limit,
        },
    )


def build_raw_table_asset(spec: RawTableSpec) -> dg.AssetsDefinition:
    key = raw_asset_key(spec)

    @dg.asset(
        key=key,
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"Lands new files from {spec.source_dir}/ ({spec.file_glob}) in raw.{spec.name}"
        " after pandera validation and pseudonymisation; bad rows go to raw._quarantine.",
        pool="duckdb_writer",
        check_specs=[
            dg.AssetCheckSpec(
                QUARANTINE_CHECK,
                asset=key,
                blocking=True,
                description="Fails, and blocks downstream models, when this load quarantined "
                "more than SIYU_MAX_QUARANTINE_SHARE of the rows it read.",
            )
        ],
    )
    def _raw_table(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings()
        with connect(settings.warehouse_path) as conn:
            report = land(
                conn, spec, settings.sources_dir, warehouse.pseudonymisation_key(), context.run_id
            )
        context.log.info(f"raw.{spec.name}: {report.as_metadata()}")
        yield dg.MaterializeResult(metadata=report.as_metadata())
        yield quarantine_check_result(report, settings.max_quarantine_share)

    return _raw_table


defs = dg.Definitions(assets=[build_raw_table_asset(spec) for spec in ALL_SPECS])
