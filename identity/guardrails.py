"""Which edges of the identity graph resolution may use: rejections and forced merges, in SQL.

Reads the temp tables `identity_nodes` and `identity_edges` (node ids, see resolve.py) and
leaves what ACCEPTED_EDGES selects (left_node, right_node) for connected components. Every
rejected edge is written to `identity.rejected_edges` with its rule; details hold counts and
types only, never identifier values.

Rules, first match wins: force_split (a person said so), blocklist (known junk), cardinality
(an identifier linked to too many identifiers of one type is junk, e.g. a store's till phone),
reassigned (a recycled number: the old holder's links, long quiet before a new holder's began).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from identity.rules import IdentityRules
from identity.schema import EDGES, FORCED_EDGES, REJECTED_EDGES, load_temp_table
from ingestion.pseudonymise import PseudonymisationKey

OVERRIDE_COLUMNS = (
    "position BIGINT, a_type VARCHAR, a_value VARCHAR, b_type VARCHAR, b_value VARCHAR"
)
FORCE_MERGE_TABLE = "config:force_merge"
# read straight into numpy by resolve.py: a 3M-row copy less than a temp table
ACCEPTED_EDGES = """
select left_node, right_node from identity_edges
anti join identity_rejections using (left_node, right_node)
union all
select left_node, right_node from identity_forced_nodes
"""


def apply_guardrails(
    conn: duckdb.DuckDBPyConnection,
    rules: IdentityRules,
    key: PseudonymisationKey,
    run_id: str,
    now: datetime,
) -> tuple[dict[str, int], int]:
    """Edges rejected per rule, and the number of override entries naming an unknown identifier."""
    _load_rules(conn, rules, key)
    conn.execute(_REJECTIONS_SQL)
    conn.execute(f"delete from {REJECTED_EDGES}")
    if conn.execute("select count(*) from identity_rejections").fetchone()[0]:
        _write_rejected_edges(conn, run_id, now)
    unmatched = _write_forced_edges(conn, rules, run_id)
    rejected = dict(
        conn.execute(
            "select rule, count(*) from identity_rejections group by rule order by rule"
        ).fetchall()
    )
    return rejected, unmatched


def _write_rejected_edges(conn: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> None:
    """The edge's identifiers and source are read back from its row of the dbt table."""
    conn.execute(
        f"""insert into {REJECTED_EDGES}
        select e.left_type, e.left_value, e.right_type, e.right_value, x.rule, x.detail,
               e.first_source_table, e.first_source_file, e.first_source_row,
               e.first_observed_at, $run_id, $now
        from identity_rejections as x
        join identity_edges as i using (left_node, right_node)
        join (select rowid as edge_row, * from {EDGES}) as e using (edge_row)
        order by x.rule, e.left_type, e.left_value, e.right_type, e.right_value""",
        {"run_id": run_id, "now": now},
    )


def _load_rules(conn: duckdb.DuckDBPyConnection, rules: IdentityRules, key) -> None:
    load_temp_table(
        conn,
        "identity_rule_limit_names",
        "identifier_type VARCHAR, neighbour_type VARCHAR, max_neighbours BIGINT",
        rules.limits_frame(),
    )
    # a limit naming a type no source has yet matches nothing
    conn.execute(
        """create or replace temp table identity_rule_limits as
        select t.type_id, n.type_id as neighbour_type_id, l.identifier_type, l.neighbour_type,
               l.max_neighbours
        from identity_rule_limit_names as l
        join identity_types as t using (identifier_type)
        join identity_types as n on n.identifier_type = l.neighbour_type"""
    )
    load_temp_table(
        conn,
        "identity_rule_reassigned_names",
        "identifier_type VARCHAR, quiet_days BIGINT",
        rules.reassigned_frame(),
    )
    conn.execute(
        """create or replace temp table identity_rule_reassigned as
        select t.type_id, r.quiet_days
        from identity_rule_reassigned_names as r
        join identity_types as t using (identifier_type)"""
    )
    load_temp_table(
        conn,
        "identity_rule_blocked",
        "identifier_type VARCHAR, identifier_value VARCHAR",
        rules.blocked_frame(key),
    )
    load_temp_table(conn, "identity_rule_split", OVERRIDE_COLUMNS, rules.split_frame(key))
    load_temp_table(conn, "identity_rule_merge", OVERRIDE_COLUMNS, rules.merge_frame(key))
    # overrides as node ids; an override naming an identifier no source has seen matches nothing
    for kind in ("split", "merge"):
        # a join probing the whole node table costs a scan even for an empty rules list
        source = (
            "identity_nodes"
            if len(getattr(rules, f"force_{kind}"))
            else ("(select * from identity_nodes where false)")
        )
        conn.execute(
            f"""create or replace temp table identity_{kind}_nodes as
            select o.position, a.node_id as a_node, b.node_id as b_node,
                   o.b_type is null as whole_identifier
            from identity_rule_{kind} as o
            left join {source} as a
              on a.identifier_type = o.a_type and a.identifier_value = o.a_value
            left join {source} as b
              on b.identifier_type = o.b_type and b.identifier_value = o.b_value"""
        )


_REJECTIONS_SQL = """
create or replace temp table identity_rejections as
with
half_edges as (
    -- each edge seen from both ends, so a limit applies whichever side its identifier sorts on
    select left_node, right_node, left_node as node, left_type as node_type,
           right_type as neighbour_type, first_observed_at, last_observed_at
    from identity_edges
    union all
    select left_node, right_node, right_node, right_type, left_type, first_observed_at,
           last_observed_at
    from identity_edges
),
limited as (
    select h.left_node, h.right_node, h.node, h.neighbour_type, l.identifier_type,
           l.neighbour_type as neighbour, l.max_neighbours
    from half_edges as h
    join identity_rule_limits as l
      on l.type_id = h.node_type and l.neighbour_type_id = h.neighbour_type
),
over_limit as (
    -- edges are unique per pair, so edges to a type count distinct neighbours of that type
    select node, neighbour_type, count(*) as neighbours
    from limited
    group by node, neighbour_type
    having count(*) > any_value(max_neighbours)
),
by_cardinality as (
    select h.left_node, h.right_node, 3 as priority, 'cardinality' as rule,
           h.identifier_type || ' linked to ' || o.neighbours || ' distinct ' || h.neighbour
               || ', limit ' || h.max_neighbours as detail
    from limited as h
    join over_limit as o using (node, neighbour_type)
),
blocked_nodes as (
    select n.node_id, n.identifier_type
    from identity_nodes as n
    join identity_rule_blocked as b using (identifier_type, identifier_value)
),
by_blocklist as (
    select e.left_node, e.right_node, 2 as priority, 'blocklist' as rule,
           b.identifier_type || ' on the blocklist' as detail
    from identity_edges as e
    join blocked_nodes as b on b.node_id in (e.left_node, e.right_node)
),
by_split as (
    select e.left_node, e.right_node, 1 as priority, 'force_split' as rule,
           'force_split #' || s.position || ' in the identity rules' as detail
    from identity_edges as e
    join identity_split_nodes as s
      on (s.whole_identifier and s.a_node in (e.left_node, e.right_node))
      or (s.a_node = e.left_node and s.b_node = e.right_node)
      or (s.a_node = e.right_node and s.b_node = e.left_node)
),
reassignable as (
    select h.*, r.quiet_days
    from half_edges as h
    join identity_rule_reassigned as r on r.type_id = h.node_type
),
handed_over as (
    -- two holders of one neighbour type, the older quiet long before the newer began
    select node, max(newest_since) as new_holder_since, any_value(quiet_days) as quiet_days
    from (
        select node, neighbour_type, any_value(quiet_days) as quiet_days,
               max(first_observed_at) as newest_since, min(last_observed_at) as oldest_until
        from reassignable
        group by node, neighbour_type
        having count(*) >= 2
    )
    where oldest_until < newest_since - to_days(cast(quiet_days as integer))
    group by node
),
by_reassignment as (
    select x.left_node, x.right_node, 4 as priority, 'reassigned' as rule,
           'links last seen over ' || h.quiet_days || ' days before a new holder''s began'
               as detail
    from reassignable as x
    join handed_over as h using (node)
    where x.last_observed_at < h.new_holder_since - to_days(cast(h.quiet_days as integer))
),
every_rejection as (
    select * from by_split
    union all select * from by_blocklist
    union all select * from by_cardinality
    union all select * from by_reassignment
)
select left_node, right_node, rule, detail
from every_rejection
qualify row_number() over (partition by left_node, right_node order by priority, detail) = 1
"""


def _write_forced_edges(conn: duckdb.DuckDBPyConnection, rules: IdentityRules, run_id: str) -> int:
    """Forced merges become edges of their own, kept in a table so explain_link can show them."""
    conn.execute(
        """create or replace temp table identity_forced_nodes as
        select least(a_node, b_node) as left_node, greatest(a_node, b_node) as right_node,
               position
        from identity_merge_nodes
        where a_node is not null and b_node is not null and a_node <> b_node"""
    )
    conn.execute(f"delete from {FORCED_EDGES}")
    if not rules.force_merge:
        return _unmatched(conn)
    conn.execute(
        f"""insert into {FORCED_EDGES}
        select l.identifier_type, l.identifier_value, r.identifier_type, r.identifier_value,
               $table, $file, f.position, coalesce(o.reason, ''), $run_id
        from identity_forced_nodes as f
        join identity_nodes as l on l.node_id = f.left_node
        join identity_nodes as r on r.node_id = f.right_node
        left join (select unnest($positions) as position, unnest($reasons) as reason) as o
          using (position)""",
        {
            "table": FORCE_MERGE_TABLE,
            "file": rules.source,
            "run_id": run_id,
            "positions": [o.position for o in rules.force_merge],
            "reasons": [o.reason for o in rules.force_merge],
        },
    )
    return _unmatched(conn)


def _unmatched(conn: duckdb.DuckDBPyConnection) -> int:
    (unmatched,) = conn.execute(
        """select count(*) filter (
            where a_node is null or (b_node is null and not whole_identifier))
        from (select * from identity_split_nodes union all select * from identity_merge_nodes)"""
    ).fetchone()
    return int(unmatched)
