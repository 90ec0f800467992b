"""Resolve identifiers into customers (OneID) as connected components of the identifier graph.

Reads `intermediate.int_identity__identifiers` and `intermediate.int_identity__edges` (built by
dbt), drops the edges the guardrails reject (guardrails.py), adds forced merges, and writes
`identity.oneid_map` with ids kept stable across runs (stable_ids.py). scipy's csgraph was
measured fastest on this hardware (0.6 s for 2.7M edges), so the graph leaves DuckDB only as two
integer arrays. One transaction: a failed run leaves the previous map and registry untouched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from identity.guardrails import ACCEPTED_EDGES, apply_guardrails
from identity.rules import IdentityRules, load_rules
from identity.schema import EDGES, IDENTIFIERS, ensure_identity_tables
from identity.stable_ids import assign_stable_ids
from ingestion.pseudonymise import PseudonymisationKey

# DuckDB spills past this; with the numpy arrays, 1M customers then stay under 3 GB of memory
MEMORY_LIMIT = "2GB"


@dataclass(frozen=True)
class ResolutionSummary:
    identifiers: int
    edges: int  # edges used: observed ones not rejected, plus forced merges
    customers: int
    largest_cluster: int
    new_ids: int = 0
    merged_ids: int = 0  # previous ids retired because their cluster joined an older one
    split_ids: int = 0  # previous ids that lost part of their identifiers to another cluster
    previously_known: int = 0  # identifiers that had a oneid before this run
    changed_share: float | None = None  # of those, the share whose oneid changed; None at first
    rejected_by_rule: dict[str, int] = field(default_factory=dict)
    overrides_unmatched: int = 0  # force_split/force_merge entries naming an unseen identifier

    @property
    def edges_rejected(self) -> int:
        return sum(self.rejected_by_rule.values())


def resolve_oneids(
    conn: duckdb.DuckDBPyConnection,
    key: PseudonymisationKey,
    *,
    rules: IdentityRules | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
    memory_limit: str | None = MEMORY_LIMIT,
) -> ResolutionSummary:
    rules = rules or load_rules()
    run_id = run_id or f"manual-{uuid.uuid4().hex[:12]}"
    now = now or datetime.now(UTC).replace(tzinfo=None)
    ensure_identity_tables(conn)
    (previous_limit,) = conn.execute("select current_setting('memory_limit')").fetchone()
    if memory_limit:
        conn.execute(f"set memory_limit = '{memory_limit}'")
    conn.begin()
    try:
        summary = _resolve(conn, key, rules, run_id, now)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.execute(f"set memory_limit = '{previous_limit}'")
    return summary


def _resolve(conn, key, rules, run_id, now) -> ResolutionSummary:
    # types as small integers, so the 3M-edge table holds integers only
    conn.execute(
        f"""create or replace temp table identity_types as
        select row_number() over (order by identifier_type) as type_id, identifier_type
        from (select distinct identifier_type from {IDENTIFIERS})"""
    )
    node_count = _number_nodes(conn)
    # dbt stores each edge once (left < right), so the node pair is the edge's key
    conn.execute(
        f"""create or replace temp table identity_edges as
        select e.rowid as edge_row, l.node_id as left_node, r.node_id as right_node,
               lt.type_id as left_type, rt.type_id as right_type,
               e.first_observed_at, e.last_observed_at
        from {EDGES} as e
        join identity_nodes as l
          on l.identifier_type = e.left_type and l.identifier_value = e.left_value
        join identity_nodes as r
          on r.identifier_type = e.right_type and r.identifier_value = e.right_value
        join identity_types as lt on lt.identifier_type = e.left_type
        join identity_types as rt on rt.identifier_type = e.right_type"""
    )
    rejected, unmatched = apply_guardrails(conn, rules, key, run_id, now)
    labels, edges = _component_labels(conn, node_count)
    conn.execute("drop table identity_edges")  # temp tables live in memory: free them early
    ids = assign_stable_ids(conn, labels, run_id, now)
    return ResolutionSummary(
        identifiers=int(node_count),
        edges=edges,
        customers=int(labels.max()) + 1 if node_count else 0,
        largest_cluster=int(np.bincount(labels).max()) if node_count else 0,
        new_ids=ids.new_ids,
        merged_ids=ids.merged_ids,
        split_ids=ids.split_ids,
        previously_known=ids.previously_known,
        changed_share=ids.changed_share,
        rejected_by_rule=rejected,
        overrides_unmatched=unmatched,
    )


def _number_nodes(conn: duckdb.DuckDBPyConnection) -> int:
    """Number the identifiers from 0 as the temp `identity_nodes`; returns how many there are.

    The row ids of the dbt table serve when they run from 0 without gaps (a table dbt has just
    built): a view then numbers 3M identifiers without copying their strings.
    """
    rows, last_rowid = conn.execute(f"select count(*), max(rowid) from {IDENTIFIERS}").fetchone()
    for kind in ("view", "table"):  # the previous run's numbering, whichever it was
        if conn.execute(
            f"select count(*) from duckdb_{kind}s() where temporary and {kind}_name = $name",
            {"name": "identity_nodes"},
        ).fetchone()[0]:
            conn.execute(f"drop {kind} identity_nodes")
    columns = "identifier_type, identifier_value"
    if rows == 0 or last_rowid == rows - 1:
        conn.execute(
            f"create temp view identity_nodes as select rowid as node_id, {columns} "
            f"from {IDENTIFIERS}"
        )
    else:
        conn.execute(
            "create temp table identity_nodes as "
            f"select row_number() over () - 1 as node_id, {columns} from {IDENTIFIERS}"
        )
    return int(rows)


def _component_labels(conn: duckdb.DuckDBPyConnection, node_count: int) -> tuple[np.ndarray, int]:
    """Each node's component, and the number of edges the components were built from."""
    if not node_count:
        return np.zeros(0, dtype=np.int64), 0
    pairs = conn.execute(ACCEPTED_EDGES).fetchnumpy()
    left = pairs["left_node"].astype(np.int64)
    right = pairs["right_node"].astype(np.int64)
    graph = coo_matrix(
        (np.ones(len(left), dtype=np.int8), (left, right)), shape=(node_count, node_count)
    )
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64), len(left)
