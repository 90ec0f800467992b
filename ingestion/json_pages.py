"""Saved API pages read many at a time by DuckDB: one query per chunk, not pandas per page.

A page holds a list of records; each field is read as text from its JSON path, so what lands
is what the API sent (ids keep every digit). Row numbers are 1-based positions in the list.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from ingestion.errors import MissingColumnError, UnreadableFileError
from ingestion.fields import Field, Kind
from ingestion.readers import FILE_INDEX, ROW_NUMBER

_LIST_KINDS = (Kind.PHONE_LIST, Kind.TEXT_LIST)


@dataclass(frozen=True)
class JsonPages:
    """Where a page keeps its status and its records, and where each field sits."""

    records: str  # JSON path of the record list in the page, e.g. '$.external_contact_list'
    status: str  # JSON path of the page's status code
    status_label: str  # how the platform names it in its docs (errcode, code)
    ok_status: str  # the status of a good page; anything else is an error page
    missing_status_is_ok: bool = True  # WeCom leaves errcode out of some good pages
    records_required: bool = False  # a good page without the record list is broken, not empty
    page_prefix: str | None = None  # fields starting with this are read from the page itself
    record_prefix: str = ""  # stripped from a field's source name to get its path in a record
    snapshot_field: str | None = None  # this field is the name of the page's folder (its day)

    def records_at(self, records: str, **changes) -> JsonPages:
        """The same page shape, with its records at another path."""
        return replace(self, records=records, **changes)

    def read(
        self,
        paths: list[Path],
        names: list[str],
        raw_table: str,
        fields: tuple[Field, ...],
    ) -> pd.DataFrame:
        """Text columns named by source field, plus FILE_INDEX (position in `paths`) and
        ROW_NUMBER; an error page, a broken file or a missing required field blocks the load.
        `names` are the files as reports name them (relative to the sources root)."""
        # a connection of its own: tables made inside the warehouse's load transaction would
        # stay in memory until it commits (gigabytes over a two-year history of pages)
        with duckdb.connect() as conn:
            return self._read(conn, paths, names, raw_table, fields)

    def _read(self, conn, paths, names, raw_table, fields) -> pd.DataFrame:
        files = pd.DataFrame({"_path": [str(p) for p in paths], FILE_INDEX: range(len(paths))})
        conn.register("json_page_files", files)
        try:
            self._load_pages(conn, files["_path"].tolist(), fields)
            self._refuse_error_pages(conn)
            missing = self._first_missing_field(conn, fields)
            if missing is not None:
                file_index, source = missing
                raise MissingColumnError(names[file_index], source, raw_table)
            records = conn.execute(self._records_sql(fields)).fetch_arrow_table()
        finally:
            conn.unregister("json_page_files")
        # text stays Arrow strings, as parsing wants it: no Python object per value (`.df()`)
        frame = records.to_pandas(types_mapper=_arrow_text)
        return frame.set_index(ROW_NUMBER).rename_axis(None)

    def _load_pages(self, conn, paths: list[str], fields: tuple[Field, ...]) -> None:
        try:
            conn.execute(
                "create temp table json_pages as select f._file_index, p.filename, p.json as page "
                "from read_json_objects($paths, filename = true, format = 'auto') p "
                "join json_page_files f on f._path = p.filename",
                {"paths": paths},
            )
        except duckdb.Error as error:
            raise UnreadableFileError(_named_file(str(error)), "not a JSON page") from None
        # page-level fields are read in the inner query, once per page: in the outer one they
        # would parse the whole page again for every record unnested from it
        page_fields = [f for f in fields if self._on_page(f)]
        page_columns = "".join(
            f", page->>'{self._path(f)}' as \"{f.source}\", "
            f"json_exists(page, '{self._path(f)}') as \"has {f.source}\""
            for f in page_fields
        )
        carried = "".join(f', "{f.source}", "has {f.source}"' for f in page_fields)
        # every field a record is read for, extracted in one parse of the record: a `->>` per
        # field parsed each record once per field; a missing field is null, a null one 'null'
        paths = ", ".join(f"'{path}'" for path in self._record_values(fields)) or "'$'"
        conn.execute(
            f"create temp table json_page_records as select _file_index, filename{carried}, "
            f"json_extract(record, [{paths}]) as record_values, {ROW_NUMBER} "
            f"from (select _file_index, filename{carried}, unnest(record_list) as record, "
            f"generate_subscripts(record_list, 1) as {ROW_NUMBER} "
            f"from (select _file_index, filename{page_columns}, "
            f"from_json(page->'{self.records}', '[\"JSON\"]') as record_list from json_pages))"
        )

    def _refuse_error_pages(self, conn: duckdb.DuckDBPyConnection) -> None:
        status = f"page->>'{self.status}'"
        missing = "true" if self.missing_status_is_ok else "false"
        error_page = conn.execute(
            f"select filename, {status} from json_pages "
            f"where not coalesce({status} = '{self.ok_status}', {missing}) "
            "order by _file_index limit 1"
        ).fetchone()
        if error_page is not None:
            file, status_value = error_page
            reason = f"API error page, {self.status_label} {status_value}"
            raise UnreadableFileError(file, reason)
        if not self.records_required:
            return
        listless = conn.execute(
            "select filename from json_pages where coalesce(json_type(page->$records), '') "
            "<> 'ARRAY' order by _file_index limit 1",
            {"records": self.records},
        ).fetchone()
        if listless is not None:
            raise UnreadableFileError(listless[0], f"no {self.records} list in the page")

    def _first_missing_field(self, conn, fields: tuple[Field, ...]) -> tuple[int, str] | None:
        """As with a CSV header: a required field that no record of a page carries blocks."""
        required = [f for f in fields if f.required and f.source != self.snapshot_field]
        if not required:
            return None
        values = self._record_values(fields)
        present = ", ".join(f"bool_or({self._presence(f, values)})" for f in required)
        rows = conn.execute(
            f"select _file_index, {present} from json_page_records group by _file_index "
            "order by _file_index"
        ).fetchall()
        for file_index, *found in rows:
            for f, is_present in zip(required, found, strict=True):
                if not is_present:
                    return file_index, f.source
        return None

    def _records_sql(self, fields: tuple[Field, ...]) -> str:
        values, columns = self._record_values(fields), []
        # names and other never-landed values are not even read
        for f in (f for f in fields if f.kind is not Kind.DROP):
            if f.source == self.snapshot_field:
                expression = "regexp_extract(filename, '([^/]+)/[^/]+$', 1)"
            elif self._on_page(f):
                expression = f'"{f.source}"'
            elif f.kind in _LIST_KINDS:
                value = values[self._path(f)]
                expression = (
                    f"case when json_type({value}) = 'ARRAY' "
                    f"then from_json({value}, '[\"VARCHAR\"]') end"
                )
            else:
                expression = f"{values[self._path(f)]}->>'$'"
            columns.append(f'{expression} as "{f.source}"')
        return (
            f"select {', '.join(columns)}, {FILE_INDEX}, {ROW_NUMBER} from json_page_records "
            f"order by {FILE_INDEX}, {ROW_NUMBER}"
        )

    def _presence(self, f: Field, values: dict[str, str]) -> str:
        if self._on_page(f):
            return f'"has {f.source}"'
        return f"{values[self._path(f)]} is not null"

    def _record_values(self, fields: tuple[Field, ...]) -> dict[str, str]:
        """Each JSON path read from a record (landed fields, and required ones checked), in
        order, to its value in `record_values` (a 1-based list position)."""
        read = (
            f
            for f in fields
            if not self._on_page(f)
            and f.source != self.snapshot_field
            and (f.kind is not Kind.DROP or f.required)
        )
        paths = dict.fromkeys(self._path(f) for f in read)
        return {path: f"record_values[{i}]" for i, path in enumerate(paths, start=1)}

    def _on_page(self, f: Field) -> bool:
        return self.page_prefix is not None and f.source.startswith(self.page_prefix)

    def _path(self, f: Field) -> str:
        name = f.source if self._on_page(f) else f.source.removeprefix(self.record_prefix)
        return "$." + name


# WeChat and WeCom APIs answer errcode 0 (or leave it out) on success
WECHAT_PAGE = JsonPages(records="$", status="$.errcode", status_label="errcode", ok_status="0")


def _arrow_text(arrow_type: pa.DataType) -> pd.StringDtype | None:
    """Text columns as pandas' Arrow-backed strings; anything else converts as usual."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    return None


def _named_file(message: str) -> str:
    """DuckDB names the broken file in quotes in its message; keep only that."""
    start = message.find('"')
    end = message.find('"', start + 1)
    return message[start + 1 : end] if 0 <= start < end else "a page in this load"
