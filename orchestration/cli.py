"""`siyu`: the command line a data engineer starts with (`siyu run`, `siyu prepare-home`)."""

import argparse
import contextlib
import logging
import os
import shutil
import sys
import time
from datetime import date, datetime
from pathlib import Path

from ingestion.settings import Settings, load_settings
from ingestion.sources import ALL_SPECS
from ingestion.warehouse import connect

REPO_ROOT = Path(__file__).resolve().parents[1]


def prepare_home(settings: Settings) -> None:
    """Create SIYU_HOME's folders and the Dagster instance folder with the repo's dagster.yaml."""
    for folder in (settings.home, settings.logs_dir, settings.dagster_home, settings.sources_dir):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", settings.dagster_home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    os.environ["SIYU_WAREHOUSE_PATH"] = str(settings.warehouse_path)


def ensure_demo_sources(settings: Settings) -> None:
    if not settings.is_demo or any(settings.sources_dir.iterdir()):
        return
    from ingestion.simulator import simulate_brand

    print(
        f"Generating the demo brand ({settings.demo_customers} customers, "
        f"{settings.demo_days} days, seed {settings.demo_seed}) in {settings.sources_dir}"
    )
    simulate_brand(
        settings.sources_dir,
        customers=settings.demo_customers,
        days=settings.demo_days,
        seed=settings.demo_seed,
        bad_row_rate=settings.demo_bad_row_rate,
    )


def run_nightly(
    settings: Settings,
    file_days: tuple[date, date] | None = None,
    raw_only: bool = False,
) -> int:
    """Run the nightly job in this process: every new file, or those dated in `file_days`."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.defs.ingestion.date_range import range_run_config
    from orchestration.defs.ingestion.raw_tables import raw_asset_key
    from orchestration.progress import ProgressHandler

    log_path = settings.logs_dir / f"run-{datetime.now():%Y%m%d-%H%M%S}.log"
    progress = logging.getLogger("siyu.progress")
    progress.handlers.clear()
    terminal = ProgressHandler(sys.stdout)
    progress.addHandler(terminal)
    started = time.monotonic()
    job = defs.resolve_job_def("nightly")
    raw_keys = [raw_asset_key(spec) for spec in ALL_SPECS]
    first, last = file_days or (None, None)
    landing_range = range_run_config([key.to_python_identifier() for key in raw_keys], first, last)
    with log_path.open("w", encoding="utf-8") as log_file:
        progress.addHandler(ProgressHandler(log_file))
        # dbt's own output goes to the run log; the terminal shows one line per step
        with DagsterInstance.get() as instance, contextlib.redirect_stdout(log_file):
            result = job.execute_in_process(
                instance=instance,
                run_config={"loggers": {"progress": {}}, **landing_range},
                asset_selection=raw_keys if raw_only else None,
                raise_on_error=False,
            )
        seconds = time.monotonic() - started
        summary = build_summary(settings, result.run_id, result.success, seconds)
        summary += f"\nAsset checks passed: {terminal.checks_passed}"
        log_file.write(summary + "\n")
    print(summary)
    print(f"Log: {log_path}")
    return 0 if result.success else 1


def build_summary(settings: Settings, run_id: str, success: bool, seconds: float) -> str:
    lines = [
        "",
        f"siyu nightly run {run_id[:8]}: {'succeeded' if success else 'FAILED'} in {seconds:.1f}s",
    ]
    with connect(settings.warehouse_path, read_only=True) as conn:
        loads = conn.execute(
            "select raw_table, count(*), sum(rows_in), sum(rows_loaded), sum(rows_quarantined), "
            "sum(rows_duplicate) from raw._load_manifest where load_id = $run "
            "group by raw_table order by raw_table",
            {"run": run_id},
        ).fetchall()
        lines.append("Rows landed this run (files / in / loaded / quarantined / duplicate):")
        lines += [
            f"  raw.{table:<24} {files:>5} {rows_in:>9} {loaded:>9} {quarantined:>6} {dup:>6}"
            for table, files, rows_in, loaded, quarantined, dup in loads
        ]
        if not loads:
            lines.append("  nothing new: every file was already loaded")
        marts = [
            name
            for (name,) in conn.execute(
                "select table_name from duckdb_tables() "
                "where schema_name = 'marts' order by table_name"
            ).fetchall()
        ]
        customers = (
            conn.execute("select count(*) from marts.dim_customers").fetchone()[0]
            if "dim_customers" in marts
            else 0
        )
    lines.append(f"Customers (OneIDs) in marts.dim_customers: {customers}")
    lines.append("Marts: " + ", ".join(f"marts.{name}" for name in marts))
    lines += [
        f"Warehouse: {settings.warehouse_path}",
        f"Sources:   {settings.sources_dir}",
        f"Dagster:   {settings.dagster_home}  (open the UI with `make dev`)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="siyu", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the nightly job now (demo brand by default)")
    run.add_argument(
        "--raw-only", action="store_true", help="only land the raw tables; leave the models"
    )
    commands.add_parser("prepare-home", help="create SIYU_HOME and the Dagster instance folder")
    backfill = commands.add_parser(
        "backfill",
        help="land the files (and API days) dated in a range, then rebuild what depends on them",
    )
    backfill.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
    backfill.add_argument("--to", dest="last", type=date.fromisoformat, required=True)
    backfill.add_argument(
        "--raw-only", action="store_true", help="only land the raw tables; leave the models"
    )
    explain = commands.add_parser(
        "explain-link",
        help="why two identifiers share a OneID (the edges between them), or why they do not",
    )
    explain.add_argument("first", metavar="TYPE:VALUE", help="e.g. phone:13812345678")
    explain.add_argument("second", metavar="TYPE:VALUE", help="e.g. pos_member_card:M000123")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "explain-link":  # read-only: no folders to prepare
        return explain_identifier_link(settings, args.first, args.second)
    prepare_home(settings)
    if args.command == "prepare-home":
        return 0
    if args.command == "backfill":
        return backfill_range(settings, args.first, args.last, args.raw_only)
    ensure_demo_sources(settings)
    return run_nightly(settings, raw_only=args.raw_only)


def backfill_range(settings: Settings, first: date, last: date, raw_only: bool) -> int:
    if last < first:
        print(f"--to {last} is before --from {first}")
        return 2
    return run_nightly(settings, (first, last), raw_only)


def explain_identifier_link(settings: Settings, first: str, second: str) -> int:
    """Print the path linking two identifiers; exit 1 when they are not linked."""
    from identity.explain import explain_link
    from identity.explain_text import explanation_lines
    from identity.rules import parse_identifier
    from ingestion.pseudonymise import load_key

    key = load_key(is_demo=settings.is_demo, secrets_dir=settings.secrets_dir)
    a, b = parse_identifier(first, key), parse_identifier(second, key)
    with connect(settings.warehouse_path, read_only=True) as conn:
        answer = explain_link(conn, a, b)
    print("\n".join(explanation_lines(answer)))
    return 0 if answer.linked else 1


if __name__ == "__main__":
    sys.exit(main())
