"""Row-by-row comparison of the models two builds wrote: two DuckDB files, or a DuckDB file and
a Spark warehouse folder (read as Parquet). Rows are compared as multisets (EXCEPT ALL both ways).

    python -m lake.compare BASELINE.duckdb CANDIDATE.duckdb
    python -m lake.compare BASELINE.duckdb SPARK_WAREHOUSE_DIR   (tables only: views have no files)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

MODEL_SCHEMAS = ("seeds", "staging", "intermediate", "marts")


@dataclass(frozen=True)
class TableDifference:
    schema: str
    table: str
    only_in_baseline: int
    only_in_candidate: int
    # why the table could not be compared (missing in the candidate, other columns)
    problem: str = ""

    @property
    def identical(self) -> bool:
        return not self.problem and self.only_in_baseline == self.only_in_candidate == 0


def compare_builds(
    baseline: Path, candidate: Path, schemas: tuple[str, ...] = MODEL_SCHEMAS
) -> list[TableDifference]:
    """Every table and view of `schemas` in the baseline DuckDB file, against the candidate.
    Each file is attached under its file name, the catalog name its views were created with, so
    the two files' names must differ."""
    conn = duckdb.connect()
    conn.execute(f"attach '{baseline}' as \"{baseline.stem}\" (read_only)")
    # a Spark view has no files of its own: it is covered by the tables built on it
    with_views = not candidate.is_dir()
    if candidate.is_dir():
        candidate_table = _spark_table_reader(candidate)
    else:
        if candidate.stem == baseline.stem:
            raise ValueError(f"both files are named {baseline.stem}: their views would mix")
        conn.execute(f"attach '{candidate}' as \"{candidate.stem}\" (read_only)")
        candidate_table = _duckdb_table_reader(conn, candidate.stem)
    differences = []
    for schema, table in _relations(conn, baseline.stem, with_views):
        if schema in schemas:
            baseline_relation = f'"{baseline.stem}"."{schema}"."{table}"'
            candidate_relation = candidate_table(schema, table)
            differences.append(
                _compare_table(conn, schema, table, baseline_relation, candidate_relation)
            )
    return differences


def _relations(conn, catalog: str, with_views: bool = True) -> list[tuple[str, str]]:
    return conn.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = $catalog "
        "union all select schema_name, view_name from duckdb_views() "
        "where database_name = $catalog and $with_views order by 1, 2",
        {"catalog": catalog, "with_views": with_views},
    ).fetchall()


def _duckdb_table_reader(conn, catalog: str):
    present = set(_relations(conn, catalog))
    return lambda schema, table: (
        f'"{catalog}"."{schema}"."{table}"' if (schema, table) in present else None
    )


def _spark_table_reader(warehouse_dir: Path):
    """A Spark table's files: `<warehouse>/<schema>.db/<table>/` (views have none)."""

    def relation(schema, table):
        folder = warehouse_dir / f"{schema}.db" / table
        if not any(folder.glob("*.parquet")):
            return None
        return f"read_parquet('{folder}/*.parquet')"

    return relation


def _compare_table(conn, schema, table, baseline, candidate) -> TableDifference:
    if candidate is None:
        return TableDifference(schema, table, 0, 0, "missing in the candidate")
    columns = [row[0] for row in conn.execute(f"describe select * from {baseline}").fetchall()]
    candidate_columns = [
        row[0] for row in conn.execute(f"describe select * from {candidate}").fetchall()
    ]
    if sorted(columns) != sorted(candidate_columns):
        missing = sorted(set(columns) ^ set(candidate_columns))
        return TableDifference(schema, table, 0, 0, f"columns differ: {missing}")
    select_list = ", ".join(f'"{column}"' for column in columns)
    left = f"select {select_list} from {baseline}"
    right = f"select {select_list} from {candidate}"
    only_left = conn.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
    only_right = conn.execute(f"select count(*) from ({right} except all {left})").fetchone()[0]
    return TableDifference(schema, table, only_left, only_right)


def main(argv: list[str]) -> int:
    differences = compare_builds(Path(argv[0]), Path(argv[1]))
    for difference in differences:
        status = "identical" if difference.identical else "DIFFERENT"
        print(
            f"{difference.schema}.{difference.table:<48} {status:<9} "
            f"-{difference.only_in_baseline} +{difference.only_in_candidate} {difference.problem}"
        )
    differing = [d for d in differences if not d.identical]
    print(f"{len(differences)} tables compared, {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
