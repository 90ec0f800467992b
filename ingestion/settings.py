"""Where siyu reads and writes, from environment variables with documented defaults.

Nothing here touches the disk on import; call `load_settings()` when you need the values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEMO_MODE = "demo"
PRODUCTION_MODE = "production"


@dataclass(frozen=True)
class MallApiSettings:
    """The mini-program mall's REST API. No URL: the demo serves its own records, or no mall."""

    url: str = ""  # SIYU_MALL_API_URL, e.g. https://mall.example.com/api
    token: str = field(default="", repr=False)  # SIYU_MALL_API_TOKEN, sent as a bearer token
    page_size: int = 100  # SIYU_MALL_API_PAGE_SIZE, items per page
    max_attempts: int = 5  # SIYU_MALL_API_MAX_ATTEMPTS, per page, the first try included
    retry_base_seconds: float = 1.0  # SIYU_MALL_API_RETRY_BASE_SECONDS, doubles per retry
    timeout_seconds: float = 30.0  # SIYU_MALL_API_TIMEOUT_SECONDS, per request
    # SIYU_MALL_API_HISTORY_START: the first day fetched when nothing was fetched before
    history_start: str = "2024-01-01"


@dataclass(frozen=True)
class Settings:
    home: Path
    mode: str
    sources_dir: Path
    warehouse_path: Path
    dagster_home: Path
    logs_dir: Path
    secrets_dir: Path
    demo_customers: int
    demo_days: int
    demo_seed: int
    max_quarantine_share: float
    # fewer bad rows than this never block a load: one bad row of a three-row file is not a
    # broken export
    quarantine_block_min_rows: int = 10
    mall_api: MallApiSettings = MallApiSettings()
    # share of rows the demo brand writes broken, to see the quarantine at work; exact metrics at 0
    demo_bad_row_rate: float = 0.0
    # SIYU_LAKE_PATH: where `siyu export-lake` writes the input tables as Parquet (docs/scale.md)
    lake_uri: str = ""
    # SIYU_LAKE_EXPORT=true: the nightly job writes them there too, after landing and OneID
    lake_export: bool = False

    @property
    def is_demo(self) -> bool:
        return self.mode == DEMO_MODE


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("SIYU_HOME", "./data")).expanduser().resolve()
    mode = env.get("SIYU_MODE", DEMO_MODE)
    if mode not in (DEMO_MODE, PRODUCTION_MODE):
        raise ValueError(f"SIYU_MODE must be '{DEMO_MODE}' or '{PRODUCTION_MODE}', got {mode!r}")
    return Settings(
        home=home,
        mode=mode,
        sources_dir=Path(env.get("SIYU_SOURCES_DIR", home / "sources")).expanduser().resolve(),
        warehouse_path=Path(env.get("SIYU_WAREHOUSE_PATH", home / "warehouse" / "siyu.duckdb"))
        .expanduser()
        .resolve(),
        dagster_home=Path(env.get("DAGSTER_HOME", home / "dagster")).expanduser().resolve(),
        logs_dir=home / "logs",
        secrets_dir=Path(env.get("SIYU_SECRETS_DIR", home / "secrets")).expanduser().resolve(),
        demo_customers=int(env.get("SIYU_DEMO_CUSTOMERS", "5000")),
        demo_days=int(env.get("SIYU_DEMO_DAYS", "730")),
        demo_seed=int(env.get("SIYU_DEMO_SEED", "42")),
        max_quarantine_share=float(env.get("SIYU_MAX_QUARANTINE_SHARE", "0.02")),
        quarantine_block_min_rows=int(env.get("SIYU_QUARANTINE_BLOCK_MIN_ROWS", "10")),
        mall_api=_mall_api_settings(env),
        demo_bad_row_rate=float(env.get("SIYU_DEMO_BAD_ROW_RATE", "0")),
        lake_uri=env.get("SIYU_LAKE_PATH") or str(home / "lake"),
        lake_export=_flag(env, "SIYU_LAKE_EXPORT"),
    )


def _flag(env, name: str) -> bool:
    value = env.get(name, "false").strip().lower()
    if value not in ("true", "false", "1", "0"):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return value in ("true", "1")


def _mall_api_settings(env) -> MallApiSettings:
    page_size = int(env.get("SIYU_MALL_API_PAGE_SIZE", "100"))
    max_attempts = int(env.get("SIYU_MALL_API_MAX_ATTEMPTS", "5"))
    if page_size < 1 or max_attempts < 1:
        raise ValueError("SIYU_MALL_API_PAGE_SIZE and SIYU_MALL_API_MAX_ATTEMPTS must be >= 1")
    return MallApiSettings(
        url=env.get("SIYU_MALL_API_URL", "").strip(),
        token=env.get("SIYU_MALL_API_TOKEN", ""),
        page_size=page_size,
        max_attempts=max_attempts,
        retry_base_seconds=float(env.get("SIYU_MALL_API_RETRY_BASE_SECONDS", "1")),
        timeout_seconds=float(env.get("SIYU_MALL_API_TIMEOUT_SECONDS", "30")),
        history_start=env.get("SIYU_MALL_API_HISTORY_START", "2024-01-01"),
    )
