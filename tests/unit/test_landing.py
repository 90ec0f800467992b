"""Landing the fixture exports: exact rows, quarantine, idempotence and blocked loads."""

import re
from decimal import Decimal

from ingestion.landing import land
from ingestion.sources import ALL_SPECS, RAW_TABLES

TMALL_FILE = "tmall/ExportOrderList20250701235959.csv"


def land_all(conn, sources, key, load_id="load-1"):
    return {spec.name: land(conn, spec, sources, key, load_id) for spec in ALL_SPECS}


def test_tmall_report_lands_parsed_and_hashed(conn, sources, key):
    land(conn, RAW_TABLES["tmall__orders"], sources, key, "load-1")
    rows = conn.execute(
        "select order_no, buyer_nick_hash, paid_amount, refund_amount, order_status, "
        "ship_province, has_mobile from raw.tmall__orders order by order_no"
    ).fetchall()
    assert rows == [
        # ="…" wrapper stripped; nick keyed-hashed
        ("3429000000000000001", key.hmac_hex("小王爱购物88"), Decimal("199.00"), Decimal("0.00"),
         "交易成功", "浙江省", True),
        # "1,299.00" and "￥1299.00" are amounts
        ("3429000000000000002", key.hmac_hex("tb1234567"), Decimal("1299.00"), Decimal("1299.00"),
         "交易关闭", "上海", True),
        ("3429000000000000004", key.hmac_hex("tb7654321"), Decimal("0.00"), Decimal("0.00"),
         "等待买家付款", "北京", True),
    ]  # fmt: skip


def test_bad_amount_goes_to_quarantine_with_file_row_and_rule(conn, sources, key):
    land(conn, RAW_TABLES["tmall__orders"], sources, key, "load-1")
    quarantined = conn.execute(
        "select source_file, row_number, check_name, reason from raw._quarantine"
    ).fetchall()
    assert quarantined == [
        (TMALL_FILE, 3, "parse_amount", "column '买家实际支付金额' is not an amount")
    ]


def test_pos_phones_normalise_before_hashing(conn, sources, key):
    report = land(conn, RAW_TABLES["pos__receipt_lines"], sources, key, "load-1")
    hashes = dict(
        conn.execute(
            "select receipt_no, any_value(phone_hash) from raw.pos__receipt_lines group by 1"
        ).fetchall()
    )
    assert hashes == {
        "R0001": key.hmac_hex("13812345678"),  # typed as "138 1234 5678"
        "R0002": None,  # walk-in
        "R0003": key.hmac_hex("13900001111"),  # full-width with +86
        "R0004": None,  # "12345" typed at the till: the sale lands, the phone does not
    }
    assert conn.execute("select count(*) from raw._quarantine").fetchone() == (0,)
    rejected = conn.execute(
        "select source_file, row_number, column_name, rule from raw._rejected_values"
    ).fetchall()
    assert rejected == [
        ("pos/SH001/SH001_20250701.csv", 5, "手机号", "is not a mainland mobile number")
    ]
    assert report.as_metadata()["values_rejected"] == 1


def test_wecom_remark_phones_are_hashed_lists(conn, sources, key):
    land(conn, RAW_TABLES["wecom__contacts"], sources, key, "load-1")
    rows = conn.execute(
        "select external_userid, unionid, remark_phone_hashes, snapshot_date::varchar "
        "from raw.wecom__contacts order by 1"
    ).fetchall()
    assert rows == [
        ("wmBBBB", "oUNION0000000000000000000001", [key.hmac_hex("13812345678")], "2025-07-10"),
        ("wmCCCC", None, [], "2025-07-10"),
    ]


def test_conservation_rows_in_equals_loaded_quarantined_duplicate(conn, sources, key):
    reports = land_all(conn, sources, key)
    for name, report in reports.items():
        meta = report.as_metadata()
        assert (
            meta["rows_in"]
            == meta["rows_loaded"] + meta["rows_quarantined"] + meta["rows_duplicate"]
        ), name
        (landed,) = conn.execute(f"select count(*) from raw.{name}").fetchone()
        assert landed == meta["rows_loaded"]
    fixture_tables = (
        "tmall__orders",
        "pos__receipt_lines",
        "wecom__contact_events",
        "wecom__contacts",
    )
    assert sum(reports[t].as_metadata()["rows_in"] for t in fixture_tables) == 4 + 5 + 3 + 2


def test_no_plaintext_phone_lands_anywhere(conn, sources, key):
    land_all(conn, sources, key)
    # a mobile number standing alone, not a run of digits inside a hash or an order number
    phone = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
    columns = conn.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('VARCHAR', 'JSON', 'VARCHAR[]')"
    ).fetchall()
    assert columns
    for schema, table, column in columns:
        values = conn.execute(f'select "{column}"::varchar from {schema}.{table}').fetchall()
        leaks = [v for (v,) in values if v and phone.search(v)]
        assert not leaks, f"{schema}.{table}.{column}"


def test_a_file_landed_and_untouched_is_not_read_again(conn, sources, key, monkeypatch):
    import ingestion.landing as landing

    land_all(conn, sources, key, "load-1")
    hashed = []
    monkeypatch.setattr(landing, "file_sha256", lambda path: hashed.append(path) or "x")
    second = land(conn, RAW_TABLES["tmall__orders"], sources, key, "load-2")
    assert hashed == [] and second.files_skipped == 1
    (sources / TMALL_FILE).touch()  # same bytes, new stamp: hashed, then known by content
    monkeypatch.undo()
    third = land(conn, RAW_TABLES["tmall__orders"], sources, key, "load-3")
    assert (third.files, third.files_skipped) == ([], 1)


def test_contact_with_a_mistyped_remark_phone_is_quarantined_with_its_row(conn, sources, key):
    page = sources / "wecom/contacts/20250710/page_0001.json"
    page.write_text(page.read_text().replace('"+86 13812345678"', '"+86 13812345678", "12345"'))
    report = land(conn, RAW_TABLES["wecom__contacts"], sources, key, "load-1")
    quarantined = conn.execute(
        "select source_file, row_number, check_name, reason, row_payload->>'external_userid' "
        "from raw._quarantine"
    ).fetchall()
    assert quarantined == [
        (
            "wecom/contacts/20250710/page_0001.json",
            1,
            "parse_phone_list",
            "column 'follow_info.remark_mobiles' holds a value that is not a mainland mobile "
            "number",
            "wmBBBB",
        )
    ]
    assert conn.execute("select external_userid from raw.wecom__contacts").fetchall() == [
        ("wmCCCC",)
    ]
    assert report.as_metadata()["rows_quarantined"] == 1
