"""The demo brand's knobs come from the environment: its bad-row rate reaches the simulator."""

import csv

from ingestion.settings import load_settings
from orchestration.cli import ensure_demo_sources


def bad_rows_written(settings) -> int:
    path = settings.sources_dir / "_ground_truth" / "bad_rows.csv"
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def demo_settings(tmp_path, monkeypatch, bad_row_rate: str | None):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_MODE", "demo")
    monkeypatch.setenv("SIYU_DEMO_CUSTOMERS", "60")
    monkeypatch.setenv("SIYU_DEMO_DAYS", "10")
    monkeypatch.delenv("SIYU_SOURCES_DIR", raising=False)
    if bad_row_rate is None:
        monkeypatch.delenv("SIYU_DEMO_BAD_ROW_RATE", raising=False)
    else:
        monkeypatch.setenv("SIYU_DEMO_BAD_ROW_RATE", bad_row_rate)
    settings = load_settings()
    settings.sources_dir.mkdir(parents=True)
    return settings


def test_the_demo_writes_no_bad_rows_by_default(tmp_path, monkeypatch):
    settings = demo_settings(tmp_path, monkeypatch, None)
    assert settings.demo_bad_row_rate == 0.0
    ensure_demo_sources(settings)
    assert bad_rows_written(settings) == 0


def test_the_demo_bad_row_rate_reaches_the_simulator(tmp_path, monkeypatch):
    settings = demo_settings(tmp_path, monkeypatch, "0.2")
    assert settings.demo_bad_row_rate == 0.2
    ensure_demo_sources(settings)
    assert bad_rows_written(settings) > 0
