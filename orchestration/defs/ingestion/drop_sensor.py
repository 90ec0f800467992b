"""A sensor that notices files dropped in the source folders and lands them.

It never opens the warehouse (an open reader would block the writer): new files are those whose
inode change time is past the cursor, which a copy or a move always sets, even `cp -p`. Files it
requests that were already landed are skipped by their stamp or content hash: a false alarm
costs a scan.
"""

import json
import time

import dagster as dg

from ingestion.landing import RawTableSpec
from ingestion.settings import load_settings
from ingestion.sources import ALL_SPECS
from orchestration.defs.ingestion.raw_tables import raw_asset_key

SENSOR_INTERVAL_SECONDS = 60
SETTLE_SECONDS = 30  # a file modified this recently may still be being written: next tick


def new_drops(specs: list[RawTableSpec], sources_root, since_ns: int):
    """The raw tables with settled files changed after `since_ns`, and the next cursor: never
    past a file still settling, so that it is seen on a later tick."""
    tables: set[str] = set()
    newest, settling = since_ns, None
    settled_before = time.time() - SETTLE_SECONDS
    for spec in specs:
        for found in spec.files(sources_root):
            if found.ctime_ns <= since_ns:
                continue
            if found.mtime_ns / 1e9 >= settled_before:
                settling = min(settling or found.ctime_ns, found.ctime_ns)
                continue
            tables.add(spec.name)
            newest = max(newest, found.ctime_ns)
    if settling is not None:
        newest = max(since_ns, min(newest, settling - 1))
    return sorted(tables), newest


@dg.sensor(
    name="new_source_files",
    job_name="nightly",
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Lands files dropped in the source folders (not the API sources, which the "
    "nightly run fetches): one run for the raw tables that have new files.",
)
def new_source_files_sensor(context: dg.SensorEvaluationContext):
    settings = load_settings()
    state = json.loads(context.cursor) if context.cursor else {"ctime_ns": 0}
    drops = [spec for spec in ALL_SPECS if spec.extract is None]
    if not settings.sources_dir.exists():
        return dg.SkipReason(f"{settings.sources_dir} does not exist yet")
    tables, newest = new_drops(drops, settings.sources_dir, state["ctime_ns"])
    if not tables:
        return dg.SkipReason("no new files")
    context.update_cursor(json.dumps({"ctime_ns": newest}))
    return dg.RunRequest(
        run_key=str(newest),
        asset_selection=[raw_asset_key(spec) for spec in drops if spec.name in tables],
    )
