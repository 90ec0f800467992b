"""The generated block of docs/benchmarks.md, rendered from the figures alone.

Only the text between the two markers is replaced: the hand-written sections around it stay.
"""

from __future__ import annotations

from benchmarks.figures import full_build, lower_bound_seconds, stage_summary

START = "<!-- make bench: start -->"
END = "<!-- make bench: end -->"

STAGES = {
    "simulate": "simulate the brand (DAYS-1 days of history)",
    "lower_bound": "lower bound: DuckDB reads every raw input once",
    "ingest": "ingestion: land every source (`siyu run --raw-only`)",
    "build": "nightly build on landed sources (`siyu run`)",
    "rerun": "rerun, nothing new (`siyu run`)",
    "next_day_files": "the next day's files (simulator `--next-day`; not timed as a run)",
    "next_day": "next-day run, one new day of files (`siyu run`)",
    "identity": "OneID and splink on a generated graph (whole stage, see below)",
    "clv": "CLV fits and lifetimes on a generated population (whole stage, see below)",
}
# issue 9's budget on a 2-core, 24 GB machine
FULL_BUILD_SECONDS = 300
FULL_BUILD_PEAK_GB = 6
NEXT_DAY_SECONDS = 60
LOWER_BOUND_RATIO = 10


def verdict(value: float | None, limit: float, unit: str) -> str:
    if value is None:
        return "not run"
    if value <= limit:
        return "met"
    return f"missed by {value - limit:,.1f} {unit} ({value / limit:.1f}x the target)"


def targets(figures: dict) -> list[tuple[str, str, str]]:
    """(target, figure, verdict) for each of issue 9's four targets."""
    build = full_build(figures)
    next_day = stage_summary(figures, "next_day")
    next_day = next_day if next_day and next_day["failed_exit_code"] is None else None
    bound = lower_bound_seconds(figures)
    ratio = build["wall_s"] / bound if build and bound else None
    seconds = build and build["wall_s"]
    peak = build and build["peak_rss_gb"]
    next_seconds = next_day and next_day["wall_s"]

    def shown(value, fmt, unit):
        return "not run" if value is None else format(value, fmt) + unit

    return [
        (f"full build ≤ {FULL_BUILD_SECONDS} s", shown(seconds, ",.1f", " s"),
         verdict(seconds, FULL_BUILD_SECONDS, "s")),
        (f"full build peak RSS ≤ {FULL_BUILD_PEAK_GB} GB", shown(peak, ".2f", " GB"),
         verdict(peak, FULL_BUILD_PEAK_GB, "GB")),
        (f"next-day run ≤ {NEXT_DAY_SECONDS} s", shown(next_seconds, ",.1f", " s"),
         verdict(next_seconds, NEXT_DAY_SECONDS, "s")),
        (f"full build ≤ {LOWER_BOUND_RATIO}x the lower bound", shown(ratio, ".1f", "x"),
         verdict(ratio, LOWER_BOUND_RATIO, "x")),
    ]  # fmt: skip


def stage_lines(figures: dict) -> list[str]:
    lines = ["| stage | wall (s) | CPU (s) | peak RSS (GB) |", "|---|---|---|---|"]
    for stage, label in STAGES.items():
        s = stage_summary(figures, stage)
        if s is None:
            lines.append(f"| {label} | not run | | |")
        elif s["failed_exit_code"] is not None:
            failed = f"failed (exit {s['failed_exit_code']}) after {s['wall_s']:,.1f}"
            lines.append(f"| {label} | {failed} | {s['cpu_s']:,.1f} | {s['peak_rss_gb']:.2f} |")
        else:
            lines.append(f"| {label} | {s['wall_s']:,.1f} | {s['cpu_s']:,.1f} | "
                         f"{s['peak_rss_gb']:.2f} |")  # fmt: skip
    build = full_build(figures)
    if build:
        lines.append(f"| **full build** (ingestion + build) | {build['wall_s']:,.1f} | "
                     f"{build['cpu_s']:,.1f} | {build['peak_rss_gb']:.2f} |")  # fmt: skip
    return lines


def lower_bound_lines(details: dict | None) -> list[str]:
    if not details:
        return []
    reading = details.get("seconds")
    queries = f"{reading:,.1f} s of queries, what the ratio divides by" if reading else "queries"
    lines = ["", f"What the lower bound read, one DuckDB query per raw table ({queries}):", "",
             "| raw table | files | GB | rows | s |", "|---|---|---|---|---|"]  # fmt: skip
    for name, t in sorted(details["tables"].items()):
        lines.append(f"| {name} | {t['files']:,} | {t['bytes'] / 1024**3:.3f} | "
                     f"{t['rows']:,} | {t['seconds']:.1f} |")  # fmt: skip
    lines.append(f"| **all** | {details['files']:,} | {details['bytes'] / 1024**3:.3f} | "
                 f"{details['rows']:,} | |")  # fmt: skip
    return lines


def full_build_steps(details: dict) -> dict[str, float]:
    """Seconds per Dagster step over the full build: the ingestion and build stages added."""
    steps: dict[str, float] = {}
    for stage in ("ingest", "build"):
        for step, seconds in details.get(f"steps_{stage}", {}).items():
            steps[step] = steps.get(step, 0.0) + seconds
    return steps


def slowest_steps(steps: dict, count: int = 10) -> list[str]:
    if not steps:
        return []
    top = sorted(steps.items(), key=lambda item: -item[1])[:count]
    return ["", f"Where the full build's time goes (its {len(top)} slowest steps, from the "
            "Dagster events of the ingestion and build stages, added):", "",
            "| step | s |", "|---|---|", *(f"| {k} | {v:,.1f} |" for k, v in top)]  # fmt: skip


def identity_lines(details: dict | None) -> list[str]:
    if not details:
        return []
    ours, splink = details["figures"], details["splink"]
    same = "yes" if splink["same_partition"] else "no"
    return [
        "", f"OneID against splink {splink['version']} (deterministic linkage, DuckDB backend) "
        f"on the same generated graph after OneID's first run; splink gets the edges OneID's "
        f"guardrails accepted ({splink['records']:,} records, one exact rule per identifier "
        "type), each side in a process of its own:", "",
        "| figure | OneID (siyu) | splink |", "|---|---|---|",
        f"| wall time, s | {ours['first_run_s']} (first run, median) | "
        f"{splink['link_seconds']:.2f} (records + links + clusters) |",
        f"| CPU time, s | | {splink['link_cpu_seconds']:.2f} |",
        f"| peak RSS, GB | {ours['resolution_peak_rss_gb']} | {splink['peak_rss_gb']:.2f} |",
        f"| clusters | {splink['oneid_clusters']:,} | {splink['splink_clusters']:,} |",
        f"| clusters identical on both sides | {splink['identical_clusters']:,} | |",
        f"| same partition | {same} | |",
    ]  # fmt: skip


def clv_lines(details: dict | None) -> list[str]:
    if not details:
        return []
    ours, theirs, truth = details["ours"], details["lifetimes"], details["truth"]
    lines = [
        "", f"CLV fits against lifetimes {theirs['version']} on the same customer summary "
        f"({theirs['customers']:,} customers), each in a process of its own:", "",
        "| figure | true | siyu | lifetimes |", "|---|---|---|---|",
        f"| both fits, wall s | | {ours['fit_seconds']:.2f} | {theirs['fit_seconds']:.2f} |",
        f"| both fits, CPU s | | {ours['fit_cpu_seconds']:.2f} | "
        f"{theirs['fit_cpu_seconds']:.2f} |",
        f"| peak RSS of the process, GB | | {ours['peak_rss_gb']:.2f} (whole scoring run) | "
        f"{theirs['peak_rss_gb']:.2f} (summary + fits) |",
    ]  # fmt: skip
    for model in ("bgnbd", "gamma_gamma"):
        for name, true_value in truth[model].items():
            lines.append(f"| {model} {name} | {true_value:g} | {ours[model][name]:.4g} | "
                         f"{theirs[model][name]:.4g} |")  # fmt: skip
    return lines


def render(figures: dict) -> str:
    machine, brand = figures.get("machine", {}), figures["brand"]
    details = figures.get("details", {})
    lines = [
        f"Generated by `make bench` ({machine.get('date', '?')}, commit "
        f"{machine.get('commit', '?')}) on {machine.get('arch', '?')}, "
        f"{machine.get('cores', '?')} cores, {machine.get('memory_gb', '?')} GB RAM, Python "
        f"{machine.get('python', '?')}. Brand: {brand['customers']:,} customers, "
        f"{brand['days'] - 1} days of history plus one next day (demo simulator, seed 42). "
        "Times are medians over the rounds; CPU is user + system time of the stage's process "
        "and every process it waited for; peak RSS is the largest of them.",
        "", *stage_lines(figures), "",
        "| target | figure | verdict |", "|---|---|---|",
        *(f"| {t} | {f} | {v} |" for t, f, v in targets(figures)),
        *lower_bound_lines(details.get("lower_bound")),
        *slowest_steps(full_build_steps(details)),
        *identity_lines(details.get("identity")),
        *clv_lines(details.get("clv")),
    ]  # fmt: skip
    return "\n".join(lines)


def replace_block(document: str, block: str) -> str:
    """`document` with the text between the markers replaced by `block`."""
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"docs/benchmarks.md has no {START} ... {END} block")
    return f"{document[: start + len(START)]}\n\n{block}\n\n{document[end:]}"
