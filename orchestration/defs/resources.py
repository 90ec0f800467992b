"""Resources shared by every asset: the warehouse file and the dbt CLI, from settings."""

import contextlib
import importlib.metadata
import sys
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from ingestion.pseudonymise import PseudonymisationKey, load_key
from ingestion.settings import Settings, load_settings
from ingestion.warehouse_lock import hold_warehouse

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


class WarehouseResource(dg.ConfigurableResource):
    """Paths come from SIYU_* environment variables at run time (see .env.example)."""

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        # Every step that touches the warehouse takes this resource, so taking the warehouse
        # lock here covers each launch path: a daemon/UI run inits it per step process and
        # waits while a `siyu run` holds the file; in-process (`siyu run`, tests) it is set up
        # once per run, and the process that already holds the lock passes straight through.
        run = context.dagster_run
        with hold_warehouse(
            self.settings().warehouse_path,
            run_id=run.run_id if run else "",
            command="dagster run",
            on_wait=context.log.info if context.log else print,
        ):
            yield self

    def settings(self) -> Settings:
        return load_settings()

    def pseudonymisation_key(self) -> PseudonymisationKey:
        settings = self.settings()
        return load_key(is_demo=settings.is_demo, secrets_dir=settings.secrets_dir)


class SiyuDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI without two start-up costs of each dbt step that siyu has no use for.

    Both are dagster-dbt internals (pinned in requirements.lock), overridden on purpose.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        # the installed package says it; `dbt --version` starts a dbt process to say it (3.5 s)
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        # the in-process adapter serves only column and row-count fetches, which siyu does not
        # make; building it loads every macro of the project, about a second per dbt step
        return None


def dbt_resource() -> DbtCliResource:
    return SiyuDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )


defs = dg.Definitions(resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()})
