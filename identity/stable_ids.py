"""OneIDs that survive reruns: a cluster keeps the id it had unless it merges or splits.

Reads the temp tables `identity_nodes` (node_id, identifier_type, identifier_value) and
`identity_components` (node_id, component) and the previous `identity.oneid_map`, then:

* every previous id is *kept by* the new cluster holding most of its identifiers (ties: the
  cluster with the smallest identifier); its other clusters are split off and get other ids;
* a cluster keeping several previous ids is a merge: the oldest id survives (registry
  created_at, ties by id) and the others are retired;
* a cluster keeping none gets a new id, derived from its smallest identifier so reruns on equal
  input agree, re-salted when that id was ever handed out before (ids are never reused).

Each change is appended to `identity.oneid_changes`; all of it is set-based SQL. The map is
updated in place when a run moves few identifiers (the nightly case), else rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from identity.schema import ONEID_CHANGES, ONEID_MAP, ONEID_REGISTRY, table_exists

# a salted id colliding again is ~2^-80 per cluster; a few rounds are more than enough
MAX_SALT_ROUNDS = 8
# past this share of rows to touch, rewriting the map is cheaper than updating it in place
INCREMENTAL_SHARE = 0.2


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


def assign_stable_ids(conn: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> IdAssignment:
    _bootstrap_registry(conn, now)
    previous = (
        f"select identifier_type, identifier_value, oneid, resolved_at from {ONEID_MAP}"
        if table_exists(conn, ONEID_MAP)
        else "select ''::varchar as identifier_type, ''::varchar as identifier_value, "
        "''::varchar as oneid, null::timestamp as resolved_at where false"
    )
    conn.execute(
        f"""create or replace temp table id_labelled as
        select n.node_id, c.component, p.oneid as old_oneid, p.resolved_at as old_resolved_at
        from identity_nodes as n
        join identity_components as c using (node_id)
        left join ({previous}) as p using (identifier_type, identifier_value)"""
    )
    conn.execute(
        """create or replace temp table id_clusters as
        select component, min(node_id) as anchor_node, count(*) as size
        from id_labelled group by component"""
    )
    conn.execute(
        """create or replace temp table id_carried as
        select old_oneid, component, count(*) as carried
        from id_labelled where old_oneid is not null group by old_oneid, component"""
    )
    conn.execute("drop table identity_components")  # id_labelled holds the same pairs
    conn.execute(
        """create or replace temp table id_keepers as
        select k.old_oneid, k.component
        from id_carried as k join id_clusters as c using (component)
        qualify row_number() over (
            partition by k.old_oneid order by k.carried desc, c.anchor_node) = 1"""
    )
    conn.execute(
        f"""create or replace temp table id_final as
        select k.component, k.old_oneid as oneid, false as is_new
        from id_keepers as k
        left join {ONEID_REGISTRY} as r on r.oneid = k.old_oneid
        qualify row_number() over (
            partition by k.component order by r.created_at nulls last, k.old_oneid) = 1"""
    )
    new_ids = _mint_new_ids(conn)
    figures = _log_changes(conn, run_id, now)
    _update_registry(conn, run_id, now)
    _write_map(conn, now, figures["previously_known"], figures["changed"])
    return IdAssignment(new_ids=new_ids, **figures)


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


def _mint_new_ids(conn: duckdb.DuckDBPyConnection) -> int:
    conn.execute(
        """create or replace temp table id_unnamed as
        select c.component, n.identifier_type || ':' || n.identifier_value as anchor
        from id_clusters as c
        join identity_nodes as n on n.node_id = c.anchor_node
        where c.component not in (select component from id_final)"""
    )
    minted = 0
    for salt_round in range(MAX_SALT_ROUNDS):
        salted = "anchor" if salt_round == 0 else f"anchor || '#{salt_round}'"
        # an id ever handed out, or proposed twice in this run, is tried again with a salt
        conn.execute(
            f"""create or replace temp table id_proposed as
            select component, 'C' || substr(sha256({salted}), 1, 20) as oneid from id_unnamed"""
        )
        conn.execute(
            f"""insert into id_final
            select component, oneid, true from id_proposed
            where oneid not in (select oneid from {ONEID_REGISTRY})
              and oneid not in (select oneid from id_final)
            qualify count(*) over (partition by oneid) = 1"""
        )
        conn.execute("delete from id_unnamed where component in (select component from id_final)")
        minted = conn.execute("select count(*) from id_final where is_new").fetchone()[0]
        if not conn.execute("select count(*) from id_unnamed").fetchone()[0]:
            return int(minted)
    raise RuntimeError("could not mint unique OneIDs; the registry looks corrupt")


def _log_changes(conn: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> dict[str, int]:
    conn.execute(
        """create or replace temp table id_changes as
        with moved as (
            select k.old_oneid, f.oneid as new_oneid, k.component, k.carried
            from id_carried as k join id_final as f using (component)
            where k.old_oneid <> f.oneid
        )
        select m.old_oneid, m.new_oneid,
               case when kept.component is null then 'split' else 'merge' end as change_type,
               m.carried, c.size, before.old_size
        from moved as m
        join id_clusters as c using (component)
        join (
            select old_oneid, sum(carried) as old_size from id_carried
            where old_oneid in (select old_oneid from moved) group by old_oneid
        ) as before using (old_oneid)
        left join id_keepers as kept
          on kept.old_oneid = m.old_oneid and kept.component = m.component"""
    )
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
    merged, split = conn.execute(
        """select count(distinct old_oneid) filter (where change_type = 'merge'),
                  count(distinct old_oneid) filter (where change_type = 'split')
        from id_changes"""
    ).fetchone()
    # an identifier changed id exactly when its (old id, cluster) pair is a logged change
    (known,) = conn.execute("select coalesce(sum(carried), 0) from id_carried").fetchone()
    (changed,) = conn.execute("select coalesce(sum(carried), 0) from id_changes").fetchone()
    retired = conn.execute(
        f"""select count(*) from {ONEID_REGISTRY}
        where retired_at is null and oneid not in (select oneid from id_final)"""
    ).fetchone()[0]
    return {
        "merged_ids": int(merged),
        "split_ids": int(split),
        "retired_ids": int(retired),
        "previously_known": int(known),
        "changed": int(changed),
    }


def _update_registry(conn: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> None:
    # an id no cluster keeps is retired: merged away, or its identifiers left the sources
    conn.execute(
        f"""update {ONEID_REGISTRY} set retired_at = $now, retired_in_run = $run_id
        where retired_at is null and oneid not in (select oneid from id_final)""",
        {"run_id": run_id, "now": now},
    )
    conn.execute(
        f"""insert into {ONEID_REGISTRY}
        select oneid, $now, $run_id, null, null from id_final where is_new order by oneid""",
        {"run_id": run_id, "now": now},
    )


def _write_map(conn: duckdb.DuckDBPyConnection, now: datetime, known: int, changed: int) -> None:
    """resolved_at is when an identifier got its current oneid: kept while the oneid stays."""
    (nodes,) = conn.execute("select count(*) from identity_nodes").fetchone()
    previous_rows = (
        conn.execute(f"select count(*) from {ONEID_MAP}").fetchone()[0]
        if table_exists(conn, ONEID_MAP)
        else 0
    )
    vanished, to_write = previous_rows - known, changed + nodes - known
    if previous_rows and vanished + to_write <= INCREMENTAL_SHARE * nodes:
        _update_map(conn, now, vanished)
        return
    # unordered: a sort would hold every row before the first is written
    conn.execute(
        f"""create or replace table {ONEID_MAP} as
        select n.identifier_type, n.identifier_value, f.oneid,
               case when l.old_oneid = f.oneid then l.old_resolved_at else $now::timestamp end
                   as resolved_at
        from identity_nodes as n
        join id_labelled as l using (node_id)
        join id_final as f using (component)""",
        {"now": now},
    )


def _update_map(conn: duckdb.DuckDBPyConnection, now: datetime, vanished: int) -> None:
    """A nightly run changes a few rows of millions: touch those, not the whole table."""
    if vanished:
        conn.execute(
            f"""delete from {ONEID_MAP} as m
            where not exists (
                select 1 from identity_nodes as n
                where n.identifier_type = m.identifier_type
                  and n.identifier_value = m.identifier_value)"""
        )
    conn.execute(
        """create or replace temp table id_map_rows as
        with moved as (
            select l.node_id, f.oneid, l.old_oneid is not null as was_known
            from id_labelled as l join id_final as f using (component)
            where l.old_oneid is distinct from f.oneid
        )
        select n.identifier_type, n.identifier_value, m.oneid, m.was_known
        from moved as m join identity_nodes as n using (node_id)"""
    )
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
