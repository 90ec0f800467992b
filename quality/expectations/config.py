"""config/quality.toml as plain values: the suites on staging and marts and their thresholds."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_ENV_VAR = "SIYU_QUALITY_CONFIG"
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[2] / "config" / "quality.toml"
# names end up inside SQL text: only plain identifiers, optionally schema-qualified
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
QUALIFIED = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


class QualityConfigError(ValueError):
    """The quality configuration is malformed."""


@dataclass(frozen=True)
class VolumeConfig:
    history_loads: int = 7
    min_history_loads: int = 3
    min_ratio: float = 0.6
    min_median_rows: int = 30


@dataclass(frozen=True)
class Reference:
    """Values of `column` must exist in `table`.`to_column` (rows matching `where`, if set)."""

    column: str
    table: str
    to_column: str
    where: str | None = None


@dataclass(frozen=True)
class StagingSuite:
    model: str
    raw_table: str
    business_date: str
    max_null_share: dict[str, float]
    references: tuple[Reference, ...] = ()
    min_volume_ratio: float | None = None
    max_lag_days: int | None = None

    @property
    def relation(self) -> str:
        return f"staging.{self.model}"


@dataclass(frozen=True)
class OrderValuesConfig:
    window_days: int = 7
    history_runs: int = 7
    min_history_runs: int = 3
    tolerance: float = 0.5
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomersConfig:
    max_drop: float = 0.1


@dataclass(frozen=True)
class NullsConfig:
    min_rows: int = 50


@dataclass(frozen=True)
class FreshnessConfig:
    max_lag_days: int = 2
    min_expected_rows: float = 10.0


@dataclass(frozen=True)
class QualityConfig:
    volume: VolumeConfig
    freshness: FreshnessConfig
    nulls: NullsConfig
    staging: tuple[StagingSuite, ...]
    order_values: OrderValuesConfig
    customers: CustomersConfig


ORDER_VALUE_STATISTICS = ("mean", "median", "p90")


def load_config(path: Path | None = None) -> QualityConfig:
    """The file at `path`, else $SIYU_QUALITY_CONFIG, else config/quality.toml."""
    path = path or Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    sections = {"volume", "freshness", "nulls", "staging", "order_values", "customers"}
    _no_unknown(raw, sections, path.name)
    volume = VolumeConfig(**_table(raw, "volume", VolumeConfig))
    if not 0 < volume.min_ratio <= 1 or volume.min_history_loads < 1:
        raise QualityConfigError("volume: min_ratio must be in (0, 1], min_history_loads >= 1")
    freshness = FreshnessConfig(**_table(raw, "freshness", FreshnessConfig))
    order_values = _order_values(raw.get("order_values", {}))
    customers = CustomersConfig(**_table(raw, "customers", CustomersConfig))
    if not 0 <= customers.max_drop < 1:
        raise QualityConfigError("customers: max_drop must be in [0, 1)")
    return QualityConfig(
        volume=volume,
        freshness=freshness,
        nulls=NullsConfig(**_table(raw, "nulls", NullsConfig)),
        staging=tuple(_staging_suite(table) for table in raw.get("staging", [])),
        order_values=order_values,
        customers=customers,
    )


def _staging_suite(table: dict) -> StagingSuite:
    allowed = {"model", "raw_table", "business_date", "max_null_share", "references"}
    _no_unknown(table, allowed | {"min_volume_ratio", "max_lag_days"}, "[[staging]]")
    references = tuple(Reference(**ref) for ref in table.get("references", []))
    suite = StagingSuite(
        model=table["model"],
        raw_table=table["raw_table"],
        business_date=table["business_date"],
        max_null_share={k: float(v) for k, v in table.get("max_null_share", {}).items()},
        references=references,
        min_volume_ratio=table.get("min_volume_ratio"),
        max_lag_days=table.get("max_lag_days"),
    )
    names = [suite.model, suite.raw_table, suite.business_date, *suite.max_null_share]
    names += [name for ref in references for name in (ref.column, ref.to_column)]
    bad = [name for name in names if not IDENTIFIER.match(name)]
    bad += [ref.table for ref in references if not QUALIFIED.match(ref.table)]
    if bad:
        raise QualityConfigError(f"{suite.model}: not a plain SQL name: {', '.join(bad)}")
    if any(not 0 <= share <= 1 for share in suite.max_null_share.values()):
        raise QualityConfigError(f"{suite.model}: max_null_share values must be in [0, 1]")
    return suite


def _order_values(table: dict) -> OrderValuesConfig:
    _no_unknown(table, {f for f in OrderValuesConfig.__dataclass_fields__}, "[order_values]")
    bounds = {name: tuple(map(float, pair)) for name, pair in table.get("bounds", {}).items()}
    unknown = set(bounds) - set(ORDER_VALUE_STATISTICS)
    if unknown or any(len(pair) != 2 or pair[0] > pair[1] for pair in bounds.values()):
        raise QualityConfigError(
            f"order_values.bounds: [low, high] pairs for {', '.join(ORDER_VALUE_STATISTICS)}"
        )
    values = OrderValuesConfig(**{**table, "bounds": bounds})
    if values.window_days < 1 or values.tolerance <= 0 or values.min_history_runs < 1:
        raise QualityConfigError("order_values: window_days, tolerance, min_history_runs > 0")
    return values


def _table(raw: dict, name: str, kind) -> dict:
    table = raw.get(name, {})
    _no_unknown(table, set(kind.__dataclass_fields__), f"[{name}]")
    return table


def _no_unknown(table: dict, known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise QualityConfigError(f"unknown keys in {where}: {', '.join(unknown)}")
