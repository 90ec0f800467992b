"""The erasure registry: who was erased, as second-level keyed hashes only.

A tombstone of the warehouse's own values (phone HMACs, unionids) would itself be the erased
person's identifiers. Each entry is instead a *tag*: HMAC-SHA256 under a separate erasure key of
`<kind>:<value as the warehouse stores it>`. The registry file never holds a value the warehouse
held; landing computes the same tag for each incoming identifier and withholds matching rows.
Without the erasure key the file says only how many identifiers of which kind were erased.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.settings import Settings

ERASURE_KEY_ENV_VAR = "SIYU_ERASURE_KEY"
DEMO_ERASURE_KEY_FILE = "erasure.key"
REGISTRY_ENV_VAR = "SIYU_ERASURE_REGISTRY"
REGISTRY_FILE = Path("privacy") / "erasure_registry.duckdb"  # under SIYU_HOME by default

DDL = (
    """create table if not exists erased_identifiers (
        tag VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, request_id VARCHAR NOT NULL,
        registered_at TIMESTAMP WITH TIME ZONE NOT NULL)""",
    """create table if not exists erasure_requests (
        request_id VARCHAR PRIMARY KEY, requested_by VARCHAR NOT NULL,
        identifiers BIGINT NOT NULL, requested_at TIMESTAMP WITH TIME ZONE NOT NULL)""",
)


class MissingErasureKeyError(RuntimeError):
    pass


@dataclass(frozen=True)
class ErasureKey:
    secret: bytes

    def __repr__(self) -> str:  # keeps the key out of logs and tracebacks
        return "ErasureKey(<hidden>)"

    def tag(self, kind: str, stored_value: str) -> str:
        message = f"{kind}:{stored_value}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


def registry_path(settings: Settings, environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    configured = env.get(REGISTRY_ENV_VAR, "")
    return Path(configured).expanduser().resolve() if configured else settings.home / REGISTRY_FILE


def load_erasure_key(settings: Settings, environ: dict[str, str] | None = None) -> ErasureKey:
    """SIYU_ERASURE_KEY, else (demo mode) secrets/erasure.key, made on first use. It must stay
    the same for the registry's lifetime: a new key makes every entry unmatchable."""
    env = os.environ if environ is None else environ
    configured = env.get(ERASURE_KEY_ENV_VAR, "")
    if configured:
        return ErasureKey(configured.encode("utf-8"))
    if not settings.is_demo:
        raise MissingErasureKeyError(
            f"{ERASURE_KEY_ENV_VAR} is not set: the erasure registry cannot be read or written "
            "without it (docs/privacy.md)."
        )
    key_file = settings.secrets_dir / DEMO_ERASURE_KEY_FILE
    if not key_file.exists():
        settings.secrets_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return ErasureKey(key_file.read_text().strip().encode("utf-8"))


@dataclass(frozen=True)
class RegistrySummary:
    requests: int
    identifiers: int
    by_kind: dict[str, int] = field(default_factory=dict)


class ErasureRegistry:
    """The registry file: written by an erasure (under the warehouse lock), read by landing."""

    def __init__(self, path: Path):
        self.path = path

    def add(self, request_id: str, requested_by: str, tags: dict[str, str]) -> int:
        """Record a request and its tags (tag -> kind); returns how many tags were new."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        with duckdb.connect(str(self.path)) as conn:
            for statement in DDL:
                conn.execute(statement)
            (before,) = conn.execute("select count(*) from erased_identifiers").fetchone()
            conn.executemany(
                "insert or ignore into erased_identifiers values (?, ?, ?, ?)",
                [(tag, kind, request_id, now) for tag, kind in sorted(tags.items())],
            )
            conn.execute(
                "insert or replace into erasure_requests values (?, ?, ?, ?)",
                [request_id, requested_by, len(tags), now],
            )
            (after,) = conn.execute("select count(*) from erased_identifiers").fetchone()
            conn.execute("checkpoint")
        return after - before

    def tags(self) -> frozenset[str]:
        if not self.path.exists():
            return frozenset()
        with duckdb.connect(str(self.path), read_only=True) as conn:
            if not _has_table(conn):
                return frozenset()
            return frozenset(
                t for (t,) in conn.execute("select tag from erased_identifiers").fetchall()
            )

    def summary(self) -> RegistrySummary:
        if not self.path.exists():
            return RegistrySummary(0, 0)
        with duckdb.connect(str(self.path), read_only=True) as conn:
            if not _has_table(conn):
                return RegistrySummary(0, 0)
            (requests,) = conn.execute("select count(*) from erasure_requests").fetchone()
            by_kind = dict(
                conn.execute(
                    "select kind, count(*) from erased_identifiers group by kind order by kind"
                ).fetchall()
            )
        return RegistrySummary(requests, sum(by_kind.values()), by_kind)


def _has_table(conn: duckdb.DuckDBPyConnection) -> bool:
    (count,) = conn.execute(
        "select count(*) from duckdb_tables() where table_name = 'erased_identifiers'"
    ).fetchone()
    return bool(count)
