"""Erase one person from the warehouse: resolve the request through OneID, delete, verify.

A request names one identifier; OneID (`identity.oneid_map`) turns it into every identifier of
the person. Raw rows that are the person's own records are deleted, ids naming them in other
people's records are removed, quarantined rows holding them are deleted, and every other table
(identity, intermediate, marts, CLV, gate history, dbt audit tables) loses each row that still
carries one of the values or the OneID. Callers hold the warehouse lock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from ingestion.pseudonymise import PseudonymisationKey, normalise_phone
from privacy.identifiers import OPENID, RAW_IDENTIFIER_COLUMNS, Role, stored_identifier
from privacy.registry import ErasureKey

ONEID_MAP = "identity.oneid_map"
REQUEST_TYPES = ("phone", "unionid", "openid", "external_userid", "oneid")
_OWN_SCHEMAS_SKIPPED = ("raw",)  # raw is erased column by column, by role


class ErasureRequestError(ValueError):
    """The request names no usable identifier."""


@dataclass(frozen=True)
class ErasureRequest:
    """What the requester gave: one identifier type and its value (a phone as typed)."""

    type: str
    value: str

    def __post_init__(self):
        if self.type not in REQUEST_TYPES:
            raise ErasureRequestError(f"unknown identifier type {self.type!r}")
        if not self.value.strip():
            raise ErasureRequestError(f"an empty {self.type}")

    def __repr__(self) -> str:  # the value is personal data: keep it out of logs
        return f"ErasureRequest({self.type}:…)"


@dataclass(frozen=True)
class Person:
    """Everything the warehouse knows as one person: (kind, stored value) pairs and OneIDs."""

    identifiers: frozenset[tuple[str, str]]
    oneids: frozenset[str]
    found: bool  # whether OneID knew the requested identifier

    def values(self) -> list[str]:
        """Every value that may sit in a table: stored identifiers and OneIDs."""
        return sorted({v for _, v in self.identifiers} | self.oneids)

    def tags(self, key: ErasureKey) -> dict[str, str]:
        return {key.tag(kind, value): kind for kind, value in self.identifiers}

    def __repr__(self) -> str:
        return f"Person({len(self.identifiers)} identifiers, {len(self.oneids)} oneids)"


def requested_identifiers(request: ErasureRequest, key: PseudonymisationKey):
    """(OneID identifier_type, value) pairs to look up; a phone is normalised and keyed-hashed
    exactly as landing does. An openid may be bare (any appid, or the OA) or `appid/openid`."""
    value = request.value.strip()
    if request.type == "phone":
        normalised = normalise_phone(value)
        if normalised is None:
            raise ErasureRequestError("the phone is empty once normalised")
        return [("phone_hash", key.hmac_hex(normalised))]
    if request.type == "unionid":
        return [("unionid", value)]
    if request.type == "external_userid":
        return [("wecom_external_userid", value)]
    if request.type == "openid":
        if "/" in value:
            return [("mall_openid", value)]
        return [("oa_openid", value), ("openid", value)]
    return []


def resolve_person(
    conn: duckdb.DuckDBPyConnection, request: ErasureRequest, key: PseudonymisationKey
) -> Person:
    """The person's whole identifier set through OneID. An identifier OneID does not know (not
    landed yet) is still returned, so that the registry keeps it from landing later."""
    wanted = requested_identifiers(request, key)
    has_map = _table_exists(conn, ONEID_MAP)
    oneids: set[str] = set()
    if request.type == "oneid":
        oneids = {request.value.strip()}
    elif has_map:
        for identifier_type, value in wanted:
            if identifier_type == "openid":  # a bare openid of the mall: any appid
                rows = conn.execute(
                    f"select distinct oneid from {ONEID_MAP} where identifier_type = "
                    "'mall_openid' and ends_with(identifier_value, '/' || $v)",
                    {"v": value},
                ).fetchall()
            else:
                rows = conn.execute(
                    f"select distinct oneid from {ONEID_MAP} "
                    "where identifier_type = $t and identifier_value = $v",
                    {"t": identifier_type, "v": value},
                ).fetchall()
            oneids |= {oneid for (oneid,) in rows if oneid}
    identifiers: set[tuple[str, str]] = set()
    if oneids and has_map:
        rows = conn.execute(
            f"select identifier_type, identifier_value from {ONEID_MAP} "
            "where list_contains($oneids, oneid)",
            {"oneids": sorted(oneids)},
        ).fetchall()
        identifiers = {stored_identifier(t, v) for t, v in rows}
    found = bool(identifiers)
    for identifier_type, value in wanted:
        if identifier_type == "openid":
            identifiers.add((OPENID, value))
        else:
            identifiers.add(stored_identifier(identifier_type, value))
    if request.type == "oneid" and not found:
        oneids = set()  # an unknown OneID names nobody: nothing to look for
    return Person(frozenset(identifiers), frozenset(oneids), found)


@dataclass
class ErasureCounts:
    """Counts only: these go to the terminal, logs and Dagster metadata."""

    identifiers: int = 0
    raw_rows_deleted: int = 0
    raw_values_removed: int = 0
    quarantine_rows_deleted: int = 0
    model_rows_deleted: int = 0
    tables_touched: set[str] = field(default_factory=set)


def erase_from_warehouse(conn: duckdb.DuckDBPyConnection, person: Person) -> ErasureCounts:
    """Delete the person from every table, in one transaction."""
    counts = ErasureCounts(identifiers=len(person.identifiers))
    conn.begin()
    try:
        _erase_raw(conn, person, counts)
        _erase_quarantine(conn, person, counts)
        for table in _tables(conn):
            if table.split(".")[0] in _OWN_SCHEMAS_SKIPPED:
                continue
            deleted = _delete_rows_holding(conn, table, person.values())
            if deleted:
                counts.model_rows_deleted += deleted
                counts.tables_touched.add(table)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return counts


def _erase_raw(conn, person: Person, counts: ErasureCounts) -> None:
    by_kind: dict[str, list[str]] = {}
    for kind, value in person.identifiers:
        by_kind.setdefault(kind, []).append(value)
    existing = set(_tables(conn))
    for column in RAW_IDENTIFIER_COLUMNS:
        table = f"raw.{column.raw_table}"
        values = sorted(by_kind.get(column.kind, []))
        if table not in existing or not values:
            continue
        quoted = f'"{column.column}"'
        holds = f"list_has_any({quoted}, $v)" if column.is_list else f"list_contains($v, {quoted})"
        if column.role is Role.SUBJECT:
            (n,) = conn.execute(f"delete from {table} where {holds}", {"v": values}).fetchone()
            counts.raw_rows_deleted += n
        else:
            kept = "null"
            if column.is_list:
                kept = f"list_filter({quoted}, x -> not list_contains($v, x))"
            (n,) = conn.execute(
                f"update {table} set {quoted} = {kept} where {holds}", {"v": values}
            ).fetchone()
            counts.raw_values_removed += n
        if n:
            counts.tables_touched.add(table)


def _erase_quarantine(conn, person: Person, counts: ErasureCounts) -> None:
    """Quarantined rows keep their parsed fields as JSON (keyed-hashed where personal)."""
    if "raw._quarantine" not in _tables(conn):
        return
    needles = [f'"{value}"' for value in person.values()]
    (n,) = conn.execute(
        "delete from raw._quarantine "
        "where list_bool_or(list_transform($n, x -> contains(cast(row_payload as varchar), x)))",
        {"n": needles},
    ).fetchone()
    counts.quarantine_rows_deleted += n
    if n:
        counts.tables_touched.add("raw._quarantine")


# a value counts where it stands alone or between separators, as in `unionid:<v>` or a
# record key `<external_userid>|<guide>|…`; never inside a longer id (M0001 in M00012)
_ID_CHARS = "0-9A-Za-z_\\-"


def holds_pattern(values: list[str]) -> str:
    """An RE2 pattern matching any of `values` as a whole token."""
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return f"(?:^|[^{_ID_CHARS}])(?:{alternatives})(?:$|[^{_ID_CHARS}])"


def _text_columns(conn, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    return conn.execute(
        "select column_name, data_type from duckdb_columns() where database_name = "
        "current_database() and schema_name = $s and table_name = $n and (data_type = 'VARCHAR' "
        "or data_type = 'JSON' or data_type like 'VARCHAR[]%' or data_type like 'STRUCT%' "
        "or data_type like 'MAP%')",
        {"s": schema, "n": name},
    ).fetchall()


def _holding_condition(conn, table: str) -> str | None:
    """SQL true for a row whose text (lists and structs cast to text) holds a value."""
    checks = [
        f'regexp_matches(cast("{column}" as varchar), $pattern)'
        for column, _ in _text_columns(conn, table)
    ]
    return " or ".join(checks) if checks else None


def _delete_rows_holding(conn, table: str, values: list[str]) -> int:
    if not values:
        return 0
    condition = _holding_condition(conn, table)
    if condition is None:
        return 0
    (n,) = conn.execute(
        f"delete from {_quoted(table)} where {condition}", {"pattern": holds_pattern(values)}
    ).fetchone()
    return n


def occurrences(conn: duckdb.DuckDBPyConnection, values: list[str]) -> dict[str, int]:
    """Rows still holding any of `values`, per table (every schema, raw included): the check
    that an erasure is complete. Returns table -> rows, tables without a hit left out."""
    found = {}
    if not values:
        return found
    for table in _tables(conn):
        condition = _holding_condition(conn, table)
        if condition is None:
            continue
        (n,) = conn.execute(
            f"select count(*) from {_quoted(table)} where {condition}",
            {"pattern": holds_pattern(values)},
        ).fetchone()
        if n:
            found[table] = n
    return found


def _tables(conn) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in conn.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() and not temporary order by all"
        ).fetchall()
    ]


def _quoted(table: str) -> str:
    schema, name = table.split(".")
    return f'"{schema}"."{name}"'


def _table_exists(conn, table: str) -> bool:
    return table in _tables(conn)
