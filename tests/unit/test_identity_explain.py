"""explain_link: the path of edges behind a shared OneID, or the rule that kept two apart."""

from datetime import timedelta

from identity.explain import explain_link
from identity.rules import Identifier
from orchestration import cli
from tests.unit.test_identity_support import (
    KEY,
    T0,
    phone,
    resolve,
    rules,
    write_graph,
)

P1, P2, STORE = phone("13611112222"), phone("13733334444"), phone("13512340000")
# edge i is first seen on row i + 1 of pos.csv, on day i (see write_graph)
CHAIN = [
    (P1, "pos_member_card:c1"),
    (P1, "pos_member_card:c2"),
    (P2, "pos_member_card:c2"),
    (P2, "pos_member_card:c3"),
]
STORE_EDGES = [(STORE, f"pos_member_card:s{i}") for i in range(4)]


def ident(ref: str) -> Identifier:
    return Identifier(*ref.split(":", 1))


def test_linked_identifiers_are_explained_edge_by_edge_from_the_first_to_the_second(warehouse):
    write_graph(warehouse, [*CHAIN, *STORE_EDGES])
    resolve(warehouse)
    answer = explain_link(warehouse, ident("pos_member_card:c3"), ident("pos_member_card:c1"))
    assert answer.linked and answer.verdict == "linked in 4 step(s)"
    walked = [
        (s.left.ref, s.right.ref, s.first_source_table, s.first_source_file, s.first_source_row)
        for s in answer.steps
    ]
    assert walked == [
        ("pos_member_card:c3", P2, "raw.pos__receipt_lines", "pos.csv", 4),
        (P2, "pos_member_card:c2", "raw.pos__receipt_lines", "pos.csv", 3),
        ("pos_member_card:c2", P1, "raw.pos__receipt_lines", "pos.csv", 2),
        (P1, "pos_member_card:c1", "raw.pos__receipt_lines", "pos.csv", 1),
    ]
    assert [s.first_observed_at for s in answer.steps] == [
        T0 + timedelta(days=d) for d in (3, 2, 1, 0)
    ]
    assert answer.rejecting_rules == ()


def test_a_forced_merge_shows_as_a_step_from_the_rules_file(warehouse):
    write_graph(warehouse, CHAIN[:1], isolated=("unionid:u9",))
    resolve(warehouse, rule_set=rules(force_merge=[{"a": "unionid:u9", "b": "pos_member_card:c1"}]))
    answer = explain_link(warehouse, ident("unionid:u9"), ident(P1))
    assert answer.linked
    assert [(s.right.ref, s.first_source_table, s.first_source_row) for s in answer.steps] == [
        ("pos_member_card:c1", "config:force_merge", 1),
        (P1, "raw.pos__receipt_lines", 1),
    ]


def test_identifiers_kept_apart_by_a_rule_name_the_rule(warehouse):
    write_graph(warehouse, [*CHAIN, *STORE_EDGES])
    resolve(warehouse)
    answer = explain_link(warehouse, ident("pos_member_card:s0"), ident("pos_member_card:s3"))
    assert not answer.linked and answer.rejecting_rules == ("cardinality",)
    assert answer.verdict == "not linked: rejected by cardinality; 2 step(s) had they been kept"
    assert [(s.left.ref, s.right.ref, s.rejected_by) for s in answer.steps] == [
        ("pos_member_card:s0", STORE, "cardinality"),
        (STORE, "pos_member_card:s3", "cardinality"),
    ]


def test_identifiers_nothing_would_link_are_not_linked(warehouse):
    write_graph(warehouse, [*CHAIN, *STORE_EDGES])
    resolve(warehouse)
    answer = explain_link(warehouse, ident("pos_member_card:c1"), ident("pos_member_card:s0"))
    assert (answer.linked, answer.steps) == (False, ())
    assert answer.verdict == "not linked, and no rejected edge would link them"
    unknown = explain_link(warehouse, ident("pos_member_card:c1"), ident("unionid:nobody"))
    assert not unknown.linked and "identifier 2" in unknown.verdict


def test_the_cli_hashes_plain_phones_and_prints_nothing_personal(
    warehouse, tmp_path, monkeypatch, capsys
):
    write_graph(warehouse, CHAIN)
    resolve(warehouse)
    warehouse.close()
    monkeypatch.setenv("SIYU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SIYU_PSEUDONYMISATION_KEY", KEY.secret.decode())
    assert cli.main(["explain-link", "phone:137 3333 4444", "pos_member_card:c1"]) == 0
    printed = capsys.readouterr().out
    assert "linked in 3 step(s)" in printed and "pos.csv row 3" in printed
    for secret in ("13733334444", P1.split(":")[1], P2.split(":")[1]):
        assert secret not in printed
    assert P2.split(":")[1][:12] in printed
