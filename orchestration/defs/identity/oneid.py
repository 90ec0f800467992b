"""OneID resolution between the dbt identity models and everything keyed by customer."""

import dagster as dg

from identity.resolve import resolve_oneids
from ingestion.warehouse import connect
from orchestration.defs.resources import WarehouseResource


@dg.asset(
    key=["identity", "oneid_map"],
    deps=[
        dg.AssetKey(["intermediate", "int_identity__identifiers"]),
        dg.AssetKey(["intermediate", "int_identity__edges"]),
    ],
    group_name="identity",
    kinds={"duckdb", "scipy"},
    description="Connected components over identifier edges: one OneID per identifier.",
    pool="duckdb_writer",
)
def oneid_map(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with connect(warehouse.settings().warehouse_path) as conn:
        summary = resolve_oneids(conn)
    context.log.info(f"OneID: {summary}")
    return dg.MaterializeResult(
        metadata={
            "identifiers": summary.identifiers,
            "edges": summary.edges,
            "customers": summary.customers,
            "largest_cluster": summary.largest_cluster,
        }
    )


defs = dg.Definitions(assets=[oneid_map])
