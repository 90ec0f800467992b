"""The BI database: every mart and the CLV scores, swapped in atomically once the checks pass."""

import json
import shutil
from pathlib import Path

import dagster as dg

from ingestion.warehouse import connect
from orchestration.defs.publish.check_gate import judge_checks, upstream_check_keys
from orchestration.defs.resources import DBT_PROJECT_DIR, WarehouseResource
from publish.config import load_config
from publish.swap import PublishLayout, recover_bi_database, remove_stale_staging, swap_in
from publish.writer import build_bi_database

PUBLISH_KEY = dg.AssetKey(["publish", "bi_database"])
CLV_SCORES_KEY = dg.AssetKey(["clv", "customer_scores"])
MARTS_SCHEMA = "marts"
PUBLISH_FOLDER = "publish"  # under SIYU_HOME


def mart_keys(manifest_path: Path | None = None) -> list[dg.AssetKey]:
    """Every dbt model of schema marts, from the manifest Dagster builds the dbt assets from."""
    manifest_path = manifest_path or DBT_PROJECT_DIR / "target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted(
        (
            dg.AssetKey([MARTS_SCHEMA, node["name"]])
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA
        ),
        key=lambda key: key.to_user_string(),
    )


def _asset_graph(context: dg.AssetExecutionContext):
    """The whole graph: a job's own graph lacks the checks of assets outside its selection."""
    try:
        return context.repository_def.asset_graph
    except Exception:  # a job run in process carries no repository on its step context
        from orchestration.definitions import defs

        return defs.resolve_asset_graph()


@dg.asset(
    key=PUBLISH_KEY,
    deps=[*mart_keys(), CLV_SCORES_KEY],
    group_name="publish",
    kinds={"duckdb", "parquet"},
    description="The read-only BI database $SIYU_HOME/publish/siyu.duckdb and Parquet files "
    "$SIYU_HOME/publish/parquet/: every table of schema marts and the CLV scores, no raw data and "
    "no identifier values (config/publish.toml), with a manifest _publish.manifest. Written "
    "new and renamed into place only when every upstream check passed. See docs/publish.md.",
    pool="duckdb_writer",
)
def bi_database(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    layout = PublishLayout(settings.home / PUBLISH_FOLDER)
    layout.root.mkdir(parents=True, exist_ok=True)
    restored = _restore_if_damaged(context, layout)
    check_keys, blocking = upstream_check_keys(_asset_graph(context), PUBLISH_KEY)
    verdict = judge_checks(context.instance, check_keys, blocking, context.run_id)
    if not verdict.passed:
        raise dg.Failure(
            description=f"Not published, the BI database is left as it was: {verdict.reason()}",
            metadata=verdict.metadata(),
        )
    config = load_config()
    remove_stale_staging(layout)
    staging = layout.staging(context.run_id)
    try:
        with connect(settings.warehouse_path) as conn:
            build = build_bi_database(conn, config, staging, context.run_id)
        database_bytes, parquet_bytes = build.bytes()
        swapped = swap_in(layout, build, config.parquet_grace_seconds)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    context.log.info(
        f"Published {len(build.tables)} tables, {build.rows} rows to {layout.database} "
        f"in {build.seconds:.1f}s"
    )
    return dg.MaterializeResult(
        metadata={
            "tables": len(build.tables),
            "rows": build.rows,
            "duckdb bytes": database_bytes,
            "parquet bytes": parquet_bytes,
            "seconds": round(build.seconds, 2),
            "excluded columns": sum(len(t.excluded_columns) for t in build.tables),
            "previous copy kept": int(swapped.previous_kept),
            "parquet versions pruned": swapped.pruned_versions,
            "damaged file restored": int(restored),
            **verdict.metadata(),
        }
    )


def _restore_if_damaged(context, layout: PublishLayout) -> bool:
    """Whether or not this run publishes, BI must not be left on a file that does not open."""
    if not layout.database.exists() and not layout.previous.exists():
        return False  # nothing published yet
    recovery = recover_bi_database(layout)
    if recovery.restored:
        context.log.warning(
            f"{layout.database} did not open: restored the last good copy "
            f"(damaged file kept as {recovery.damaged_copy})"
        )
    return recovery.restored


defs = dg.Definitions(assets=[bi_database])
