"""Erasure: registry tags, request hashing, OneID resolution, landing's filter, deletion,
compaction. Every expected value is computed here with hmac/hashlib or written out by hand."""

import hashlib
import hmac
import re
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pandera.pandas as pa
import pytest

from ingestion.fields import HASHED_KINDS, Field, Kind
from ingestion.landing import RawTableSpec, land
from ingestion.pseudonymise import PseudonymisationKey
from ingestion.readers import FILE_INDEX
from ingestion.settings import load_settings
from ingestion.sources import ALL_SPECS
from orchestration.defs.privacy.erasure import LiteralIdentifierError, requested
from privacy.compact import compact_warehouse
from privacy.erasure import (
    ErasureRequest,
    ErasureRequestError,
    erase_from_warehouse,
    holds_pattern,
    occurrences,
    resolve_person,
)
from privacy.identifiers import RAW_IDENTIFIER_COLUMNS
from privacy.registry import ErasureKey, ErasureRegistry, load_erasure_key
from privacy.withhold import ErasedIdentifiers

KEY = PseudonymisationKey(b"pseudonymisation-key-for-tests")
ERASURE_KEY = ErasureKey(b"erasure-key-for-tests")
PHONE = "13812345678"


def hmac_hex(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


PHONE_HASH = hmac_hex(b"pseudonymisation-key-for-tests", PHONE)


# ---------- tags and the registry


def test_tag_is_an_hmac_of_kind_and_stored_value_under_the_erasure_key():
    assert ERASURE_KEY.tag("unionid", "oU1") == hmac_hex(b"erasure-key-for-tests", "unionid:oU1")
    assert ERASURE_KEY.tag("unionid", "oU1") != ERASURE_KEY.tag("openid", "oU1")
    assert ERASURE_KEY.tag("phone_hash", PHONE_HASH) != PHONE_HASH
    assert "erasure-key" not in repr(ERASURE_KEY)


def test_registry_file_holds_tags_never_the_values(tmp_path):
    registry = ErasureRegistry(tmp_path / "privacy" / "erasure_registry.duckdb")
    assert registry.tags() == frozenset()  # no file yet: nobody erased
    tags = {ERASURE_KEY.tag("phone_hash", PHONE_HASH): "phone_hash",
            ERASURE_KEY.tag("unionid", "oUNION0000000000000000001"): "unionid"}  # fmt: skip
    assert registry.add("request-1", "phone", tags) == 2
    assert registry.add("request-2", "unionid", tags) == 0  # same person again: no new entry
    assert registry.tags() == frozenset(tags)
    summary = registry.summary()
    assert (summary.requests, summary.identifiers) == (2, 2)
    assert summary.by_kind == {"phone_hash": 1, "unionid": 1}
    stored = b"".join(p.read_bytes() for p in registry.path.parent.iterdir())
    for value in (PHONE, PHONE_HASH, "oUNION0000000000000000001"):
        assert value.encode() not in stored
    assert next(iter(tags)).encode() in stored  # the scan above does see what the file holds


def test_demo_erasure_key_is_made_once_and_production_requires_one(tmp_path):
    env = {"SIYU_HOME": str(tmp_path), "SIYU_MODE": "demo"}
    settings = load_settings(env)
    first = load_erasure_key(settings, environ=env)
    assert load_erasure_key(settings, environ=env) == first
    assert (tmp_path / "secrets" / "erasure.key").stat().st_mode & 0o077 == 0
    production = load_settings({**env, "SIYU_MODE": "production"})
    with pytest.raises(RuntimeError, match="SIYU_ERASURE_KEY"):
        load_erasure_key(production, environ={"SIYU_MODE": "production"})
    given = load_erasure_key(production, environ={"SIYU_ERASURE_KEY": "k"})
    assert given.tag("unionid", "x") == hmac_hex(b"k", "unionid:x")


# ---------- requests and resolution


@pytest.mark.parametrize("typed", ["13812345678", "+86 138-1234-5678", "１３８１２３４５６７８"])
def test_a_phone_request_is_hashed_exactly_as_landing_hashes(typed):
    conn = duckdb.connect()
    person = resolve_person(conn, ErasureRequest("phone", typed), KEY)
    assert person.identifiers == {("phone_hash", PHONE_HASH)}
    assert not person.found


def test_a_request_needs_a_known_type_and_a_value():
    with pytest.raises(ErasureRequestError):
        ErasureRequest("email", "a@b.c")
    with pytest.raises(ErasureRequestError):
        ErasureRequest("unionid", "  ")
    assert "oU1" not in repr(ErasureRequest("unionid", "oU1"))


@pytest.fixture(name="oneid_map")
def oneid_map_fixture():
    conn = duckdb.connect()
    conn.execute("create schema identity")
    conn.execute(
        "create table identity.oneid_map (identifier_type varchar, identifier_value varchar, "
        "oneid varchar, resolved_at timestamp)"
    )
    rows = [
        ("phone_hash", PHONE_HASH, "A1"),
        ("unionid", "oUA", "A1"),
        ("mall_openid", "wxapp/oOA", "A1"),
        ("oa_openid", "oOAOA", "A1"),
        ("wecom_external_userid", "wmA", "A1"),
        ("tmall_buyer_nick_hash", "nickhashA", "A1"),
        ("unionid", "oUB", "B2"),
        ("phone_hash", "phonehashB", "B2"),
    ]
    conn.executemany("insert into identity.oneid_map values (?, ?, ?, now())", rows)
    yield conn
    conn.close()


PERSON_A = {
    ("phone_hash", PHONE_HASH),
    ("unionid", "oUA"),
    ("openid", "oOA"),  # appid/ dropped: raw tables hold the bare openid
    ("openid", "oOAOA"),
    ("external_userid", "wmA"),
    ("tmall_buyer_nick_hash", "nickhashA"),
}


@pytest.mark.parametrize(
    "request_",
    [
        ErasureRequest("phone", "+86 13812345678"),
        ErasureRequest("unionid", "oUA"),
        ErasureRequest("openid", "oOA"),  # a bare mall openid, whatever the appid
        ErasureRequest("openid", "wxapp/oOA"),
        ErasureRequest("openid", "oOAOA"),  # the official account's
        ErasureRequest("external_userid", "wmA"),
        ErasureRequest("oneid", "A1"),
    ],
)
def test_one_identifier_resolves_to_the_whole_person_and_no_one_else(oneid_map, request_):
    person = resolve_person(oneid_map, request_, KEY)
    assert person.found
    assert person.oneids == {"A1"}
    # the request's own form may add one alias (the bare openid of a mall openid)
    assert PERSON_A <= person.identifiers <= PERSON_A | {("openid", "wxapp/oOA")}
    assert sorted(person.values()) == sorted({v for _, v in person.identifiers} | {"A1"})


def test_an_unknown_identifier_is_still_registered_and_an_unknown_oneid_names_nobody(oneid_map):
    unknown = resolve_person(oneid_map, ErasureRequest("unionid", "oUNEW"), KEY)
    assert (unknown.found, unknown.identifiers, unknown.oneids) == (
        False,
        {("unionid", "oUNEW")},
        frozenset(),
    )
    nobody = resolve_person(oneid_map, ErasureRequest("oneid", "ZZ"), KEY)
    assert (nobody.identifiers, nobody.oneids) == (frozenset(), frozenset())


# ---------- every raw identifier column is known to the erasure

_IDENTIFIER_NAME = re.compile(r"unionid|openid|open_id|external_userid|member_id|card|pin|nick")


def test_every_identifier_column_of_every_raw_table_is_mapped():
    mapped = {(c.raw_table, c.column) for c in RAW_IDENTIFIER_COLUMNS}
    expected = {
        (spec.name, f.raw)
        for spec in ALL_SPECS
        for f in spec.landed_fields
        if f.kind in HASHED_KINDS | {Kind.PHONE_LIST} or _IDENTIFIER_NAME.search(f.raw)
    }
    # the mall's own member number always comes with the member's openid, which is mapped
    assert expected - {("mall__members", "member_id")} == mapped
    fields = {(spec.name, f.raw): f for spec in ALL_SPECS for f in spec.landed_fields}
    for column in RAW_IDENTIFIER_COLUMNS:
        kind = fields[(column.raw_table, column.column)].kind
        assert column.is_list == (kind in (Kind.PHONE_LIST, Kind.TEXT_LIST)), column


# ---------- landing's filter

INVITES = RawTableSpec(
    name="referral__invites",
    source_dir="referral",
    file_glob="*.csv",
    fields=(
        Field("event_id", "event_id"),
        Field("inviter_unionid", "inviter_unionid"),
        Field("invitee_unionid", "invitee_unionid"),
        Field("invitee_openid", "invitee_openid", required=False),
    ),
    read_file=lambda path: pd.read_csv(path, dtype=str, keep_default_na=False),
    row_rules=pa.DataFrameSchema({}),
)
CALLS = RawTableSpec(
    name="outbound__call_results",
    source_dir="outbound",
    file_glob="*.csv",
    fields=(Field("campaign", "campaign_id"), Field("called", "phone_hash", Kind.PHONE)),
    read_file=lambda path: pd.read_csv(path, dtype=str, keep_default_na=False),
    row_rules=pa.DataFrameSchema({}),
)


def erased(*identifiers: tuple[str, str]) -> ErasedIdentifiers:
    return ErasedIdentifiers(
        frozenset(ERASURE_KEY.tag(kind, value) for kind, value in identifiers), ERASURE_KEY
    )


def write_invites(folder: Path, name: str, lines: list[str]) -> None:
    (folder / "referral").mkdir(parents=True, exist_ok=True)
    header = "event_id,inviter_unionid,invitee_unionid,invitee_openid"
    (folder / "referral" / name).write_text("\n".join([header, *lines]) + "\n")


def test_landing_withholds_the_erased_persons_rows_and_their_id_in_others(tmp_path):
    write_invites(
        tmp_path,
        "invites_20250701.csv",
        [
            "E1,oUX,oUA,oOA",  # A invited: A's record
            "E2,oUA,oUB,oOB",  # A invited B: B's record, A's id goes
            "E3,oUX,oUC,oOA",  # A's openid: A's record
            "E4,oUX,oUD,oOD",  # nothing of A
        ],
    )
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = land(
        conn, INVITES, tmp_path, KEY, "load-1", erased=erased(("unionid", "oUA"), ("openid", "oOA"))
    )
    rows = conn.execute(
        "select event_id, inviter_unionid, invitee_unionid from raw.referral__invites order by 1"
    ).fetchall()
    assert rows == [("E2", None, "oUB"), ("E4", "oUX", "oUD")]
    assert report.as_metadata()["rows_erased"] == 2
    assert report.as_metadata()["values_erased"] == 1
    assert report.as_metadata()["rows_in"] == 4 and report.as_metadata()["rows_loaded"] == 2
    # the manifest counts what entered the load, so rows in = loaded + quarantined + duplicate
    assert conn.execute(
        "select rows_in, rows_loaded, rows_quarantined, rows_duplicate from raw._load_manifest"
    ).fetchall() == [(2, 2, 0, 0)]


def test_landing_matches_phones_in_their_keyed_form_however_typed(tmp_path):
    (tmp_path / "outbound").mkdir()
    (tmp_path / "outbound" / "calls.csv").write_text(
        "campaign,called\nC1,+86 138 1234 5678\nC2,１３８１２３４５６７８\nC3,13900001111\n"
    )
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = land(conn, CALLS, tmp_path, KEY, "l", erased=erased(("phone_hash", PHONE_HASH)))
    assert conn.execute(
        "select campaign_id, phone_hash from raw.outbound__call_results"
    ).fetchall() == [("C3", hmac_hex(b"pseudonymisation-key-for-tests", "13900001111"))]
    assert report.as_metadata()["rows_erased"] == 2


def test_landing_with_nobody_erased_keeps_every_row(tmp_path):
    write_invites(tmp_path, "invites_20250701.csv", ["E1,oUX,oUA,oOA", "E2,oUA,oUB,oOB"])
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = land(conn, INVITES, tmp_path, KEY, "load-1", erased=ErasedIdentifiers.nobody())
    assert report.as_metadata()["rows_loaded"] == 2
    assert "rows_erased" not in report.as_metadata()  # metadata as before any erasure
    assert report.total("rows_erased") == 0


def test_list_columns_lose_only_the_erased_element():
    from ingestion.wecom.group_events import WECOM_GROUP_EVENTS

    parsed = pd.DataFrame(
        {
            "chat_id": ["c1", "c2"],
            "member_ids": pd.Series([["wmA", "wmB"], ["wmC"]], dtype=object),
            FILE_INDEX: [0, 0],
        }
    )
    kept, withheld = erased(("external_userid", "wmA")).withhold(
        WECOM_GROUP_EVENTS.name, WECOM_GROUP_EVENTS.landed_fields, parsed, KEY
    )
    assert kept["member_ids"].tolist() == [["wmB"], ["wmC"]]
    assert (withheld.values_removed, withheld.rows_by_file) == (1, {})


# ---------- erasing from a warehouse, then compacting


def build_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    for schema in ("raw", "identity", "marts"):
        conn.execute(f"create schema {schema}")
    conn.execute(
        "create table identity.oneid_map (identifier_type varchar, identifier_value varchar "
        "using compression uncompressed, oneid varchar, resolved_at timestamp)"
    )
    conn.executemany(
        "insert into identity.oneid_map values (?, ?, ?, now())",
        [("phone_hash", PHONE_HASH, "A1"), ("unionid", "oUA", "A1"),
         ("pos_member_card", "M0001", "A1"), ("pos_member_card", "M00012", "B2"),
         ("unionid", "oUB", "B2")],
    )  # fmt: skip
    conn.execute(
        "create table raw.pos__receipt_lines (receipt_no varchar, member_card_no varchar, "
        "phone_hash varchar)"
    )
    conn.executemany(
        "insert into raw.pos__receipt_lines values (?, ?, ?)",
        [("R1", "M0001", None), ("R2", "M00012", PHONE_HASH), ("R3", "M00012", None)],
    )
    conn.execute(
        "create table raw.referral__invites (event_id varchar, inviter_unionid varchar, "
        "invitee_unionid varchar, invitee_openid varchar)"
    )
    conn.executemany(
        "insert into raw.referral__invites values (?, ?, ?, ?)",
        [("E1", "oUX", "oUA", None), ("E2", "oUA", "oUB", None)],
    )
    conn.execute(
        "create table raw._quarantine (raw_table varchar, row_number bigint, row_payload json)"
    )
    conn.execute(
        "insert into raw._quarantine values ('x', 1, '{\"unionid\": \"oUA\"}'), "
        "('x', 2, '{\"unionid\": \"oUAB\"}')"
    )
    conn.execute(
        "create table marts.dim_customers (oneid varchar, customer_key varchar, orders int)"
    )
    conn.execute(
        "insert into marts.dim_customers values ('A1', 'A1', 3), ('B2', 'B2', 1), "
        "(null, 'unionid:oUA', 1), (null, 'pos_member_card:M00012', 2)"
    )
    return conn


def test_erasure_deletes_the_person_everywhere_and_nobody_else(tmp_path):
    conn = build_warehouse(tmp_path / "siyu.duckdb")
    person = resolve_person(conn, ErasureRequest("unionid", "oUA"), KEY)
    counts = erase_from_warehouse(conn, person)
    # R2 is A's phone at the till on B's card: a record of A, deleted with A
    assert conn.execute("select receipt_no from raw.pos__receipt_lines").fetchall() == [("R3",)]
    assert conn.execute("select * from raw.referral__invites").fetchall() == [
        ("E2", None, "oUB", None)
    ]
    assert conn.execute("select row_number from raw._quarantine").fetchall() == [(2,)]
    assert conn.execute("select customer_key from marts.dim_customers order by 1").fetchall() == [
        ("B2",),
        ("pos_member_card:M00012",),
    ]
    assert conn.execute("select oneid from identity.oneid_map order by 1").fetchall() == [
        ("B2",),
        ("B2",),
    ]
    assert (counts.raw_rows_deleted, counts.raw_values_removed) == (3, 1)
    assert (counts.quarantine_rows_deleted, counts.model_rows_deleted) == (1, 5)
    assert occurrences(conn, person.values()) == {}


def test_occurrences_finds_what_is_left(tmp_path):
    conn = build_warehouse(tmp_path / "siyu.duckdb")
    found = occurrences(conn, ["oUA"])
    assert found == {
        "identity.oneid_map": 1,
        "marts.dim_customers": 1,
        "raw._quarantine": 1,
        "raw.referral__invites": 2,
    }


def test_tokens_match_whole_ids_only():
    pattern = holds_pattern(["M0001"])
    conn = duckdb.connect()
    hits = conn.execute(
        "select v, regexp_matches(v, $p) from (values ('M0001'), ('M00012'), "
        "('pos_member_card:M0001'), ('S1|M0001|3'), ('XM0001')) as t(v) order by v",
        {"p": pattern},
    ).fetchall()
    assert dict(hits) == {
        "M0001": True,
        "M00012": False,
        "S1|M0001|3": True,
        "XM0001": False,
        "pos_member_card:M0001": True,
    }


def test_compaction_removes_deleted_bytes_and_keeps_every_live_row(tmp_path):
    path = tmp_path / "siyu.duckdb"
    conn = build_warehouse(path)
    conn.execute("checkpoint")
    conn.execute("delete from identity.oneid_map where oneid = 'A1'")
    conn.execute("delete from raw.pos__receipt_lines where phone_hash is not null")
    conn.execute("checkpoint")
    live = conn.execute("select * from identity.oneid_map order by all").fetchall()
    conn.close()
    assert PHONE_HASH.encode() in path.read_bytes()  # DELETE left the bytes in the file
    result = compact_warehouse(path)
    assert PHONE_HASH.encode() not in path.read_bytes()
    assert not path.with_name("siyu.duckdb.wal").exists()
    assert result.tables == 5
    with duckdb.connect(str(path), read_only=True) as conn:
        assert conn.execute("select * from identity.oneid_map order by all").fetchall() == live
        assert conn.execute("select count(*) from raw.pos__receipt_lines").fetchone() == (2,)


# ---------- the Dagster job's config


def test_the_job_refuses_a_literal_identifier_and_accepts_an_env_reference():
    with pytest.raises(LiteralIdentifierError):
        requested({"phone": PHONE}, {"phone": PHONE})
    request = requested({"phone": PHONE}, {"phone": {"env": "SIYU_ERASE_PHONE"}})
    assert (request.type, request.value) == ("phone", PHONE)
    with pytest.raises(dg.Failure):
        requested({"phone": PHONE, "unionid": "oU"}, {})


def test_during_a_key_rotation_old_key_entries_still_withhold_and_gain_new_key_tags(tmp_path):
    new_key = PseudonymisationKey(b"the-new-key")
    registry = ErasureRegistry(tmp_path / "erasure_registry.duckdb")
    old_tag = ERASURE_KEY.tag("phone_hash", PHONE_HASH)  # registered under the old key
    registry.add("request-1", "phone", {old_tag: "phone_hash"})
    rotating = ErasedIdentifiers(registry.tags(), ERASURE_KEY, KEY, registry)
    (tmp_path / "outbound").mkdir()
    (tmp_path / "outbound" / "calls.csv").write_text("campaign,called\nC1,13812345678\n")
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = land(conn, CALLS, tmp_path, new_key, "l", erased=rotating)
    assert report.total("rows_erased") == 1
    new_hash = hmac_hex(b"the-new-key", PHONE)
    assert registry.tags() == {old_tag, ERASURE_KEY.tag("phone_hash", new_hash)}
    # once the old key is gone, the new entry alone keeps the phone out
    after = ErasedIdentifiers(registry.tags(), ERASURE_KEY)
    (tmp_path / "outbound" / "calls2.csv").write_text("campaign,called\nC2,13812345678\n")
    assert land(conn, CALLS, tmp_path, new_key, "l2", erased=after).total("rows_erased") == 1


def test_the_file_scan_finds_a_value_across_a_block_boundary(tmp_path, monkeypatch):
    from privacy import scrub

    monkeypatch.setattr(scrub, "_BLOCK", 16)
    path = tmp_path / "f.bin"
    path.write_bytes(b"\0" * 13 + b"oUA-erased" + b"\0" * 40)  # straddles bytes 16 and 32
    assert scrub.scan_files([tmp_path], ["oUA-erased"], skip=[]) == 1
    assert scrub.scan_files([tmp_path], ["oUB-other"], skip=[]) == 0


def test_scrubbing_removes_lines_and_sqlite_rows_holding_a_value(tmp_path):
    import sqlite3

    from privacy.scrub import scan_files, scrub_files

    (tmp_path / "run.log").write_text("loaded 3 rows\nbad value oUA here\ndone\n")
    with sqlite3.connect(tmp_path / "events.db") as db:
        db.execute("create table event_logs (id integer, event text)")
        db.executemany("insert into event_logs values (?, ?)", [(1, '{"n": 3}'), (2, "x oUA")])
    db.close()
    result = scrub_files([tmp_path], ["oUA"], skip=[])
    assert (result.text_lines_removed, result.sqlite_rows_deleted) == (1, 1)
    assert (tmp_path / "run.log").read_text() == "loaded 3 rows\ndone\n"
    with sqlite3.connect(tmp_path / "events.db") as db:
        assert db.execute("select id from event_logs").fetchall() == [(1,)]
    db.close()
    assert scan_files([tmp_path], ["oUA"], skip=[]) == 0


def test_the_erasure_job_runs_from_an_env_reference_and_registers_the_person(tmp_path, monkeypatch):
    from orchestration.defs.privacy.erasure import erasure_job
    from orchestration.defs.resources import WarehouseResource

    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_MODE", "demo")
    monkeypatch.setenv("SIYU_WAREHOUSE_PATH", str(tmp_path / "warehouse" / "siyu.duckdb"))
    monkeypatch.setenv("SIYU_ERASE_UNIONID", "oUNOTLANDED")
    result = erasure_job.execute_in_process(
        run_config={
            "ops": {"erase_person": {"config": {"unionid": {"env": "SIYU_ERASE_UNIONID"}}}}
        },
        resources={"warehouse": WarehouseResource()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    registry = ErasureRegistry(tmp_path / "privacy" / "erasure_registry.duckdb")
    key = load_erasure_key(load_settings())
    assert registry.tags() == {key.tag("unionid", "oUNOTLANDED")}
    literal = erasure_job.execute_in_process(
        run_config={"ops": {"erase_person": {"config": {"unionid": "oUOTHER"}}}},
        resources={"warehouse": WarehouseResource()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not literal.success
    assert len(registry.tags()) == 1  # refused before anything was registered
