"""Pseudonymisation at the boundary: normalise identifiers, then keyed-hash them (HMAC-SHA256).

The key comes from SIYU_PSEUDONYMISATION_KEY (or a key file in demo mode) and never enters the
warehouse: hashing runs inside DuckDB with the HMAC pads passed as query parameters.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

KEY_ENV_VAR = "SIYU_PSEUDONYMISATION_KEY"
DEMO_KEY_FILE = "pseudonymisation.key"
_SHA256_BLOCK = 64
# what people type with a Chinese input method in numbers: phones, amounts, counts
FULLWIDTH_TO_ASCII = str.maketrans("０１２３４５６７８９＋－．，　", "0123456789+-., ")
MAINLAND_MOBILE = r"1[3-9]\d{9}"
_FULLWIDTH = "[０-９＋－．，　]"


def fullwidth_to_ascii(text: pd.Series) -> pd.Series:
    """Full-width digits and signs as ASCII; only values holding one pay for Python's translate."""
    holds = text.str.contains(_FULLWIDTH, regex=True).fillna(False).astype(bool)
    if not holds.any():
        return text
    converted = text.copy()
    converted[holds] = text[holds].str.translate(FULLWIDTH_TO_ASCII)
    return converted


class MissingKeyError(RuntimeError):
    pass


@dataclass(frozen=True)
class PseudonymisationKey:
    secret: bytes

    def __repr__(self) -> str:  # keeps the key out of logs and tracebacks
        return "PseudonymisationKey(<hidden>)"

    def hmac_hex(self, value: str) -> str:
        return hmac.new(self.secret, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def sql_params(self) -> dict[str, str]:
        """Inner and outer HMAC pads as hex, for `hmac_sql` placeholders $hmac_ipad/$hmac_opad."""
        block = self.secret
        if len(block) > _SHA256_BLOCK:
            block = hashlib.sha256(block).digest()
        block = block.ljust(_SHA256_BLOCK, b"\0")
        return {
            "hmac_ipad": bytes(b ^ 0x36 for b in block).hex(),
            "hmac_opad": bytes(b ^ 0x5C for b in block).hex(),
        }


def hmac_sql(expression: str) -> str:
    """DuckDB SQL computing HMAC-SHA256 (hex) of a VARCHAR expression; null stays null."""
    return f"sha256(unhex($hmac_opad) || unhex(sha256(unhex($hmac_ipad) || encode({expression}))))"


def load_key(*, is_demo: bool, secrets_dir: Path, environ: dict[str, str] | None = None):
    env = os.environ if environ is None else environ
    configured = env.get(KEY_ENV_VAR, "")
    if configured:
        return PseudonymisationKey(configured.encode("utf-8"))
    if not is_demo:
        raise MissingKeyError(
            f"{KEY_ENV_VAR} is not set. Outside demo mode siyu refuses to land personal data "
            "without a pseudonymisation key; see README 'Pseudonymisation key'."
        )
    key_file = secrets_dir / DEMO_KEY_FILE
    if not key_file.exists():
        secrets_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return PseudonymisationKey(key_file.read_text().strip().encode("utf-8"))


def normalise_phones(raw: pd.Series) -> pd.Series:
    """Mainland mobile as 11 digits; None when empty. Unparseable values stay as typed."""
    text = fullwidth_to_ascii(raw.astype("string[pyarrow]")).str.strip()
    digits = text.str.replace(r"[\s\-()]", "", regex=True)
    digits = digits.str.replace(rf"^(?:\+86|0086|86)({MAINLAND_MOBILE})$", r"\1", regex=True)
    return digits.mask(digits == "")


def is_mainland_mobile(normalised: pd.Series) -> pd.Series:
    return normalised.str.fullmatch(MAINLAND_MOBILE).fillna(False).astype(bool)


def normalise_phone(value: str) -> str | None:
    """Single-value form of `normalise_phones`, for tests and ad-hoc lookups (erasure requests)."""
    result = normalise_phones(pd.Series([value], dtype="string")).iloc[0]
    return None if pd.isna(result) else str(result)
