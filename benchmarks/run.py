"""`make bench`: simulate a brand, read its raw inputs once, land and build it, rerun it, add a
day and run again; OneID against splink and the CLV fits against lifetimes on the side.

Each stage is a child process timed by wall clock, rusage CPU (user + system) and peak RSS. The
figures are kept in $BENCH_HOME/figures.json (BENCH_HOME defaults to $SIYU_HOME/bench), so a run
of some stages adds to an earlier run's; the generated block of docs/benchmarks.md is rewritten
after every stage, so a long run that is stopped still leaves its figures.

    BENCH_CUSTOMERS=1000000 BENCH_DAYS=730 BENCH_REPEAT=1 BENCH_STAGES=lower_bound make bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks.figures import load_figures, merge_figures, new_figures, save_figures
from benchmarks.report import render, replace_block

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORT = REPO / "docs" / "benchmarks.md"
STAGES = ("simulate", "lower_bound", "ingest", "build", "rerun", "next_day", "identity", "clv")
# the stages of the full build, whose Dagster steps the report adds up
STEP_STAGES = ("ingest", "build")
# stages whose own harness writes details (JSON) into the home, read back into the figures
DETAILS = {"lower_bound": "lower_bound.json", "identity": "identity.json", "clv": "clv.json"}


def run_stage(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU seconds and peak RSS (GB) of one child and the processes it waited for."""
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    return {
        "wall_s": time.monotonic() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_gb": usage.ru_maxrss / 1024 / 1024,
        "exit_code": os.waitstatus_to_exitcode(status),
    }


def stage_commands(stage: str, customers: int, days: int, home: Path) -> list[tuple[str, list]]:
    """(figure name, command) for each child process of a stage, in order."""
    python, siyu, sources = str(BIN / "python"), str(BIN / "siyu"), str(home / "sources")
    simulate = [python, "-m", "ingestion.simulator", "--out", sources, "--customers",
                str(customers)]  # fmt: skip
    details = str(home / DETAILS.get(stage, ""))
    return {
        # one day short: the next-day stage adds the last day to the same brand
        "simulate": [("simulate", [*simulate, "--days", str(days - 1)])],
        "lower_bound": [("lower_bound", [python, "-m", "benchmarks.lower_bound", "--sources",
                                         sources, "--figures", details])],
        "ingest": [("ingest", [siyu, "run", "--raw-only"])],
        "build": [("build", [siyu, "run"])],
        "rerun": [("rerun", [siyu, "run"])],
        "next_day": [("next_day_files", [*simulate, "--days", str(days), "--next-day"]),
                     ("next_day", [siyu, "run"])],
        "identity": [("identity", [python, "-m", "benchmarks.identity_graph", "--customers",
                                   str(customers), "--warehouse",
                                   str(home / "identity_graph.duckdb"), "--figures", details])],
        "clv": [("clv", [python, "-m", "benchmarks.clv_fit", "--customers", str(customers),
                         "--warehouse", str(home / "clv_fit.duckdb"), "--figures", details])],
    }[stage]  # fmt: skip


def step_durations(dagster_home: Path, since: float, until: float) -> dict[str, float]:
    """Seconds per Dagster step of the runs between two times, read in a child: Dagster loaded
    here would add its memory to the peak RSS every later stage's child inherits at spawn."""
    command = [str(BIN / "python"), "-m", "benchmarks.dagster_steps", str(dagster_home),
               str(since), str(until)]  # fmt: skip
    found = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(found)


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                            capture_output=True).stdout.strip()  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {"date": str(date.today()), "commit": commit or "?", "arch": platform.machine(),
            "cores": os.cpu_count(), "memory_gb": round(memory),
            "python": platform.python_version()}  # fmt: skip


def read_details(stage: str, home: Path) -> dict:
    path = home / DETAILS[stage]
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_report(figures: dict) -> None:
    document = REPORT.read_text(encoding="utf-8")
    REPORT.write_text(replace_block(document, render(figures)), encoding="utf-8")


def bench_home() -> Path:
    if "BENCH_HOME" in os.environ:
        return Path(os.environ["BENCH_HOME"]).resolve()
    return Path(os.environ.get("SIYU_HOME", REPO / "data")).resolve() / "bench"


def main() -> int:
    env_int = lambda name, default: int(os.environ.get(name, default))  # noqa: E731
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=env_int("BENCH_CUSTOMERS", 1_000_000))
    parser.add_argument("--days", type=int, default=env_int("BENCH_DAYS", 730))
    parser.add_argument("--repeat", type=int, default=env_int("BENCH_REPEAT", 1))
    parser.add_argument("--stages", default=os.environ.get("BENCH_STAGES", ",".join(STAGES)),
                        help=f"comma-separated, in order, from {','.join(STAGES)}")  # fmt: skip
    args = parser.parse_args()
    stages = [stage for stage in args.stages.split(",") if stage]
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stages {sorted(unknown)}; known: {','.join(STAGES)}")
    home = bench_home()
    # a new brand starts new figures; later stages alone add to the brand's figures
    earlier = None if "simulate" in stages else load_figures(home)
    earlier = earlier or new_figures(args.customers, args.days)
    this_run = {"machine": machine(), "stages": {}, "details": {}}
    if "simulate" in stages:
        this_run["brand"] = {"customers": args.customers, "days": args.days}
    env = {**os.environ, "SIYU_HOME": str(home), "SIYU_MODE": "demo"}
    for name in ("SIYU_WAREHOUSE_PATH", "DAGSTER_HOME"):
        env.pop(name, None)

    figures = merge_figures(earlier, this_run)
    for _ in range(args.repeat):
        for stage in stages:
            stage_started = time.time()
            if stage == "simulate":
                shutil.rmtree(home, ignore_errors=True)  # a brand of its own each round
            for figure, command in stage_commands(stage, args.customers, args.days, home):
                measured = run_stage(command, env)
                entry = this_run["stages"].setdefault(figure, {"rounds": []})
                entry["rounds"].append(measured)
                if measured["exit_code"] != 0:  # kept as failed, and nothing after it runs
                    save_figures(home, merge_figures(earlier, this_run))
                    write_report(merge_figures(earlier, this_run))
                    sys.exit(f"{figure} failed (exit {measured['exit_code']}): {command}")
            if stage in DETAILS:
                this_run["details"][stage] = read_details(stage, home)
            if stage in STEP_STAGES and (home / "dagster").exists():
                this_run["details"][f"steps_{stage}"] = step_durations(
                    home / "dagster", stage_started, time.time()
                )
            figures = merge_figures(earlier, this_run)
            save_figures(home, figures)
            write_report(figures)
    print(render(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
