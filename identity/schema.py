"""The tables of the `identity` schema that resolution keeps, and small loading helpers.

`oneid_map` and `rejected_edges` are replaced each run; the `oneids` registry and the
`oneid_changes` log are kept forever, because they are what makes an id stable and explainable.
"""

from __future__ import annotations

import duckdb
import pandas as pd

IDENTIFIERS = "intermediate.int_identity__identifiers"
EDGES = "intermediate.int_identity__edges"
ONEID_MAP = "identity.oneid_map"
ONEID_REGISTRY = "identity.oneids"
ONEID_CHANGES = "identity.oneid_changes"
REJECTED_EDGES = "identity.rejected_edges"
FORCED_EDGES = "identity.forced_edges"

# Compressing millions of unique hashed values (FSST) cost more than writing them plain: a
# 3M-identifier map was written in 3.8 s instead of 8.8 s, for 2.4x the bytes of that column.
ONEID_MAP_COLUMNS = """(
    identifier_type VARCHAR USING COMPRESSION dictionary,
    identifier_value VARCHAR USING COMPRESSION uncompressed,
    oneid VARCHAR USING COMPRESSION fsst,
    resolved_at TIMESTAMP)"""

REJECTED_EDGES_COLUMNS = """(
    left_type VARCHAR NOT NULL, left_value VARCHAR NOT NULL,
    right_type VARCHAR NOT NULL, right_value VARCHAR NOT NULL,
    rule VARCHAR NOT NULL, detail VARCHAR NOT NULL,
    first_source_table VARCHAR, first_source_file VARCHAR, first_source_row BIGINT,
    first_observed_at TIMESTAMP, run_id VARCHAR NOT NULL, rejected_at TIMESTAMP NOT NULL)"""

FORCED_EDGES_COLUMNS = """(
    left_type VARCHAR NOT NULL, left_value VARCHAR NOT NULL,
    right_type VARCHAR NOT NULL, right_value VARCHAR NOT NULL,
    first_source_table VARCHAR NOT NULL, first_source_file VARCHAR NOT NULL,
    first_source_row BIGINT NOT NULL, reason VARCHAR NOT NULL, run_id VARCHAR NOT NULL)"""

DDL = (
    "create schema if not exists identity",
    f"""create table if not exists {ONEID_REGISTRY} (
        oneid VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, created_in_run VARCHAR NOT NULL,
        retired_at TIMESTAMP, retired_in_run VARCHAR)""",
    f"""create table if not exists {ONEID_CHANGES} (
        old_oneid VARCHAR NOT NULL, new_oneid VARCHAR NOT NULL,
        change_type VARCHAR NOT NULL CHECK (change_type in ('merge', 'split')),
        identifiers_moved BIGINT NOT NULL, reason VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
        changed_at TIMESTAMP NOT NULL)""",
    f"create table if not exists {REJECTED_EDGES} {REJECTED_EDGES_COLUMNS}",
    f"create table if not exists {FORCED_EDGES} {FORCED_EDGES_COLUMNS}",
)


def ensure_identity_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        conn.execute(statement)


def table_exists(conn: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(
        conn.execute(
            "select count(*) from duckdb_tables() where schema_name = $s and table_name = $n",
            {"s": schema, "n": name},
        ).fetchone()[0]
    )


def load_temp_table(
    conn: duckdb.DuckDBPyConnection, name: str, columns: str, frame: pd.DataFrame
) -> None:
    """A typed temp table from a small frame; typed even when the frame is empty."""
    conn.execute(f"create or replace temp table {name} ({columns})")
    if len(frame):
        conn.register("_identity_frame", frame)
        try:
            conn.execute(f"insert into {name} select * from _identity_frame")
        finally:
            conn.unregister("_identity_frame")
