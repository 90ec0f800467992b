"""The OneID guardrails and manual overrides of config/identity.toml, as plain values.

Identifiers in the file are written "type:value". Phones are written in plain text as
"phone:<number>" and are normalised and keyed-hashed here, at run time, so the file never needs
hashes and the warehouse never sees a plain phone.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ingestion.pseudonymise import PseudonymisationKey, normalise_phone

RULES_ENV_VAR = "SIYU_IDENTITY_RULES"
DEFAULT_RULES_PATH = Path(__file__).resolve().parents[1] / "config" / "identity.toml"
PHONE_ALIAS = "phone"
PHONE_TYPE = "phone_hash"
_HMAC_HEX = re.compile(r"[0-9a-f]{64}")


class RulesError(ValueError):
    """The rules file is malformed or contradicts itself."""


@dataclass(frozen=True, order=True)
class Identifier:
    type: str
    value: str

    @property
    def ref(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class CardinalityLimit:
    identifier_type: str
    neighbour_type: str
    max_neighbours: int


@dataclass(frozen=True)
class Reassignment:
    """Identifiers a provider hands to someone new (a recycled mobile number)."""

    identifier_type: str
    quiet_days: int  # the old holder's links last seen at least this long before a new holder's


@dataclass(frozen=True)
class Override:
    """A force_split or force_merge entry; `b` is None for a split cutting `a` from everything."""

    a: str
    b: str | None
    reason: str
    position: int  # 1-based place among its kind in the file, so a log line can point at it


@dataclass(frozen=True)
class IdentityRules:
    cardinality: tuple[CardinalityLimit, ...] = ()
    reassigned: tuple[Reassignment, ...] = ()
    blocked_phones: tuple[str, ...] = ()
    blocked_identifiers: tuple[str, ...] = ()
    force_split: tuple[Override, ...] = ()
    force_merge: tuple[Override, ...] = ()
    max_cluster_size: int = 50
    max_changed_share: float = 0.05
    max_cardinality_breaking_share: float = 0.0001
    source: str = "identity.toml"

    def limits_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(c.identifier_type, c.neighbour_type, c.max_neighbours) for c in self.cardinality],
            columns=["identifier_type", "neighbour_type", "max_neighbours"],
        ).astype({"identifier_type": str, "neighbour_type": str, "max_neighbours": "int64"})

    def reassigned_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(r.identifier_type, r.quiet_days) for r in self.reassigned],
            columns=["identifier_type", "quiet_days"],
        ).astype({"identifier_type": str, "quiet_days": "int64"})

    def blocked_frame(self, key: PseudonymisationKey) -> pd.DataFrame:
        phones = [Identifier(PHONE_TYPE, hash_phone(p, key)) for p in self.blocked_phones]
        others = [parse_identifier(ref, key) for ref in self.blocked_identifiers]
        return _identifier_frame(sorted(set(phones + others)))

    def split_frame(self, key: PseudonymisationKey) -> pd.DataFrame:
        return _override_frame(self.force_split, key)

    def merge_frame(self, key: PseudonymisationKey) -> pd.DataFrame:
        return _override_frame(self.force_merge, key)


def hash_phone(plain: str, key: PseudonymisationKey) -> str:
    """The phone_hash the landing step would have stored for this phone as typed."""
    normalised = normalise_phone(plain)
    if normalised is None:
        raise RulesError("an empty phone in the identity rules")
    return key.hmac_hex(normalised)


def parse_identifier(text: str, key: PseudonymisationKey) -> Identifier:
    """'type:value' as stored; 'phone:<plain>' and 'phone_hash:<plain>' are hashed with the key."""
    kind, sep, value = text.partition(":")
    kind, value = kind.strip(), value.strip()
    if not sep or not kind or not value:
        raise RulesError(f"identifier {_masked(text)!r} is not written as type:value")
    if kind == PHONE_ALIAS or (kind == PHONE_TYPE and not _HMAC_HEX.fullmatch(value)):
        return Identifier(PHONE_TYPE, hash_phone(value, key))
    return Identifier(kind, value)


def load_rules(path: Path | None = None, environ: dict[str, str] | None = None) -> IdentityRules:
    env = os.environ if environ is None else environ
    path = path or Path(env.get(RULES_ENV_VAR) or DEFAULT_RULES_PATH)
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return rules_from_dict(raw, source=path.name)


def rules_from_dict(raw: dict, source: str = "identity.toml") -> IdentityRules:
    health = raw.get("health", {})
    blocklist = raw.get("blocklist", {})
    try:
        rules = IdentityRules(
            cardinality=tuple(
                CardinalityLimit(str(c["type"]), str(c["neighbour"]), int(c["max"]))
                for c in raw.get("cardinality", [])
            ),
            reassigned=tuple(
                Reassignment(str(r["type"]), int(r["quiet_days"]))
                for r in raw.get("reassigned", [])
            ),
            blocked_phones=tuple(str(p) for p in blocklist.get("phones", [])),
            blocked_identifiers=tuple(str(i) for i in blocklist.get("identifiers", [])),
            force_split=_overrides(raw.get("force_split", []), pair_required=False),
            force_merge=_overrides(raw.get("force_merge", []), pair_required=True),
            max_cluster_size=int(health.get("max_cluster_size", 50)),
            max_changed_share=float(health.get("max_changed_share", 0.05)),
            max_cardinality_breaking_share=float(
                health.get("max_cardinality_breaking_share", 0.0001)
            ),
            source=source,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise RulesError(f"{source}: {error}") from error
    if any(c.max_neighbours < 1 for c in rules.cardinality):
        raise RulesError(f"{source}: a cardinality max below 1 would cut every edge of a type")
    if any(r.quiet_days < 1 for r in rules.reassigned):
        raise RulesError(f"{source}: a reassignment quiet_days below 1 would cut ordinary links")
    return rules


def _overrides(entries: list[dict], pair_required: bool) -> tuple[Override, ...]:
    overrides = []
    for position, entry in enumerate(entries, start=1):
        b = entry.get("b")
        if pair_required and not b:
            raise RulesError(f"force_merge #{position} needs both a and b")
        overrides.append(
            Override(str(entry["a"]), b and str(b), str(entry.get("reason", "")), position)
        )
    return tuple(overrides)


def _override_frame(overrides: tuple[Override, ...], key: PseudonymisationKey) -> pd.DataFrame:
    rows = []
    for o in overrides:
        a = parse_identifier(o.a, key)
        b = parse_identifier(o.b, key) if o.b else None
        rows.append((o.position, a.type, a.value, b and b.type, b and b.value))
    return pd.DataFrame(
        rows, columns=["position", "a_type", "a_value", "b_type", "b_value"]
    ).astype(
        {"position": "int64", "a_type": str, "a_value": str, "b_type": object, "b_value": object}
    )


def _identifier_frame(identifiers: list[Identifier]) -> pd.DataFrame:
    return pd.DataFrame(
        [(i.type, i.value) for i in identifiers], columns=["identifier_type", "identifier_value"]
    ).astype(str)


def _masked(text: str) -> str:
    """Error messages name the type only: the value may be a plain phone."""
    kind, sep, _ = text.partition(":")
    return f"{kind}:…" if sep else "…"
