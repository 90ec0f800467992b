"""One erasure request end to end, for `siyu erase` and the Dagster job `erasure`.

Order matters: the registry entry is written before anything is deleted, so a run killed
midway can only leave the person in the warehouse (the request is then simply repeated), never
let them land again. Everything after the registry runs with the warehouse lock held.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from ingestion.pseudonymise import load_key, normalise_phone
from ingestion.settings import Settings
from ingestion.warehouse import connect
from ingestion.warehouse_lock import hold_warehouse
from lake.export import export_to_lake, lake_holds_an_export
from privacy.compact import compact_warehouse
from privacy.erasure import ErasureRequest, erase_from_warehouse, occurrences, resolve_person
from privacy.registry import ErasureRegistry, load_erasure_key, registry_path
from privacy.scrub import PUBLISH_FOLDER, refresh_warehouse_copies, republish, scan_files
from privacy.scrub import scrub_files as scrub_home_files


@dataclass
class ErasureOutcome:
    """Counts only: printed by the command, logged and kept as Dagster metadata."""

    request_id: str
    found_in_oneid: bool = False
    identifiers: int = 0
    registry_entries_added: int = 0
    raw_rows_deleted: int = 0
    raw_values_removed: int = 0
    quarantine_rows_deleted: int = 0
    model_rows_deleted: int = 0
    tables_touched: int = 0
    warehouse_bytes_before: int = 0
    warehouse_bytes_after: int = 0
    warehouse_copies_wiped: int = 0
    bi_republished: bool = False
    bi_old_builds_deleted: int = 0
    lake_tables_rewritten: int = 0
    dagster_rows_deleted: int = 0
    log_lines_removed: int = 0
    files_deleted: int = 0
    # the checks after: all must be 0
    warehouse_rows_remaining: int = 0
    bi_rows_remaining: int = 0
    files_still_holding: int = 0
    remaining_by_table: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not (
            self.warehouse_rows_remaining or self.bi_rows_remaining or self.files_still_holding
        )

    def as_metadata(self) -> dict[str, int | bool]:
        return {
            name: value
            for name, value in self.__dict__.items()
            if isinstance(value, int | bool) and name != "remaining_by_table"
        }

    def lines(self) -> list[str]:
        verdict = "complete" if self.complete else "INCOMPLETE"
        lines = [f"Erasure {self.request_id[:8]}: {verdict}"]
        lines += [f"  {name}: {value}" for name, value in self.as_metadata().items()]
        lines += [f"  still in {table}: {n} rows" for table, n in self.remaining_by_table.items()]
        return lines


def erase_person(
    settings: Settings,
    request: ErasureRequest,
    *,
    run_id: str | None = None,
    log: Callable[[str], None] = print,
) -> ErasureOutcome:
    run_id = run_id or str(uuid.uuid4())
    outcome = ErasureOutcome(request_id=run_id)
    key = load_key(is_demo=settings.is_demo, secrets_dir=settings.secrets_dir)
    erasure_key = load_erasure_key(settings)
    registry = ErasureRegistry(registry_path(settings))
    warehouse = settings.warehouse_path
    with hold_warehouse(warehouse, run_id=run_id, command="siyu erase", on_wait=log):
        if warehouse.exists():
            with connect(warehouse, read_only=True) as conn:
                person = resolve_person(conn, request, key)
        else:
            person = resolve_person_without_warehouse(request, key)
        outcome.found_in_oneid = person.found
        outcome.identifiers = len(person.identifiers)
        outcome.registry_entries_added = registry.add(
            run_id, request.type, person.tags(erasure_key)
        )
        log(f"Registered {outcome.identifiers} identifier(s) of the person in the erasure registry")
        values = person.values()
        if warehouse.exists():
            with connect(warehouse) as conn:
                counts = erase_from_warehouse(conn, person)
            outcome.raw_rows_deleted = counts.raw_rows_deleted
            outcome.raw_values_removed = counts.raw_values_removed
            outcome.quarantine_rows_deleted = counts.quarantine_rows_deleted
            outcome.model_rows_deleted = counts.model_rows_deleted
            outcome.tables_touched = len(counts.tables_touched)
            log(f"Deleted the person's rows from {outcome.tables_touched} table(s); compacting")
            compaction = compact_warehouse(warehouse)
            outcome.warehouse_bytes_before = compaction.bytes_before
            outcome.warehouse_bytes_after = compaction.bytes_after
            outcome.warehouse_copies_wiped = refresh_warehouse_copies(warehouse)
            published = republish(settings.home, warehouse, run_id)
            outcome.bi_republished = published.published
            outcome.bi_old_builds_deleted = published.old_builds_deleted
            # the lake is one more copy of the raw tables: written again without the person
            if lake_holds_an_export(settings.lake_uri):
                exported = export_to_lake(warehouse, settings.lake_uri)
                outcome.lake_tables_rewritten = len(exported)
        needles = values + _plain_request_values(request)
        scrubbed = scrub_home_files(_scrubbed_roots(settings), needles, _not_scrubbed(settings))
        outcome.dagster_rows_deleted = scrubbed.sqlite_rows_deleted
        outcome.log_lines_removed = scrubbed.text_lines_removed
        outcome.files_deleted = scrubbed.files_deleted
        _verify(settings, values, needles, outcome)
    return outcome


def resolve_person_without_warehouse(request: ErasureRequest, key):
    """Nothing landed yet: the requested identifier alone goes to the registry."""
    with duckdb.connect() as conn:
        return resolve_person(conn, request, key)


def _plain_request_values(request: ErasureRequest) -> list[str]:
    """The phone as typed and normalised: no file siyu writes may hold it either."""
    if request.type != "phone":
        return []
    normalised = normalise_phone(request.value)
    return [normalised] if normalised else []


def _scrubbed_roots(settings: Settings):
    roots = [settings.logs_dir, settings.dagster_home, settings.home / "dbt"]
    return [r for r in roots if r.exists()]


def _not_scrubbed(settings: Settings):
    """Sources are the platforms' own files; keys and the registry hold no identifier."""
    return [settings.sources_dir, settings.secrets_dir, registry_path(settings).parent]


def _verify(settings: Settings, values: list[str], needles: list[str], outcome) -> None:
    warehouse = settings.warehouse_path
    if warehouse.exists():
        with connect(warehouse, read_only=True) as conn:
            outcome.remaining_by_table = occurrences(conn, values)
        outcome.warehouse_rows_remaining = sum(outcome.remaining_by_table.values())
    bi = settings.home / PUBLISH_FOLDER / "siyu.duckdb"
    if bi.exists():
        with connect(bi, read_only=True) as conn:
            bi_hits = occurrences(conn, values)
        outcome.bi_rows_remaining = sum(bi_hits.values())
        outcome.remaining_by_table |= {f"publish:{t}": n for t, n in bi_hits.items()}
    skip = [settings.sources_dir, settings.secrets_dir, registry_path(settings).parent]
    outcome.files_still_holding = scan_files([settings.home], needles, skip)
