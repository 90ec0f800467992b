"""Land platform files in raw tables: skip known files, parse, validate, pseudonymise, quarantine.

A load is all or nothing: every new file lands (good rows in raw, bad rows in quarantine, a
manifest entry per file) or, when a file is blocked, nothing does. It commits chunk by chunk (a
two-year history does not fit in one transaction's memory) and deletes what it committed if a
later file is blocked; a load killed midway leaves whole files with their manifest entries, so
the next run goes on from there. The next chunk's files are read on a second thread while one
chunk is parsed and inserted (ingestion/read_ahead.py); only this thread writes the warehouse.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow
import pyarrow.compute as pc

from ingestion.business_days import BUSINESS_TIME_ZONE
from ingestion.errors import LoadBlockedError, MissingColumnError
from ingestion.fields import HASHED_KINDS, PERSONAL_KINDS, Field, Kind, parse_column
from ingestion.json_pages import JsonPages
from ingestion.pseudonymise import PseudonymisationKey, hmac_sql
from ingestion.read_ahead import read_ahead
from ingestion.readers import FILE_INDEX, ROW_NUMBER, ROW_PROBLEM
from ingestion.row_hashes import SeenRowHashes
from ingestion.source_files import SourceFile, list_source_files
from ingestion.warehouse import ensure_raw_table, landed_files
from privacy.withhold import ErasedIdentifiers, configured_erasures

_PATH_DATE = re.compile(r"(?<!\d)(20\d{6})")


def file_date(source: SourceFile) -> date:
    """A file's daily partition: the first valid yyyymmdd in its path, else the day it arrived."""
    for token in _PATH_DATE.findall(source.relative):
        try:
            return datetime.strptime(token, "%Y%m%d").date()
        except ValueError:
            continue
    arrived = pd.Timestamp(source.mtime_ns, unit="ns", tz="UTC").tz_convert(BUSINESS_TIME_ZONE)
    return arrived.date()


@dataclass(frozen=True)
class RawTableSpec:
    """One raw table and the files that feed it."""

    name: str  # raw.<name>, e.g. tmall__orders
    source_dir: str  # folder under the sources root
    file_glob: str
    fields: tuple[Field, ...]
    row_rules: pa.DataFrameSchema  # business rules on the parsed frame (raw column names)
    # how files are read: one at a time (text columns by source name, index = row number), or
    # as saved API pages, many per DuckDB query
    read_file: Callable[[Path], pd.DataFrame] | None = None
    pages: JsonPages | None = None
    # an identical row seen again in one load is a re-export overlap or a re-delivered callback;
    # off where identical rows are real (two equal lines on one receipt)
    identical_rows_are_duplicates: bool = True
    # API sources: fetch into files under source_dir before landing, the given business days or
    # (None) incrementally from the source's own state; returns one report per day (`.items`)
    extract: Callable[[Path, list[date] | None], list] | None = None

    @property
    def landed_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind is not Kind.DROP)

    @cached_property
    def column_presence(self) -> pa.DataFrameSchema:
        """pandera's check that every required column of the platform's file is there."""
        return pa.DataFrameSchema(
            {f.source: pa.Column(required=True, nullable=True) for f in self.fields if f.required}
        )

    @cached_property
    def source_names(self) -> dict[str, str]:
        return {f.raw: f.source for f in self.fields}

    def files(self, sources_root: Path, days: tuple[date, date] | None = None) -> list[SourceFile]:
        """The files of this table, optionally only those whose date lies in [first, last]."""
        found = list_source_files(sources_root, self.source_dir, self.file_glob)
        if days is None:
            return found
        first, last = days
        return [source for source in found if first <= file_date(source) <= last]


@dataclass
class FileReport:
    file: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    values_rejected: int = 0  # personal values nulled in rows that landed (drop_invalid_value)
    rows_erased: int = 0  # rows of people in the erasure registry, withheld (privacy/)


@dataclass
class LoadReport:
    raw_table: str
    load_id: str
    files: list[FileReport] = field(default_factory=list)
    files_skipped: int = 0  # already loaded (same content hash), whatever their name
    values_erased: int = 0  # erased people's ids removed from others' rows (a referral's inviter)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)

    def as_metadata(self) -> dict[str, int]:
        """Counts only: this goes to logs and Dagster event metadata."""
        erased = {"rows_erased": self.total("rows_erased"), "values_erased": self.values_erased}
        return {
            "files_loaded": len(self.files),
            "files_skipped_already_loaded": self.files_skipped,
            "rows_in": self.total("rows_in"),
            "rows_loaded": self.total("rows_loaded"),
            "rows_quarantined": self.total("rows_quarantined"),
            "rows_duplicate": self.total("rows_duplicate"),
            "values_rejected": self.total("values_rejected"),
            # only once the registry withheld something: most loads never meet an erased person
            **(erased if any(erased.values()) else {}),
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# two chunks are in memory at once (one read ahead): half the sizes one chunk alone had
CHUNK_ROWS = 250_000  # files are parsed and inserted together up to this many rows
CHUNK_PAGES = 2_500  # saved API pages read by one DuckDB query


@dataclass(frozen=True)
class _NewFile:
    path: Path
    relative: str
    sha: str
    size: int
    mtime_ns: int
    source: pd.DataFrame | None  # read already (one-at-a-time readers), else read per chunk


def land(
    conn: duckdb.DuckDBPyConnection,
    spec: RawTableSpec,
    sources_root: Path,
    key: PseudonymisationKey,
    load_id: str,
    days: tuple[date, date] | None = None,
    erased: ErasedIdentifiers | None = None,
) -> LoadReport:
    """Land every new file of `spec` (only those dated within `days` when given). Rows of
    people in the erasure registry (`erased`, else the configured one) never land."""
    ensure_raw_table(conn, spec.name, spec.landed_fields)
    erased = configured_erasures() if erased is None else erased
    report = LoadReport(raw_table=spec.name, load_id=load_id)
    seen, stamps = landed_files(conn, spec.name)
    landed_row_hashes = SeenRowHashes()
    new_chunks = _new_chunks(spec, spec.files(sources_root, days), seen, stamps, report)
    conn.begin()
    try:
        # the next chunk's files are read and hashed while this one is parsed and inserted
        with closing(read_ahead(new_chunks)) as chunks:
            for files, source in chunks:
                report.files += _land_chunk(
                    conn, spec, files, source, key, load_id, landed_row_hashes, erased, report
                )
                conn.commit()
                conn.begin()
        conn.commit()
    except BaseException:
        conn.rollback()
        _forget_load(conn, spec.name, load_id)
        raise
    return report


def _new_chunks(spec, found_files, seen, stamps, report):
    """The files not landed yet, in chunks, each with its rows read (`_chunk_source`).
    Runs on the read-ahead thread: `seen` and `report.files_skipped` are touched only here."""
    chunk: list[_NewFile] = []
    chunk_rows = 0
    for found in found_files:
        # a file landed before and untouched since is not hashed again (a nightly re-scan)
        if (found.relative, found.size, found.mtime_ns) in stamps:
            report.files_skipped += 1
            continue
        path, relative = found.path, found.relative
        sha = file_sha256(path)
        if sha in seen:
            report.files_skipped += 1
            continue
        seen.add(sha)
        source = None if spec.pages else _read_one(spec, path, relative)
        chunk.append(_NewFile(path, relative, sha, found.size, found.mtime_ns, source))
        chunk_rows += len(source) if source is not None else 0
        if chunk_rows >= CHUNK_ROWS or len(chunk) >= CHUNK_PAGES:
            yield chunk, _chunk_source(spec, chunk)
            chunk, chunk_rows = [], 0
    if chunk:
        yield chunk, _chunk_source(spec, chunk)


def _forget_load(conn: duckdb.DuckDBPyConnection, raw_table: str, load_id: str) -> None:
    """Delete what the chunks of a blocked load committed, so that nothing of it remains."""
    conn.begin()
    conn.execute(f"delete from raw.{raw_table} where _load_id = $load_id", {"load_id": load_id})
    for bookkeeping in ("_quarantine", "_rejected_values", "_load_manifest"):
        conn.execute(
            f"delete from raw.{bookkeeping} where raw_table = $t and load_id = $load_id",
            {"t": raw_table, "load_id": load_id},
        )
    conn.commit()


def _read_one(spec: RawTableSpec, path: Path, relative: str) -> pd.DataFrame:
    source = spec.read_file(path)
    if len(source.columns):
        _check_columns(spec, source, relative)
    return source


def _chunk_source(spec: RawTableSpec, files: list[_NewFile]) -> pd.DataFrame:
    """The chunk's rows as text, with FILE_INDEX (position in `files`) and ROW_NUMBER."""
    if spec.pages is not None:
        paths, names = [f.path for f in files], [f.relative for f in files]
        frame = spec.pages.read(paths, names, spec.name, spec.fields)
        return frame.rename_axis(ROW_NUMBER).reset_index()
    frames = [f.source.assign(**{FILE_INDEX: i}) for i, f in enumerate(files) if len(f.source)]
    if not frames:
        return pd.DataFrame({ROW_NUMBER: [], FILE_INDEX: []})
    return pd.concat(frames, ignore_index=False).rename_axis(ROW_NUMBER).reset_index()


def _land_chunk(conn, spec, files, source, key, load_id, landed_row_hashes, erased, report):
    """Parse, validate and insert several files at once: per-file work costs ~30 ms each."""
    parsed, reasons, rejected = _parse(spec, source)
    # erased people's rows go before validation: neither raw nor quarantine sees them
    parsed, withheld = erased.withhold(spec.name, spec.landed_fields, parsed, key)
    rejected = [r for r in rejected if r[0] in parsed.index]
    report.values_erased += withheld.values_removed
    _apply_row_rules(spec, parsed, reasons, ", ".join(f.relative for f in files[:3]))
    duplicate = (
        _duplicates(parsed, reasons, landed_row_hashes)
        if spec.identical_rows_are_duplicates
        else pd.Series(False, index=parsed.index)
    )
    bad = pd.Series(parsed.index.isin(list(reasons)), index=parsed.index)
    catalogue = pd.DataFrame(
        {
            FILE_INDEX: range(len(files)),
            "_source_file": [f.relative for f in files],
            "_file_sha256": [f.sha for f in files],
            "_source_size": [f.size for f in files],
            "_source_mtime_ns": [f.mtime_ns for f in files],
        }
    )
    params = {"load_id": load_id}
    _insert_good(conn, spec, parsed[~bad & ~duplicate], catalogue, key, params)
    _insert_quarantine(conn, spec, parsed[bad], reasons, catalogue, key, params)
    skipped = bad | duplicate
    rejected_in_rows = _insert_rejected_values(
        conn, spec, parsed, skipped, rejected, catalogue, params
    )
    counts = (
        pd.DataFrame({FILE_INDEX: parsed[FILE_INDEX], "bad": bad, "duplicate": duplicate & ~bad})
        .groupby(FILE_INDEX)
        .agg(rows_in=("bad", "size"), quarantined=("bad", "sum"), duplicate=("duplicate", "sum"))
        .reindex(catalogue[FILE_INDEX], fill_value=0)
    )
    reports = [
        FileReport(
            file=new_file.relative,
            rows_in=int(row.rows_in) + withheld.rows(index),
            rows_loaded=int(row.rows_in - row.quarantined - row.duplicate),
            rows_quarantined=int(row.quarantined),
            rows_duplicate=int(row.duplicate),
            values_rejected=int(rejected_in_rows.get(index, 0)),
            rows_erased=withheld.rows(index),
        )
        for index, (new_file, row) in enumerate(zip(files, counts.itertuples(), strict=True))
    ]
    # the manifest counts the rows that entered the load: erased ones are not its business
    manifest = catalogue.assign(
        rows_in=[r.rows_in - r.rows_erased for r in reports],
        rows_loaded=[r.rows_loaded for r in reports],
        rows_quarantined=[r.rows_quarantined for r in reports],
        rows_duplicate=[r.rows_duplicate for r in reports],
    )
    with _registered(conn, manifest_rows=manifest):
        conn.execute(
            "insert into raw._load_manifest (file_sha256, raw_table, source_file, load_id, "
            "rows_in, rows_loaded, rows_quarantined, rows_duplicate, loaded_at, source_size, "
            "source_mtime_ns) select _file_sha256, $raw_table, _source_file, $load_id, rows_in, "
            "rows_loaded, rows_quarantined, rows_duplicate, current_timestamp, _source_size, "
            "_source_mtime_ns from manifest_rows",
            {"raw_table": spec.name, "load_id": load_id},
        )
    return reports


@contextmanager
def _registered(conn: duckdb.DuckDBPyConnection, **frames: pd.DataFrame):
    """Frames visible to DuckDB as views for the block, by name."""
    for name, frame in frames.items():
        conn.register(name, frame)
    try:
        yield
    finally:
        for name in frames:
            conn.unregister(name)


def _check_columns(spec: RawTableSpec, source: pd.DataFrame, relative: str) -> None:
    """A missing required column blocks the whole load."""
    try:
        spec.column_presence.validate(source.head(0), lazy=True)
    except pa.errors.SchemaErrors as errors:
        missing = errors.failure_cases.query("check == 'column_in_dataframe'")["failure_case"]
        raise MissingColumnError(relative, str(missing.iloc[0]), spec.name) from None


def _parse(spec: RawTableSpec, source: pd.DataFrame):
    """Parsed columns, the reasons rows must be quarantined, and the values nulled instead."""
    reasons: dict[int, list[tuple[str, str]]] = {}
    rejected: list[tuple[int, str, str]] = []
    if ROW_PROBLEM in source:
        for row, problem in source[ROW_PROBLEM].dropna().items():
            reasons[row] = [("row_shape", str(problem))]
    columns = {}
    for f in spec.landed_fields:
        text = source[f.source] if f.source in source else pd.Series(pd.NA, index=source.index)
        values, failure = parse_column(f, text)
        columns[f.raw] = values
        if failure is not None and f.drop_invalid_value:
            columns[f.raw] = values.mask(values.index.isin(failure.rows))
            rejected += [(row, f.source, failure.rule) for row in failure.rows]
        elif failure is not None:
            for row in failure.rows:
                reasons.setdefault(row, []).append(
                    (f"parse_{f.kind.value}", f"column '{f.source}' {failure.rule}")
                )
    parsed = pd.DataFrame(columns, index=source.index)
    parsed[ROW_NUMBER] = source[ROW_NUMBER].astype("int64")
    parsed[FILE_INDEX] = source[FILE_INDEX].astype("int64")
    return parsed, reasons, rejected


def _apply_row_rules(spec: RawTableSpec, parsed: pd.DataFrame, reasons: dict, files) -> None:
    """pandera business rules on rows that parsed; failures name the column and the check."""
    candidates = parsed[~parsed.index.isin(list(reasons))]
    try:
        spec.row_rules.validate(candidates, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        file_level = cases[cases["index"].isna()]
        if not file_level.empty:
            check = str(file_level.iloc[0]["check"])
            raise LoadBlockedError(
                f"raw.{spec.name}: rule {check} could not be evaluated on {files}"
            ) from None
        row_wide = cases["schema_context"] == "DataFrameSchema"
        for case in cases[~row_wide].itertuples():
            column = spec.source_names.get(case.column, case.column)
            reasons.setdefault(int(case.index), []).append(
                (str(case.check), f"column '{column}' fails {case.check}")
            )
        # a rule across columns is reported once per row, not once per column it saw
        for index, check in (
            cases[row_wide][["index", "check"]].drop_duplicates().itertuples(index=False)
        ):
            reasons.setdefault(int(index), []).append((str(check), f"row fails {check}"))


def _duplicates(parsed: pd.DataFrame, reasons: dict, landed_row_hashes: SeenRowHashes) -> pd.Series:
    """Valid rows whose whole content already landed earlier in this load (first one wins)."""
    content = parsed.drop(columns=[ROW_NUMBER, FILE_INDEX])
    hashes = pd.util.hash_pandas_object(content.apply(_hashable), index=False)
    valid = ~parsed.index.isin(list(reasons))
    seen_before = landed_row_hashes.contains(hashes.to_numpy())
    repeated = valid & (hashes.duplicated().to_numpy() | seen_before)
    landed_row_hashes.add(hashes[valid].to_numpy())
    return pd.Series(repeated, index=parsed.index)


def _hashable(column: pd.Series) -> pd.Series:
    """Numbers and times hash as they are (formatting them as text costs seconds a chunk);
    text and lists hash as text, so a column's hash does not depend on the chunk it is in."""
    if isinstance(column.dtype, pd.ArrowDtype) and arrow.types.is_list(column.dtype.pyarrow_dtype):
        joined = pc.binary_join(column.array._pa_array, "\x1f")
        return pd.Series(pd.arrays.ArrowExtensionArray(joined), index=column.index)
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        return column.astype("string[pyarrow]")
    return column


def _landing_expression(f: Field, column: str) -> str:
    quoted = f'"{column}"'
    if f.kind in HASHED_KINDS:
        return hmac_sql(quoted)
    if f.kind is Kind.PHONE_LIST:
        return f"list_transform({quoted}, phone -> {hmac_sql('phone')})"
    return f"cast({quoted} as {f.sql_type})"


def _with_key_params(sql: str, params: dict, key: PseudonymisationKey) -> dict:
    # DuckDB rejects unused parameters, and tables without personal columns use no key
    return {**params, **key.sql_params()} if "$hmac_" in sql else params


def _insert_good(conn, spec, rows, catalogue, key, params) -> None:
    if rows.empty:
        return
    columns = ", ".join(f'"{f.raw}"' for f in spec.landed_fields)
    values = ", ".join(_landing_expression(f, f.raw) for f in spec.landed_fields)
    sql = (
        f"insert into raw.{spec.name} ({columns}, _load_id, _source_file, _file_sha256, "
        f"_row_number, _loaded_at) select {values}, $load_id, _source_file, _file_sha256, "
        f"{ROW_NUMBER}, current_timestamp from landing_rows join landing_files using "
        f"({FILE_INDEX}) order by {FILE_INDEX}, {ROW_NUMBER}"
    )
    with _registered(conn, landing_rows=rows, landing_files=catalogue):
        conn.execute(sql, _with_key_params(sql, params, key))


def _insert_rejected_values(conn, spec, parsed, skipped, rejected, catalogue, params) -> dict:
    """Record values nulled in rows that landed (file, row, column, rule; never the value)."""
    kept = [(row, column, rule) for row, column, rule in rejected if not skipped.loc[row]]
    if not kept:
        return {}
    rows = [row for row, _, _ in kept]
    frame = pd.DataFrame(
        {
            ROW_NUMBER: parsed.loc[rows, ROW_NUMBER].to_numpy(),
            FILE_INDEX: parsed.loc[rows, FILE_INDEX].to_numpy(),
            "_column": [column for _, column, _ in kept],
            "_rule": [rule for _, _, rule in kept],
        }
    )
    with _registered(conn, rejected_values=frame, rejected_files=catalogue):
        conn.execute(
            "insert into raw._rejected_values select $raw_table, _source_file, _file_sha256, "
            f"{ROW_NUMBER}, _column, _rule, $load_id, current_timestamp "
            f"from rejected_values join rejected_files using ({FILE_INDEX})",
            {**params, "raw_table": spec.name},
        )
    return frame.groupby(FILE_INDEX).size().to_dict()


def _quarantine_expression(f: Field) -> str:
    quoted = f'"{f.raw}"'
    return hmac_sql(quoted) if f.kind in HASHED_KINDS else quoted


def _insert_quarantine(conn, spec, rows, reasons, catalogue, key, params) -> None:
    """Bad rows with their file, row and reasons; personal fields hashed or left out."""
    if rows.empty:
        return
    frame = rows.astype("string").assign(
        _check=[reasons[i][0][0] for i in rows.index],
        _reason=["; ".join(r for _, r in reasons[i]) for i in rows.index],
        **{ROW_NUMBER: rows[ROW_NUMBER], FILE_INDEX: rows[FILE_INDEX]},
    )
    kept = [f for f in spec.landed_fields if f.kind not in PERSONAL_KINDS - HASHED_KINDS]
    payload = ", ".join(f'"{f.raw}" := {_quarantine_expression(f)}' for f in kept)
    sql = (
        "insert into raw._quarantine select $raw_table, _source_file, _file_sha256, "
        f"{ROW_NUMBER}, _check, _reason, to_json(struct_pack({payload})), $load_id, "
        f"current_timestamp from quarantine_rows join quarantine_files using ({FILE_INDEX})"
    )
    with _registered(conn, quarantine_rows=frame, quarantine_files=catalogue):
        conn.execute(sql, _with_key_params(sql, {**params, "raw_table": spec.name}, key))
