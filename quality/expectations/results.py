"""What a gate reports: pass or fail and figures (counts, rates, thresholds), never a row value."""

from __future__ import annotations

from dataclasses import dataclass, field

# GE would otherwise attach up to 20 offending values to every failed expectation
RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "return_unexpected_index_query": False,
}
Figure = int | float | str | bool


@dataclass(frozen=True)
class GateOutcome:
    """One check's verdict on one model."""

    model: str
    check_name: str
    passed: bool
    metadata: dict[str, Figure] = field(default_factory=dict)


def counts(result) -> tuple[int, int]:
    """(rows examined, rows not as expected) of a column map expectation's result."""
    figures = result.result
    return int(figures.get("element_count") or 0), int(figures.get("unexpected_count") or 0)


def observed(result):
    """The aggregate an expectation computed (a row count, a mean, a newest date)."""
    return result.result.get("observed_value")


def share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0
