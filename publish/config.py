"""config/publish.toml as plain values: what is published, what never is, and how it is kept."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

CONFIG_ENV_VAR = "SIYU_PUBLISH_CONFIG"
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[1] / "config" / "publish.toml"
PUBLISH_KEYS = {
    "schemas",
    "tables",
    "storage_version",
    "parquet_grace_seconds",
    "verify_no_identifier_values",
}
EXCLUDE_KEYS = {"columns", "tables"}


class PublishConfigError(ValueError):
    """The publish configuration is malformed."""


@dataclass(frozen=True)
class PublishConfig:
    schemas: tuple[str, ...] = ("marts",)
    tables: tuple[str, ...] = ()  # schema.table, besides every table of `schemas`
    storage_version: str = "v1.0.0"
    parquet_grace_seconds: float = 3600.0
    verify_no_identifier_values: bool = True
    excluded_columns: tuple[str, ...] = ()  # a column name, or schema.table.column
    excluded_tables: tuple[str, ...] = ()  # schema.table

    def __post_init__(self) -> None:
        for name in (*self.tables, *self.excluded_tables):
            if name.count(".") != 1:
                raise PublishConfigError(f"tables are written schema.table, got {name!r}")
        for name in self.excluded_columns:
            if name.count(".") not in (0, 2):
                raise PublishConfigError(
                    f"excluded columns are written column or schema.table.column, got {name!r}"
                )
        if not self.storage_version.startswith("v"):
            raise PublishConfigError("storage_version is a DuckDB release, e.g. 'v1.0.0'")
        if self.parquet_grace_seconds < 0:
            raise PublishConfigError("parquet_grace_seconds must not be negative")

    def is_excluded_table(self, schema: str, table: str) -> bool:
        return f"{schema}.{table}".lower() in {t.lower() for t in self.excluded_tables}

    def is_excluded_column(self, schema: str, table: str, column: str) -> bool:
        wanted = {column.lower(), f"{schema}.{table}.{column}".lower()}
        return any(name.lower() in wanted for name in self.excluded_columns)


def load_config(path: Path | None = None) -> PublishConfig:
    """The file at `path`, else $SIYU_PUBLISH_CONFIG, else config/publish.toml."""
    path = path or Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    publish, exclude = document.get("publish", {}), document.get("exclude", {})
    for section, table, known in (
        ("publish", publish, PUBLISH_KEYS),
        ("exclude", exclude, EXCLUDE_KEYS),
    ):
        unknown = sorted(set(table) - known)
        if unknown:
            raise PublishConfigError(f"unknown keys in [{section}] of {path.name}: {unknown}")
    values = {
        key: tuple(value) if isinstance(value, list) else value for key, value in publish.items()
    }
    return PublishConfig(
        **values,
        excluded_columns=tuple(exclude.get("columns", ())),
        excluded_tables=tuple(exclude.get("tables", ())),
    )
