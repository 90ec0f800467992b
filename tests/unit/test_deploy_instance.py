"""deploy/dagster.postgres.yaml is a Dagster instance configuration Dagster itself accepts.

Checked with Dagster's own instance schema (the one `dagster-daemon` and the webserver apply at
start-up), which needs neither PostgreSQL nor the integration packages: their class configs are
checked too where the package is installed (dagster-k8s, dagster-aws are not in the main lock).
"""

from __future__ import annotations

import copy
import importlib
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import validate_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef

from orchestration.defs.schedules import nightly_schedule

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "dagster.postgres.yaml"
SINGLE_MACHINE = ROOT / "dagster.yaml"


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def load_as_instance_config(config: dict, home: Path) -> dict:
    """What Dagster does with DAGSTER_HOME/dagster.yaml: parse, check against the schema."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    value, _ = dagster_instance_config(str(home))
    return value


def test_the_example_is_a_valid_instance_config(tmp_path):
    value = load_as_instance_config(example(), tmp_path)
    assert set(value["storage"]) == {"postgres"}
    ref = InstanceRef.from_dir(str(tmp_path))
    # one PostgreSQL storage for runs, events and schedules; runs go through the daemon's queue
    assert ref.storage_data.module_name == "dagster_postgres"
    assert ref.run_coordinator_data.class_name == "QueuedRunCoordinator"
    assert ref.run_launcher_data.class_name == "K8sRunLauncher"


@pytest.mark.parametrize(
    "path, misspelt",
    [
        (["storage", "postgres"], {"postgres_db": "postgress_db"}),
        (["storage", "postgres", "postgres_db"], {"hostname": "host"}),
        (["concurrency", "runs"], {"max_concurrent_runs": "max_concurent_runs"}),
        (["concurrency", "pools"], {"default_limit": "default_limits"}),
        (["run_monitoring"], {"free_slots_after_run_end_seconds": "free_slots_after_run_end"}),
        ([], {"run_launcher": "run_launchers"}),
    ],
)
def test_a_misspelt_key_is_rejected(tmp_path, path, misspelt):
    config = example()
    block = config
    for key in path:
        block = block[key]
    ((right, wrong),) = misspelt.items()
    block[wrong] = block.pop(right)
    with pytest.raises(DagsterInvalidConfigError):
        load_as_instance_config(config, tmp_path)


@pytest.mark.parametrize("block", ["run_coordinator", "run_launcher", "compute_logs"])
def test_each_configured_class_accepts_its_config(block):
    """The run queue's config in any environment; the K8s launcher and the S3 compute logs where
    dagster-k8s and dagster-aws are installed (both ==0.29.27, docs/scale.md)."""
    spec = example()[block]
    top_package = spec["module"].split(".")[0]
    pytest.importorskip(top_package, reason=f"{top_package} is not in requirements.lock")
    cls = getattr(importlib.import_module(spec["module"]), spec["class"])
    result = validate_config(cls.config_type(), spec.get("config", {}))
    assert result.success, result.errors


def test_a_misspelt_run_queue_setting_is_rejected_by_the_coordinator():
    spec = example()["run_coordinator"]
    config = {**spec.get("config", {}), "dequeue_interval_second": 5}
    result = validate_config(dg.QueuedRunCoordinator.config_type(), config)
    assert not result.success


def test_the_database_credentials_come_from_the_environment():
    database = example()["storage"]["postgres"]
    assert "postgres_url" not in database
    for key in ("hostname", "username", "password", "db_name"):
        assert set(database["postgres_db"][key]) == {"env"}, key
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "://" not in text.replace("postgresql://", ""), "a URL in the file may carry a password"


def test_the_limits_are_those_of_the_single_machine_instance():
    single = yaml.safe_load(SINGLE_MACHINE.read_text(encoding="utf-8"))
    several = example()
    assert several["concurrency"]["pools"] == single["concurrency"]["pools"]
    runs = copy.deepcopy(several["concurrency"]["runs"])
    runs.pop("tag_concurrency_limits")
    assert runs == single["concurrency"]["runs"]
    assert several["run_retries"] == single["run_retries"]


def test_the_nightly_tag_limit_names_the_nightly_schedule():
    (limit,) = example()["concurrency"]["runs"]["tag_concurrency_limits"]
    assert limit == {"key": "dagster/schedule_name", "value": nightly_schedule.name, "limit": 1}
