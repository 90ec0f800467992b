"""The [clv] table of config/clv.toml as plain values."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

CONFIG_ENV_VAR = "SIYU_CLV_CONFIG"
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[1] / "config" / "clv.toml"
DAYS_PER_UNIT = {"day": 1.0, "week": 7.0}


class ClvConfigError(ValueError):
    """The CLV configuration is malformed."""


@dataclass(frozen=True)
class ClvConfig:
    annual_discount_rate: float = 0.10
    horizon_months: int = 12
    time_unit: str = "day"
    holdout_days: int = 90
    max_holdout_error: float = 0.15
    max_cohort_holdout_error: float = 0.30
    min_cohort_customers: int = 200

    def __post_init__(self) -> None:
        if self.time_unit not in DAYS_PER_UNIT:
            raise ClvConfigError(f"time_unit must be one of {sorted(DAYS_PER_UNIT)}")
        if not 0 <= self.annual_discount_rate < 1:
            raise ClvConfigError("annual_discount_rate must be in [0, 1)")
        if self.horizon_months < 1 or self.holdout_days < 1:
            raise ClvConfigError("horizon_months and holdout_days must be at least 1")
        if self.max_holdout_error <= 0 or self.max_cohort_holdout_error <= 0:
            raise ClvConfigError("the holdout error bounds must be positive")

    @property
    def days_per_unit(self) -> float:
        return DAYS_PER_UNIT[self.time_unit]

    @property
    def monthly_discount_rate(self) -> float:
        return (1 + self.annual_discount_rate) ** (1 / 12) - 1


def load_config(path: Path | None = None) -> ClvConfig:
    """The file at `path`, else $SIYU_CLV_CONFIG, else config/clv.toml."""
    path = path or Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)
    with path.open("rb") as handle:
        table = tomllib.load(handle).get("clv", {})
    known = {f.name: f.type for f in fields(ClvConfig)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ClvConfigError(f"unknown keys in [clv] of {path.name}: {', '.join(unknown)}")
    return ClvConfig(**table)
