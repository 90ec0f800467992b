"""The nightly job over the whole graph, its 02:00 Asia/Shanghai schedule, and the drop sensor."""

from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.ingestion.drop_sensor import new_source_files_sensor
from orchestration.defs.ingestion.partitions import BUSINESS_TIME_ZONE, nightly_range_tags
from orchestration.progress import progress_logger

nightly_job = dg.define_asset_job(
    name="nightly",
    selection=dg.AssetSelection.all(),
    description="Land every source for a partition range, resolve OneID, build staging, "
    "customers and marts.",
    # one process for all steps: a process per step costs ~1 s each on 2 cores
    executor_def=dg.in_process_executor,
)


@dg.schedule(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone=BUSINESS_TIME_ZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Last week's partitions up to today: new files and files a few days late."""
    today = context.scheduled_execution_time.astimezone(ZoneInfo(BUSINESS_TIME_ZONE)).date()
    return dg.RunRequest(tags=nightly_range_tags(today))


defs = dg.Definitions(
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[new_source_files_sensor],
    # `siyu run` picks "progress"; runs launched by the schedule or the UI keep "console"
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)
