"""Seconds per Dagster step of the runs a stage started, as JSON: each step's durations summed
over the steps that started between two times (a stage's start and end, epoch seconds).

    python -m benchmarks.dagster_steps $SIYU_HOME/dagster SINCE UNTIL
"""

import json
import os
import sys


def step_durations(dagster_home: str, since: float, until: float) -> dict[str, float]:
    os.environ["DAGSTER_HOME"] = dagster_home
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        durations: dict[str, float] = {}
        for run in instance.get_runs():
            starts = {}
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or not since <= record.timestamp <= until:
                    continue
                if event.event_type_value == "STEP_START":
                    starts[event.step_key] = record.timestamp
                elif event.event_type_value == "STEP_SUCCESS" and event.step_key in starts:
                    seconds = record.timestamp - starts[event.step_key]
                    durations[event.step_key] = durations.get(event.step_key, 0.0) + seconds
    return durations


if __name__ == "__main__":
    print(json.dumps(step_durations(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]))))
