"""Junk identifiers and manual overrides: which edges resolution refuses or adds, and the log."""

from tests.unit.test_identity_support import (
    clusters,
    phone,
    resolve,
    rules,
    write_graph,
)

STORE_PHONE = phone("13512340000")
CARDS = [f"pos_member_card:M{i}" for i in range(1, 6)]


def rejected(conn):
    return conn.execute(
        """select left_type || ':' || left_value, right_type || ':' || right_value, rule, detail,
                  first_source_table, first_source_file, first_source_row, run_id
        from identity.rejected_edges order by first_source_row"""
    ).fetchall()


def test_a_store_phone_on_many_receipts_does_not_merge_its_customers(warehouse):
    # five customers each gave the till the store's phone; M1's owner also gave their own
    own = phone("13611112222")
    write_graph(warehouse, [(STORE_PHONE, card) for card in CARDS] + [(own, "pos_member_card:M1")])
    summary = resolve(warehouse)
    assert clusters(warehouse) == {
        frozenset({own, "pos_member_card:M1"}),
        frozenset({STORE_PHONE}),
        *(frozenset({card}) for card in CARDS[1:]),
    }
    assert summary.rejected_by_rule == {"cardinality": 5}
    assert summary.customers == 6 and summary.largest_cluster == 2 and summary.edges == 1
    detail = "phone_hash linked to 5 distinct pos_member_card, limit 3"
    assert rejected(warehouse) == [
        (
            STORE_PHONE,
            card,
            "cardinality",
            detail,
            "raw.pos__receipt_lines",
            "pos.csv",
            row,
            "run-1",
        )
        for row, card in enumerate(CARDS, start=1)
    ]


def test_a_phone_within_its_limit_still_links(warehouse):
    family = phone("13611112222")
    write_graph(warehouse, [(family, card) for card in CARDS[:3]])
    summary = resolve(warehouse)
    assert clusters(warehouse) == {frozenset({family, *CARDS[:3]})}
    assert summary.rejected_by_rule == {}


def test_a_wecom_contact_with_two_unionids_keeps_neither(warehouse):
    contact = "wecom_external_userid:wm1"
    write_graph(warehouse, [("unionid:u1", contact), ("unionid:u2", contact)])
    resolve(warehouse)
    assert clusters(warehouse) == {frozenset({r}) for r in ("unionid:u1", "unionid:u2", contact)}
    assert {row[3] for row in rejected(warehouse)} == {
        "wecom_external_userid linked to 2 distinct unionid, limit 1"
    }


def test_a_blocklisted_phone_links_nothing_and_wins_over_cardinality(warehouse):
    placeholder = phone("13800138000")
    write_graph(
        warehouse,
        [(placeholder, "pos_member_card:M1"), (placeholder, "pos_member_card:M2")]
        + [(STORE_PHONE, card) for card in CARDS],
    )
    summary = resolve(warehouse, rule_set=rules(blocklist={"phones": ["138 0013 8000"]}))
    assert frozenset({placeholder}) in clusters(warehouse)
    assert summary.customers == 7  # two phones and five cards, each alone
    assert summary.rejected_by_rule == {"blocklist": 2, "cardinality": 5}
    assert [row[2:4] for row in rejected(warehouse)[:2]] == [
        ("blocklist", "phone_hash on the blocklist")
    ] * 2


def test_blocklisted_identifiers_of_any_type(warehouse):
    write_graph(warehouse, [("unionid:junk", "wecom_external_userid:wm1")])
    summary = resolve(warehouse, rule_set=rules(blocklist={"identifiers": ["unionid:junk"]}))
    assert summary.rejected_by_rule == {"blocklist": 1} and summary.customers == 2


def test_force_split_cuts_one_edge_or_one_identifier_from_everything(warehouse):
    p1, p2 = phone("13611112222"), phone("13733334444")
    write_graph(
        warehouse,
        [
            (p1, "pos_member_card:M1"),
            (p1, "pos_member_card:M2"),
            (p2, "pos_member_card:M2"),
            (p2, "pos_member_card:M3"),
        ],
    )
    splits = [
        {"a": "phone:13611112222", "b": "pos_member_card:M2", "reason": "ticket 1"},
        {"a": "pos_member_card:M3"},
        {"a": "pos_member_card:never-seen"},
    ]
    summary = resolve(warehouse, rule_set=rules(force_split=splits))
    assert clusters(warehouse) == {
        frozenset({p1, "pos_member_card:M1"}),
        frozenset({p2, "pos_member_card:M2"}),
        frozenset({"pos_member_card:M3"}),
    }
    assert summary.rejected_by_rule == {"force_split": 2}
    assert summary.overrides_unmatched == 1
    assert [row[2:4] for row in rejected(warehouse)] == [
        ("force_split", "force_split #1 in the identity rules"),
        ("force_split", "force_split #2 in the identity rules"),
    ]


def test_force_merge_joins_two_customers_through_an_edge_of_its_own(warehouse):
    p1 = phone("13611112222")
    write_graph(
        warehouse, [(p1, "pos_member_card:M1"), ("unionid:u1", "wecom_external_userid:wm1")]
    )
    merge = [{"a": "wecom_external_userid:wm1", "b": "phone:13611112222", "reason": "ticket 2"}]
    summary = resolve(warehouse, rule_set=rules(force_merge=merge))
    assert clusters(warehouse) == {
        frozenset({p1, "pos_member_card:M1", "unionid:u1", "wecom_external_userid:wm1"})
    }
    assert summary.edges == 3 and summary.rejected_by_rule == {}
    forced = warehouse.execute(
        "select left_type, right_type, first_source_table, first_source_row, reason "
        "from identity.forced_edges"
    ).fetchall()
    assert forced == [("phone_hash", "wecom_external_userid", "config:force_merge", 1, "ticket 2")]


def test_rejections_are_replaced_each_run(warehouse):
    write_graph(warehouse, [(STORE_PHONE, card) for card in CARDS])
    resolve(warehouse, run=1)
    write_graph(warehouse, [(STORE_PHONE, card) for card in CARDS[:2]])
    resolve(warehouse, run=2)
    assert rejected(warehouse) == []


RECYCLED = rules(reassigned=[{"type": "phone_hash", "quiet_days": 180}])


def test_a_recycled_number_keeps_its_old_and_new_holders_apart(warehouse):
    number = phone("13722223333")
    old_card, old_openid, new_card = "pos_member_card:M1", "mall_openid:wx/o1", "pos_member_card:M9"
    write_graph(
        warehouse,
        [(number, old_card), (number, old_openid), (number, new_card)],
        seen_days=[(0, 30), (10, 40), (400, 500)],  # the old holder quiet for a year
    )
    summary = resolve(warehouse, rule_set=RECYCLED)
    assert clusters(warehouse) == {
        frozenset({number, new_card}),
        frozenset({old_card}),
        frozenset({old_openid}),
    }
    assert summary.rejected_by_rule == {"reassigned": 2}
    assert {(frozenset(row[:2]), row[2], row[3]) for row in rejected(warehouse)} == {
        (frozenset({number, link}), "reassigned", "links last seen over 180 days before a new "
         "holder's began")
        for link in (old_card, old_openid)
    }  # fmt: skip


def test_a_short_pause_is_not_a_new_holder(warehouse):
    number = phone("13722223333")
    cards = ["pos_member_card:M1", "pos_member_card:M2"]
    write_graph(warehouse, [(number, c) for c in cards], seen_days=[(0, 30), (100, 200)])
    summary = resolve(warehouse, rule_set=RECYCLED)
    assert clusters(warehouse) == {frozenset({number, *cards})}
    assert summary.rejected_by_rule == {}
