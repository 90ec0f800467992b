"""A small generated brand run through the real pipeline: DuckDB file, dbt, Dagster."""

from __future__ import annotations

import csv
import hashlib
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.pseudonymise import load_key
from ingestion.settings import Settings, load_settings
from ingestion.simulator import simulate_brand

DEMO_CUSTOMERS = 800
DEMO_DAYS = 45
DEMO_SEED = 7
BAD_ROW_RATE = 0.0  # exact metrics; bad rows are checked in test_simulated_sources.py
# `make test` runs on every core (pytest-xdist, `--dist loadgroup`): the tests that share a brand
# run in one worker, which builds the brand once; the shared brands go first, being the longest
SHARED_BRANDS = ("full_history_brand", "small_brand")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the marks
def pytest_collection_modifyitems(items):
    def group_of(item) -> str | None:
        if "integration" not in item.path.parts:
            return None
        # a test as long as a brand's whole group runs beside it: its worker builds the brand too
        if item.get_closest_marker("own_worker"):
            return item.module.__name__
        shared = [brand for brand in SHARED_BRANDS if brand in item.fixturenames]
        return shared[0] if shared else item.module.__name__

    for item in items:
        group = group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    # the shared brands and the tests with a worker of their own first, being the longest
    items.sort(
        key=lambda item: (
            not (group_of(item) in SHARED_BRANDS or item.get_closest_marker("own_worker"))
        )
    )


# the mart tests' history: a whole outbound campaign (calls on days 60-62, then 30 days of
# win-backs), several WeCom deletes and four business months
FULL_HISTORY_DAYS = 100


def read_csv(path: Path) -> list[dict]:
    """A ground-truth or source CSV as dicts, one per row."""
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Pipeline:
    settings: Settings

    @property
    def sources(self) -> Path:
        return self.settings.sources_dir

    @property
    def ground_truth(self) -> Path:
        return self.settings.sources_dir / "_ground_truth"

    def run(self, run_config=None, asset_selection=None):
        """The nightly job in process, as the schedule launches it."""
        from dagster import DagsterInstance

        from orchestration.definitions import defs

        with DagsterInstance.get() as instance:
            return defs.resolve_job_def("nightly").execute_in_process(
                instance=instance,
                run_config=run_config,
                asset_selection=asset_selection,
                raise_on_error=False,
            )

    def query(self, sql: str, params=None):
        with duckdb.connect(str(self.settings.warehouse_path), read_only=True) as conn:
            return conn.execute(sql, params or {}).fetchall()

    def table_digest(self, table: str) -> str:
        rows = self.query(f"select * from {table} order by all")
        return hashlib.sha256(repr(rows).encode()).hexdigest()

    def key(self):
        return load_key(is_demo=True, secrets_dir=self.settings.secrets_dir)

    def simulate_next_day(self) -> None:
        """Add the files arriving the day after the history (the simulator's next-day mode)."""
        simulate_brand(
            self.sources,
            customers=DEMO_CUSTOMERS,
            days=DEMO_DAYS + 1,
            seed=DEMO_SEED,
            bad_row_rate=BAD_ROW_RATE,
            mode="next_day",
        )

    def raw_row_counts(self) -> dict[str, int]:
        from ingestion.sources import RAW_TABLES

        return {name: self.query(f"select count(*) from raw.{name}")[0][0] for name in RAW_TABLES}


@contextmanager
def demo_home(home: Path):
    """The environment of a demo run in `home`, set while the block runs, restored after."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SIYU_HOME", str(home))
        env.setenv("SIYU_MODE", "demo")
        env.setenv("SIYU_WAREHOUSE_PATH", str(home / "warehouse" / "siyu.duckdb"))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        env.delenv("SIYU_PSEUDONYMISATION_KEY", raising=False)
        env.delenv("SIYU_SOURCES_DIR", raising=False)
        settings = load_settings()
        from orchestration.cli import prepare_home

        prepare_home(settings)
        yield settings


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    with demo_home(tmp_path_factory.mktemp("siyu_home")) as settings:
        simulate_brand(
            settings.sources_dir,
            customers=DEMO_CUSTOMERS,
            days=DEMO_DAYS,
            seed=DEMO_SEED,
            bad_row_rate=BAD_ROW_RATE,
        )
        yield Pipeline(settings)


@dataclass(frozen=True)
class FullHistory:
    pipeline: Pipeline
    lost_callbacks: tuple  # (true relationships, lost adds, lost deletes), see wecom_truth.py


@pytest.fixture(scope="session")
def full_history_brand(tmp_path_factory):
    """One brand over FULL_HISTORY_DAYS, some WeCom callbacks lost, built once for every mart
    test: they only read it."""
    from .wecom_truth import lose_callbacks

    with demo_home(tmp_path_factory.mktemp("full_history_home")) as settings:
        simulate_brand(
            settings.sources_dir,
            customers=DEMO_CUSTOMERS,
            days=FULL_HISTORY_DAYS,
            seed=DEMO_SEED,
            bad_row_rate=BAD_ROW_RATE,
        )
        lost = lose_callbacks(settings.sources_dir, DEMO_SEED, DEMO_CUSTOMERS, FULL_HISTORY_DAYS)
        pipeline = Pipeline(settings)
        result = pipeline.run()
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        yield FullHistory(pipeline, lost)


# the privacy tests' brand: small, with bad rows (quarantine is a place personal data could hide)
SMALL_CUSTOMERS, SMALL_DAYS, SMALL_SEED, SMALL_BAD_ROW_RATE = 300, 40, 23, 0.02


@pytest.fixture(scope="session")
def small_brand(tmp_path_factory):
    """A 300-customer, 40-day brand through one nightly run, shared by the privacy tests: they
    read it, or change a copy of it (`copy_of`)."""
    with demo_home(tmp_path_factory.mktemp("small_brand_home")) as settings:
        simulate_brand(
            settings.sources_dir,
            customers=SMALL_CUSTOMERS,
            days=SMALL_DAYS,
            seed=SMALL_SEED,
            bad_row_rate=SMALL_BAD_ROW_RATE,
        )
        pipeline = Pipeline(settings)
        result = pipeline.run()
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        yield pipeline


@contextmanager
def copy_of(pipeline: Pipeline, home: Path):
    """A copy of a built brand in `home`, its environment set while the block runs."""
    shutil.copytree(pipeline.settings.home, home, symlinks=True)
    with demo_home(home) as settings:
        yield Pipeline(settings)
