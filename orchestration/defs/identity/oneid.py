"""OneID resolution between the dbt identity models and everything keyed by customer."""

import dagster as dg

from identity.health import CARDINALITY_CHECK, CHURN_CHECK, LARGEST_CLUSTER_CHECK, graph_health
from identity.resolve import ResolutionSummary, resolve_oneids
from identity.rules import load_rules
from ingestion.warehouse import connect
from orchestration.defs.resources import WarehouseResource

ONEID_MAP_KEY = dg.AssetKey(["identity", "oneid_map"])
HEALTH_CHECKS = {
    LARGEST_CLUSTER_CHECK: "Fails, and blocks everything keyed by oneid, when a cluster holds "
    "more identifiers than [health] max_cluster_size of config/identity.toml: a junk bridge.",
    CHURN_CHECK: "Fails when more than [health] max_changed_share of the identifiers known "
    "before this run changed OneID; passes on the first run.",
    CARDINALITY_CHECK: "Fails when more than [health] max_cardinality_breaking_share of the "
    "clusters still hold an identifier type together with more identifiers of a neighbour type "
    "than a [[cardinality]] rule allows.",
}


@dg.asset(
    key=ONEID_MAP_KEY,
    deps=[
        dg.AssetKey(["intermediate", "int_identity__identifiers"]),
        dg.AssetKey(["intermediate", "int_identity__edges"]),
    ],
    group_name="identity",
    kinds={"duckdb", "scipy"},
    description="Connected components over the identifier edges the guardrails of "
    "config/identity.toml accept: one OneID per identifier, stable across runs.",
    pool="duckdb_writer",
    check_specs=[
        dg.AssetCheckSpec(name, asset=ONEID_MAP_KEY, blocking=True, description=description)
        for name, description in HEALTH_CHECKS.items()
    ],
)
def oneid_map(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    rules = load_rules()
    with connect(warehouse.settings().warehouse_path) as conn:
        summary = resolve_oneids(
            conn, warehouse.pseudonymisation_key(), rules=rules, run_id=context.run_id
        )
        verdicts = graph_health(conn, rules, summary)
    context.log.info(f"OneID: {summary}")
    yield dg.MaterializeResult(metadata=summary_metadata(summary))
    for verdict in verdicts:
        yield dg.AssetCheckResult(
            check_name=verdict.check_name, passed=verdict.passed, metadata=verdict.metadata
        )


def summary_metadata(summary: ResolutionSummary) -> dict[str, int | float]:
    """Counts only: no identifier value ever reaches Dagster's event log."""
    return {
        "identifiers": summary.identifiers,
        "edges": summary.edges,
        "customers": summary.customers,
        "largest_cluster": summary.largest_cluster,
        "new_ids": summary.new_ids,
        "merged_ids": summary.merged_ids,
        "split_ids": summary.split_ids,
        "previously_known": summary.previously_known,
        # -1 on the first run: Dagster metadata has no "not applicable"
        "changed_share": -1.0 if summary.changed_share is None else summary.changed_share,
        "edges_rejected": summary.edges_rejected,
        **{f"edges_rejected {rule}": n for rule, n in summary.rejected_by_rule.items()},
        "overrides_unmatched": summary.overrides_unmatched,
    }


defs = dg.Definitions(assets=[oneid_map])
