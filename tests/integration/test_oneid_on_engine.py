"""OneID on the engine (dbt, var oneid_on_engine) gives the Python path's OneIDs on the same input.

The engine models are built with real dbt on a copy of a warehouse: the small brand's, after its
nightly run (a first resolution, so every id is minted from its anchor), and that brand again
with a forced merge and a forced split resolved by the Python step from scratch; the brand
resolved a second time with a merge and a split, and with new clusters whose ids the registry
already holds, where the engine carries the earlier ids over from a copy of the map and registry
taken before Python re-resolves (var oneid_previous_schema); then a hand-built graph whose long
chain needs many rounds. Counts only, never identifier values.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest

from identity.resolve import resolve_oneids
from identity.rules import DEFAULT_RULES_PATH, rules_from_dict
from orchestration.defs.resources import DBT_PROJECT_DIR

pytestmark = pytest.mark.integration

ENGINE_MODELS = "path:models/intermediate/identity/engine"
ENGINE_MAP = "intermediate.int_identity__identifiers_resolved"
# where the tests copy the map and registry before the Python step writes tonight's
PREVIOUS_SCHEMA = "identity_before"
ROUNDS_LOGGED = re.compile(r"labels settled after (\d+) rounds")
# the hand-built chain: long enough that propagation without pointer jumping would need 1,000
CHAIN_LENGTH = 1000


def build_engine_models(warehouse: Path, work: Path, **dbt_vars) -> subprocess.CompletedProcess:
    """`dbt build` of the engine models alone, on `warehouse`, with oneid_on_engine on."""
    settings = {"oneid_on_engine": True, **dbt_vars}
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt), "build", "--select", ENGINE_MODELS, "--vars", repr(settings),
         "--profiles-dir", ".", "--project-dir", ".", "--target-path", str(work / "target"),
         "--log-path", str(work)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "SIYU_WAREHOUSE_PATH": str(warehouse)},
        capture_output=True,
        text=True,
    )  # fmt: skip


def rounds_of(completed: subprocess.CompletedProcess) -> int:
    assert completed.returncode == 0, completed.stdout[-4000:]
    (rounds,) = ROUNDS_LOGGED.findall(completed.stdout)
    return int(rounds)


def assert_engine_gives_python_oneids(warehouse: Path, engine_map: str = ENGINE_MAP) -> None:
    """Every identifier of the brand is in both maps, with the same OneID in both; `engine_map`
    is the engine's table in the warehouse, or a `read_parquet(...)` of Spark's."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        identifiers, in_engine, in_python, same_oneid = conn.execute(
            f"""select count(*),
                       count(engine.oneid),
                       count(python.oneid),
                       count(*) filter (where engine.oneid = python.oneid)
            from {engine_map} as engine
            full join identity.oneid_map as python using (identifier_type, identifier_value)"""
        ).fetchone()
    assert identifiers > 100
    assert identifiers == in_engine == in_python
    assert same_oneid == identifiers


def first_resolution(warehouse: Path) -> bool:
    """Python minted every id of the map from its anchor: no change logged, none retired."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        changes, retired, active, mapped = conn.execute(
            """select (select count(*) from identity.oneid_changes),
                      (select count(*) from identity.oneids where retired_at is not null),
                      (select count(*) from identity.oneids),
                      (select count(distinct oneid) from identity.oneid_map)"""
        ).fetchone()
    return changes == 0 and retired == 0 and active == mapped


def test_the_small_brand_gets_the_python_oneids(small_brand, tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    shutil.copyfile(small_brand.settings.warehouse_path, warehouse)
    assert first_resolution(warehouse)

    rounds = rounds_of(build_engine_models(warehouse, tmp_path))

    assert_engine_gives_python_oneids(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        (largest,) = conn.execute(
            f"select max(size) from (select count(*) as size from {ENGINE_MAP} group by oneid)"
        ).fetchone()
    assert largest > 2  # OneIDs join several identifiers: the partition is not trivial
    assert 2 <= rounds <= 10


def test_forced_merges_and_splits_reach_the_engine(small_brand, tmp_path):
    """The Python step resolves the brand again from scratch with a forced merge of two customers
    and a forced split of a third's identifier; the engine reads its rejected and forced edges."""
    warehouse = tmp_path / "siyu.duckdb"
    shutil.copyfile(small_brand.settings.warehouse_path, warehouse)
    with duckdb.connect(str(warehouse)) as conn:
        # three multi-identifier customers, each named by its smallest identifier
        picked = conn.execute(
            """select min(identifier_type || ':' || identifier_value)
            from identity.oneid_map
            where identifier_type <> 'phone_hash'
            group by oneid having count(*) > 1
            order by 1 limit 3"""
        ).fetchall()
        assert len(picked) == 3
        (merge_a,), (merge_b,), (split_off,) = picked
        raw_rules = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
        raw_rules["force_merge"] = [{"a": merge_a, "b": merge_b, "reason": "test merge"}]
        raw_rules["force_split"] = [{"a": split_off, "reason": "test split"}]
        conn.execute("drop table identity.oneid_map")  # a first resolution: ids from anchors
        conn.execute("delete from identity.oneids")
        summary = resolve_oneids(conn, small_brand.key(), rules=rules_from_dict(raw_rules))
        assert summary.overrides_unmatched == 0
        assert summary.rejected_by_rule.get("force_split", 0) >= 1
        forced = conn.execute("select count(*) from identity.forced_edges").fetchone()[0]
        assert forced == 1

    rounds_of(build_engine_models(warehouse, tmp_path))

    assert_engine_gives_python_oneids(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        merged, split_alone = conn.execute(
            f"""select count(distinct oneid) filter (
                           where identifier_type || ':' || identifier_value in ($a, $b)),
                       count(*) filter (where oneid = (
                           select oneid from {ENGINE_MAP}
                           where identifier_type || ':' || identifier_value = $split))
            from {ENGINE_MAP}""",
            {"a": merge_a, "b": merge_b, "split": split_off},
        ).fetchone()
    assert merged == 1
    assert split_alone == 1


def keep_previous_state(conn: duckdb.DuckDBPyConnection) -> None:
    """The map and registry as they are now, for the engine, before Python writes tonight's."""
    conn.execute(f"create schema {PREVIOUS_SCHEMA}")
    for table in ("oneid_map", "oneids"):
        conn.execute(f"create table {PREVIOUS_SCHEMA}.{table} as from identity.{table}")


def customers_by_anchor(
    conn: duckdb.DuckDBPyConnection, count: int, *, pairs_only: bool = False
) -> list[str]:
    """The smallest identifiers of the first `count` multi-identifier customers of the map;
    with pairs_only, customers of exactly two identifiers, no phone among them."""
    picked = conn.execute(
        """select min(identifier_type || ':' || identifier_value)
        from identity.oneid_map
        group by oneid
        having count(*) filter (where identifier_type <> 'phone_hash') > 1
           and (not $pairs_only or count(*) filter (where identifier_type <> 'phone_hash') = 2
                and count(*) = 2)
        order by 1 limit $count""",
        {"count": count, "pairs_only": pairs_only},
    ).fetchall()
    assert len(picked) == count
    return [anchor for (anchor,) in picked]


def tied_previous_ids(conn: duckdb.DuckDBPyConnection) -> int:
    """Previous ids whose identifiers Python's new map splits evenly among its largest parts."""
    (tied,) = conn.execute(
        f"""with carried as (
                select previous.oneid as previous_oneid, count(*) as carried
                from {PREVIOUS_SCHEMA}.oneid_map as previous
                join identity.oneid_map as current using (identifier_type, identifier_value)
                group by previous.oneid, current.oneid
            ),
            largest as (
                select previous_oneid from carried
                qualify carried = max(carried) over (partition by previous_oneid)
            )
            select count(*) from (
                select previous_oneid from largest group by previous_oneid having count(*) > 1
            )"""
    ).fetchone()
    return tied


def resolve_again_with_a_merge_and_an_even_split(warehouse: Path, key) -> dict[str, int]:
    """Keeps the map and registry of `warehouse` (a first resolution) as the previous ones, then
    Python resolves it again with two customers merged and one of two identifiers split from the
    other, an even split whose id stays with the part holding the smaller identifier. Returns
    how many previous ids merged, split, and split evenly."""
    assert first_resolution(warehouse)
    with duckdb.connect(str(warehouse)) as conn:
        merge_a, merge_b = customers_by_anchor(conn, 2)
        (split_off,) = customers_by_anchor(conn, 1, pairs_only=True)
        assert split_off not in (merge_a, merge_b)
        raw_rules = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
        raw_rules["force_merge"] = [{"a": merge_a, "b": merge_b, "reason": "test merge"}]
        raw_rules["force_split"] = [{"a": split_off, "reason": "test split"}]
        keep_previous_state(conn)
        summary = resolve_oneids(conn, key, rules=rules_from_dict(raw_rules))
        assert summary.overrides_unmatched == 0
        merges, splits, retired = conn.execute(
            """select count(distinct old_oneid) filter (where change_type = 'merge'),
                      count(distinct old_oneid) filter (where change_type = 'split'),
                      (select count(*) from identity.oneids where retired_at is not null)
            from identity.oneid_changes"""
        ).fetchone()
        assert (summary.merged_ids, summary.split_ids) == (merges, splits)
        assert retired == merges  # a merged-away id is retired
        return {"merges": merges, "splits": splits, "even_splits": tied_previous_ids(conn)}


def test_a_second_resolution_carries_the_ids_over_like_python(small_brand, tmp_path):
    warehouse = tmp_path / "siyu.duckdb"
    shutil.copyfile(small_brand.settings.warehouse_path, warehouse)
    scenario = resolve_again_with_a_merge_and_an_even_split(warehouse, small_brand.key())
    # the scenario really holds a merge (an id retired into an older one) and an even split
    assert scenario["merges"] >= 1 and scenario["splits"] >= 1 and scenario["even_splits"] >= 1

    rounds_of(build_engine_models(warehouse, tmp_path, oneid_previous_schema=PREVIOUS_SCHEMA))

    assert_engine_gives_python_oneids(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        kept, moved = conn.execute(
            f"""select count(*) filter (where engine.oneid = previous.oneid),
                       count(*) filter (where engine.oneid <> previous.oneid)
            from {ENGINE_MAP} as engine
            join {PREVIOUS_SCHEMA}.oneid_map as previous
                using (identifier_type, identifier_value)"""
        ).fetchone()
    # most identifiers keep their id; the merged and split ones do not
    assert kept > 100 and moved >= 2
    # and ids minted afresh from every anchor, the first-run rule, would not be Python's
    assert first_run_ids_differing(warehouse) >= 1


def first_run_ids_differing(warehouse: Path) -> int:
    """Identifiers whose engine OneID is not the one minted from its component's anchor."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        (differing,) = conn.execute(
            f"""select count(*)
            from intermediate.int_identity__identifiers_numbered as nodes
            left join intermediate.int_identity__components_labelled as labels using (node_id)
            join intermediate.int_identity__components_carried_over as components
                on components.component_id = coalesce(labels.component_id, nodes.node_id)
            join {ENGINE_MAP} as engine using (identifier_type, identifier_value)
            where engine.oneid <> 'C' || substr(md5(components.anchor), 1, 20)"""
        ).fetchone()
    return differing


def test_a_new_cluster_whose_id_was_handed_out_before_is_salted_like_python(small_brand, tmp_path):
    """One customer is dropped from the previous map, so it is a new cluster tonight, and the
    registry already holds its unsalted id and its first salted one: Python and the engine both
    mint it from the second salt, `anchor#2`."""
    warehouse = tmp_path / "siyu.duckdb"
    shutil.copyfile(small_brand.settings.warehouse_path, warehouse)
    with duckdb.connect(str(warehouse)) as conn:
        (anchor,) = customers_by_anchor(conn, 1)
        taken = ["C" + hashlib.md5(salted.encode()).hexdigest()[:20] for salted in
                 (anchor, f"{anchor}#1")]  # fmt: skip
        (dropped,) = conn.execute(
            """delete from identity.oneid_map where oneid = (
                select oneid from identity.oneid_map
                where identifier_type || ':' || identifier_value = $anchor)""",
            {"anchor": anchor},
        ).fetchone()
        assert dropped > 1
        conn.execute(
            "delete from identity.oneids where oneid = $oneid", {"oneid": taken[0]}
        )  # then handed out and retired long ago, with the first salted id
        conn.executemany(
            """insert into identity.oneids
            values (?, timestamp '2020-01-01', 'long-ago', timestamp '2020-02-01', 'long-ago')""",
            [(oneid,) for oneid in taken],
        )
        keep_previous_state(conn)
        summary = resolve_oneids(conn, small_brand.key())
        assert summary.new_ids == 1
        (python_oneid,) = conn.execute(
            """select oneid from identity.oneid_map
            where identifier_type || ':' || identifier_value = $anchor""",
            {"anchor": anchor},
        ).fetchone()
    assert python_oneid == "C" + hashlib.md5(f"{anchor}#2".encode()).hexdigest()[:20]

    rounds_of(build_engine_models(warehouse, tmp_path, oneid_previous_schema=PREVIOUS_SCHEMA))

    assert_engine_gives_python_oneids(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        (salted_members,) = conn.execute(
            f"select count(*) from {ENGINE_MAP} where oneid = $oneid", {"oneid": python_oneid}
        ).fetchone()
    assert salted_members == dropped


def hand_built_graph(warehouse: Path) -> dict[str, str]:
    """A chain of CHAIN_LENGTH unionids cut in three by two rejected edges, its two ends joined
    by a forced edge; a star of cards around a phone; lone identifiers. Returns the expected
    OneID of every `type:value`, from union-find over the same accepted edges."""
    chain = [("unionid", f"u{position:05d}") for position in range(CHAIN_LENGTH)]
    star_centre, star = ("phone_hash", "p-centre"), [("pos_member_card", f"c{n}") for n in range(5)]
    loners = [("douyin_open_id", f"d{n}") for n in range(7)]
    identifiers = [*chain, star_centre, *star, *loners]
    edges = list(itertools.pairwise(chain)) + [(star_centre, card) for card in star]
    rejected = [(chain[299], chain[300]), (chain[699], chain[700])]
    forced = [(chain[0], chain[-1])]

    parent = {node: node for node in identifiers}

    def root(node):
        while parent[node] != node:
            node = parent[node]
        return node

    accepted = [edge for edge in edges if edge not in rejected] + forced
    for left, right in accepted:
        parent[max(root(left), root(right))] = min(root(left), root(right))
    members: dict[tuple, list[tuple]] = {}
    for node in identifiers:
        members.setdefault(root(node), []).append(node)
    expected = {}
    for group in members.values():
        anchor = min(f"{kind}:{value}" for kind, value in group)
        oneid = "C" + hashlib.md5(anchor.encode()).hexdigest()[:20]
        expected.update({f"{kind}:{value}": oneid for kind, value in group})

    def canonical(edge):
        return tuple(x for node in sorted(edge) for x in node)

    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema intermediate")
        conn.execute("create schema identity")
        # in chain order, so the node ids DuckDB numbers them with rise along the chain: the
        # smallest label starts at one end and has the whole chain to travel
        conn.execute(
            "create table intermediate.int_identity__identifiers "
            "(identifier_type varchar, identifier_value varchar)"
        )
        conn.executemany(
            "insert into intermediate.int_identity__identifiers values (?, ?)", identifiers
        )
        edge_columns = (
            "left_type varchar, left_value varchar, right_type varchar, right_value varchar"
        )
        for table in ("intermediate.int_identity__edges", "identity.forced_edges"):
            conn.execute(f"create table {table} ({edge_columns})")
        conn.execute(f"create table identity.rejected_edges ({edge_columns}, rule varchar)")
        conn.executemany(
            "insert into intermediate.int_identity__edges values (?, ?, ?, ?)",
            [canonical(edge) for edge in edges],
        )
        conn.executemany(
            "insert into identity.rejected_edges values (?, ?, ?, ?, 'force_split')",
            [canonical(edge) for edge in rejected],
        )
        conn.executemany(
            "insert into identity.forced_edges values (?, ?, ?, ?)",
            [canonical(edge) for edge in forced],
        )
    return expected


def test_a_long_chain_settles_by_pointer_jumping(tmp_path):
    warehouse = tmp_path / "graph.duckdb"
    expected = hand_built_graph(warehouse)
    assert len(set(expected.values())) == 2 + 1 + 7  # two chain parts, the star, the loners

    rounds = rounds_of(build_engine_models(warehouse, tmp_path))

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        resolved = dict(
            conn.execute(
                f"select identifier_type || ':' || identifier_value, oneid from {ENGINE_MAP}"
            ).fetchall()
        )
        leftovers = conn.execute(
            "select count(*) from duckdb_tables() "
            "where starts_with(table_name, 'int_identity__components_labelled__')"
        ).fetchone()[0]
    assert len(resolved) == len(expected)
    assert sum(resolved[ref] == oneid for ref, oneid in expected.items()) == len(expected)
    assert leftovers == 0  # the work tables of the rounds are dropped
    # propagation alone would take ~400 rounds on the longest part (400 unionids joined end to
    # end); jumping halves the distance each round
    assert 5 <= rounds <= 2 * CHAIN_LENGTH.bit_length() + 4

    # one round short of what the graph needs is an error, not a wrong partition
    capped = build_engine_models(warehouse, tmp_path / "capped", oneid_max_rounds=rounds - 1)
    assert capped.returncode != 0
    assert f"labels still changed after {rounds - 1} rounds" in capped.stdout
