"""The figures of `make bench`, kept as JSON in the bench home so that staged runs add up.

`BENCH_STAGES=simulate,ingest` today and `BENCH_STAGES=build` tomorrow leave one set of figures:
a later run replaces the stages and details it measured again and keeps every other one.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

FIGURES_FILE = "figures.json"


def new_figures(customers: int, days: int) -> dict:
    return {"brand": {"customers": customers, "days": days}, "stages": {}, "details": {}}


def merge_figures(earlier: dict, later: dict) -> dict:
    """`later` over `earlier`: its stages and details replace those of the same name."""
    merged = {**earlier, **later}
    for part in ("stages", "details"):
        merged[part] = {**earlier.get(part, {}), **later.get(part, {})}
    return merged


def load_figures(home: Path) -> dict | None:
    path = home / FIGURES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def save_figures(home: Path, figures: dict) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / FIGURES_FILE).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


def stage_summary(figures: dict, stage: str) -> dict | None:
    """Median wall and CPU seconds over a stage's rounds and its largest peak RSS."""
    entry = figures.get("stages", {}).get(stage)
    if not entry or not entry["rounds"]:
        return None
    rounds = entry["rounds"]
    failed = [r["exit_code"] for r in rounds if r.get("exit_code", 0) != 0]
    return {
        "failed_exit_code": failed[0] if failed else None,
        "wall_s": statistics.median(r["wall_s"] for r in rounds),
        "cpu_s": statistics.median(r["cpu_s"] for r in rounds),
        "peak_rss_gb": max(r["peak_rss_gb"] for r in rounds),
        "rounds": len(rounds),
    }


def full_build(figures: dict) -> dict | None:
    """From raw files to published marts: landing (`ingest`) plus the build on landed sources."""
    parts = [stage_summary(figures, stage) for stage in ("ingest", "build")]
    if None in parts or any(p["failed_exit_code"] is not None for p in parts):
        return None
    return {
        "wall_s": sum(p["wall_s"] for p in parts),
        "cpu_s": sum(p["cpu_s"] for p in parts),
        "peak_rss_gb": max(p["peak_rss_gb"] for p in parts),
    }


def lower_bound_seconds(figures: dict) -> float | None:
    """The reading alone (the queries' own time, without starting Python), else the stage's."""
    details = figures.get("details", {}).get("lower_bound") or {}
    if "seconds" in details:
        return details["seconds"]
    stage = stage_summary(figures, "lower_bound")
    return stage and stage["wall_s"]
