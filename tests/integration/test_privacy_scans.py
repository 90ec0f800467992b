"""No plaintext phone anywhere siyu writes, and phone hashes that only the key can reverse.

One small brand (bad rows included) runs through the whole nightly job. Then:
- a leak scan reads every file under SIYU_HOME except sources/ (warehouse .duckdb and .wal,
  the BI copy and its Parquet, dbt artefacts and logs, run logs, the Dagster SQLite storage)
  as bytes, for every phone the simulator generated in every form it writes them, and for any
  mainland-mobile digit run; DuckDB and Parquet compress text, so every text value of every
  table of those files is also read through DuckDB. The same scans over sources/ find phones.
- a dictionary attack enumerates the number blocks of a sample of the brand's phones, hashes
  every candidate the ways an attacker would (sha256, md5, sha1, HMAC with an empty key) in
  each normalisation landing uses, and looks the digests up among the warehouse's phone
  hashes: no match. The same candidates under the real key match every phone of the sample.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion.pseudonymise import PseudonymisationKey, hmac_sql
from ingestion.simulator.clock import Period
from ingestion.simulator.people import make_people

from .conftest import SMALL_CUSTOMERS, SMALL_DAYS, SMALL_SEED, Pipeline

START = date(2024, 1, 1)  # simulate_brand's default first day
SAMPLE = 10  # phones attacked: a 40-day brand of 300 holds about 20 phone hashes
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# a mobile number not glued to other letters or digits (hex digests hold digit runs) nor after
# a decimal point (a float's fraction, e.g. a CLV fit parameter in Dagster metadata)
MOBILE_RUN = re.compile(rb"(?<![0-9A-Za-z.])1[3-9][0-9]{9}(?![0-9A-Za-z])")
MOBILE_SQL = r"(^|[^0-9A-Za-z.])(\+?86[ -]?)?1[3-9][0-9]([ -]?[0-9]){8}($|[^0-9A-Za-z])"


@pytest.fixture(scope="module")
def brand(small_brand):
    return small_brand


def generated_phones(pipeline: Pipeline) -> set[str]:
    """Every phone the simulator made: each person's, and the junk ones (a store's own)."""
    people = make_people(SMALL_SEED, SMALL_CUSTOMERS, Period(START, SMALL_DAYS))
    phones = {str(int(p)) for p in people.phone}
    for name in ("identities.csv", "junk_identifiers.csv"):
        with (pipeline.ground_truth / name).open(encoding="utf-8") as handle:
            phones |= {
                row["identifier_value"]
                for row in csv.DictReader(handle)
                if row["identifier_type"] == "phone"
            }
    return phones


def written_forms(phone: str) -> list[str]:
    """The forms the simulator writes a phone in (ingestion/simulator/phones.py FORMATS)."""
    head, mid, tail = phone[:3], phone[3:7], phone[7:]
    return [
        phone,
        f"{head} {mid} {tail}",
        f"+86 {phone}",
        f"+86-{head}-{mid}-{tail}",
        phone.translate(FULLWIDTH),
        f"+86 {head} {mid} {tail}",
    ]


def byte_needles(phones: set[str]) -> re.Pattern:
    """Every form in each encoding a source or a log may use."""
    needles = {
        form.encode(encoding)
        for phone in phones
        for form in written_forms(phone)
        for encoding in ("utf-8", "gb18030", "utf-16-le")
    }
    return re.compile(b"|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))


def scan_bytes(files: list[Path], needles: re.Pattern) -> dict[str, tuple[int, int]]:
    """Per file with a hit: (known phones found, mobile-like runs found)."""
    hits = {}
    for path in files:
        data = path.read_bytes()
        known, runs = len(needles.findall(data)), len(MOBILE_RUN.findall(data))
        if known or runs:
            hits[str(path)] = (known, runs)
    return hits


def files_under(root: Path, skip: str | None = None) -> list[Path]:
    """Every file below root, those of the top folder `skip` aside."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and (skip is None or p.relative_to(root).parts[0] != skip)
    )


def scan_values(conn: duckdb.DuckDBPyConnection, relations: list[str], phones: set[str]):
    """Every value of every column of the relations, as text, with full-width digits folded:
    (relation, column, rows with a known phone, rows with a mobile-like run)."""
    conn.execute("create or replace temp table leak_phones (phone varchar)")
    conn.executemany("insert into leak_phones values (?)", [[p] for p in phones])
    hits = []
    for relation in relations:
        columns = [row[0] for row in conn.execute(f"describe select * from {relation}").fetchall()]
        for column in columns:
            text = (
                f"translate(cast(\"{column}\" as varchar), '０１２３４５６７８９＋－　', "
                "'0123456789+- ')"
            )
            known, runs = conn.execute(
                f"""
                with texts as (select {text} as t from {relation} where "{column}" is not null),
                digits as (select t, regexp_replace(t, '[^0-9]', '', 'g') as d from texts)
                select
                    count(*) filter (where exists (
                        select 1 from leak_phones where contains(digits.d, leak_phones.phone)
                    ) and regexp_matches(t, $mobile)),
                    count(*) filter (where regexp_matches(t, $mobile))
                from digits
                """,
                {"mobile": MOBILE_SQL},
            ).fetchone()
            if known or runs:
                hits.append((relation, column, known, runs))
    return hits


def duckdb_relations(conn: duckdb.DuckDBPyConnection) -> list[str]:
    rows = conn.execute(
        "select table_catalog, table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database()"
    ).fetchall()
    return [f'"{catalog}"."{schema}"."{name}"' for catalog, schema, name in rows]


def scan_database_file(path: Path, phones: set[str]):
    with duckdb.connect(str(path), read_only=True) as conn:
        return scan_values(conn, duckdb_relations(conn), phones)


def scan_parquet_file(path: Path, phones: set[str]):
    with duckdb.connect() as conn:
        return scan_values(conn, [f"read_parquet('{path}')"], phones)


def test_no_plaintext_phone_in_any_file_siyu_wrote(brand):
    phones = generated_phones(brand)
    home = brand.settings.home
    written = files_under(home, skip="sources")
    kinds = {p.suffix for p in written}
    # the scan covers the warehouse, the BI copy, Parquet, Dagster's SQLite and the logs
    assert {".duckdb", ".parquet", ".db", ".log", ".json"} <= kinds, kinds
    needles = byte_needles(phones)

    assert scan_bytes(written, needles) == {}
    for path in written:
        if path.suffix == ".duckdb":
            assert scan_database_file(path, phones) == [], path
        elif path.suffix == ".parquet":
            assert scan_parquet_file(path, phones) == [], path


def test_the_same_scans_find_the_phones_in_the_sources(brand, tmp_path):
    phones = generated_phones(brand)
    sources = files_under(brand.sources)
    hits = scan_bytes(sources, byte_needles(phones))
    assert sum(known for known, _ in hits.values()) >= SAMPLE
    assert sum(runs for _, runs in hits.values()) >= SAMPLE
    # a warehouse holding the phones as values, compressed beyond a byte scan, is still caught
    planted = tmp_path / "planted.duckdb"
    sample = sorted(phones)
    with duckdb.connect(str(planted)) as conn:
        conn.execute("create table notes (id integer, note varchar)")
        conn.executemany(
            "insert into notes values (?, ?)",
            [[i, f"回访 {sample[i % len(sample)]}"] for i in range(5000)],
        )
    assert scan_database_file(planted, phones) == [('"planted"."main"."notes"', "note", 5000, 5000)]


def warehouse_phone_hashes(pipeline: Pipeline) -> set[str]:
    """Every phone hash the warehouse holds: raw columns, hash lists and the OneID map."""
    with duckdb.connect(str(pipeline.settings.warehouse_path), read_only=True) as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns where column_name like '%phone_hash%'"
        ).fetchall()
        hashes = set()
        for schema, table, column, data_type in columns:
            value = f'unnest("{column}")' if data_type.endswith("[]") else f'"{column}"'
            rows = conn.execute(f'select distinct {value} from "{schema}"."{table}"').fetchall()
            hashes |= {row[0] for row in rows if row[0] is not None}
        rows = conn.execute(
            "select identifier_value from identity.oneid_map where identifier_type = 'phone_hash'"
        ).fetchall()
        hashes |= {row[0] for row in rows}
    return hashes


CANDIDATE_FORMS = {
    # the normalisations landing hashes (11 digits) and what an attacker would also try
    "plain": "candidate",
    "plus86": "'+86' || candidate",
    "86": "'86' || candidate",
}


def attack(conn, hashes_sql: list[str]) -> int:
    """Candidates whose digest under any of the given hash expressions is a warehouse hash."""
    digests = " union all ".join(
        f"select {expr.replace('VALUE', form)} as digest from candidates"
        for expr in hashes_sql
        for form in CANDIDATE_FORMS.values()
    )
    return conn.execute(
        f"select count(distinct digest) from ({digests}) join warehouse_hashes using (digest)"
    ).fetchone()[0]


def test_a_dictionary_attack_without_the_key_matches_no_phone(brand):
    hashes = warehouse_phone_hashes(brand)
    key = brand.key()
    phones = sorted(generated_phones(brand))
    in_warehouse = [p for p in phones if key.hmac_hex(p) in hashes]
    sample = in_warehouse[:SAMPLE]
    assert len(sample) == SAMPLE, len(in_warehouse)
    blocks = sorted({p[:7] for p in sample})  # a number block (号段) of 10,000 numbers each
    empty_key = PseudonymisationKey(b"")
    with duckdb.connect() as conn:
        conn.execute("create table warehouse_hashes (digest varchar)")
        conn.executemany("insert into warehouse_hashes values (?)", [[h] for h in hashes])
        conn.execute(
            "create table candidates as select block || lpad(cast(n as varchar), 4, '0') "
            "as candidate from unnest($blocks) as b(block), range(10000) as r(n)",
            {"blocks": blocks},
        )
        assert conn.execute("select count(*) from candidates").fetchone()[0] == 10_000 * len(blocks)
        unkeyed = ["sha256(VALUE)", "md5(VALUE)", "sha1(VALUE)", hmac_sql("VALUE")]
        params = empty_key.sql_params()
        unkeyed_sql = [
            expr.replace("$hmac_ipad", f"'{params['hmac_ipad']}'").replace(
                "$hmac_opad", f"'{params['hmac_opad']}'"
            )
            for expr in unkeyed
        ]
        assert attack(conn, unkeyed_sql) == 0
        # the same enumeration with the key finds every phone of the sample
        keyed = key.sql_params()
        keyed_sql = [
            hmac_sql("VALUE")
            .replace("$hmac_ipad", f"'{keyed['hmac_ipad']}'")
            .replace("$hmac_opad", f"'{keyed['hmac_opad']}'")
        ]
        matched = conn.execute(
            "select candidate from candidates where "
            + keyed_sql[0].replace("VALUE", "candidate")
            + " in (select digest from warehouse_hashes)"
        ).fetchall()
        assert set(sample) <= {row[0] for row in matched}
        assert attack(conn, keyed_sql) >= SAMPLE
