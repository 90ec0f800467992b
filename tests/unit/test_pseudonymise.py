import duckdb
import pandas as pd
import pytest

from ingestion.pseudonymise import (
    MissingKeyError,
    PseudonymisationKey,
    hmac_sql,
    load_key,
    normalise_phone,
    normalise_phones,
)


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "138 1234 5678", "+86 13812345678", "+86-138-1234-5678", "008613812345678"],
)
def test_phone_formats_normalise_to_eleven_digits(typed):
    assert normalise_phone(typed) == "13812345678"


def test_full_width_digits_normalise():
    assert normalise_phone("＋８６ １３９００００１１１１") == "13900001111"


def test_blank_phone_is_missing_not_empty_string():
    assert normalise_phones(pd.Series(["", "  ", None])).isna().all()


@pytest.mark.parametrize("secret", [b"short", b"k" * 64, b"a much longer key " * 10])
def test_duckdb_hmac_equals_python_hmac(secret):
    key = PseudonymisationKey(secret)
    sql = f"select {hmac_sql('$phone')}"
    (in_duckdb,) = (
        duckdb.connect().execute(sql, {"phone": "13812345678", **key.sql_params()}).fetchone()
    )
    assert in_duckdb == key.hmac_hex("13812345678")


def test_key_repr_hides_the_secret():
    assert "s3cret" not in repr(PseudonymisationKey(b"s3cret"))


def test_missing_key_outside_demo_is_an_error(tmp_path):
    with pytest.raises(MissingKeyError, match="SIYU_PSEUDONYMISATION_KEY"):
        load_key(is_demo=False, secrets_dir=tmp_path, environ={})


def test_demo_key_is_made_once_outside_the_warehouse(tmp_path):
    first = load_key(is_demo=True, secrets_dir=tmp_path / "secrets", environ={})
    second = load_key(is_demo=True, secrets_dir=tmp_path / "secrets", environ={})
    assert first == second
    assert (tmp_path / "secrets" / "pseudonymisation.key").stat().st_mode & 0o077 == 0
