"""The demo mall's API: a real HTTP server on 127.0.0.1 speaking the mall contract.

It serves `<data_dir>/<orders|members>/<yyyymmdd>.jsonl` (one API item per line, filed under the
Asia/Shanghai day of its `updated_at`), as the simulator writes them. Pages are ordered by
`updated_at`, then id, so identical data always gives byte-identical pages. Faults can be
injected by request number to exercise a client's retries and failures.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ingestion.business_days import days_between
from ingestion.http_api import SHANGHAI

ENTITY_IDS = {"orders": "order_no", "members": "member_id"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Faults:
    """Requests to answer badly, numbered from 1 over the server's life (retries count too)."""

    server_error_on: Collection[int] = ()  # answered 500
    rate_limit_on: Collection[int] = ()  # answered 429 with Retry-After
    retry_after_seconds: int = 1
    error_code_on: Collection[int] = ()  # answered 200 with a non-zero code
    error_code: int = 40010


@dataclass(frozen=True)
class _Reply:
    status: int
    payload: dict
    headers: tuple[tuple[str, str], ...] = ()


def _error(status: int, message: str, code: int | None = None) -> _Reply:
    return _Reply(status, {"code": code or status, "message": message, "data": None})


class _BadRequest(ValueError):
    pass


class MallApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, data_dir: Path, token: str, faults: Faults):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.data_dir, self.token, self.faults = data_dir, token, faults
        self._lock = threading.Lock()
        self._requests = 0
        self._windows: dict[str, tuple[tuple, list[dict]]] = {}  # last window per entity

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, path: str, authorization: str | None) -> _Reply:
        with self._lock:
            self._requests += 1
            number = self._requests
        if number in self.faults.server_error_on:
            return _error(500, "internal error")
        if number in self.faults.rate_limit_on:
            seconds = str(self.faults.retry_after_seconds)
            return _Reply(429, {"code": 429, "message": "too many requests", "data": None},
                          (("Retry-After", seconds),))  # fmt: skip
        if authorization != f"Bearer {self.token}":
            return _error(401, "invalid token")
        url = urlsplit(path)
        entity = url.path.removeprefix("/v1/")
        if entity not in ENTITY_IDS:
            return _error(404, "no such endpoint")
        try:
            start, end, limit, position = _query(parse_qs(url.query))
        except _BadRequest as error:
            return _error(400, str(error))
        if number in self.faults.error_code_on:
            return _error(200, "upstream unavailable", self.faults.error_code)
        records = self._records(entity, start, end)
        items = records[position : position + limit]
        has_more = position + len(items) < len(records)
        next_cursor = _cursor(position + len(items)) if has_more else None
        data = {"items": items, "next_cursor": next_cursor, "has_more": has_more}
        return _Reply(200, {"code": 0, "message": "ok", "data": data})

    def _records(self, entity: str, start: datetime, end: datetime) -> list[dict]:
        """Items updated in [start, end) in page order, cached until a day file changes."""
        folder = self.data_dir / entity
        first = start.astimezone(SHANGHAI).date()
        last = (end - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
        # the window's day files by name: listing two years of files on every page costs ms
        named = (folder / f"{day:%Y%m%d}.jsonl" for day in days_between(first, last))
        files = [path for path in named if path.is_file()]
        stamp = (start, end, tuple((p.name, _version(p)) for p in files))
        with self._lock:
            cached = self._windows.get(entity)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        id_field = ENTITY_IDS[entity]
        keyed = []
        for path in files:
            for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
                if not line.strip():
                    continue
                item = json.loads(line)
                updated = _as_shanghai(datetime.fromisoformat(item["updated_at"]))
                if start <= updated < end:
                    keyed.append((updated, str(item[id_field]), path.name, line_no, item))
        records = [entry[-1] for entry in sorted(keyed, key=lambda entry: entry[:4])]
        with self._lock:
            self._windows[entity] = (stamp, records)
        return records


class _Handler(BaseHTTPRequestHandler):
    server: MallApiServer

    def do_GET(self) -> None:
        try:
            reply = self.server.reply(self.path, self.headers.get("Authorization"))
        except Exception:  # a broken day file: answer like a real server would
            reply = _error(500, "internal error")
        body = json.dumps(reply.payload, ensure_ascii=False, separators=(",", ":")).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass  # the client logs what matters; per-request lines would only add noise


def _version(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _as_shanghai(moment: datetime) -> datetime:
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment


def _query(params: dict[str, list[str]]) -> tuple[datetime, datetime, int, int]:
    def one(name: str) -> str | None:
        values = params.get(name)
        return values[0] if values else None

    try:
        start = _as_shanghai(datetime.fromisoformat(one("updated_from") or ""))
        end = _as_shanghai(datetime.fromisoformat(one("updated_to") or ""))
    except ValueError:
        raise _BadRequest("updated_from and updated_to must be ISO times") from None
    limit_text = one("limit") or str(DEFAULT_LIMIT)
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise _BadRequest(f"limit must be 1..{MAX_LIMIT}")
    cursor = one("cursor")
    return start, end, int(limit_text), _position(cursor) if cursor else 0


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"position": position}).encode()).decode()


def _position(cursor: str) -> int:
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))["position"]
    except (ValueError, KeyError, TypeError):
        raise _BadRequest("unknown cursor") from None
    if not isinstance(position, int) or position < 0:
        raise _BadRequest("unknown cursor")
    return position


@contextmanager
def serve(data_dir: Path, token: str, faults: Faults | None = None) -> Iterator[str]:
    """Serve `data_dir` on an ephemeral port for the block; yields the base URL."""
    server = MallApiServer(Path(data_dir), token, faults or Faults())
    # a short poll interval keeps shutdown fast: extraction starts one server per entity-day
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
