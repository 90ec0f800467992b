import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.pseudonymise import PseudonymisationKey

FIXTURE_SOURCES = Path(__file__).parent / "fixtures" / "sources"


@pytest.fixture
def key() -> PseudonymisationKey:
    return PseudonymisationKey(b"test-key-not-secret")


@pytest.fixture
def sources(tmp_path) -> Path:
    """A private copy of the fixture exports, so a test can damage or add files."""
    target = tmp_path / "sources"
    shutil.copytree(FIXTURE_SOURCES, target)
    return target


@pytest.fixture
def conn(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()
