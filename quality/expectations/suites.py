"""Run a list of great-expectations expectations over one SQL query on the warehouse."""

from __future__ import annotations

import great_expectations as gx

from quality.expectations.engine import WarehouseDatasource
from quality.expectations.results import RESULT_FORMAT


class ExpectationError(RuntimeError):
    """An expectation could not be computed (a missing column, a broken query)."""


def validate_query(
    datasource: WarehouseDatasource, name: str, query: str, expectations: dict[str, object]
) -> dict[str, object]:
    """Validate `expectations` (by a label of the caller's) on the rows of `query`, computed in
    DuckDB; returns each label's ExpectationValidationResult."""
    asset = datasource.add_query_asset(name=name, query=query)
    batch = asset.add_batch_definition_whole_table("whole").get_batch()
    suite = gx.ExpectationSuite(name=name)
    for label, expectation in expectations.items():
        expectation.meta = {"label": label}
        suite.add_expectation(expectation)
    try:
        validation = batch.validate(suite, result_format=RESULT_FORMAT)
    finally:
        datasource.delete_asset(name)  # the next check may use the same name
    results = {}
    for result in validation.results:
        label = result.expectation_config.meta["label"]
        if _raised(result.exception_info or {}):
            # the type only: GE's message can quote the SQL, never needed in the event log
            raise ExpectationError(f"{name}/{label}: the expectation raised an error")
        results[label] = result
    return results


def _raised(info: dict) -> bool:
    # GE reports an error at the top level or per metric that failed
    if info.get("raised_exception"):
        return True
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
