"""What the connector tests share: landing one raw table, reading its quarantine, scanning for
phones and checking that a saved API error page blocks a load."""

import re

import pytest

from ingestion.errors import UnreadableFileError
from ingestion.landing import land
from ingestion.sources import RAW_TABLES

# a mobile number standing alone, not a run of digits inside a hash or an id
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def land_table(conn, sources, key, name, load_id="load-1"):
    return land(conn, RAW_TABLES[name], sources, key, load_id)


def quarantined(conn, name):
    return conn.execute(
        "select source_file, row_number, check_name, reason from raw._quarantine "
        "where raw_table = ? order by source_file, row_number",
        [name],
    ).fetchall()


def assert_error_page_blocks_the_load(conn, sources, key, name, page, body, reason):
    """`body` saved at `page` stops the whole load of `name`, naming the page and `reason`."""
    path = sources / page
    path.parent.mkdir(parents=True)
    path.write_text(body, encoding="utf-8")
    with pytest.raises(UnreadableFileError) as raised:
        land_table(conn, sources, key, name)
    assert page in str(raised.value)
    assert reason in str(raised.value)
    assert conn.execute(f"select count(*) from raw.{name}").fetchone() == (0,)
    assert conn.execute("select count(*) from raw._load_manifest").fetchone() == (0,)


def columns_matching(conn, columns, pattern) -> list[str]:
    """Which of the (table, column) pairs in schema raw hold a text value `pattern` finds."""
    found = []
    for table, column in columns:
        values = conn.execute(f'select "{column}"::varchar from raw.{table}').fetchall()
        if any(v and pattern.search(v) for (v,) in values):
            found.append(f"raw.{table}.{column}")
    return found
