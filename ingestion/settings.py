"""Where siyu reads and writes, from environment variables with documented defaults.

Nothing here touches the disk on import; call `load_settings()` when you need the values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEMO_MODE = "demo"
PRODUCTION_MODE = "production"


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
        demo_days=int(env.get("SIYU_DEMO_DAYS", "120")),
        demo_seed=int(env.get("SIYU_DEMO_SEED", "42")),
        max_quarantine_share=float(env.get("SIYU_MAX_QUARANTINE_SHARE", "0.02")),
    )
