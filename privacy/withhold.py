"""Landing's side of the registry: rows of erased people never land again, whatever is replayed.

Each identifier in a chunk is brought to the form the warehouse stores (keyed-hashed where the
field is) and tagged with the erasure key; a tag in the registry withholds the row (the person's
own record) or removes the value (someone else's record naming them). Only distinct values are
tagged, and nothing at all is computed while the registry is empty.

During a key rotation (docs/privacy.md) the previous pseudonymisation key is given too: the
registry's entries for keyed kinds were computed under it, so a value matching under the old
key is withheld and its tag under the new key is added to the registry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

from ingestion.fields import Kind
from ingestion.pseudonymise import PseudonymisationKey
from ingestion.readers import FILE_INDEX
from ingestion.settings import load_settings
from privacy.identifiers import IdentifierColumn, Role, identifier_columns
from privacy.registry import ErasureKey, ErasureRegistry, load_erasure_key, registry_path

_KEYED_AT_LANDING = {Kind.PHONE, Kind.PHONE_LIST, Kind.KEYED_ID}
PREVIOUS_KEY_ENV_VAR = "SIYU_PSEUDONYMISATION_KEY_PREVIOUS"  # set only while rotating the key
ROTATION_REQUEST = "key-rotation"


@dataclass
class Withheld:
    """What one chunk lost to the registry: counts only."""

    rows_by_file: dict[int, int] = field(default_factory=dict)  # FILE_INDEX -> rows withheld
    values_removed: int = 0  # identifiers removed from rows that still landed

    def rows(self, file_index: int) -> int:
        return self.rows_by_file.get(file_index, 0)


@dataclass(frozen=True)
class ErasedIdentifiers:
    tags: frozenset[str]
    key: ErasureKey | None
    previous_key: PseudonymisationKey | None = None
    registry: ErasureRegistry | None = None  # where tags under the new key are recorded

    @classmethod
    def nobody(cls) -> ErasedIdentifiers:
        return cls(frozenset(), None)

    def withhold(
        self, raw_table: str, fields, parsed: pd.DataFrame, key: PseudonymisationKey
    ) -> tuple[pd.DataFrame, Withheld]:
        """`parsed` without the rows of erased people and without their ids in others' rows."""
        result = Withheld()
        if not self.tags:
            return parsed, result
        kinds = {f.raw: f.kind for f in fields}
        withheld = pd.Series(False, index=parsed.index)
        for column in identifier_columns(raw_table):
            if column.column not in parsed:
                continue
            matched_values, matched_rows = self._matches(
                column, parsed[column.column], kinds[column.column] in _KEYED_AT_LANDING, key
            )
            if column.role is Role.SUBJECT:
                withheld |= parsed.index.isin(matched_rows)
            elif len(matched_rows):
                parsed = parsed.copy()
                parsed[column.column] = _remove_values(
                    parsed[column.column], matched_rows, matched_values, column.is_list
                )
                result.values_removed += len(matched_rows)
        if withheld.any():
            result.rows_by_file = parsed.loc[withheld, FILE_INDEX].value_counts().to_dict()
            parsed = parsed[~withheld]
        return parsed, result

    def _matches(self, column: IdentifierColumn, values: pd.Series, keyed: bool, key):
        """(erased values, row labels holding one) of one column."""
        elements = values.explode() if column.is_list else values
        elements = elements.dropna()
        if elements.empty:
            return set(), pd.Index([])
        erased, retagged = set(), {}
        for value in pd.unique(elements.astype(str)):
            stored = key.hmac_hex(value) if keyed else value
            if self.key.tag(column.kind, stored) in self.tags:
                erased.add(value)
            elif keyed and self.previous_key is not None:
                before = self.key.tag(column.kind, self.previous_key.hmac_hex(value))
                if before in self.tags:
                    erased.add(value)
                    retagged[self.key.tag(column.kind, stored)] = column.kind
        if retagged and self.registry is not None:
            self.registry.add(ROTATION_REQUEST, "key rotation", retagged)
        if not erased:
            return erased, pd.Index([])
        rows = elements.index[elements.astype(str).isin(erased)].unique()
        return erased, rows


def _remove_values(series: pd.Series, rows, erased: set, is_list: bool) -> pd.Series:
    if not is_list:
        return series.mask(series.index.isin(rows))
    cleaned = series.copy()
    for row in rows:
        cleaned.at[row] = [v for v in cleaned.at[row] if v not in erased]
    return cleaned


def configured_erasures() -> ErasedIdentifiers:
    """The registry of SIYU_HOME (or SIYU_ERASURE_REGISTRY); the erasure key is needed only
    once someone has been erased, and then landing refuses to run without it."""
    settings = load_settings()
    registry = ErasureRegistry(registry_path(settings))
    tags = registry.tags()
    if not tags:
        return ErasedIdentifiers.nobody()
    previous = os.environ.get(PREVIOUS_KEY_ENV_VAR, "")
    previous_key = PseudonymisationKey(previous.encode("utf-8")) if previous else None
    return ErasedIdentifiers(tags, load_erasure_key(settings), previous_key, registry)
