"""A terse progress logger for the command line: one line per step and per check, no values."""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

_SHOWN = {
    "STEP_START": "start",
    "STEP_SUCCESS": "done ",
    "STEP_FAILURE": "FAIL ",
    "STEP_SKIPPED": "skip ",
    "ASSET_CHECK_EVALUATION": "check",
}


class ProgressHandler(logging.Handler):
    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stdout
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        if event is None or event.event_type_value not in _SHOWN:
            return
        elapsed = time.monotonic() - self.started
        label = _SHOWN[event.event_type_value]
        subject = meta.get("step_key") or ""
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            verdict = "passed" if evaluation.passed else "FAILED"
            subject = f"{evaluation.asset_check_key.name} on "
            subject += f"{evaluation.asset_key.to_user_string()}: {verdict}"
        elif event.event_type_value == "STEP_FAILURE":
            subject += f": {event.event_specific_data.error.message.strip().splitlines()[-1]}"
        self.stream.write(f"[{elapsed:6.1f}s] {label} {subject}\n")
        self.stream.flush()


@dg.logger(description="One line per step and per asset check, for `siyu run`.")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.getLogger("siyu.progress")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(ProgressHandler())
    return logger
