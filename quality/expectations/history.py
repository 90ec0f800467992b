"""quality.gate_history: figures of the mart gates per run, the baseline of later runs."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

DDL = (
    "create schema if not exists quality",
    """create table if not exists quality.gate_history (
        run_id varchar not null, model varchar not null, check_name varchar not null,
        figure varchar not null, value double, passed boolean not null,
        recorded_at timestamp with time zone not null,
        primary key (run_id, model, check_name, figure))""",
)


def recent_passed_values(conn: sa.Connection, model: str, check: str, figure: str, runs: int):
    """The figure over the last `runs` runs whose check passed, newest first: a failed run is
    never the baseline a later run is compared with."""
    exists = conn.execute(
        sa.text(
            "select count(*) from information_schema.tables "
            "where table_schema = 'quality' and table_name = 'gate_history'"
        )
    ).scalar()
    if not exists:
        return []
    rows = conn.execute(
        sa.text(
            "select value from quality.gate_history where model = :m and check_name = :c "
            "and figure = :f and passed and value is not null "
            "order by recorded_at desc limit :n"
        ),
        {"m": model, "c": check, "f": figure, "n": runs},
    ).fetchall()
    return [row[0] for row in rows]


def record(
    conn: sa.Connection, run_id: str, model: str, check: str, figures: dict, passed: bool
) -> None:
    """Keep this run's figures (a re-run of the same run id replaces them)."""
    for statement in DDL:
        conn.execute(sa.text(statement))
    now = datetime.now(UTC)
    for figure, value in figures.items():
        conn.execute(
            sa.text(
                "insert or replace into quality.gate_history values (:run, :m, :c, :f, :v, :p, :at)"
            ),
            {
                "run": run_id,
                "m": model,
                "c": check,
                "f": figure,
                "v": value,
                "p": passed,
                "at": now,
            },
        )
    conn.commit()
