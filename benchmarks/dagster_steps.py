"""Seconds per Dagster step of the runs in a Dagster home, as JSON: each step's first run
(landing in the ingestion run, dbt in the build), oldest run first.

    python -m benchmarks.dagster_steps $SIYU_HOME/dagster
"""

import json
import os
import sys


def step_durations(dagster_home: str) -> dict[str, float]:
    os.environ["DAGSTER_HOME"] = dagster_home
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        starts, durations = {}, {}
        for run in reversed(instance.get_runs()):  # oldest first
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


if __name__ == "__main__":
    print(json.dumps(step_durations(sys.argv[1])))
