"""Every dbt model, seed and test as Dagster assets and checks (`dbt build`)."""

import os
import shutil
import uuid

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.resources import DBT_PROJECT_DIR, WarehouseResource
from orchestration.defs.transform.translator import SiyuDbtTranslator

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
KEEP_RUN_ARTEFACTS = 5
# A run split around the Python steps (OneID, CLV) builds the dbt models in several subsets; dbt's
# default ("eager") would run a test in the first subset that holds any of its models, before its
# other models are built. "buildable" runs it once all of them are built or being built.
INDIRECT_SELECTION = "buildable"


@dbt_assets(
    manifest=MANIFEST,
    dagster_dbt_translator=SiyuDbtTranslator(),
    pool="duckdb_writer",
)
def siyu_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    settings = warehouse.settings()
    # dbt runs as a subprocess and finds the warehouse through its profile's env_var
    os.environ.setdefault("SIYU_WAREHOUSE_PATH", str(settings.warehouse_path))
    os.environ.setdefault("DBT_INDIRECT_SELECTION", INDIRECT_SELECTION)  # dagster-dbt reads it
    artefacts = settings.home / "dbt"
    target = artefacts / f"{context.run_id}-{uuid.uuid4().hex[:6]}"
    _prune_old_artefacts(artefacts)
    yield from dbt.cli(["build"], context=context, target_path=target).stream()


def _prune_old_artefacts(folder) -> None:
    if not folder.exists():
        return
    runs = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime)
    for old in runs[:-KEEP_RUN_ARTEFACTS]:
        shutil.rmtree(old, ignore_errors=True)


defs = dg.Definitions(assets=[siyu_dbt_models])
