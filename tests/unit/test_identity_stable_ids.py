"""OneIDs stay put across runs; merges keep the oldest id, splits keep the larger part's."""

from datetime import timedelta

import pytest

from tests.unit.test_identity_support import (
    T0,
    oneid_of_anchor,
    oneids,
    resolve,
    write_graph,
)

A = [("phone_hash:pb", "pos_member_card:cb")]
B = [("phone_hash:pa", "pos_member_card:ca")]
BRIDGE = [("phone_hash:pb", "pos_member_card:ca")]
# c1 - p1 - c2 - p2 - c3: cutting p1-c2 leaves {p1, c1} and the larger {c2, p2, c3}
CHAIN = [
    ("phone_hash:p1", "pos_member_card:c1"),
    ("phone_hash:p1", "pos_member_card:c2"),
    ("phone_hash:p2", "pos_member_card:c2"),
    ("phone_hash:p2", "pos_member_card:c3"),
]


def changes(conn):
    return conn.execute(
        "select old_oneid, new_oneid, change_type, identifiers_moved, reason, run_id "
        "from identity.oneid_changes order by changed_at, old_oneid"
    ).fetchall()


def registry(conn):
    return {
        oneid: (created, retired)
        for oneid, created, retired in conn.execute(
            "select oneid, created_at, retired_at from identity.oneids"
        ).fetchall()
    }


def test_first_run_ids_derive_from_the_smallest_identifier(warehouse):
    write_graph(warehouse, A + B)
    summary = resolve(warehouse)
    assert oneids(warehouse) == {
        "phone_hash:pa": oneid_of_anchor("phone_hash:pa"),
        "pos_member_card:ca": oneid_of_anchor("phone_hash:pa"),
        "phone_hash:pb": oneid_of_anchor("phone_hash:pb"),
        "pos_member_card:cb": oneid_of_anchor("phone_hash:pb"),
    }
    assert (summary.new_ids, summary.changed_share, summary.previously_known) == (2, None, 0)


def test_ids_are_stable_when_an_unrelated_edge_arrives(warehouse):
    write_graph(warehouse, A + B)
    resolve(warehouse, run=1)
    before = oneids(warehouse)
    write_graph(warehouse, [*A, ("phone_hash:p0", "pos_member_card:c0"), *B])
    summary = resolve(warehouse, run=2)
    after = oneids(warehouse)
    assert {ref: after[ref] for ref in before} == before
    assert after["phone_hash:p0"] == after["pos_member_card:c0"] == oneid_of_anchor("phone_hash:p0")
    assert (summary.new_ids, summary.merged_ids, summary.split_ids) == (1, 0, 0)
    assert (summary.previously_known, summary.changed_share) == (4, 0.0)
    assert changes(warehouse) == []


def test_a_merge_keeps_the_oldest_id_and_logs_the_change(warehouse):
    write_graph(warehouse, A)
    resolve(warehouse, run=1)
    write_graph(warehouse, A + B)
    resolve(warehouse, run=2)
    old_a, old_b = oneids(warehouse)["phone_hash:pb"], oneids(warehouse)["phone_hash:pa"]
    write_graph(warehouse, A + B + BRIDGE)
    summary = resolve(warehouse, run=3)
    # B holds the smallest identifier, yet A is a day older: A's id survives
    assert set(oneids(warehouse).values()) == {old_a}
    assert (summary.new_ids, summary.merged_ids, summary.split_ids) == (0, 1, 0)
    assert summary.changed_share == 0.5
    assert changes(warehouse) == [
        (
            old_b,
            old_a,
            "merge",
            2,
            "merged into an older id: 2 identifiers joined a cluster now of 4",
            "run-3",
        )
    ]
    assert registry(warehouse)[old_b][1] is not None and registry(warehouse)[old_a][1] is None


def test_a_merge_of_ids_of_one_age_keeps_the_smaller_id(warehouse):
    write_graph(warehouse, A + B)
    resolve(warehouse, run=1)
    first = min(set(oneids(warehouse).values()))
    write_graph(warehouse, A + B + BRIDGE)
    resolve(warehouse, run=2)
    assert set(oneids(warehouse).values()) == {first}


def test_a_split_keeps_the_id_with_the_larger_part_and_logs_the_change(warehouse):
    write_graph(warehouse, CHAIN)
    resolve(warehouse, run=1)
    (old,) = set(oneids(warehouse).values())
    write_graph(warehouse, [edge for edge in CHAIN if edge != CHAIN[1]])
    summary = resolve(warehouse, run=2)
    after = oneids(warehouse)
    assert (
        after["pos_member_card:c2"] == after["phone_hash:p2"] == after["pos_member_card:c3"] == old
    )
    # the small part's natural id is the old one (same smallest identifier): never reused, salted
    split_off = oneid_of_anchor("phone_hash:p1#1")
    assert after["phone_hash:p1"] == after["pos_member_card:c1"] == split_off
    assert (summary.new_ids, summary.merged_ids, summary.split_ids) == (1, 0, 1)
    assert summary.changed_share == 2 / 5
    assert changes(warehouse) == [
        (
            old,
            split_off,
            "split",
            2,
            "split: 2 of 5 identifiers moved to a cluster now of 2",
            "run-2",
        )
    ]


def test_an_even_split_leaves_the_id_with_the_part_holding_the_smallest_identifier(warehouse):
    write_graph(warehouse, A + B + BRIDGE)
    resolve(warehouse, run=1)
    (old,) = set(oneids(warehouse).values())
    write_graph(warehouse, A + B)
    resolve(warehouse, run=2)
    after = oneids(warehouse)
    assert after["phone_hash:pa"] == old and after["phone_hash:pb"] == oneid_of_anchor(
        "phone_hash:pb"
    )


def test_a_retired_id_is_never_handed_out_again(warehouse):
    bigger_a = [*A, ("phone_hash:pb", "pos_member_card:cb2")]
    write_graph(warehouse, bigger_a)
    resolve(warehouse, run=1)
    old_a = oneids(warehouse)["phone_hash:pb"]
    write_graph(warehouse, bigger_a + B)
    resolve(warehouse, run=2)
    old_b = oneids(warehouse)["phone_hash:pa"]
    write_graph(warehouse, bigger_a + B + BRIDGE)
    resolve(warehouse, run=3)
    write_graph(warehouse, bigger_a + B)
    resolve(warehouse, run=4)
    after = oneids(warehouse)
    # B's part would derive B's retired id again from its smallest identifier: salted instead
    assert after["phone_hash:pb"] == old_a
    assert after["phone_hash:pa"] == oneid_of_anchor("phone_hash:pa#1") != old_b
    assert [row[2] for row in changes(warehouse)] == ["merge", "split"]
    # the registry has no unique index: minting alone keeps its ids distinct
    assert warehouse.execute(
        "select count(*), count(distinct oneid) from identity.oneids"
    ).fetchone() == (3, 3)


def test_a_map_written_before_the_registry_keeps_its_ids(warehouse):
    write_graph(warehouse, A)
    warehouse.execute("create schema identity")
    warehouse.execute(
        "create table identity.oneid_map as select * from (values "
        "('phone_hash', 'pb', 'Clegacy', $t::timestamp), "
        "('pos_member_card', 'cb', 'Clegacy', $t::timestamp)) "
        "as m(identifier_type, identifier_value, oneid, resolved_at)",
        {"t": T0},
    )
    resolve(warehouse, run=1)
    assert set(oneids(warehouse).values()) == {"Clegacy"}
    assert registry(warehouse) == {"Clegacy": (T0, None)}


@pytest.mark.parametrize("incremental_share", [0.0, 1.0], ids=["rewritten", "updated"])
def test_the_map_is_the_same_whether_rewritten_or_updated_in_place(
    warehouse, monkeypatch, incremental_share
):
    monkeypatch.setattr("identity.stable_ids.INCREMENTAL_SHARE", incremental_share)
    write_graph(warehouse, CHAIN + A, isolated=("unionid:gone",))
    resolve(warehouse, run=1)
    before = oneids(warehouse)
    # p1-c2 cut (a split), A bridged to B (a new cluster joins), unionid:gone erased
    write_graph(warehouse, [e for e in CHAIN if e != CHAIN[1]] + A + B + BRIDGE)
    resolve(warehouse, run=2)
    after = oneids(warehouse)
    assert after == {
        **{ref: before["phone_hash:p2"] for ref in ("phone_hash:p2", "pos_member_card:c2")},
        "pos_member_card:c3": before["phone_hash:p2"],
        "phone_hash:p1": oneid_of_anchor("phone_hash:p1#1"),
        "pos_member_card:c1": oneid_of_anchor("phone_hash:p1#1"),
        **{ref: before["phone_hash:pb"] for ref in ("phone_hash:pb", "pos_member_card:cb")},
        **{ref: before["phone_hash:pb"] for ref in ("phone_hash:pa", "pos_member_card:ca")},
    }
    resolved_at = dict(
        warehouse.execute(
            "select identifier_value, resolved_at from identity.oneid_map "
            "where identifier_type = 'pos_member_card'"
        ).fetchall()
    )
    # an identifier keeps the time it got its oneid; a moved or new one gets this run's
    assert resolved_at == {
        "c1": T0 + timedelta(days=2),
        "c2": T0 + timedelta(days=1),
        "c3": T0 + timedelta(days=1),
        "cb": T0 + timedelta(days=1),
        "ca": T0 + timedelta(days=2),
    }
