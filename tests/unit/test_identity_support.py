"""Builders shared by the identity tests (small graphs in a real DuckDB file), and rules parsing."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from identity.resolve import ResolutionSummary, resolve_oneids
from identity.rules import (
    DEFAULT_RULES_PATH,
    Identifier,
    IdentityRules,
    RulesError,
    load_rules,
    parse_identifier,
    rules_from_dict,
)
from ingestion.pseudonymise import PseudonymisationKey

KEY = PseudonymisationKey(b"identity-test-key")
T0 = datetime(2025, 1, 1, 2, 0)
# the limits of config/identity.toml, spelled out so the tests do not move when it is tuned
LIMITS = [
    {"type": "phone_hash", "neighbour": "pos_member_card", "max": 3},
    {"type": "phone_hash", "neighbour": "wecom_external_userid", "max": 3},
    {"type": "wecom_external_userid", "neighbour": "unionid", "max": 1},
]


def rules(**sections) -> IdentityRules:
    return rules_from_dict({"cardinality": LIMITS, **sections})


def phone(plain: str) -> str:
    """The phone_hash landing stores for an 11-digit phone."""
    return f"phone_hash:{KEY.hmac_hex(plain)}"


def oneid_of_anchor(anchor: str) -> str:
    """The id a new cluster gets: derived from its smallest identifier."""
    return "C" + hashlib.md5(anchor.encode()).hexdigest()[:20]


def write_graph(
    conn,
    edges: list[tuple[str, str]],
    isolated: tuple[str, ...] = (),
    seen_days: list[tuple[int, int]] | None = None,
) -> None:
    """The two intermediate tables dbt builds, for edges given as ('type:value', 'type:value').

    Edge i is first seen on row i + 1 of pos.csv, on day i (or first to last of seen_days[i]),
    so sources are easy to assert on.
    """
    conn.execute("create schema if not exists intermediate")
    conn.execute(
        """create or replace table intermediate.int_identity__identifiers (
        identifier_type VARCHAR, identifier_value VARCHAR, first_seen_at TIMESTAMP,
        first_seen_source VARCHAR, last_seen_at TIMESTAMP, observation_count BIGINT)"""
    )
    conn.execute(
        """create or replace table intermediate.int_identity__edges (
        left_type VARCHAR, left_value VARCHAR, right_type VARCHAR, right_value VARCHAR,
        first_observed_at TIMESTAMP, last_observed_at TIMESTAMP, first_source_table VARCHAR,
        first_source_file VARCHAR, first_source_row BIGINT, observation_count BIGINT)"""
    )
    refs = sorted({ref for edge in edges for ref in edge} | set(isolated))
    conn.executemany(
        "insert into intermediate.int_identity__identifiers values (?, ?, ?, 'pos', ?, 1)",
        [(*ref.split(":", 1), T0, T0) for ref in refs],
    )
    rows = []
    for i, (a, b) in enumerate(edges):
        left, right = sorted([tuple(a.split(":", 1)), tuple(b.split(":", 1))])
        first, last = seen_days[i] if seen_days else (i, i)
        first_seen, last_seen = T0 + timedelta(days=first), T0 + timedelta(days=last)
        rows.append(
            (*left, *right, first_seen, last_seen, "raw.pos__receipt_lines", "pos.csv", i + 1, 1)
        )
    conn.executemany(
        "insert into intermediate.int_identity__edges values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )


def resolve(conn, run: int = 1, rule_set: IdentityRules | None = None) -> ResolutionSummary:
    """Run `run` happens `run` days after T0, so registry ages differ between runs."""
    return resolve_oneids(
        conn, KEY, rules=rule_set or rules(), run_id=f"run-{run}", now=T0 + timedelta(days=run)
    )


def oneids(conn) -> dict[str, str]:
    return dict(
        conn.execute(
            "select identifier_type || ':' || identifier_value, oneid from identity.oneid_map"
        ).fetchall()
    )


def clusters(conn) -> set[frozenset[str]]:
    members: dict[str, set[str]] = {}
    for ref, oneid in oneids(conn).items():
        members.setdefault(oneid, set()).add(ref)
    return {frozenset(m) for m in members.values()}


def open_warehouse(tmp_path: Path):
    """Body of each identity test file's `warehouse` fixture: a real DuckDB file per test."""
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield conn
    conn.close()


def test_the_shipped_rules_file_loads():
    shipped = load_rules(DEFAULT_RULES_PATH)
    assert shipped.cardinality and shipped.blocked_phones
    assert len(shipped.blocked_frame(KEY)) == len(set(shipped.blocked_phones))


def test_rules_path_comes_from_the_environment(tmp_path: Path):
    path = tmp_path / "rules.toml"
    path.write_text('[blocklist]\nphones = ["13800138000"]\n[health]\nmax_cluster_size = 7\n')
    loaded = load_rules(environ={"SIYU_IDENTITY_RULES": str(path)})
    assert loaded.blocked_phones == ("13800138000",) and loaded.max_cluster_size == 7


def test_phone_identifiers_are_hashed_with_the_key_whatever_their_format():
    expected = Identifier("phone_hash", KEY.hmac_hex("13812345678"))
    assert parse_identifier("phone:+86 138-1234-5678", KEY) == expected
    assert parse_identifier("phone_hash:13812345678", KEY) == expected
    assert parse_identifier(f"phone_hash:{expected.value}", KEY) == expected
    assert parse_identifier("unionid:oU1", KEY) == Identifier("unionid", "oU1")


def test_malformed_rules_are_refused_without_echoing_values():
    with pytest.raises(RulesError) as refused:
        parse_identifier("13812345678", KEY)
    assert "13812345678" not in str(refused.value)
    with pytest.raises(RulesError):
        rules_from_dict({"force_merge": [{"a": "unionid:x"}]})
