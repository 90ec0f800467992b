"""Why two identifiers share a OneID, or why they do not: the shortest path of edges between them.

Reads what the last resolution left: `identity.oneid_map`, `identity.rejected_edges`,
`identity.forced_edges` and the dbt edges. The search stays inside the clusters involved (one
cluster when linked; else the clusters a chain of rejected edges would have joined), so it reads a
handful of edges, not the graph. Rejected edges cost far more than kept ones, so a path uses them
only where no kept edge would do, and those are the rules to blame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, dijkstra

from identity.rules import Identifier
from identity.schema import EDGES, FORCED_EDGES, ONEID_MAP, REJECTED_EDGES, table_exists

# higher than any path of kept edges inside a sane cluster, so rejected edges come last
REJECTED_EDGE_COST = 10_000.0


@dataclass(frozen=True)
class LinkStep:
    left: Identifier  # the end nearer the first identifier asked about
    right: Identifier
    first_source_table: str | None
    first_source_file: str | None
    first_source_row: int | None
    first_observed_at: datetime | None
    rejected_by: str | None = None  # the rule that cut this edge, when it was cut
    rejected_detail: str | None = None


@dataclass(frozen=True)
class LinkExplanation:
    a: Identifier
    b: Identifier
    linked: bool
    steps: tuple[LinkStep, ...]
    verdict: str

    @property
    def rejecting_rules(self) -> tuple[str, ...]:
        return tuple(sorted({s.rejected_by for s in self.steps if s.rejected_by}))


def explain_link(conn: duckdb.DuckDBPyConnection, a: Identifier, b: Identifier) -> LinkExplanation:
    if not table_exists(conn, ONEID_MAP) or not table_exists(conn, REJECTED_EDGES):
        raise RuntimeError("no resolution has run on this warehouse yet: nothing to explain")
    oneid_a, oneid_b = _oneid(conn, a), _oneid(conn, b)
    missing = [str(i) for i, oneid in ((1, oneid_a), (2, oneid_b)) if oneid is None]
    if missing:
        verdict = f"identifier {' and '.join(missing)} is in no source the last resolution read"
        return LinkExplanation(a, b, False, (), verdict)
    if a == b:
        return LinkExplanation(a, b, True, (), "the same identifier")
    clusters = (
        [oneid_a] if oneid_a == oneid_b else _clusters_joined_by_rejections(conn, oneid_a, oneid_b)
    )
    if not clusters:
        return LinkExplanation(a, b, False, (), "not linked, and no rejected edge would link them")
    steps = _shortest_path(_edges_within(conn, clusters), a, b)
    if oneid_a == oneid_b:
        return LinkExplanation(a, b, True, steps, f"linked in {len(steps)} step(s)")
    rules = sorted({s.rejected_by for s in steps if s.rejected_by})
    verdict = f"not linked: rejected by {', '.join(rules)}; {len(steps)} step(s) had they been kept"
    return LinkExplanation(a, b, False, steps, verdict)


def _oneid(conn: duckdb.DuckDBPyConnection, identifier: Identifier) -> str | None:
    row = conn.execute(
        f"select oneid from {ONEID_MAP} where identifier_type = $t and identifier_value = $v",
        {"t": identifier.type, "v": identifier.value},
    ).fetchone()
    return row[0] if row else None


def _clusters_joined_by_rejections(conn, oneid_a: str, oneid_b: str) -> list[str]:
    """The OneIDs on the shortest chain of rejected edges from a's cluster to b's, or []."""
    pairs = conn.execute(
        f"""select l.oneid, r.oneid
        from {REJECTED_EDGES} as x
        join {ONEID_MAP} as l
          on l.identifier_type = x.left_type and l.identifier_value = x.left_value
        join {ONEID_MAP} as r
          on r.identifier_type = x.right_type and r.identifier_value = x.right_value
        where l.oneid <> r.oneid"""
    ).fetchall()
    if not pairs:
        return []
    names, index = np.unique(np.array(pairs, dtype=object).ravel(), return_inverse=True)
    position = {name: i for i, name in enumerate(names)}
    if oneid_a not in position or oneid_b not in position:
        return []
    graph = coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (index[0::2], index[1::2])),
        shape=(len(names), len(names)),
    )
    _, predecessors = breadth_first_order(
        graph, position[oneid_a], directed=False, return_predecessors=True
    )
    node, chain = position[oneid_b], []
    if predecessors[node] < 0:
        return []
    while node >= 0:
        chain.append(str(names[node]))
        node = predecessors[node]
    return chain


def _edges_within(conn: duckdb.DuckDBPyConnection, clusters: list[str]) -> pd.DataFrame:
    """Observed and forced edges with both ends in these clusters, rejected ones with their rule."""
    forced = (
        f"""union all
        select f.left_type, f.left_value, f.right_type, f.right_value, f.first_source_table,
               f.first_source_file, f.first_source_row, null::timestamp, null, null
        from {FORCED_EDGES} as f
        join members as l on l.identifier_type = f.left_type and l.identifier_value = f.left_value
        join members as r
          on r.identifier_type = f.right_type and r.identifier_value = f.right_value"""
        if table_exists(conn, FORCED_EDGES)
        else ""
    )
    return conn.execute(
        f"""with members as (
            select identifier_type, identifier_value from {ONEID_MAP}
            where oneid in (select unnest($clusters))
        )
        select e.left_type, e.left_value, e.right_type, e.right_value, e.first_source_table,
               e.first_source_file, e.first_source_row, e.first_observed_at,
               x.rule, x.detail
        from {EDGES} as e
        join members as l on l.identifier_type = e.left_type and l.identifier_value = e.left_value
        join members as r
          on r.identifier_type = e.right_type and r.identifier_value = e.right_value
        left join {REJECTED_EDGES} as x
          using (left_type, left_value, right_type, right_value)
        {forced}""",
        {"clusters": clusters},
    ).df()


def _shortest_path(edges: pd.DataFrame, a: Identifier, b: Identifier) -> tuple[LinkStep, ...]:
    lefts = [Identifier(t, v) for t, v in zip(edges["left_type"], edges["left_value"], strict=True)]
    rights = [
        Identifier(t, v) for t, v in zip(edges["right_type"], edges["right_value"], strict=True)
    ]
    nodes = sorted(set(lefts) | set(rights) | {a, b})
    position = {node: i for i, node in enumerate(nodes)}
    edges = edges.assign(
        i=[position[n] for n in lefts],
        j=[position[n] for n in rights],
        cost=np.where(edges["rule"].isna(), 1.0, REJECTED_EDGE_COST),
    )
    # one edge per pair, the cheapest: csgraph would add up the costs of duplicates
    edges = edges.sort_values("cost", kind="stable").drop_duplicates(["i", "j"])
    graph = coo_matrix((edges["cost"], (edges["i"], edges["j"])), shape=(len(nodes), len(nodes)))
    _, predecessors = dijkstra(graph, directed=False, indices=position[a], return_predecessors=True)
    by_pair = {(row.i, row.j): row for row in edges.itertuples()}
    steps, node = [], position[b]
    while predecessors[node] >= 0:
        previous = int(predecessors[node])
        row = by_pair.get((previous, node)) or by_pair[(node, previous)]
        steps.append(_step(row, nodes[previous], nodes[node]))
        node = previous
    return tuple(reversed(steps))


def _step(row, near: Identifier, far: Identifier) -> LinkStep:
    def present(value):
        return None if pd.isna(value) else value

    source_row = present(row.first_source_row)
    observed = present(row.first_observed_at)
    return LinkStep(
        left=near,
        right=far,
        first_source_table=present(row.first_source_table),
        first_source_file=present(row.first_source_file),
        first_source_row=None if source_row is None else int(source_row),
        first_observed_at=None if observed is None else pd.Timestamp(observed).to_pydatetime(),
        rejected_by=present(row.rule),
        rejected_detail=present(row.detail),
    )
