"""The business clock: every date in siyu is a day in Asia/Shanghai."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BUSINESS_TIME_ZONE = "Asia/Shanghai"


def business_today() -> date:
    return datetime.now(ZoneInfo(BUSINESS_TIME_ZONE)).date()


def days_between(first: date, last: date) -> list[date]:
    """Every day from first to last, both included (empty when last is before first)."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
