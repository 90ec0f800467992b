"""The faults a brand's drops really have, one test each: what happens, and that nothing is lost.

Every test ends with `assert_conserved`: per file of the load, the data rows in the file
(counted here independently, by splitting the bytes) equal rows landed + quarantined +
duplicate, and the raw table and the quarantine hold exactly those rows.
"""

import shutil
from datetime import date

import pytest

from ingestion import landing
from ingestion.errors import MissingColumnError, UnreadableFileError
from ingestion.landing import land
from ingestion.sources import RAW_TABLES

TMALL = RAW_TABLES["tmall__orders"]
POS = RAW_TABLES["pos__receipt_lines"]
TMALL_FILE = "tmall/ExportOrderList20250701235959.csv"
POS_FILE = "pos/SH001/SH001_20250701.csv"


def data_rows_in(path) -> int:
    """Lines after the header that hold anything: an independent count of a CSV's rows."""
    lines = path.read_bytes().replace(b"\r\n", b"\n").split(b"\n")[1:]
    return sum(1 for line in lines if line.strip())


def assert_conserved(conn, report, sources):
    for file in report.files:
        assert file.rows_in == data_rows_in(sources / file.file), file.file
        assert file.rows_in == file.rows_loaded + file.rows_quarantined + file.rows_duplicate
        (landed,) = conn.execute(
            f"select count(*) from raw.{report.raw_table} where _source_file = $f",
            {"f": file.file},
        ).fetchone()
        (quarantined,) = conn.execute(
            "select count(distinct row_number) from raw._quarantine where source_file = $f",
            {"f": file.file},
        ).fetchone()
        assert (landed, quarantined) == (file.rows_loaded, file.rows_quarantined), file.file


def gbk_lines(path) -> list[str]:
    return path.read_bytes().decode("gb18030").split("\r\n")


def write_gbk(path, lines: list[str]) -> None:
    path.write_bytes("\r\n".join(lines).encode("gb18030"))


def count(conn, table: str) -> int:
    return conn.execute(f"select count(*) from raw.{table}").fetchone()[0]


def test_a_blocked_file_after_a_committed_chunk_leaves_nothing_of_the_load(
    conn, sources, key, monkeypatch
):
    monkeypatch.setattr(landing, "CHUNK_ROWS", 1)  # every file its own committed chunk
    renamed = sources / "tmall/ExportOrderList20250702235959.csv"
    lines = gbk_lines(sources / TMALL_FILE)
    write_gbk(renamed, [lines[0].replace("订单创建时间", "创建时间"), *lines[1:]])
    with pytest.raises(MissingColumnError):
        land(conn, TMALL, sources, key, "load-1")
    for table in ("tmall__orders", "_load_manifest", "_quarantine", "_rejected_values"):
        assert count(conn, table) == 0, table
    renamed.unlink()
    report = land(conn, TMALL, sources, key, "load-2")
    assert report.as_metadata()["rows_loaded"] == 3
    assert_conserved(conn, report, sources)


def test_re_sent_file_under_a_new_name_adds_nothing(conn, sources, key):
    first = land(conn, TMALL, sources, key, "load-1")
    shutil.copy(sources / TMALL_FILE, sources / "tmall/ExportOrderList20250702080000.csv")
    second = land(conn, TMALL, sources, key, "load-2")
    assert (second.files, second.files_skipped) == ([], 2)
    assert count(conn, "tmall__orders") == first.as_metadata()["rows_loaded"] == 3
    assert_conserved(conn, first, sources)


def test_renamed_column_blocks_the_load_naming_file_and_column_until_fixed(conn, sources, key):
    renamed = sources / "tmall/ExportOrderList20250702235959.csv"
    lines = gbk_lines(sources / TMALL_FILE)
    write_gbk(renamed, [lines[0].replace("订单创建时间", "创建时间"), *lines[1:]])
    with pytest.raises(MissingColumnError) as raised:
        land(conn, TMALL, sources, key, "load-1")
    assert "tmall/ExportOrderList20250702235959.csv" in str(raised.value)
    assert "订单创建时间" in str(raised.value)
    # one transaction: the good file of the same load did not land either
    assert count(conn, "tmall__orders") == 0
    assert conn.execute("select count(*) from raw._load_manifest").fetchone() == (0,)
    renamed.unlink()  # the brand re-exports with the right header
    assert land(conn, TMALL, sources, key, "load-2").as_metadata()["rows_loaded"] == 3


def test_extra_column_is_ignored_and_the_rows_land(conn, sources, key):
    lines = gbk_lines(sources / TMALL_FILE)
    widened = [lines[0] + ",新增列"] + [line + ",x" if line else line for line in lines[1:]]
    write_gbk(sources / TMALL_FILE, widened)
    report = land(conn, TMALL, sources, key, "load-1")
    assert report.as_metadata()["rows_loaded"] == 3
    assert "新增列" not in {
        c for (c,) in conn.execute("select column_name from duckdb_columns() where table_name = "
                                   "'tmall__orders'").fetchall()
    }  # fmt: skip
    assert_conserved(conn, report, sources)


def test_bad_amounts_go_to_quarantine_with_file_row_and_rule(conn, sources, key):
    lines = gbk_lines(sources / TMALL_FILE)
    lines[2] = lines[2].replace('"1,299.00",0.00', '"1,2x9.00",0.00', 1)
    write_gbk(sources / TMALL_FILE, lines)
    report = land(conn, TMALL, sources, key, "load-1")
    quarantined = conn.execute(
        "select row_number, check_name, reason from raw._quarantine order by row_number"
    ).fetchall()
    assert quarantined == [
        (2, "parse_amount", "column '买家应付货款' is not an amount"),
        (3, "parse_amount", "column '买家实际支付金额' is not an amount"),
    ]
    assert report.as_metadata()["rows_loaded"] == 2
    assert_conserved(conn, report, sources)


def test_duplicates_across_batches_of_one_load_land_once(conn, sources, key):
    lines = gbk_lines(sources / TMALL_FILE)
    # a later export repeats order 1 unchanged and adds order 5
    order_5 = lines[1].replace("3429000000000000001", "3429000000000000005")
    write_gbk(sources / "tmall/ExportOrderList20250702235959.csv", [lines[0], lines[1], order_5])
    report = land(conn, TMALL, sources, key, "load-1")
    assert report.as_metadata()["rows_duplicate"] == 1
    per_order = dict(
        conn.execute("select order_no, count(*) from raw.tmall__orders group by 1").fetchall()
    )
    assert per_order == {f"342900000000000000{n}": 1 for n in (1, 2, 4, 5)}
    assert_conserved(conn, report, sources)


def test_late_file_is_landed_with_its_own_date(conn, sources, key):
    land(conn, POS, sources, key, "load-1", days=(date(2025, 7, 1), date(2025, 7, 10)))
    late = sources / "pos/SH001/SH001_20250703.csv"  # dropped on the 10th, dated the 3rd
    late.write_bytes(
        (sources / POS_FILE).read_bytes().replace(b"R000", b"L000").replace(b"07-01", b"07-03")
    )
    # the nightly run re-scans a week, so the late file's date is inside its range
    report = land(conn, POS, sources, key, "load-2", days=(date(2025, 7, 3), date(2025, 7, 10)))
    assert [f.file for f in report.files] == ["pos/SH001/SH001_20250703.csv"]
    assert report.as_metadata()["rows_loaded"] == 5
    assert_conserved(conn, report, sources)


def test_file_dated_outside_the_range_is_left_for_its_own_partition(conn, sources, key):
    report = land(conn, POS, sources, key, "load-1", days=(date(2025, 7, 2), date(2025, 7, 9)))
    assert report.files == [] and count(conn, "pos__receipt_lines") == 0


def test_truncated_csv_quarantines_the_cut_row_and_keeps_the_rest(conn, sources, key):
    content = (sources / TMALL_FILE).read_bytes().rstrip(b"\r\n")
    (sources / TMALL_FILE).write_bytes(content[: content.rindex(b",2025-07-01 13:00:00")])
    report = land(conn, TMALL, sources, key, "load-1")
    (reason,) = conn.execute("select reason from raw._quarantine where row_number = 4").fetchone()
    assert reason == "row has fewer fields than the header (a truncated file?)"
    assert report.as_metadata() == {
        "files_loaded": 1,
        "files_skipped_already_loaded": 0,
        "rows_in": 4,
        "rows_loaded": 2,
        "rows_quarantined": 2,  # the cut row and the fixture's bad amount
        "rows_duplicate": 0,
        "values_rejected": 0,
    }
    assert_conserved(conn, report, sources)


def test_truncated_json_page_blocks_the_load_naming_the_file(conn, sources, key):
    page = next((sources / "wecom/contacts").rglob("page_*.json"))
    page.write_bytes(page.read_bytes()[:-40])
    with pytest.raises(UnreadableFileError) as raised:
        land(conn, RAW_TABLES["wecom__contacts"], sources, key, "load-1")
    assert page.name in str(raised.value)
    assert conn.execute("select count(*) from raw._load_manifest").fetchone() == (0,)


def test_empty_and_header_only_files_land_zero_rows_and_are_remembered(conn, sources, key):
    (sources / "tmall/ExportOrderList20250702235959.csv").write_bytes(b"")
    header = gbk_lines(sources / TMALL_FILE)[0]
    write_gbk(sources / "tmall/ExportOrderList20250703235959.csv", [header, ""])
    report = land(conn, TMALL, sources, key, "load-1")
    empty = {f.file: f.rows_in for f in report.files if f.file != TMALL_FILE}
    assert empty == {
        "tmall/ExportOrderList20250702235959.csv": 0,
        "tmall/ExportOrderList20250703235959.csv": 0,
    }
    assert land(conn, TMALL, sources, key, "load-2").files_skipped == 3
    assert_conserved(conn, report, sources)
