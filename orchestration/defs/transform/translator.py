"""Lines dbt nodes up with Dagster keys: sources by their meta, models by schema and name."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from orchestration.defs.ingestion.raw_tables import RAW_ASSET_KEYS


class SiyuDbtTranslator(DagsterDbtTranslator):
    def __init__(self):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # honours meta.dagster.asset_key
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if self.get_resource_props(manifest, unique_id)["resource_type"] != "seed":
            return spec
        # Dagster gives a dbt step to each depth of the asset graph: a seed without upstream
        # assets would start a dbt process of its own; after landing, it loads with staging
        return spec.merge_attributes(deps=RAW_ASSET_KEYS)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = dbt_resource_props.get("fqn", [])
        return path[1] if len(path) > 2 else "dbt"
