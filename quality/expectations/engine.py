"""great-expectations 1.x over the DuckDB warehouse, every metric computed as SQL in DuckDB.

GE's SqlAlchemyExecutionEngine returns a query's CursorResult after its connection went back to
the pool; DuckDB does not buffer result sets, so the rows are gone by the time GE fetches them
and metric bundles fail with an IndexError (GE issue #11579). The engine here buffers each result
while its connection is still checked out. The datasource type builds the SQLAlchemy engine with
the very settings of `ingestion.warehouse.connect`, because DuckDB refuses a second connection to
one file with a different configuration in the same process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import duckdb
import great_expectations as gx
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from sqlalchemy.pool import StaticPool

from ingestion.warehouse import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV_VAR

DATASOURCE_NAME = "warehouse"


class BufferedDuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """Fetches every result before the connection is released."""

    def execute_query(self, query):
        with self.get_connection() as connection:
            return self._execute_query_with_recovery(connection, query).freeze()()

    def execute_query_in_transaction(self, query):
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query).freeze()()
            if connection.in_transaction():
                connection.commit()
            return result


class WarehouseDatasource(SQLDatasource):
    """A SQL datasource on the warehouse file (`connection_string` = duckdb:///<path>)."""

    type: Literal["siyu_duckdb"] = "siyu_duckdb"

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return BufferedDuckDBExecutionEngine

    def _create_engine(self) -> sa.Engine:
        return warehouse_engine(Path(sa.engine.make_url(str(self.connection_string)).database))

    def get_execution_engine(self) -> SqlAlchemyExecutionEngine:
        if self._execution_engine is None:
            # the engine built above, not one GE would build from the URL with other settings
            self._execution_engine = BufferedDuckDBExecutionEngine(
                name=self.name, engine=self.get_engine(), create_temp_table=False
            )
        return self._execution_engine


def warehouse_engine(path: Path) -> sa.Engine:
    """One DuckDB connection for the engine's life, opened as ingestion.warehouse.connect does."""
    limit = os.environ.get(MEMORY_LIMIT_ENV_VAR) or DEFAULT_MEMORY_LIMIT

    def open_connection():
        return ConnectionWrapper(duckdb.connect(str(path), config={"memory_limit": limit}))

    return sa.create_engine("duckdb://", creator=open_connection, poolclass=StaticPool)


@contextmanager
def warehouse_datasource(path: Path) -> Iterator[WarehouseDatasource]:
    """An ephemeral GE context (nothing written to disk) with the warehouse as its datasource;
    the DuckDB connection is closed when the block ends."""
    context = gx.get_context(mode="ephemeral", project_config=_in_memory_project())
    # defining the subclass registered its type: GE names the factory after `type`
    datasource = context.data_sources.add_siyu_duckdb(
        name=DATASOURCE_NAME, connection_string=f"duckdb:///{path}"
    )
    try:
        yield datasource
    finally:
        datasource.get_engine().dispose()


def _in_memory_project() -> DataContextConfig:
    # stores in memory, no docs site, no usage statistics, no progress bars in the run's logs
    return DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
