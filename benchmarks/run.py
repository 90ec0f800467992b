"""Simulate a brand, run the full nightly build, then a run with nothing new; write the figures.

Each stage runs in its own process so that its wall time and peak memory are its own. Repeat
with --repeat N to report medians: the machines are shared and timings are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORT = REPO / "docs" / "benchmarks.md"


def run_stage(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of one child process, from its own rusage."""
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, command)
    return time.monotonic() - started, usage.ru_maxrss / 1024 / 1024


def step_durations(dagster_home: Path) -> dict[str, float]:
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        # oldest first: a step's first run counts (landing in the ingestion run, dbt in the build)
        starts, durations = {}, {}
        for run in reversed(instance.get_runs()):
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None:
                    continue
                if event.event_type_value == "STEP_START":
                    starts[event.step_key] = record.timestamp
                elif event.event_type_value == "STEP_SUCCESS":
                    seconds = record.timestamp - starts[event.step_key]
                    durations.setdefault(event.step_key, seconds)
    return durations


IDENTITY_FIGURES = "identity_graph.txt"  # written by benchmarks.identity_graph
CLV_FIGURES = "clv_fit.txt"  # written by benchmarks.clv_fit
STAGES = ("simulate", "ingest", "build", "rerun", "identity", "clv")


def one_round(customers, days, home: Path, stages, on_stage) -> dict[str, tuple[float, float]]:
    """Run the chosen stages in order; `on_stage` gets the figures so far after each one."""
    if "simulate" in stages:  # later stages alone reuse the brand already in `home`
        shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "SIYU_HOME": str(home), "SIYU_MODE": "demo"}
    env.pop("SIYU_WAREHOUSE_PATH", None)
    env.pop("DAGSTER_HOME", None)
    sources = home / "sources"
    siyu = str(BIN / "siyu")
    commands = {
        "simulate": ("simulate", [str(BIN / "python"), "-m", "ingestion.simulator", "--out",
                                  str(sources), "--customers", str(customers), "--days",
                                  str(days)]),
        "ingest": ("ingestion: land every source", [siyu, "run", "--raw-only"]),
        "build": ("full nightly build (sources already landed)", [siyu, "run"]),
        "rerun": ("rerun, nothing new", [siyu, "run"]),
        "identity": ("OneID resolution alone, generated graph (see below)",
                     [str(BIN / "python"), "-m", "benchmarks.identity_graph", "--customers",
                      str(customers), "--warehouse", str(home / "identity_graph.duckdb"),
                      "--figures", str(home / IDENTITY_FIGURES)]),
        "clv": ("CLV fit and scoring alone, generated population (see below)",
                [str(BIN / "python"), "-m", "benchmarks.clv_fit", "--customers", str(customers),
                 "--warehouse", str(home / "clv_fit.duckdb"), "--figures",
                 str(home / CLV_FIGURES)]),
    }  # fmt: skip
    figures = {}
    for stage in stages:
        name, command = commands[stage]
        figures[name] = run_stage(command, env)
        on_stage(figures)
    return figures


def source_volume(home: Path) -> list[str]:
    """What the simulator wrote and what ingestion landed, per raw table, from the manifest."""
    import duckdb

    sources = home / "sources"
    size_gb = sum(f.stat().st_size for f in sources.rglob("*") if f.is_file()) / 1024**3
    with duckdb.connect(str(home / "warehouse" / "siyu.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "select raw_table, count(*), sum(rows_in), sum(rows_loaded), sum(rows_quarantined), "
            "sum(rows_duplicate) from raw._load_manifest group by 1 order by 1"
        ).fetchall()
    lines = [
        "",
        f"Source files written by the simulator: {size_gb:.2f} GB. Landed by ingestion:",
        "",
        "| raw table | files | rows in | loaded | quarantined | duplicate |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {t} | {f:,} | {i:,} | {ld:,} | {q:,} | {d:,} |" for t, f, i, ld, q, d in rows]
    total = sum(r[2] for r in rows)
    return [*lines, f"| **all** | {sum(r[1] for r in rows):,} | {total:,} | | | |"]


def figure_lines(figures: Path, title: str) -> list[str]:
    """A stage's own figures (name=value words written by its harness) as a table."""
    if not figures.exists():
        return []
    pairs = [word.split("=", 1) for word in figures.read_text().split() if "=" in word]
    return [
        "",
        title,
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in pairs),
    ]


def stage_figures(home: Path) -> list[str]:
    """The OneID and CLV stages time themselves without the generation of their inputs."""
    return [
        *figure_lines(
            home / IDENTITY_FIGURES,
            "OneID resolution of the generated graph (`benchmarks/identity_graph.py`):",
        ),
        *figure_lines(
            home / CLV_FIGURES,
            "CLV fit and scoring of a generated BG/NBD population (`benchmarks/clv_fit.py`; "
            "scoring = summary + both fits + scores + write, the holdout check apart):",
        ),
    ]


BUDGET = [
    "",
    "Budget on a 2-core, 24 GB machine: the full nightly build (landing, OneID, dbt, CLV, "
    "publish) in 300 s or less with a peak RSS of 6 GB or less; a next-day run in 60 s or less; "
    "the full build no more than 10x the time DuckDB takes to read every raw input once.",
]


def write_report(customers, days, rounds, steps, volume: list[str], stages: list[str]) -> None:
    cores = os.cpu_count()
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    lines = [
        "# Benchmarks",
        "",
        f"Measured {date.today()} by `make bench` on {platform.machine()}, {cores} cores, "
        f"{memory_gb:.0f} GB RAM, Python {platform.python_version()}. "
        f"Brand: {customers:,} customers over {days} days (demo simulator, seed 42). "
        f"Medians of {len(rounds)} round(s). Peak RSS is the largest of the stage's process "
        "and the processes it waited for (the dbt subprocess of a nightly run included).",
        "",
        "| stage | wall time (s) | peak RSS (GB) |",
        "|---|---|---|",
    ]
    for stage in rounds[0]:
        wall = statistics.median(r[stage][0] for r in rounds)
        peak = max(r[stage][1] for r in rounds)
        lines.append(f"| {stage} | {wall:.1f} | {peak:.2f} |")
    lines += BUDGET
    lines += volume
    lines += stages
    lines += [
        "",
        "Steps of the ingestion run and the full build (last round, seconds):",
        "",
        "| step | s |",
    ]
    lines.append("|---|---|")
    lines += [f"| {step} | {seconds:.1f} |" for step, seconds in sorted(steps.items())]
    lines += [
        "",
        "Not measured yet: the lower bound (DuckDB reading every raw input once), a next-day "
        "run with one new day of data, and splink / lifetimes side by side.",
        "",
        "Rerun with `make bench` (`BENCH_CUSTOMERS`, `BENCH_DAYS`, `BENCH_REPEAT` to change "
        "the size and the number of rounds).",
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 1_000_000))
    )
    parser.add_argument("--days", type=int, default=int(os.environ.get("BENCH_DAYS", 730)))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 1)))
    parser.add_argument(
        "--stages",
        default=os.environ.get("BENCH_STAGES", ",".join(STAGES)),
        help=f"comma-separated, in order, from {','.join(STAGES)}",
    )
    args = parser.parse_args()
    stages = [stage for stage in args.stages.split(",") if stage]
    home = Path(os.environ.get("SIYU_HOME", REPO / "data")) / "bench"
    rounds: list[dict] = []

    def report(figures: dict) -> None:
        """Written after every stage, so a long run that is stopped still leaves its figures."""
        done = [*rounds, figures]
        landed = (home / "warehouse" / "siyu.duckdb").exists()
        steps = step_durations(home / "dagster") if landed else {}
        volume = source_volume(home) if landed else []
        write_report(args.customers, args.days, done, steps, volume, stage_figures(home))

    for _ in range(args.repeat):
        rounds.append(one_round(args.customers, args.days, home, stages, report))
    print(REPORT.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
