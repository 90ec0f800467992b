"""The nightly job over the whole graph, and its 02:00 Asia/Shanghai schedule."""

import dagster as dg

from orchestration.progress import progress_logger

nightly_job = dg.define_asset_job(
    name="nightly",
    selection=dg.AssetSelection.all(),
    description="Land every source, resolve OneID, build staging, customers and marts.",
    # one process for all steps: a process per step costs ~1 s each on 2 cores
    executor_def=dg.in_process_executor,
)

nightly_schedule = dg.ScheduleDefinition(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    # `siyu run` picks "progress"; runs launched by the schedule or the UI keep "console"
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)
