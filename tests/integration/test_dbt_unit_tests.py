"""Every dbt unit test (given/expect, hand-computed) passes. The nightly run leaves them out
(orchestration/defs/transform/dbt_models.py), so this is where they run."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.defs.resources import DBT_PROJECT_DIR

pytestmark = pytest.mark.integration


def test_every_dbt_unit_test_passes(full_history_brand, tmp_path):
    # unit tests read their models' parents' columns from the warehouse: a built copy has them
    warehouse = tmp_path / "siyu.duckdb"
    shutil.copyfile(full_history_brand.pipeline.settings.warehouse_path, warehouse)
    target = tmp_path / "target"
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--profiles-dir", ".",
         "--project-dir", ".", "--target-path", str(target), "--log-path", str(tmp_path)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SIYU_WAREHOUSE_PATH": str(warehouse)},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:]

    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    assert {r["unique_id"] for r in results} == set(manifest["unit_tests"])
    assert {r["status"] for r in results} == {"pass"}
