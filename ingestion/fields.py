"""How a platform's column becomes a raw column: its kind decides parsing and pseudonymisation.

Parsing is vectorised (pandas string ops); a value that does not parse is reported, never
silently nulled, so the row can go to quarantine with the column and the rule it broke.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
import pyarrow as pa

from ingestion.business_days import BUSINESS_TIME_ZONE
from ingestion.pseudonymise import fullwidth_to_ascii, is_mainland_mobile, normalise_phones

TEXT = "string[pyarrow]"  # Arrow-backed strings: vectorised strip/replace, not a Python loop


class Kind(Enum):
    TEXT = "text"  # kept as text
    AMOUNT = "amount"  # money such as ¥1,299.00 -> DECIMAL(18,2)
    AMOUNT_FEN = "amount_fen"  # money in fen (分) as a whole number, as Douyin's APIs send it
    BOOLEAN = "boolean"  # 是/否, true/false, 1/0, Y/N
    INTEGER = "integer"
    TIMESTAMP = "timestamp"  # Asia/Shanghai local: 'YYYY-MM-DD HH:MM[:SS]', '/' or ISO 'T' too
    DATE = "date"  # 'YYYYMMDD' (export folder names) or 'YYYY-MM-DD'
    EPOCH = "epoch"  # unix seconds
    PHONE = "phone"  # personal: normalised, then keyed-hashed
    PHONE_LIST = "phone_list"  # a list of phones (e.g. WeCom remark_mobiles), each hashed
    TEXT_LIST = "text_list"  # a list of opaque ids (e.g. WeCom MemChangeList), kept as text
    KEYED_ID = "keyed_id"  # personal identifier (e.g. a buyer nick): keyed-hashed
    PRESENCE = "presence"  # personal value of which only its presence is kept
    PROVINCE = "province"  # an address of which only the first token is kept
    REDACTED_TEXT = "redacted_text"  # free text kept with phone/ID-like digit runs masked
    DROP = "drop"  # personal value that never lands (names, addresses)


PERSONAL_KINDS = {
    Kind.PHONE,
    Kind.PHONE_LIST,
    Kind.KEYED_ID,
    Kind.PRESENCE,
    Kind.PROVINCE,
    Kind.DROP,
}
HASHED_KINDS = {Kind.PHONE, Kind.KEYED_ID}

SQL_TYPES = {
    Kind.TEXT: "VARCHAR",
    Kind.AMOUNT: "DECIMAL(18,2)",
    Kind.AMOUNT_FEN: "DECIMAL(18,2)",
    Kind.BOOLEAN: "BOOLEAN",
    Kind.INTEGER: "INTEGER",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.DATE: "DATE",
    Kind.EPOCH: "BIGINT",
    Kind.PHONE: "VARCHAR",
    Kind.PHONE_LIST: "VARCHAR[]",
    Kind.TEXT_LIST: "VARCHAR[]",
    Kind.KEYED_ID: "VARCHAR",
    Kind.PRESENCE: "BOOLEAN",
    Kind.PROVINCE: "VARCHAR",
    Kind.REDACTED_TEXT: "VARCHAR",
}
# what people type between the digits of a phone or ID: spaces (full-width too), dashes of
# every width, dots, middle dots, slashes and brackets, up to three in a row (" - ")
_DIGIT_SEPARATOR = r"[\s\-\u2010-\u2015\uff0d.\uff0e\u00b7/()\uff08\uff09]"
# 7+ digits (ASCII or full-width) with such separators inside, a leading + (a +86 number) and a
# trailing X (an 18-char ID number) may be a phone, a card or an ID number: never kept
_DIGIT_RUN = (
    rf"[+\uff0b]?\d(?:{_DIGIT_SEPARATOR}{{0,3}}\d){{6,}}(?:{_DIGIT_SEPARATOR}?[Xx\uff38\uff58])?"
)
REDACTED = "[已脱敏]"
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"
_HAS_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_TRUE = {"是", "true", "1", "y", "yes", "已接通", "接通"}
_FALSE = {"否", "false", "0", "n", "no", "未接通"}


@dataclass(frozen=True)
class Field:
    source: str  # the column name in the platform's file
    raw: str  # the column name in the raw table
    kind: Kind = Kind.TEXT
    required: bool = True  # the file must have the column (a missing one blocks the load)
    # an unparseable value sends its row to quarantine, unless the row is worth more than the
    # value (a sale with a mistyped till phone): then the value is nulled and recorded
    drop_invalid_value: bool = False

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class ParseFailure:
    column: str
    rows: pd.Index
    rule: str


def _blank_to_na(text: pd.Series) -> pd.Series:
    stripped = text.astype(TEXT).str.strip()
    # Excel-safe exports wrap long numbers as ="3429…" so that they are not shown as 3.4E+18
    if stripped.str.startswith('="').any():
        stripped = stripped.str.replace(r'^="(.*)"$', r"\1", regex=True).str.strip()
    return stripped.mask(stripped == "")


def parse_column(field: Field, text: pd.Series) -> tuple[pd.Series, ParseFailure | None]:
    """Parse one source column; returns the parsed values and the rows that did not parse."""
    if field.kind == Kind.PHONE_LIST:
        return _parse_phone_list(field, text)
    if field.kind == Kind.TEXT_LIST:
        return _parse_text_list(field, text)
    values = _blank_to_na(text)
    if field.kind in (Kind.TEXT, Kind.KEYED_ID):
        return values, None
    if field.kind == Kind.REDACTED_TEXT:
        # \d matches full-width digits too, so the text keeps its own punctuation
        return values.str.replace(_DIGIT_RUN, REDACTED, regex=True), None
    if field.kind == Kind.BOOLEAN:
        lowered = values.str.lower()
        parsed = lowered.isin(_TRUE).mask(values.isna()).astype("boolean")
        bad = values.notna() & ~lowered.isin(_TRUE | _FALSE)
        return parsed.mask(bad), _failure(field, bad, "is not a yes/no value (是/否, true/false)")
    if field.kind == Kind.PRESENCE:
        return values.notna(), None
    if field.kind == Kind.PROVINCE:
        return values.str.split(r"\s+", n=1, regex=True).str[0], None
    if field.kind == Kind.PHONE:
        phones = normalise_phones(values)
        bad = phones.notna() & ~is_mainland_mobile(phones)
        return phones.mask(bad), _failure(field, bad, "is not a mainland mobile number")
    if field.kind == Kind.AMOUNT:
        cleaned = fullwidth_to_ascii(values).str.replace(r"[¥￥,\s]", "", regex=True)
        parsed = pd.to_numeric(cleaned.str.replace(r"^元|元$", "", regex=True), errors="coerce")
        parsed = parsed.round(2)
        return parsed, _failure(field, values.notna() & parsed.isna(), "is not an amount")
    if field.kind == Kind.AMOUNT_FEN:
        parsed = pd.to_numeric(fullwidth_to_ascii(values), errors="coerce")
        bad = (values.notna() & parsed.isna()) | (parsed.notna() & (parsed != parsed.round()))
        return (parsed / 100).round(2).mask(bad), _failure(field, bad, "is not a whole fen amount")
    if field.kind in (Kind.INTEGER, Kind.EPOCH):
        parsed = pd.to_numeric(fullwidth_to_ascii(values), errors="coerce")
        whole = parsed.isna() | (parsed == parsed.round())
        bad = (values.notna() & parsed.isna()) | ~whole
        return parsed.mask(bad).astype("Int64"), _failure(field, bad, "is not a whole number")
    if field.kind == Kind.TIMESTAMP:
        parsed = _parse_local_times(values)
        bad = values.notna() & parsed.isna()
        return parsed, _failure(field, bad, "is not a time as YYYY-MM-DD HH:MM:SS")
    if field.kind == Kind.DATE:
        compact = values.str.replace(r"^(\d{4})[-/](\d{2})[-/](\d{2})$", r"\1\2\3", regex=True)
        parsed = pd.to_datetime(compact, format="%Y%m%d", errors="coerce")
        return parsed, _failure(field, values.notna() & parsed.isna(), "is not a date as YYYYMMDD")
    raise ValueError(f"{field.kind} columns are not parsed")


def _parse_local_times(values: pd.Series) -> pd.Series:
    """Wall-clock Asia/Shanghai times; an ISO offset (+08:00, Z) is converted to that clock."""
    text = values.str.replace("/", "-", regex=False).str.replace("T", " ", regex=False)
    with_offset = text.str.contains(_HAS_OFFSET, regex=True).fillna(False).astype(bool)
    offset = pd.Series(pd.NA, index=text.index, dtype=object)
    if with_offset.any():  # Python-level extract: only for the values that carry an offset
        offset[with_offset] = text[with_offset].str.extract(_OFFSET, expand=False)
        text = text.str.replace(_OFFSET, "", regex=True)
    text = text.str.replace(r"^(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2})$", r"\1:00", regex=True)
    parsed = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    shifted = offset.notna() & ~offset.isin(["+08:00", "+0800"])
    if shifted.any():  # rare: only sources that speak UTC or another offset pay for this
        exact = pd.to_datetime(
            text[shifted] + offset[shifted].str.replace("Z", "+00:00"),
            format="%Y-%m-%d %H:%M:%S%z",
            errors="coerce",
            utc=True,
        )
        parsed[shifted] = exact.dt.tz_convert(BUSINESS_TIME_ZONE).dt.tz_localize(None)
    return parsed


def _parse_phone_list(field: Field, lists: pd.Series) -> tuple[pd.Series, ParseFailure | None]:
    """Each phone normalised; the lists are rebuilt as Arrow lists, not one Python list a row."""
    elements = lists.explode()  # lists or arrays; an empty or missing list: one missing element
    row_of = lists.index.get_indexer(elements.index)
    phones = normalise_phones(elements)
    invalid = (phones.notna() & ~is_mainland_mobile(phones)).to_numpy()
    bad_rows = np.zeros(len(lists), dtype=bool)
    bad_rows[row_of[invalid]] = True
    keep = phones.notna().to_numpy() & ~bad_rows[row_of]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(row_of[keep], minlength=len(lists)))])
    rebuilt = pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), pa.array(phones[keep].to_numpy(dtype=object), pa.string())
    )
    values = pd.Series(pd.arrays.ArrowExtensionArray(rebuilt), index=lists.index)
    bad = pd.Series(bad_rows, index=lists.index)
    return values, _failure(field, bad, "holds a value that is not a mainland mobile number")


def _parse_text_list(field: Field, lists: pd.Series) -> tuple[pd.Series, ParseFailure | None]:
    """Lists of strings as sent; a missing list is null, anything else is reported."""
    # `map(type)` runs in pandas' compiled loop: no Python frame per row
    is_list = lists.map(type).isin([list, np.ndarray])
    elements = lists[is_list].explode()  # an empty list becomes one missing element
    not_text = elements.notna() & ~elements.map(type).eq(str)
    holds_non_text = pd.Series(lists.index.isin(elements.index[not_text]), index=lists.index)
    bad = (lists.notna() & ~is_list) | holds_non_text
    values = lists.where(is_list & ~bad)
    return values, _failure(field, bad, "is not a list of text values")


def _failure(field: Field, bad: pd.Series, rule: str) -> ParseFailure | None:
    if not bad.any():
        return None
    return ParseFailure(column=field.source, rows=bad[bad].index, rule=rule)
