"""Fetch one Asia/Shanghai day of mall records and save every page as received.

Pages go to `mall/<entity>/<yyyymmdd>/page_<nnnn>.json`. They are written to a hidden folder
next to the day's folder and replace it only once the cursor has been read to the end, so a
failed extraction leaves the day exactly as it was. Run one extraction per entity-day at a time.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from ingestion.business_days import business_today, days_between
from ingestion.http_api import CursorClient, RetryPolicy, Window
from ingestion.mall.demo_server import serve
from ingestion.settings import MallApiSettings, load_settings

log = logging.getLogger(__name__)

PAGES_DIR = "mall"
DEMO_DATA_DIR = "_mall_api"  # the demo mall's server-side records, written by the simulator
PAGE_GLOB = "20??????/page_*.json"  # day folders only: hidden work folders never match


@dataclass(frozen=True)
class ExtractReport:
    entity: str
    day: date
    pages: int = 0
    items: int = 0
    skipped: str | None = None  # why nothing was fetched

    def __str__(self) -> str:
        if self.skipped:
            return f"mall {self.entity} {self.day}: nothing fetched ({self.skipped})"
        return f"mall {self.entity} {self.day}: saved pages={self.pages} items={self.items}"


def day_folder(sources_root: Path, entity: str, day: date) -> Path:
    return sources_root / PAGES_DIR / entity / day.strftime("%Y%m%d")


def save_day(client: CursorClient, entity: str, sources_root: Path, day: date) -> ExtractReport:
    """Read the day's cursor to the end into a work folder, then swap it in for the day."""
    target = day_folder(sources_root, entity, day)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from an extraction that was killed
    work = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    work.mkdir()
    pages = items = 0
    try:
        for page in client.pages(f"/v1/{entity}", Window.business_day(day)):
            (work / f"page_{page.number:04d}.json").write_bytes(page.body)
            pages, items = page.number, items + len(page.items)
        _replace(target, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report = ExtractReport(entity, day, pages, items)
    log.info("%s", report)
    return report


def _replace(target: Path, new: Path) -> None:
    """Put `new` in place of `target`; if the second rename fails the old day is put back."""
    if not target.exists():
        new.rename(target)
        return
    old = target.with_name(f".{target.name}.replaced-{secrets.token_hex(4)}")
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old)


_DEMO_ENDPOINTS: dict[Path, tuple[str, str]] = {}


def _demo_endpoint(demo_data: Path) -> tuple[str, str]:
    """One local demo server per process and folder: starting one per day costs ~20 ms each."""
    if demo_data not in _DEMO_ENDPOINTS:
        token = secrets.token_urlsafe(16)  # lives as long as this local server
        running = contextlib.ExitStack()
        _DEMO_ENDPOINTS[demo_data] = (running.enter_context(serve(demo_data, token)), token)
        atexit.register(running.close)
    return _DEMO_ENDPOINTS[demo_data]


def _client(api: MallApiSettings, url: str, token: str, sleep) -> CursorClient:
    return CursorClient(
        url,
        token,
        page_size=api.page_size,
        retry=RetryPolicy(max_attempts=api.max_attempts, base_delay=api.retry_base_seconds),
        timeout=api.timeout_seconds,
        sleep=sleep,
    )


def extract_day(
    entity: str,
    sources_root: Path,
    day: date,
    *,
    environ: dict[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ExtractReport:
    """Fetch `day` from the configured mall API; in demo mode from the simulator's records."""
    settings = load_settings(environ)
    api = settings.mall_api
    if api.url:
        return save_day(_client(api, api.url, api.token, sleep), entity, sources_root, day)
    demo_data = sources_root / DEMO_DATA_DIR
    if settings.is_demo and demo_data.is_dir():
        url, token = _demo_endpoint(demo_data.resolve())
        return save_day(_client(api, url, token, sleep), entity, sources_root, day)
    reason = "SIYU_MALL_API_URL is not set" + (
        f" and there is no {DEMO_DATA_DIR}/ folder" if settings.is_demo else ""
    )
    return ExtractReport(entity, day, skipped=f"mall API not configured: {reason}")


LOOKBACK_DAYS = 7  # orders change after the day they were placed (payment, refund): re-ask


def extract(
    entity: str,
    sources_root: Path,
    days: list[date] | None = None,
    *,
    environ: dict[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[ExtractReport]:
    """Fetch `days`, or incrementally: from a week before the last day fetched (or from
    SIYU_MALL_API_HISTORY_START on the first run) up to today."""
    if days is None:
        days = incremental_days(entity, sources_root, load_settings(environ))
    return [extract_day(entity, sources_root, d, environ=environ, sleep=sleep) for d in days]


def incremental_days(entity: str, sources_root: Path, settings) -> list[date]:
    fetched = [folder.name for folder in (sources_root / PAGES_DIR / entity).glob("20??????")]
    if fetched:
        first = _day(max(fetched)) - timedelta(LOOKBACK_DAYS)
    else:
        first = date.fromisoformat(settings.mall_api.history_start)
    return days_between(first, _today(sources_root, settings))


def _today(sources_root: Path, settings) -> date:
    """The business day today; the demo mall's clock stops at its last simulated day."""
    today = business_today()
    demo_days = [path.stem for path in (sources_root / DEMO_DATA_DIR).glob("*/20??????.jsonl")]
    if not settings.mall_api.url and settings.is_demo and demo_days:
        return min(today, _day(max(demo_days)))
    return today


def _day(yyyymmdd: str) -> date:
    return datetime.strptime(yyyymmdd, "%Y%m%d").date()


def extractor(entity: str) -> Callable[[Path, list[date] | None], list[ExtractReport]]:
    """The `RawTableSpec.extract` hook for one entity."""
    return partial(extract, entity)
