"""Graph health after a resolution: the verdicts the oneid_map asset checks report.

Three questions, each answered with counts only (never an identifier value):
is any cluster larger than a person can be, did too many known identifiers change OneID in one
run, and does any cluster still hold more identifiers of a type than a cardinality rule allows
(a cluster can break a rule through several edges that each keep within it, or a forced merge).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from identity.resolve import ResolutionSummary
from identity.rules import IdentityRules
from identity.schema import ONEID_MAP

LARGEST_CLUSTER_CHECK = "largest_cluster_within_limit"
CHURN_CHECK = "oneid_churn_within_limit"
CARDINALITY_CHECK = "no_cluster_breaks_cardinality"


@dataclass(frozen=True)
class HealthVerdict:
    check_name: str
    passed: bool
    metadata: dict[str, int | float | bool]


def graph_health(
    conn: duckdb.DuckDBPyConnection, rules: IdentityRules, summary: ResolutionSummary
) -> tuple[HealthVerdict, ...]:
    return (
        largest_cluster_verdict(rules, summary),
        churn_verdict(rules, summary),
        cardinality_verdict(conn, rules, summary),
    )


def largest_cluster_verdict(rules: IdentityRules, summary: ResolutionSummary) -> HealthVerdict:
    return HealthVerdict(
        LARGEST_CLUSTER_CHECK,
        summary.largest_cluster <= rules.max_cluster_size,
        {"largest_cluster": summary.largest_cluster, "limit": rules.max_cluster_size},
    )


def churn_verdict(rules: IdentityRules, summary: ResolutionSummary) -> HealthVerdict:
    """Passes on the first run: with nothing known before, nothing can have changed."""
    share = summary.changed_share
    return HealthVerdict(
        CHURN_CHECK,
        share is None or share <= rules.max_changed_share,
        {
            "first_run": share is None,
            "previously_known": summary.previously_known,
            "changed_share": round(share or 0.0, 6),
            "limit": rules.max_changed_share,
            "merged_ids": summary.merged_ids,
            "split_ids": summary.split_ids,
        },
    )


def cardinality_verdict(
    conn: duckdb.DuckDBPyConnection, rules: IdentityRules, summary: ResolutionSummary
) -> HealthVerdict:
    """A cluster breaks a rule when it holds the rule's type and too many of its neighbour type;
    the check fails when more than max_cardinality_breaking_share of the clusters do (a shared
    household phone joins two people now and then: 1 of 1.37M clusters at 1M customers)."""
    per_rule = {f"{c.identifier_type}->{c.neighbour_type}": 0 for c in rules.cardinality}
    breaking = 0
    if rules.cardinality:
        params = {
            "types": [c.identifier_type for c in rules.cardinality],
            "neighbours": [c.neighbour_type for c in rules.cardinality],
            "maxes": [c.max_neighbours for c in rules.cardinality],
        }
        # the row without a rule (the empty grouping set) counts clusters breaking any rule
        for rule, clusters in conn.execute(
            f"""with limits as (
                select unnest($types) as identifier_type, unnest($neighbours) as neighbour_type,
                       unnest($maxes) as max_neighbours
            ),
            per_cluster as (
                select oneid, identifier_type, count(*) as n from {ONEID_MAP} group by all
            ),
            breaking as (
                select l.identifier_type || '->' || l.neighbour_type as rule, h.oneid
                from limits as l
                join per_cluster as h on h.identifier_type = l.identifier_type
                join per_cluster as nb
                  on nb.oneid = h.oneid and nb.identifier_type = l.neighbour_type
                where nb.n > l.max_neighbours
            )
            select rule, count(distinct oneid) from breaking group by grouping sets ((rule), ())""",
            params,
        ).fetchall():
            if rule is None:
                breaking = int(clusters)
            else:
                per_rule[rule] = int(clusters)
    allowed = int(rules.max_cardinality_breaking_share * summary.customers)
    return HealthVerdict(
        CARDINALITY_CHECK,
        breaking <= allowed,
        {
            "clusters_breaking": breaking,
            "clusters_allowed": allowed,
            **{f"clusters_breaking {r}": n for r, n in per_rule.items()},
        },
    )
