"""Graph health: the blocking asset checks on identity/oneid_map, with counts-only metadata."""

import dagster as dg

from identity.health import (
    CARDINALITY_CHECK,
    CHURN_CHECK,
    LARGEST_CLUSTER_CHECK,
    graph_health,
)
from orchestration.defs.identity.oneid import oneid_map
from orchestration.defs.resources import WarehouseResource
from tests.unit.test_identity_support import (
    KEY,
    phone,
    resolve,
    rules,
    write_graph,
)

P1, P2 = phone("13611112222"), phone("13733334444")
# no phone links more than 3 cards, yet the cluster holds two phones and 4 cards
TWO_PHONES_FOUR_CARDS = [
    (P1, "pos_member_card:c1"),
    (P1, "pos_member_card:c2"),
    (P2, "pos_member_card:c2"),
    (P2, "pos_member_card:c3"),
    (P2, "pos_member_card:c4"),
]
TWO_CONTACTS = [
    ("unionid:u1", "wecom_external_userid:w1"),
    ("unionid:u2", "wecom_external_userid:w2"),
]


def verdicts(conn, rule_set, summary):
    return {v.check_name: v for v in graph_health(conn, rule_set, summary)}


def test_a_cluster_over_the_size_limit_fails(warehouse):
    rule_set = rules(health={"max_cluster_size": 5})
    write_graph(warehouse, TWO_PHONES_FOUR_CARDS)
    verdict = verdicts(warehouse, rule_set, resolve(warehouse, rule_set=rule_set))
    assert not verdict[LARGEST_CLUSTER_CHECK].passed
    assert verdict[LARGEST_CLUSTER_CHECK].metadata == {"largest_cluster": 6, "limit": 5}


def test_churn_passes_on_the_first_run_and_fails_when_many_ids_change(warehouse):
    write_graph(warehouse, TWO_CONTACTS)
    first = verdicts(warehouse, rules(), resolve(warehouse, run=1))[CHURN_CHECK]
    assert first.passed and first.metadata["first_run"]
    merge = rules(force_merge=[{"a": "wecom_external_userid:w1", "b": "wecom_external_userid:w2"}])
    second = verdicts(warehouse, merge, resolve(warehouse, run=2, rule_set=merge))[CHURN_CHECK]
    assert not second.passed
    assert second.metadata == {
        "first_run": False,
        "previously_known": 4,
        "changed_share": 0.5,
        "limit": 0.05,
        "merged_ids": 1,
        "split_ids": 0,
    }


def test_clusters_still_breaking_a_cardinality_rule_are_counted_per_rule(warehouse):
    merge = rules(force_merge=[{"a": "wecom_external_userid:w1", "b": "wecom_external_userid:w2"}])
    write_graph(warehouse, TWO_PHONES_FOUR_CARDS + TWO_CONTACTS)
    summary = resolve(warehouse, rule_set=merge)
    assert summary.rejected_by_rule == {}
    verdict = verdicts(warehouse, merge, summary)[CARDINALITY_CHECK]
    assert not verdict.passed
    assert verdict.metadata == {
        "clusters_breaking": 2,
        "clusters_allowed": 0,
        "clusters_breaking phone_hash->pos_member_card": 1,
        "clusters_breaking phone_hash->wecom_external_userid": 0,
        "clusters_breaking wecom_external_userid->unionid": 1,
    }


def test_a_few_clusters_breaking_a_rule_are_tolerated_up_to_the_share(warehouse):
    tolerant = rules(health={"max_cardinality_breaking_share": 0.5})
    write_graph(warehouse, TWO_PHONES_FOUR_CARDS + TWO_CONTACTS)
    summary = resolve(warehouse, rule_set=tolerant)
    verdict = verdicts(warehouse, tolerant, summary)[CARDINALITY_CHECK]
    assert summary.customers == 3  # the cards' cluster and the two contacts
    assert verdict.passed
    assert (verdict.metadata["clusters_breaking"], verdict.metadata["clusters_allowed"]) == (1, 1)


def test_a_healthy_graph_passes_every_check(warehouse):
    write_graph(warehouse, TWO_PHONES_FOUR_CARDS[:2] + TWO_CONTACTS)
    assert all(v.passed for v in verdicts(warehouse, rules(), resolve(warehouse)).values())


def test_the_asset_reports_blocking_checks_with_counts_only(warehouse, tmp_path, monkeypatch):
    write_graph(warehouse, TWO_PHONES_FOUR_CARDS)
    warehouse.close()
    rules_file = tmp_path / "identity.toml"
    rules_file.write_text("[health]\nmax_cluster_size = 5\n")
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SIYU_PSEUDONYMISATION_KEY", KEY.secret.decode())
    monkeypatch.setenv("SIYU_IDENTITY_RULES", str(rules_file))
    result = dg.materialize(
        [oneid_map], resources={"warehouse": WarehouseResource()}, raise_on_error=False
    )
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {name: e.passed for name, e in checks.items()} == {
        LARGEST_CLUSTER_CHECK: False,
        CHURN_CHECK: True,
        CARDINALITY_CHECK: True,  # this rules file has no cardinality rules
    }
    assert all(spec.blocking for spec in oneid_map.check_specs)
    materialized = result.asset_materializations_for_node("identity__oneid_map")[0]
    for event in (*checks.values(), materialized):
        for entry in event.metadata.values():
            assert isinstance(entry.value, int | float | bool)
