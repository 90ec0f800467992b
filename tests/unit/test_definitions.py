"""The Dagster code location loads, and lineage runs unbroken from every source to the marts."""

import importlib.metadata

import dagster as dg

from ingestion.sources import ALL_SPECS
from orchestration.definitions import defs
from orchestration.defs.resources import dbt_resource

MARTS = [
    dg.AssetKey(["marts", "mart_acquisition__channel_daily"]),
    dg.AssetKey(["marts", "dim_customers"]),
]


def asset_graph():
    return defs.resolve_asset_graph()


def test_definitions_validate():
    dg.Definitions.validate_loadable(defs)


# the raw tables the acquisition mart and the customer 360 are built from today
MART_SOURCES = ("tmall__orders", "pos__receipt_lines", "wecom__contact_events", "wecom__contacts")


def test_the_marts_are_downstream_of_their_raw_sources_and_of_oneid():
    graph = asset_graph()
    for mart in MARTS:
        upstream = graph.get(mart).parent_keys
        seen, frontier = set(), set(upstream)
        while frontier:
            key = frontier.pop()
            seen.add(key)
            frontier |= set(graph.get(key).parent_keys) - seen
        missing = {dg.AssetKey(["raw", name]) for name in MART_SOURCES} - seen
        assert not missing, f"{mart.to_user_string()} is not downstream of {missing}"
        assert dg.AssetKey(["identity", "oneid_map"]) in seen


def test_ingestion_asset_keys_equal_the_dbt_sources():
    graph = asset_graph()
    for spec in ALL_SPECS:
        key = dg.AssetKey(["raw", spec.name])
        children = graph.get(key).child_keys
        assert any(child.path[0] == "staging" for child in children), key


def test_nightly_job_runs_in_process_on_a_shanghai_schedule():
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    job = defs.resolve_job_def("nightly")
    assert job.executor_def.name == "in_process"


def test_the_nightly_starts_dbt_three_times_and_loads_the_seeds_with_staging():
    # dbt runs between the Python steps: staging, then after OneID, then after the CLV scores;
    # every extra dbt step costs a dbt start (3-25 s by brand size)
    graph = defs.resolve_job_def("nightly").asset_layer.asset_graph
    dbt_steps = [ad for ad in graph.assets_defs if ad.node_def.name == "siyu_dbt_models"]
    assert len(dbt_steps) == 3
    (seeds_step,) = [ad for ad in dbt_steps if dg.AssetKey(["seeds", "channel_codes"]) in ad.keys]
    assert dg.AssetKey(["staging", "stg_pos__receipt_lines"]) in seeds_step.keys


def test_the_dbt_cli_reads_its_version_without_starting_dbt():
    dbt = dbt_resource()
    assert str(dbt._cli_version) == importlib.metadata.version("dbt-core")
    assert dbt._initialize_dbt_core_adapter(["build"]) is None
