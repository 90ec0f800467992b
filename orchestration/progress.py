"""A terse progress logger for the command line: one line per step and per check, no values."""

import logging
import sys
import time

import dagster as dg

_SHOWN = {
    "STEP_START": "start",
    "STEP_SUCCESS": "done ",
    "STEP_FAILURE": "FAIL ",
    "STEP_SKIPPED": "skip ",
    "ASSET_CHECK_EVALUATION": "FAILED check",  # passed checks are only counted
}


class ProgressHandler(logging.Handler):
    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stdout
        self.started = time.monotonic()
        self.checks_passed = 0

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
            if evaluation.passed:
                self.checks_passed += 1
                return  # only failures are worth a line; the summary counts the rest
            subject = (
                f"{evaluation.asset_check_key.name} on {evaluation.asset_key.to_user_string()}"
            )
        elif event.event_type_value == "STEP_FAILURE":
            subject += f": {root_cause(event.event_specific_data.error)}"
        self.stream.write(f"[{elapsed:6.1f}s] {label} {subject}\n")
        self.stream.flush()


def root_cause(error) -> str:
    """The user-facing message under Dagster's wrapper errors."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[-1]


@dg.logger(description="One line per step and per asset check, for `siyu run`.")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.getLogger("siyu.progress")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(ProgressHandler())
    return logger
