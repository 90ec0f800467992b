"""Resolve identifiers into customers (OneID) as connected components of the identifier graph.

Reads `intermediate.int_identity__identifiers` and `intermediate.int_identity__edges` (built by
dbt), writes `identity.oneid_map`. scipy's csgraph was measured fastest on this hardware
(0.6 s for 2.7M edges), so the graph leaves DuckDB only as two integer arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

IDENTIFIERS = "intermediate.int_identity__identifiers"
EDGES = "intermediate.int_identity__edges"
ONEID_MAP = "identity.oneid_map"


@dataclass(frozen=True)
class ResolutionSummary:
    identifiers: int
    edges: int
    customers: int
    largest_cluster: int


def resolve_oneids(conn: duckdb.DuckDBPyConnection) -> ResolutionSummary:
    conn.execute(
        f"""create or replace temp table identity_nodes as
        select row_number() over (order by identifier_type, identifier_value) - 1 as node_id,
               identifier_type, identifier_value
        from {IDENTIFIERS}"""
    )
    node_count = conn.execute("select count(*) from identity_nodes").fetchone()[0]
    pairs = conn.execute(
        f"""select l.node_id as left_node, r.node_id as right_node
        from {EDGES} as e
        join identity_nodes as l
          on l.identifier_type = e.left_type and l.identifier_value = e.left_value
        join identity_nodes as r
          on r.identifier_type = e.right_type and r.identifier_value = e.right_value"""
    ).fetchnumpy()
    left, right = pairs["left_node"].astype(np.int64), pairs["right_node"].astype(np.int64)
    graph = coo_matrix(
        (np.ones(len(left), dtype=np.int8), (left, right)), shape=(node_count, node_count)
    )
    customers, labels = connected_components(graph, directed=False)
    components = pd.DataFrame({"node_id": np.arange(node_count), "component": labels})
    conn.register("identity_components", components)
    try:
        _write_oneid_map(conn)
    finally:
        conn.unregister("identity_components")
    return ResolutionSummary(
        identifiers=int(node_count),
        edges=len(left),
        customers=int(customers),
        largest_cluster=int(np.bincount(labels).max()) if node_count else 0,
    )


def _write_oneid_map(conn: duckdb.DuckDBPyConnection) -> None:
    """A cluster's id derives from its smallest identifier, so reruns on equal input agree."""
    conn.execute("create schema if not exists identity")
    conn.execute(
        f"""create or replace table {ONEID_MAP} as
        with labelled as (
            select n.identifier_type, n.identifier_value, c.component,
                   min(n.identifier_type || ':' || n.identifier_value)
                       over (partition by c.component) as anchor
            from identity_nodes as n
            join identity_components as c using (node_id)
        )
        select identifier_type, identifier_value,
               'C' || substr(sha256(anchor), 1, 20) as oneid,
               current_timestamp::timestamp as resolved_at
        from labelled
        order by identifier_type, identifier_value"""
    )
