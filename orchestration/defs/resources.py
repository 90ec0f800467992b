"""Resources shared by every asset: the warehouse file and the dbt CLI, from settings."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from ingestion.pseudonymise import PseudonymisationKey, load_key
from ingestion.settings import Settings, load_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


class WarehouseResource(dg.ConfigurableResource):
    """Paths come from SIYU_* environment variables at run time (see .env.example)."""

    def settings(self) -> Settings:
        return load_settings()

    def pseudonymisation_key(self) -> PseudonymisationKey:
        settings = self.settings()
        return load_key(is_demo=settings.is_demo, secrets_dir=settings.secrets_dir)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )


defs = dg.Definitions(resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()})
