"""Fixtures shared by the unit tests."""

import pytest

from tests.unit.test_identity_support import open_warehouse


@pytest.fixture(name="warehouse")
def warehouse_fixture(tmp_path):
    """A real DuckDB warehouse file for the identity tests, closed after the test."""
    yield from open_warehouse(tmp_path)
