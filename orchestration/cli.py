"""`siyu`: the command line a data engineer starts with (`siyu run`, `siyu prepare-home`)."""

import argparse
import contextlib
import logging
import os
import shutil
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from ingestion.settings import Settings, load_settings
from ingestion.warehouse import connect
from ingestion.warehouse_lock import hold_warehouse, share_warehouse

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
    """Run the nightly job in this process: every new file, or those dated in `file_days`.
    Another run writing the warehouse is waited for, not failed on (docs/operations.md)."""
    from orchestration.run_safety import after_successful_run, before_run, cli_instance

    run_id = str(uuid.uuid4())
    command = "siyu backfill" if file_days else "siyu run"
    with hold_warehouse(settings.warehouse_path, run_id=run_id, command=command):
        with cli_instance(settings.dagster_home) as instance:
            before_run(settings, instance)
            code = _run_nightly_job(settings, instance, run_id, file_days, raw_only)
        if code == 0 and (good := after_successful_run(settings)) is not None:
            print(f"Last good copy: {good}")
    return code


def _run_nightly_job(settings, run_instance, run_id, file_days, raw_only) -> int:
    from orchestration.definitions import defs
    from orchestration.defs.alerts.hook import report_and_alert
    from orchestration.defs.ingestion.date_range import range_run_config
    from orchestration.defs.ingestion.raw_tables import RAW_ASSET_KEYS
    from orchestration.progress import ProgressHandler
    from orchestration.run_safety import CLI_RUN_TAGS

    log_path = settings.logs_dir / f"run-{datetime.now():%Y%m%d-%H%M%S}.log"
    progress = logging.getLogger("siyu.progress")
    progress.handlers.clear()
    terminal = ProgressHandler(sys.stdout)
    progress.addHandler(terminal)
    started = time.monotonic()
    job = defs.resolve_job_def("nightly")
    raw_keys = RAW_ASSET_KEYS
    first, last = file_days or (None, None)
    landing_range = range_run_config([key.to_python_identifier() for key in raw_keys], first, last)
    with log_path.open("w", encoding="utf-8") as log_file:
        progress.addHandler(ProgressHandler(log_file))
        # dbt's own output goes to the run log; the terminal shows one line per step
        with contextlib.redirect_stdout(log_file):
            result = job.execute_in_process(
                instance=run_instance,
                run_config={"loggers": {"progress": {}}, **landing_range},
                asset_selection=raw_keys if raw_only else None,
                raise_on_error=False,
                run_id=run_id,
                tags=CLI_RUN_TAGS,
            )
        with alert_lines_to(log_file):
            report, _ = report_and_alert(
                run_instance, result.run_id, settings.logs_dir, settings.warehouse_path
            )
        seconds = time.monotonic() - started
        summary = build_summary(settings, report, seconds)
        log_file.write(summary + "\n")
    print(summary)
    print(f"Log: {log_path}")
    return 0 if result.success else 1


@contextlib.contextmanager
def alert_lines_to(log_file):
    """Alert lines ("siyu.alerts") on the terminal's stderr and in the run log."""
    alerts = logging.getLogger("siyu.alerts")
    handlers = [logging.StreamHandler(sys.stderr), logging.StreamHandler(log_file)]
    for handler in handlers:
        handler.setFormatter(logging.Formatter("ALERT %(levelname)s %(message)s"))
        alerts.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            alerts.removeHandler(handler)


def build_summary(settings: Settings, report, seconds: float) -> str:
    from orchestration.load_report import check_lines, load_lines, report_paths

    success = report.status == "SUCCESS"
    lines = [
        "",
        f"siyu nightly run {report.run_id[:8]}: {'succeeded' if success else 'FAILED'} "
        f"in {seconds:.1f}s",
        *load_lines(report),
        *check_lines(report),
        f"Load report: {report_paths(settings.logs_dir, report.run_id)[1]}",
    ]
    with connect(settings.warehouse_path, read_only=True) as conn:
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
    add_erase_command(commands)
    commands.add_parser(
        "export-lake",
        help="write the raw, identity and clv tables to the lake as Parquet (SIYU_LAKE_PATH)",
    )
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "explain-link":  # read-only: no folders to prepare
        return explain_identifier_link(settings, args.first, args.second)
    if args.command == "erase":
        return erase_person_command(settings, args)
    if args.command == "export-lake":
        return export_lake(settings)
    prepare_home(settings)
    if args.command == "prepare-home":
        return 0
    if args.command == "backfill":
        return backfill_range(settings, args.first, args.last, args.raw_only)
    ensure_demo_sources(settings)
    return run_nightly(settings, raw_only=args.raw_only)


def export_lake(settings: Settings) -> int:
    from lake.export import export_to_lake

    for table in export_to_lake(settings.warehouse_path, settings.lake_uri):
        print(f"{table.schema}.{table.table:<32} {table.rows:>10} rows  {table.location}")
    return 0


ERASE_OPTIONS = ("phone", "unionid", "openid", "external_userid", "oneid")


def add_erase_command(commands) -> None:
    erase = commands.add_parser(
        "erase",
        help="erase one person (PIPL art. 47) from every table, copy, log and the BI file, "
        "and keep them from landing again (docs/privacy.md)",
    )
    which = erase.add_mutually_exclusive_group(required=True)
    for option in ERASE_OPTIONS:
        which.add_argument(
            f"--{option.replace('_', '-')}",
            dest=option,
            metavar="VALUE",
            help="'-' reads the value from stdin (keeps it out of shell history)",
        )


def erase_person_command(settings: Settings, args) -> int:
    """Counts only on the terminal; exit 1 when the checks after the erasure found a trace."""
    from privacy.erasure import ErasureRequest, ErasureRequestError
    from privacy.procedure import erase_person

    kind = next(option for option in ERASE_OPTIONS if getattr(args, option) is not None)
    value = getattr(args, kind)
    if value == "-":
        value = sys.stdin.readline()
    try:
        request = ErasureRequest(kind, value)
    except ErasureRequestError as error:
        print(f"siyu erase: {error}")
        return 2
    prepare_home(settings)
    outcome = erase_person(settings, request)
    print("\n".join(outcome.lines()))
    return 0 if outcome.complete else 1


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
    # a shared lock: a reader's open file would stop a run's next step from opening it; while
    # a run holds the warehouse, read the last good copy instead of waiting for the run
    with share_warehouse(settings.warehouse_path, wait=False) as shared:
        if shared:
            with connect(settings.warehouse_path, read_only=True) as conn:
                answer = explain_link(conn, a, b)
    if not shared:
        answer = explain_while_a_run_writes(settings, a, b)
    print("\n".join(explanation_lines(answer)))
    return 0 if answer.linked else 1


def explain_while_a_run_writes(settings: Settings, a, b):
    """The answer from the last good copy when there is one, else after the run."""
    from identity.explain import explain_link
    from ingestion.warehouse_recovery import last_good_path

    good = last_good_path(settings.warehouse_path)
    if good.exists():
        saved = datetime.fromtimestamp(good.stat().st_mtime).isoformat(timespec="seconds")
        print(f"A run is writing the warehouse: answering from the last good copy of {saved}")
        with connect(good, read_only=True) as conn:
            return explain_link(conn, a, b)
    warehouse = settings.warehouse_path
    with share_warehouse(warehouse), connect(warehouse, read_only=True) as conn:
        return explain_link(conn, a, b)


if __name__ == "__main__":
    sys.exit(main())
