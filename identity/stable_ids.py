"""OneIDs that survive reruns: a cluster keeps the id it had unless it merges or splits.

Takes each node's cluster (`labels`, indexed by node_id of the temp view `identity_nodes`) and
the previous `identity.oneid_map`, then:

* every previous id is *kept by* the new cluster holding most of its identifiers (ties: the
  cluster with the smallest identifier); its other clusters are split off and get other ids;
* a cluster keeping several previous ids is a merge: the oldest id survives (registry
  created_at, ties by id) and the others are retired;
* a cluster keeping none gets a new id, derived from its smallest identifier so reruns on equal
  input agree, re-salted when that id was ever handed out before (ids are never reused).

Each change is appended to `identity.oneid_changes`. Millions of nodes are handled as numpy
arrays of integer codes (a previous id is an index into the list of previous ids); strings
travel to and from DuckDB only for what changed. The map is updated in place when a run moves
few identifiers (the nightly case), else rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from identity.minting import cluster_anchors, mint_new_ids
from identity.schema import (
    ONEID_CHANGES,
    ONEID_MAP,
    ONEID_MAP_COLUMNS,
    ONEID_REGISTRY,
    table_exists,
)

# past this share of rows to touch, rewriting the map is cheaper than updating it in place
INCREMENTAL_SHARE = 0.2
UNKNOWN = -1  # code of a node or cluster without an id


@dataclass(frozen=True)
class IdAssignment:
    new_ids: int
    merged_ids: int
    split_ids: int
    retired_ids: int
    previously_known: int
    changed: int

    @property
    def changed_share(self) -> float | None:
        """None on the first run: nothing was known before, so nothing could change."""
        return self.changed / self.previously_known if self.previously_known else None


@dataclass(frozen=True)
class PreviousIds:
    codes: np.ndarray  # per node: index into `oneids`, UNKNOWN for an identifier new this run
    oneids: pa.Array  # the distinct ids the current identifiers had
    resolved_at: np.ndarray  # per node: when it got its id (NaT when new)
    map_rows: int  # rows of the previous map, with identifiers no source holds any more


@dataclass(frozen=True)
class CarriedPairs:
    """Each (previous id, new cluster) pair and how many identifiers it carried across."""

    old: np.ndarray
    component: np.ndarray
    carried: np.ndarray
    kept: np.ndarray  # whether this cluster is the one keeping the previous id


def assign_stable_ids(
    conn: duckdb.DuckDBPyConnection, labels: np.ndarray, run_id: str, now: datetime
) -> IdAssignment:
    _bootstrap_registry(conn, now)
    previous = _previous_ids(conn, len(labels))
    clusters = int(labels.max()) + 1 if len(labels) else 0
    pairs = _carried_pairs(conn, previous.codes, labels, clusters)
    final = _kept_ids(conn, pairs, previous.oneids, clusters)
    unnamed = np.flatnonzero(final == UNKNOWN)
    minted = mint_new_ids(conn, cluster_anchors(conn, labels, unnamed))
    oneids = pa.concat_arrays([previous.oneids, minted["oneid"].combine_chunks()])
    final[minted["component"].to_numpy()] = len(previous.oneids) + np.arange(minted.num_rows)
    figures = _log_changes(conn, pairs, final, oneids, np.bincount(labels), run_id, now)
    retired = _update_registry(conn, previous, final, oneids, minted, run_id, now)
    _write_map(conn, previous, final[labels], oneids, now)
    return IdAssignment(new_ids=minted.num_rows, retired_ids=retired, **figures)


def _bootstrap_registry(conn: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Warehouses resolved before the registry existed: their ids count as created then."""
    if not table_exists(conn, ONEID_MAP):
        return
    if conn.execute(f"select count(*) from {ONEID_REGISTRY}").fetchone()[0]:
        return  # every id of the map is registered once the registry holds any
    conn.execute(
        f"""insert into {ONEID_REGISTRY}
        select oneid, coalesce(min(resolved_at), $now), 'before-registry', null, null
        from {ONEID_MAP}
        where oneid not in (select oneid from {ONEID_REGISTRY})
        group by oneid""",
        {"now": now},
    )


def _previous_ids(conn: duckdb.DuckDBPyConnection, nodes: int) -> PreviousIds:
    codes = np.full(nodes, UNKNOWN, dtype=np.int64)
    resolved_at = np.full(nodes, np.datetime64("NaT"), dtype="datetime64[us]")
    if not table_exists(conn, ONEID_MAP):
        return PreviousIds(codes, pa.array([], pa.string()), resolved_at, 0)
    known = conn.execute(
        f"""select n.node_id, p.oneid, p.resolved_at
        from identity_nodes as n
        join {ONEID_MAP} as p using (identifier_type, identifier_value)"""
    ).fetch_arrow_table()
    node_ids = known["node_id"].to_numpy()
    encoded = pc.dictionary_encode(known["oneid"].combine_chunks())
    codes[node_ids] = encoded.indices.to_numpy(zero_copy_only=False)
    resolved_at[node_ids] = known["resolved_at"].to_numpy().astype("datetime64[us]")
    (map_rows,) = conn.execute(f"select count(*) from {ONEID_MAP}").fetchone()
    return PreviousIds(codes, encoded.dictionary, resolved_at, int(map_rows))


def _carried_pairs(
    conn: duckdb.DuckDBPyConnection, codes: np.ndarray, labels: np.ndarray, clusters: int
) -> CarriedPairs:
    known = codes != UNKNOWN
    pair_keys, carried = np.unique(codes[known] * clusters + labels[known], return_counts=True)
    old, component = np.divmod(pair_keys, clusters)
    # per previous id, the most carried first; the first row of each id is its keeper
    order = np.lexsort((-carried, old))
    old, component, carried = old[order], component[order], carried[order]
    first = np.ones(len(old), dtype=bool)
    first[1:] = old[1:] != old[:-1]
    tied = ~first & np.r_[False, carried[1:] == carried[:-1]]
    kept = first.copy()
    if tied.any():
        _break_ties(conn, old, component, carried, kept, labels)
    return CarriedPairs(old, component, carried, kept)


def _break_ties(conn, old, component, carried, kept, labels) -> None:
    """An evenly split id stays with the part holding the smallest identifier."""
    starts = np.flatnonzero(np.r_[True, old[1:] != old[:-1]])
    best = np.repeat(carried[starts], np.diff(np.r_[starts, len(old)]))
    candidates = np.flatnonzero(carried == best)
    tied_ids = np.unique(old[candidates][np.r_[old[candidates][1:] == old[candidates][:-1], False]])
    candidates = candidates[np.isin(old[candidates], tied_ids)]
    anchors = cluster_anchors(conn, labels, np.unique(component[candidates]))
    anchor_of = dict(
        zip(anchors["component"].to_pylist(), anchors["anchor"].to_pylist(), strict=True)
    )
    for tied_id in tied_ids:
        rows = candidates[old[candidates] == tied_id]
        winner = min(rows, key=lambda row: anchor_of[component[row]])
        kept[rows] = rows == winner


def _kept_ids(
    conn: duckdb.DuckDBPyConnection, pairs: CarriedPairs, oneids: pa.Array, clusters: int
) -> np.ndarray:
    """Per cluster, the code of the previous id it keeps (the oldest on a merge), or UNKNOWN."""
    final = np.full(clusters, UNKNOWN, dtype=np.int64)
    keeper_old, keeper_component = pairs.old[pairs.kept], pairs.component[pairs.kept]
    merging = np.bincount(keeper_component, minlength=clusters)[keeper_component] > 1
    final[keeper_component[~merging]] = keeper_old[~merging]
    if merging.any():
        candidates = pd.DataFrame(
            {
                "component": keeper_component[merging],
                "code": keeper_old[merging],
                "oneid": oneids.take(pa.array(keeper_old[merging])).to_pandas(),
            }
        )
        conn.register("id_merge_candidates", candidates)
        try:
            survivors = conn.execute(
                f"""select c.component, c.code
                from id_merge_candidates as c
                left join {ONEID_REGISTRY} as r using (oneid)
                qualify row_number() over (
                    partition by c.component order by r.created_at nulls last, c.oneid) = 1"""
            ).fetchnumpy()
        finally:
            conn.unregister("id_merge_candidates")
        final[survivors["component"]] = survivors["code"]
    return final


def _log_changes(conn, pairs, final, oneids, sizes, run_id, now) -> dict[str, int]:
    moved = final[pairs.component] != pairs.old
    old_sizes = np.bincount(pairs.old, weights=pairs.carried).astype(np.int64)
    changes = pd.DataFrame(
        {
            "old_oneid": oneids.take(pa.array(pairs.old[moved])).to_pandas(),
            "new_oneid": oneids.take(pa.array(final[pairs.component[moved]])).to_pandas(),
            "change_type": np.where(pairs.kept[moved], "merge", "split"),
            "carried": pairs.carried[moved],
            "size": sizes[pairs.component[moved]],
            "old_size": old_sizes[pairs.old[moved]],
        }
    )
    if len(changes):
        conn.register("id_changes", changes)
        try:
            conn.execute(
                f"""insert into {ONEID_CHANGES}
                select old_oneid, new_oneid, change_type, carried,
                       case change_type
                         when 'merge' then 'merged into an older id: ' || carried
                              || ' identifiers joined a cluster now of ' || size
                         else 'split: ' || carried || ' of ' || old_size
                              || ' identifiers moved to a cluster now of ' || size
                       end,
                       $run_id, $now
                from id_changes
                order by change_type, old_oneid, new_oneid""",
                {"run_id": run_id, "now": now},
            )
        finally:
            conn.unregister("id_changes")
    by_type = changes.groupby("change_type")["old_oneid"].nunique()
    return {
        "merged_ids": int(by_type.get("merge", 0)),
        "split_ids": int(by_type.get("split", 0)),
        # an identifier changed id exactly when its (old id, cluster) pair is a logged change
        "previously_known": int(pairs.carried.sum()),
        "changed": int(changes["carried"].sum()),
    }


def _update_registry(conn, previous, final, oneids, minted, run_id, now) -> int:
    """Retires the ids no cluster keeps (merged away, or every identifier gone); adds new ones."""
    is_kept = np.zeros(len(previous.oneids), dtype=bool)
    is_kept[final[(final != UNKNOWN) & (final < len(previous.oneids))]] = True
    kept, lost = np.flatnonzero(is_kept), np.flatnonzero(~is_kept)
    (active,) = conn.execute(
        f"select count(*) from {ONEID_REGISTRY} where retired_at is null"
    ).fetchone()
    if active == len(previous.oneids):
        # every active id is in the map: the lost ones are all there is to retire
        frame = pd.DataFrame({"oneid": oneids.take(pa.array(lost)).to_pandas()})
        condition = "oneid in (select oneid from id_registry_frame)"
    else:
        frame = pd.DataFrame({"oneid": oneids.take(pa.array(kept)).to_pandas()})
        condition = "oneid not in (select oneid from id_registry_frame)"
    conn.register("id_registry_frame", frame)
    try:
        (retired,) = conn.execute(
            f"""update {ONEID_REGISTRY} set retired_at = $now, retired_in_run = $run_id
            where retired_at is null and {condition}""",
            {"run_id": run_id, "now": now},
        ).fetchone()
    finally:
        conn.unregister("id_registry_frame")
    conn.register("id_new_ids", minted)
    try:
        conn.execute(
            f"insert into {ONEID_REGISTRY} select oneid, $now, $run_id, null, null from id_new_ids",
            {"run_id": run_id, "now": now},
        )
    finally:
        conn.unregister("id_new_ids")
    return int(retired)


def _write_map(conn, previous: PreviousIds, node_codes, oneids, now: datetime) -> None:
    """resolved_at is when an identifier got its current oneid: kept while the oneid stays."""
    changed = node_codes != previous.codes
    known = int((previous.codes != UNKNOWN).sum())
    vanished = previous.map_rows - known
    if previous.map_rows and vanished + changed.sum() <= INCREMENTAL_SHARE * len(node_codes):
        _update_map(conn, np.flatnonzero(changed), node_codes, previous, oneids, now, vanished)
        return
    resolved_at = np.where(changed, np.datetime64(now, "us"), previous.resolved_at)
    frame = pa.table(
        {
            "node_id": np.arange(len(node_codes)),
            "oneid": oneids.take(pa.array(node_codes)),
            "resolved_at": resolved_at,
        }
    )
    conn.register("id_map_frame", frame)
    try:
        conn.execute(f"create or replace table {ONEID_MAP} {ONEID_MAP_COLUMNS}")
        # unordered: a sort would hold every row before the first is written
        conn.execute(
            f"""insert into {ONEID_MAP}
            select n.identifier_type, n.identifier_value, f.oneid, f.resolved_at
            from identity_nodes as n
            join id_map_frame as f using (node_id)"""
        )
    finally:
        conn.unregister("id_map_frame")


def _update_map(conn, nodes, node_codes, previous, oneids, now, vanished) -> None:
    """A nightly run changes a few rows of millions: touch those, not the whole table."""
    if vanished:
        conn.execute(
            f"""delete from {ONEID_MAP} as m
            where not exists (
                select 1 from identity_nodes as n
                where n.identifier_type = m.identifier_type
                  and n.identifier_value = m.identifier_value)"""
        )
    frame = pd.DataFrame(
        {
            "node_id": nodes,
            "oneid": oneids.take(pa.array(node_codes[nodes])).to_pandas(),
            "was_known": previous.codes[nodes] != UNKNOWN,
        }
    )
    conn.register("id_moved_frame", frame)
    try:
        conn.execute(
            """create or replace temp table id_map_rows as
            select n.identifier_type, n.identifier_value, m.oneid, m.was_known
            from id_moved_frame as m join identity_nodes as n using (node_id)"""
        )
    finally:
        conn.unregister("id_moved_frame")
    conn.execute(
        f"""update {ONEID_MAP} as m set oneid = r.oneid, resolved_at = $now
        from id_map_rows as r
        where r.was_known and m.identifier_type = r.identifier_type
          and m.identifier_value = r.identifier_value""",
        {"now": now},
    )
    conn.execute(
        f"""insert into {ONEID_MAP}
        select identifier_type, identifier_value, oneid, $now from id_map_rows
        where not was_known""",
        {"now": now},
    )
