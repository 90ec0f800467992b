"""The same identity graph linked by splink's deterministic linkage (DuckDB backend).

Run in a process of its own by `benchmarks.identity_graph` on a resolved copy of its graph.
splink links records, not edges: each edge that OneID's guardrails accepted becomes a record
holding its two identifiers in one column per identifier type, and each identifier left out of
every accepted edge a record of its own; records sharing any identifier are linked (one exact
blocking rule per type) and the links clustered by splink's connected components. Its clusters
are then compared with `identity.oneid_map`.

    python -m benchmarks.identity_splink --warehouse /tmp/graph.duckdb
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.memory import own_peak_rss_gb
from identity.schema import EDGES, IDENTIFIERS, ONEID_MAP, REJECTED_EDGES

EDGE_KEY = ("left_type", "left_value", "right_type", "right_value")


def build_records(conn: duckdb.DuckDBPyConnection, types: list[str]) -> int:
    """splink's input table `records`; returns the edges it cannot hold (two ids of one type)."""
    join = " and ".join(f"e.{c} = r.{c}" for c in EDGE_KEY)
    conn.execute(
        f"create temp table accepted as select e.left_type, e.left_value, e.right_type, "
        f"e.right_value from graph.{EDGES} e anti join graph.{REJECTED_EDGES} r on {join}"
    )
    per_type = ", ".join(
        f"case when left_type = '{t}' then left_value when right_type = '{t}' then right_value "
        f'end as "{t}"'
        for t in types
    )
    alone = ", ".join(
        f"case when identifier_type = '{t}' then identifier_value end as \"{t}\"" for t in types
    )
    conn.execute(
        f"""create temp table records as
        select row_number() over () as unique_id, * from (
            select {per_type} from accepted where left_type <> right_type
            union all
            select {alone} from graph.{IDENTIFIERS} i
            where not exists (from accepted a where a.left_type = i.identifier_type
                              and a.left_value = i.identifier_value)
              and not exists (from accepted a where a.right_type = i.identifier_type
                              and a.right_value = i.identifier_value))"""
    )
    return conn.execute("select count(*) from accepted where left_type = right_type").fetchone()[0]


def cluster_with_splink(conn: duckdb.DuckDBPyConnection, types: list[str]) -> str:
    """The name of a table of record → cluster_id."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    db_api = DuckDBAPI(connection=conn)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[block_on(t) for t in types],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(db_api.register("records"), settings, log_level=logging.WARNING)
    pairs = linker.inference.deterministic_link()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs)
    return clusters.physical_name


def compare_partitions(conn: duckdb.DuckDBPyConnection, clusters: str, types: list[str]) -> dict:
    """Cluster counts on each side and how many clusters are the same set of identifiers."""
    unpivot = " union all ".join(
        f"select '{t}' as identifier_type, \"{t}\" as identifier_value, cluster_id "
        f'from {clusters} where "{t}" is not null'
        for t in types
    )
    conn.execute(
        f"""create temp table side_by_side as
        with theirs as (select distinct * from ({unpivot}))
        select m.oneid, t.cluster_id
        from graph.{ONEID_MAP} m
        full join theirs t using (identifier_type, identifier_value)"""
    )
    ours, theirs, pairs, unmatched = conn.execute(
        "select count(distinct oneid), count(distinct cluster_id), "
        "count(distinct (oneid, cluster_id)), count(*) filter (oneid is null or cluster_id is null)"
        " from side_by_side"
    ).fetchone()
    (identical,) = conn.execute(
        """with sized as (
            select count(*) over (partition by oneid, cluster_id) as together,
                   count(*) over (partition by oneid) as in_ours,
                   count(*) over (partition by cluster_id) as in_theirs, oneid
            from side_by_side where oneid is not null and cluster_id is not null)
        select count(distinct oneid) from sized where together = in_ours and together = in_theirs"""
    ).fetchone()
    return {
        "oneid_clusters": ours,
        "splink_clusters": theirs,
        "identical_clusters": identical,
        "identifiers_on_one_side_only": unmatched,
        "same_partition": unmatched == 0 and ours == theirs == pairs,
    }


def link(warehouse: Path) -> dict:
    with duckdb.connect() as conn:
        conn.execute(f"attach '{warehouse}' as graph (read_only)")
        query = f"select distinct identifier_type from graph.{IDENTIFIERS} order by 1"
        types = [row[0] for row in conn.execute(query).fetchall()]
        started, cpu_started = time.monotonic(), time.process_time()
        same_type_edges = build_records(conn, types)
        records = conn.execute("select count(*) from records").fetchone()[0]
        clusters = cluster_with_splink(conn, types)
        seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
        comparison = compare_partitions(conn, clusters, types)
    return {
        "version": importlib.metadata.version("splink"),
        "records": records,
        "edges_not_linkable": same_type_edges,
        "link_seconds": seconds,
        "link_cpu_seconds": cpu_seconds,
        "peak_rss_gb": own_peak_rss_gb(),
        **comparison,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(link(args.warehouse)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
