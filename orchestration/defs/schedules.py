"""The nightly job over the whole graph, its 02:00 Asia/Shanghai schedule, and the drop sensor."""

import dagster as dg

from ingestion.business_days import BUSINESS_TIME_ZONE
from ingestion.settings import load_settings
from orchestration.defs.ingestion.drop_sensor import new_source_files_sensor
from orchestration.defs.lake.input_tables import nightly_selection
from orchestration.progress import progress_logger

nightly_job = dg.define_asset_job(
    name="nightly",
    selection=nightly_selection(load_settings().lake_export),
    description="Land every new file (and the last week of API days), resolve OneID, build "
    "staging, customers and marts.",
    # one process for all steps: a process per step costs ~1 s each on 2 cores
    executor_def=dg.in_process_executor,
)


# every new file, however late its date, lands in the next nightly run
nightly_schedule = dg.ScheduleDefinition(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone=BUSINESS_TIME_ZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


defs = dg.Definitions(
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[new_source_files_sensor],
    # `siyu run` picks "progress"; runs launched by the schedule or the UI keep "console"
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)
