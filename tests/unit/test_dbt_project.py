"""What every mart promises its readers, checked on dbt's parsed manifest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"
# a date written into SQL: cohorts and the calendar must come from configuration instead
DATE_LITERAL = re.compile(r"'(19|20)\d\d-\d\d-\d\d")


@pytest.fixture(scope="module")
def manifest() -> dict:
    if not MANIFEST.exists():
        pytest.fail(f"{MANIFEST} is missing: run `make manifest` first")
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def mart_models(manifest: dict) -> list[dict]:
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    ]
    assert models, "the manifest holds no mart models"
    return models


def test_every_mart_is_a_table_with_an_enforced_contract(manifest):
    loose = [
        model["name"]
        for model in mart_models(manifest)
        if model["config"]["materialized"] not in ("table", "incremental")
        or not model["config"]["contract"]["enforced"]
    ]
    assert loose == []


def test_every_mart_column_has_a_type_and_a_description(manifest):
    gaps = [
        f"{model['name']}.{name}"
        for model in mart_models(manifest)
        for name, column in model["columns"].items()
        if not column.get("data_type") or not (column.get("description") or "").strip()
    ]
    assert gaps == []


def test_every_mart_has_a_description_and_a_unit_test(manifest):
    tested = {unit["model"] for unit in manifest.get("unit_tests", {}).values()}
    untested = [m["name"] for m in mart_models(manifest) if m["name"] not in tested]
    undescribed = [m["name"] for m in mart_models(manifest) if not m["description"].strip()]
    assert untested == []
    assert undescribed == []


def test_no_model_hard_codes_a_date():
    offenders = [
        f"{path.relative_to(DBT_DIR)}:{number}"
        for path in sorted((DBT_DIR / "models").rglob("*.sql"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DATE_LITERAL.search(line)
    ]
    assert offenders == []
