"""Every dbt model, seed and test as Dagster assets and checks (`dbt build`)."""

import os
import shutil
import uuid
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.alerts.retries import dbt_step_retry_policy
from orchestration.defs.resources import DBT_PROJECT_DIR, WarehouseResource
from orchestration.defs.transform.translator import SiyuDbtTranslator

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
KEEP_RUN_ARTEFACTS = 5  # runs whose dbt artefacts (logs, run_results.json) are kept
# A run split around the Python steps (OneID, CLV) builds the dbt models in several subsets; dbt's
# default ("eager") would run a test in the first subset that holds any of its models, before its
# other models are built. "buildable" runs it once all of them are built or being built.
INDIRECT_SELECTION = "buildable"
# dbt unit tests check SQL logic on fixed inputs, not the night's data: `make test` runs them
# (tests/integration/test_dbt_unit_tests.py), the nightly run leaves them out (a third of its
# dbt time on the demo brand)
NIGHTLY_BUILD = ["build", "--exclude-resource-type", "unit_test"]
# dbt parses the whole project (7 s) unless the target folder holds the state of an earlier
# parse for the same profile: every step starts from the last step's state
PARSE_STATE = "partial_parse.msgpack"


@dbt_assets(
    manifest=MANIFEST,
    dagster_dbt_translator=SiyuDbtTranslator(),
    pool="duckdb_writer",
    # none by default: a failing model or test fails again (see dbt_step_retry_policy)
    retry_policy=dbt_step_retry_policy(),
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
    _prune_old_artefacts(artefacts, keep_run=context.run_id)
    saved_parse = artefacts / PARSE_STATE
    target.mkdir(parents=True)
    if saved_parse.is_file():
        shutil.copyfile(saved_parse, target / PARSE_STATE)
    try:
        yield from dbt.cli(NIGHTLY_BUILD, context=context, target_path=target).stream()
    finally:
        _save_parse_state(target / PARSE_STATE, saved_parse)


def _save_parse_state(parsed: Path, saved: Path) -> None:
    """Keep dbt's parse state for the next step; replaced whole, so a kill never leaves half."""
    if not parsed.is_file():
        return
    partial = saved.with_suffix(".partial")
    shutil.copyfile(parsed, partial)
    os.replace(partial, saved)


def _prune_old_artefacts(folder, keep_run: str) -> None:
    """Keep the folders of the last KEEP_RUN_ARTEFACTS runs: a run has one per dbt step."""
    if not folder.exists():
        return
    latest_by_run: dict[str, float] = {}
    for step in _step_folders(folder):
        run_id = step.name.rsplit("-", 1)[0]
        latest_by_run[run_id] = max(latest_by_run.get(run_id, 0.0), step.stat().st_mtime)
    latest_by_run[keep_run] = float("inf")
    kept = set(sorted(latest_by_run, key=latest_by_run.get)[-KEEP_RUN_ARTEFACTS:])
    for step in _step_folders(folder):
        if step.name.rsplit("-", 1)[0] not in kept:
            shutil.rmtree(step, ignore_errors=True)


defs = dg.Definitions(assets=[siyu_dbt_models])


def _step_folders(folder: Path) -> list[Path]:
    return [entry for entry in folder.iterdir() if entry.is_dir()]
