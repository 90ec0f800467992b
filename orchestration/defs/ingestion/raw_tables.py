"""One asset per raw table; its key equals the dbt source it feeds (raw/<source>__<table>).

A run lands every new file, or those dated in the range of its config (see date_range.py).
"""

import dagster as dg

from ingestion.business_days import business_today
from ingestion.landing import LoadReport, RawTableSpec, land
from ingestion.sources import ALL_SPECS
from ingestion.warehouse import connect
from orchestration.defs.alerts.retries import api_step_retry_policy
from orchestration.defs.ingestion.date_range import LandingRange
from orchestration.defs.resources import WarehouseResource

QUARANTINE_CHECK = "quarantine_share_within_limit"
CONSERVATION_CHECK = "rows_conserved_per_file"


def raw_asset_key(spec: RawTableSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.name])


RAW_ASSET_KEYS = [raw_asset_key(spec) for spec in ALL_SPECS]


def quarantine_check_result(report: LoadReport, limit: float, min_rows: int):
    """Too many bad rows in one load means a broken export: block the models downstream."""
    counts = report.as_metadata()
    share = counts["rows_quarantined"] / counts["rows_in"] if counts["rows_in"] else 0.0
    return dg.AssetCheckResult(
        check_name=QUARANTINE_CHECK,
        passed=share <= limit or counts["rows_quarantined"] < min_rows,
        metadata={
            "rows_in": counts["rows_in"],
            "rows_quarantined": counts["rows_quarantined"],
            "quarantine_share": round(share, 6),
            "limit": limit,
            "block_min_rows": min_rows,
        },
    )


def conservation_check_result(conn, spec: RawTableSpec, load_id: str) -> dg.AssetCheckResult:
    """Recount what this load wrote: per file, rows in = loaded + quarantined + duplicate."""
    (files, broken) = conn.execute(
        """
        with landed as (
            select _file_sha256 as sha, count(*) as n from raw.{table}
            where _load_id = $load_id group by 1
        ),
        quarantined as (
            select file_sha256 as sha, count(distinct row_number) as n from raw._quarantine
            where load_id = $load_id and raw_table = $table group by 1
        )
        select count(*), count(*) filter (
            where m.rows_in != m.rows_loaded + m.rows_quarantined + m.rows_duplicate
               or m.rows_loaded != coalesce(l.n, 0) or m.rows_quarantined != coalesce(q.n, 0)
        )
        from raw._load_manifest as m
        left join landed as l on l.sha = m.file_sha256
        left join quarantined as q on q.sha = m.file_sha256
        where m.load_id = $load_id and m.raw_table = $table
        """.replace("{table}", spec.name),
        {"load_id": load_id, "table": spec.name},
    ).fetchone()
    return dg.AssetCheckResult(
        check_name=CONSERVATION_CHECK,
        passed=broken == 0,
        metadata={"files_checked": files, "files_not_conserved": broken},
    )


def build_raw_table_asset(spec: RawTableSpec) -> dg.AssetsDefinition:
    key = raw_asset_key(spec)
    fetched = "fetched from the API a day at a time, " if spec.extract else ""

    @dg.asset(
        key=key,
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"Lands the new files of {spec.source_dir}/ ({spec.file_glob}), {fetched}in "
        f"raw.{spec.name} after pandera validation and pseudonymisation; bad rows go to "
        "raw._quarantine. Config first_day/last_day limits a run to files dated in a range.",
        pool="duckdb_writer",
        # an API outage can outlast the HTTP client's own retries; files on disk do not heal
        retry_policy=api_step_retry_policy() if spec.extract is not None else None,
        check_specs=[
            dg.AssetCheckSpec(
                QUARANTINE_CHECK,
                asset=key,
                blocking=True,
                description="Fails, and blocks downstream models, when this load quarantined "
                "more than SIYU_MAX_QUARANTINE_SHARE of the rows it read (and at least "
                "SIYU_QUARANTINE_BLOCK_MIN_ROWS rows).",
            ),
            dg.AssetCheckSpec(
                CONSERVATION_CHECK,
                asset=key,
                blocking=True,
                description="Every file of this load accounts for each of its rows: rows in = "
                "rows loaded + rows quarantined + duplicate rows, recounted in the warehouse.",
            ),
        ],
    )
    def _raw_table(
        context: dg.AssetExecutionContext, config: LandingRange, warehouse: WarehouseResource
    ):
        settings = warehouse.settings()
        if spec.extract is not None:
            reports = spec.extract(settings.sources_dir, config.api_days(business_today()))
            items = sum(r.items for r in reports)
            context.log.info(f"{spec.name}: fetched {len(reports)} day(s), {items} items")
        with connect(settings.warehouse_path) as conn:
            report = land(
                conn,
                spec,
                settings.sources_dir,
                warehouse.pseudonymisation_key(),
                context.run_id,
                days=config.file_days(),
            )
            conservation = conservation_check_result(conn, spec, context.run_id)
        context.log.info(f"raw.{spec.name}: {report.as_metadata()}")
        yield dg.MaterializeResult(metadata=report.as_metadata())
        yield quarantine_check_result(
            report, settings.max_quarantine_share, settings.quarantine_block_min_rows
        )
        yield conservation

    return _raw_table


defs = dg.Definitions(assets=[build_raw_table_asset(spec) for spec in ALL_SPECS])
