"""A small client for JSON APIs that page with a cursor over an `updated_from/updated_to` window.

Standard library only. Rate limits (429) and server errors (5xx) are retried with exponential
backoff; anything else fails at once. Errors name the endpoint, the window's day and the page,
never a value from a request or a response.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from ingestion.errors import LoadBlockedError

log = logging.getLogger(__name__)

# Asia/Shanghai has kept +08:00 without daylight saving since 1991: a fixed offset is exact
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ApiError(LoadBlockedError):
    """An extraction stopped; the day it was fetching keeps what it had before."""

    def __init__(self, endpoint: str, day: str, page: int, reason: str, status: int | None = None):
        self.endpoint, self.day, self.page, self.status = endpoint, day, page, status
        super().__init__(
            f"GET {endpoint} for {day}, page {page}: {reason}. Nothing was saved for {day}."
        )


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # per page, the first try included
    base_delay: float = 1.0  # seconds before the first retry; doubles each time
    max_delay: float = 60.0

    def backoff(self, retry: int) -> float:
        return min(self.base_delay * 2 ** (retry - 1), self.max_delay)


@dataclass(frozen=True)
class Window:
    """Records updated in [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def business_day(cls, day: date) -> Window:
        start = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
        return cls(start, start + timedelta(days=1))

    @property
    def label(self) -> str:
        if self.end - self.start == timedelta(days=1) and self.start.time() == datetime.min.time():
            return self.start.date().isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def params(self) -> dict[str, str]:
        return {"updated_from": self.start.isoformat(), "updated_to": self.end.isoformat()}


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    body: bytes  # the response exactly as received
    items: list
    has_more: bool
    next_cursor: str | None


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    retry_after: str | None


class CursorClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        page_size: int = 100,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._page_size = page_size
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._sleep = sleep
        host = urllib.parse.urlsplit(self._base_url).hostname
        # a local server must not be sent through a proxy configured for the outside world
        handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK_HOSTS else []
        self._opener = urllib.request.build_opener(*handlers)

    def pages(self, endpoint: str, window: Window) -> Iterator[Page]:
        """Every page of the window, following `next_cursor` while `has_more`."""
        cursor: str | None = None
        number = 0
        while True:
            number += 1
            params = {**window.params(), "limit": str(self._page_size)}
            if cursor is not None:
                params["cursor"] = cursor
            page = self._fetch(endpoint, params, window.label, number)
            yield page
            if not page.has_more:
                return
            cursor = page.next_cursor

    def _fetch(self, endpoint: str, params: dict[str, str], day: str, number: int) -> Page:
        url = f"{self._base_url}{endpoint}?{urllib.parse.urlencode(params)}"
        last = ""
        for attempt in range(1, self._retry.max_attempts + 1):
            answer, last = self._get(url)
            if answer is not None and answer.status == 200:
                return _page(answer.body, endpoint, day, number)
            if answer is not None and not _retryable(answer.status):
                raise ApiError(endpoint, day, number, _refusal(answer.status), answer.status)
            if attempt == self._retry.max_attempts:
                break
            delay = self._retry.backoff(attempt)
            if answer is not None and answer.status == 429:
                delay = _seconds(answer.retry_after, default=delay)
            log.warning(
                "GET %s for %s, page %d: %s; retry %d of %d in %.1f s",
                endpoint, day, number, last, attempt, self._retry.max_attempts - 1, delay,
            )  # fmt: skip
            self._sleep(delay)
        status = answer.status if answer is not None else None
        reason = f"gave up after {self._retry.max_attempts} attempts, last: {last}"
        raise ApiError(endpoint, day, number, reason, status)

    def _get(self, url: str) -> tuple[_Answer | None, str]:
        """One request: the answer (None when no HTTP answer came) and a value-free description."""
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return _Answer(response.status, response.read(), None), f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            with error:
                answer = _Answer(error.code, b"", error.headers.get("Retry-After"))
            return answer, f"HTTP {error.code}"
        except urllib.error.URLError as error:
            cause = error.reason if isinstance(error.reason, BaseException) else error
            return None, f"connection error ({type(cause).__name__})"
        except (OSError, http.client.HTTPException) as error:
            return None, f"connection error ({type(error).__name__})"


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _refusal(status: int) -> str:
    if status in (401, 403):
        return f"HTTP {status}, the token was refused (check SIYU_MALL_API_TOKEN)"
    return f"HTTP {status}, the request was refused"


def _seconds(value: str | None, default: float) -> float:
    """Retry-After in seconds; the HTTP-date form is rare enough to fall back to the backoff."""
    try:
        return max(float(value), 0.0) if value is not None else default
    except ValueError:
        return default


def _page(body: bytes, endpoint: str, day: str, number: int) -> Page:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(endpoint, day, number, "the response is not JSON", 200) from None
    code = payload.get("code") if isinstance(payload, dict) else None
    if code != 0:
        raise ApiError(endpoint, day, number, f"the API answered code {code}", 200)
    data = payload.get("data")
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ApiError(endpoint, day, number, "the response has no data.items list", 200)
    has_more = data.get("has_more") is True
    next_cursor = data.get("next_cursor")
    if has_more and not isinstance(next_cursor, str):
        raise ApiError(endpoint, day, number, "has_more is true but next_cursor is missing", 200)
    return Page(number, body, items, has_more, next_cursor)
