"""Every dbt model, seed and test as Dagster assets and checks (`dbt build`)."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.resources import DBT_PROJECT_DIR, WarehouseResource
from orchestration.defs.transform.translator import SiyuDbtTranslator

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


@dbt_assets(
    manifest=MANIFEST,
    dagster_dbt_translator=SiyuDbtTranslator(),
    pool="duckdb_writer",
)
def siyu_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    # dbt runs as a subprocess and finds the warehouse through its profile's env_var
    os.environ.setdefault("SIYU_WAREHOUSE_PATH", str(warehouse.settings().warehouse_path))
    yield from dbt.cli(["build"], context=context).stream()


defs = dg.Definitions(assets=[siyu_dbt_models])
