"""The input tables copied into the lake as Parquet after each night's landing (docs/scale.md).

Part of the nightly job only with SIYU_LAKE_EXPORT=true; otherwise it stays in the asset graph
for a materialisation by hand, like `siyu export-lake`.
"""

import dagster as dg

from lake.export import LAKE_SCHEMAS, export_to_lake
from orchestration.defs.clv.scores import SCORES_KEY
from orchestration.defs.identity.oneid import ONEID_MAP_KEY
from orchestration.defs.privacy.retention import RETENTION_ASSET
from orchestration.defs.resources import WarehouseResource

LAKE_GROUP = "lake"
LAKE_INPUT_TABLES_KEY = dg.AssetKey(["lake", "input_tables"])


@dg.asset(
    key=LAKE_INPUT_TABLES_KEY,
    # retention runs after every raw table lands: the lake gets no row the warehouse let expire
    deps=[RETENTION_ASSET, ONEID_MAP_KEY, SCORES_KEY],
    group_name=LAKE_GROUP,
    kinds={"duckdb", "parquet"},
    description=f"Every table of the warehouse's {', '.join(LAKE_SCHEMAS)} schemas written to "
    "SIYU_LAKE_PATH as Parquet, one folder per table replaced whole, for Spark and other engines "
    "to read (docs/scale.md).",
)
def lake_input_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    exported = export_to_lake(settings.warehouse_path, settings.lake_uri)
    context.log.info(f"Lake: {len(exported)} tables written")
    # counts per schema only: table names and row counts carry no personal data
    metadata: dict[str, int] = {"tables": len(exported), "rows": sum(t.rows for t in exported)}
    for schema in LAKE_SCHEMAS:
        metadata[f"{schema}_rows"] = sum(t.rows for t in exported if t.schema == schema)
    return dg.MaterializeResult(metadata=metadata)


def nightly_selection(lake_export: bool) -> dg.AssetSelection:
    """Every asset, the lake copy only when the brand asked for it."""
    everything = dg.AssetSelection.all()
    return everything if lake_export else everything - dg.AssetSelection.groups(LAKE_GROUP)


defs = dg.Definitions(assets=[lake_input_tables])
