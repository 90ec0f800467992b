"""The same brand built on DuckDB and on Spark gives the same models, row by row.

The small brand's landed warehouse is exported to a lake, the dbt project is built on a local
SparkSession (the `spark` target, `make spark-setup`) and every staging, intermediate and mart
table is compared with DuckDB's, EXCEPT ALL both ways (lake.compare). The OneID engine models
then give Python's map, on the first resolution and on a second one carried over from the map
and registry before it (test_oneid_on_engine's scenario). `make test` runs it (it
installs the Spark venv first); a bare `pytest` skips it unless SIYU_RUN_SPARK=1, as it needs
that venv and Java 17, and adds 3.5 minutes of Spark (alone; 5 in CI) to the brand's DuckDB run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lake.compare import compare_builds
from lake.export import LAKE_SCHEMAS, export_to_lake
from orchestration.defs.resources import DBT_PROJECT_DIR
from tests.integration.test_oneid_on_engine import (
    PREVIOUS_SCHEMA,
    assert_engine_gives_python_oneids,
    resolve_again_with_a_merge_and_an_even_split,
)

pytestmark = [
    pytest.mark.integration,
    # 3-7 minutes of Spark: beside the small brand's other tests, not after them
    pytest.mark.own_worker,
    pytest.mark.skipif(
        os.environ.get("SIYU_RUN_SPARK") != "1",
        reason="needs `make spark-setup` and Java 17: `make test` sets SIYU_RUN_SPARK=1",
    ),
]

SPARK_DBT = Path(__file__).resolve().parents[2] / ".venv-spark" / "bin" / "dbt"
# OneID on the engine (docs/scale.md): built on Spark too, and compared with the Python map
ONEID_ON_ENGINE = ["--vars", "{oneid_on_engine: true}"]
# and a second resolution, carried over from the map and registry before it (in the lake too)
CARRY_OVER = [
    "--vars",
    f"{{oneid_on_engine: true, oneid_previous_schema: {PREVIOUS_SCHEMA},"
    f" lake_schemas: [{', '.join((*LAKE_SCHEMAS, PREVIOUS_SCHEMA))}]}}",
]
ENGINE_MODELS = "path:models/intermediate/identity/engine"


def _spark_dbt(arguments: list[str], spark_home: Path, lake: Path) -> str:
    completed = subprocess.run(
        [str(SPARK_DBT), *arguments, "--target", "spark", "--profiles-dir", ".",
         "--project-dir", ".", "--target-path", str(spark_home / "target"),
         "--log-path", str(spark_home / "logs")],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SIYU_HOME": str(spark_home), "SIYU_LAKE_PATH": str(lake)},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-6000:]
    return completed.stdout


def test_spark_builds_the_models_duckdb_builds(small_brand, tmp_path):
    assert SPARK_DBT.exists(), "run `make spark-setup` first"
    warehouse = small_brand.settings.warehouse_path
    lake = tmp_path / "lake"
    export_to_lake(warehouse, str(lake))

    # with the engine path's sources too: identity.rejected_edges and identity.forced_edges; the
    # same vars in every call, so dbt parses the project once (each call also starts a JVM)
    _spark_dbt(["run-operation", "register_lake_sources", *ONEID_ON_ENGINE], tmp_path, lake)
    # seeds and models, no data tests: this brand is too small to fit CLV for everyone (null
    # p_alive fails a source test on either engine); `make spark-build` tests the demo brand
    engine_run = _spark_dbt(
        ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
         *ONEID_ON_ENGINE],
        tmp_path,
        lake,
    )  # fmt: skip
    assert "labels settled after" in engine_run

    differences = compare_builds(warehouse, tmp_path / "spark" / "warehouse")
    assert len(differences) > 60
    assert [d for d in differences if not d.identical] == []

    resolved_folder = (
        tmp_path / "spark" / "warehouse" / "intermediate.db" / "int_identity__identifiers_resolved"
    )
    resolved = f"read_parquet('{resolved_folder}/*.parquet')"
    assert_engine_gives_python_oneids(warehouse, resolved)

    # Python resolves a copy again (a merge, an even split); its lake holds the map before that
    second = tmp_path / "second" / "siyu.duckdb"
    second.parent.mkdir()
    shutil.copyfile(warehouse, second)
    scenario = resolve_again_with_a_merge_and_an_even_split(second, small_brand.key())
    assert scenario["merges"] >= 1 and scenario["splits"] >= 1 and scenario["even_splits"] >= 1
    second_lake = tmp_path / "second" / "lake"
    export_to_lake(second, str(second_lake), (*LAKE_SCHEMAS, PREVIOUS_SCHEMA))
    _spark_dbt(["run-operation", "register_lake_sources", *CARRY_OVER], tmp_path, second_lake)
    _spark_dbt(["run", "--select", ENGINE_MODELS, *CARRY_OVER], tmp_path, second_lake)
    assert_engine_gives_python_oneids(second, resolved)
