"""The mall API end to end on a real local server: extract a day, save its pages, land them."""

import json
import re
import shutil
import socket
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.errors import UnreadableFileError
from ingestion.http_api import ApiError, CursorClient, RetryPolicy, Window
from ingestion.landing import land
from ingestion.mall.demo_server import Faults, serve
from ingestion.mall.extract import extract_day
from ingestion.mall.members import MALL_MEMBERS
from ingestion.mall.orders import MALL_ORDERS
from tests.unit.connector_helpers import columns_matching

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mall_api"
TOKEN = "test-token-not-secret"
DAY_1, DAY_2 = date(2025, 11, 11), date(2025, 11, 12)
ORDERS_DAY_1 = "mall/orders/20251111"


@pytest.fixture
def root(tmp_path) -> Path:
    """A source root holding the demo mall's server-side records, as the simulator leaves them."""
    target = tmp_path / "sources"
    shutil.copytree(FIXTURES, target / "_mall_api")
    return target


@pytest.fixture
def sleeps() -> list[float]:
    return []


@contextmanager
def mall_api(root: Path, **faults):
    with serve(root / "_mall_api", TOKEN, Faults(**faults)) as url:
        yield url


def extract(root, entity, day, url, sleeps, *, page_size=100, token=TOKEN):
    environ = {
        "SIYU_MALL_API_URL": url,
        "SIYU_MALL_API_TOKEN": token,
        "SIYU_MALL_API_PAGE_SIZE": str(page_size),
        "SIYU_MALL_API_MAX_ATTEMPTS": "3",
    }
    return extract_day(entity, root, day, environ=environ, sleep=sleeps.append)


def saved(root: Path, folder: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / folder).iterdir())}


def page_items(root: Path, folder: str) -> list[list[str]]:
    pages = [json.loads(body) for body in saved(root, folder).values()]
    return [
        [item.get("order_no") or item["member_id"] for item in p["data"]["items"]] for p in pages
    ]


def test_extracted_orders_land_parsed_and_hashed(root, conn, key, sleeps):
    with mall_api(root) as url:
        reports = [extract(root, "orders", day, url, sleeps) for day in (DAY_1, DAY_2)]
    assert [(r.pages, r.items, r.skipped) for r in reports] == [(1, 3, None), (1, 3, None)]
    land(conn, MALL_ORDERS, root, key, "load-1")
    rows = conn.execute(
        "select _source_file, _row_number, order_no, unionid, phone_hash, status, total_amount, "
        "paid_amount, refund_amount, created_at, paid_at, updated_at, channel_code, item_count "
        "from raw.mall__orders order by _source_file, _row_number"
    ).fetchall()
    day_1, day_2 = "mall/orders/20251111/page_0001.json", "mall/orders/20251112/page_0001.json"
    assert rows == [
        # served by updated_at: 10:30, 20:00, 23:59:59; no unionid binding, no phone
        (day_1, 1, "M2025111100000002", None, None, "CLOSED", Decimal("59.90"), Decimal("0.00"),
         Decimal("0.00"), datetime(2025, 11, 11, 10, 0), None, datetime(2025, 11, 11, 10, 30),
         None, 1),
        # "+86 138 0013 8000" normalised before hashing; +08:00 is Shanghai wall-clock already
        (day_1, 2, "M2025111100000001", "oUNION_A", key.hmac_hex("13800138000"), "COMPLETED",
         Decimal("129.00"), Decimal("129.00"), Decimal("0.00"), datetime(2025, 11, 11, 9, 15),
         datetime(2025, 11, 11, 9, 16, 10), datetime(2025, 11, 11, 20, 0), "live_20251111", 2),
        (day_1, 3, "M2025111100000003", "oUNION_C", key.hmac_hex("13900139000"), "PAID",
         Decimal("299.00"), Decimal("279.00"), Decimal("0.00"), datetime(2025, 11, 11, 23, 50),
         datetime(2025, 11, 11, 23, 51), datetime(2025, 11, 11, 23, 59, 59), "pkgcard_tmall", 3),
        # updated exactly at midnight: day 2's window, not day 1's; "0086 137-0013-7000"
        (day_2, 1, "M2025111200000004", "oUNION_D", key.hmac_hex("13700137000"), "CREATED",
         Decimal("88.00"), Decimal("0.00"), Decimal("0.00"), datetime(2025, 11, 12, 0, 0), None,
         datetime(2025, 11, 12, 0, 0), "store_SH001", 1),
        # the day-1 order refunded the next day arrives again with day 2
        (day_2, 2, "M2025111100000003", "oUNION_C", key.hmac_hex("13900139000"), "REFUNDED",
         Decimal("299.00"), Decimal("279.00"), Decimal("279.00"), datetime(2025, 11, 11, 23, 50),
         datetime(2025, 11, 11, 23, 51), datetime(2025, 11, 12, 10, 0), "pkgcard_tmall", 3),
    ]  # fmt: skip
    quarantined = conn.execute(
        "select source_file, row_number, check_name, reason from raw._quarantine"
    ).fetchall()
    assert quarantined == [  # a landline is no mainland mobile
        (day_2, 3, "parse_phone", "column 'phone' is not a mainland mobile number")
    ]


def test_members_drop_nicknames_and_keep_consent_withdrawal(root, conn, key, sleeps):
    with mall_api(root) as url:
        for day in (DAY_1, DAY_2):
            extract(root, "members", day, url, sleeps)
    land(conn, MALL_MEMBERS, root, key, "load-1")
    columns = conn.execute(
        "select column_name from information_schema.columns where table_name = 'mall__members'"
    ).fetchall()
    assert ("member_id",) in columns
    assert ("nickname",) not in columns
    rows = conn.execute(
        "select member_id, unionid, phone_hash, level, marketing_consent, registered_at, "
        "updated_at from raw.mall__members order by _source_file, _row_number"
    ).fetchall()
    assert rows == [
        ("MB00000001", "oUNION_A", key.hmac_hex("13800138000"), 1, True,
         datetime(2025, 11, 11, 9, 0), datetime(2025, 11, 11, 9, 0)),
        ("MB00000002", None, None, 2, False, datetime(2025, 11, 11, 12, 0),
         datetime(2025, 11, 11, 12, 0)),
        # consent withdrawn with a new updated_at: a new row, served first on day 2 (08:30)
        ("MB00000001", "oUNION_A", key.hmac_hex("13800138000"), 1, False,
         datetime(2025, 11, 11, 9, 0), datetime(2025, 11, 12, 8, 30)),
        # level sent as the string "3"; phone typed with spaces
        ("MB00000003", "oUNION_C", key.hmac_hex("13900139000"), 3, True,
         datetime(2025, 11, 12, 15, 0), datetime(2025, 11, 12, 15, 0)),
    ]  # fmt: skip


def test_small_pages_follow_the_cursor_to_the_end(root, sleeps):
    with mall_api(root) as url:
        report = extract(root, "orders", DAY_1, url, sleeps, page_size=2)
    assert (report.pages, report.items) == (2, 3)
    assert list(saved(root, ORDERS_DAY_1)) == ["page_0001.json", "page_0002.json"]
    assert page_items(root, ORDERS_DAY_1) == [
        ["M2025111100000002", "M2025111100000001"],
        ["M2025111100000003"],
    ]
    first, last = (json.loads(b)["data"] for b in saved(root, ORDERS_DAY_1).values())
    assert first["has_more"] is True and isinstance(first["next_cursor"], str)
    assert (last["has_more"], last["next_cursor"]) == (False, None)


def test_server_error_mid_cursor_is_retried_and_every_item_lands_once(root, conn, key, sleeps):
    with mall_api(root, server_error_on={2}) as url:  # request 2 asks for page 2
        report = extract(root, "orders", DAY_1, url, sleeps, page_size=1)
    assert (report.pages, report.items) == (3, 3)
    assert sleeps == [1.0]  # the base delay of the first retry
    land(conn, MALL_ORDERS, root, key, "load-1")
    landed = conn.execute(
        "select order_no, count(*) from raw.mall__orders group by 1 order by 1"
    ).fetchall()
    assert landed == [("M2025111100000001", 1), ("M2025111100000002", 1), ("M2025111100000003", 1)]


def test_rate_limit_waits_as_long_as_retry_after_says(root, sleeps):
    with mall_api(root, rate_limit_on={1}, retry_after_seconds=7) as url:
        report = extract(root, "orders", DAY_1, url, sleeps)
    assert sleeps == [7.0]
    assert (report.pages, report.items) == (1, 3)


def test_server_errors_until_attempts_run_out_fail_naming_the_page(root, sleeps):
    with mall_api(root, server_error_on={2, 3, 4}) as url, pytest.raises(ApiError) as raised:
        extract(root, "orders", DAY_1, url, sleeps, page_size=2)
    assert str(raised.value) == (
        "GET /v1/orders for 2025-11-11, page 2: gave up after 3 attempts, last: HTTP 500. "
        "Nothing was saved for 2025-11-11."
    )
    assert sleeps == [1.0, 2.0]  # exponential backoff
    assert list((root / "mall/orders").iterdir()) == []


def test_refused_token_fails_at_once_and_saves_nothing(root, sleeps):
    with mall_api(root) as url, pytest.raises(ApiError) as raised:
        extract(root, "orders", DAY_1, url, sleeps, token="a-wrong-token")
    assert raised.value.status == 401
    assert str(raised.value).startswith("GET /v1/orders for 2025-11-11, page 1: HTTP 401")
    assert "a-wrong-token" not in str(raised.value)
    assert sleeps == []  # not retried
    assert list((root / "mall/orders").iterdir()) == []  # no day folder, no work folder


def test_error_code_mid_cursor_leaves_the_previous_pages_untouched(root, sleeps):
    with mall_api(root) as url:
        extract(root, "orders", DAY_1, url, sleeps, page_size=1)
    before = saved(root, ORDERS_DAY_1)
    with mall_api(root, error_code_on={2}, error_code=40010) as url, pytest.raises(ApiError) as e:
        extract(root, "orders", DAY_1, url, sleeps, page_size=1)
    assert str(e.value) == (
        "GET /v1/orders for 2025-11-11, page 2: the API answered code 40010. "
        "Nothing was saved for 2025-11-11."
    )
    assert saved(root, ORDERS_DAY_1) == before
    assert [p.name for p in (root / "mall/orders").iterdir()] == ["20251111"]


def test_connection_refused_is_retried_then_reported(sleeps):
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = CursorClient(
        f"http://127.0.0.1:{port}", TOKEN, retry=RetryPolicy(max_attempts=3), sleep=sleeps.append
    )
    with pytest.raises(ApiError) as raised:
        list(client.pages("/v1/members", Window.business_day(DAY_2)))
    assert "page 1: gave up after 3 attempts, last: connection error" in str(raised.value)
    assert sleeps == [1.0, 2.0]


def test_unchanged_day_re_extracts_byte_identical_and_lands_nothing_new(root, conn, key, sleeps):
    with mall_api(root) as url:
        extract(root, "orders", DAY_1, url, sleeps, page_size=2)
        first = saved(root, ORDERS_DAY_1)
        land(conn, MALL_ORDERS, root, key, "load-1")
        extract(root, "orders", DAY_1, url, sleeps, page_size=2)
    assert saved(root, ORDERS_DAY_1) == first
    report = land(conn, MALL_ORDERS, root, key, "load-2")
    assert report.files_skipped == 2
    assert report.as_metadata()["rows_loaded"] == 0
    assert conn.execute("select count(*) from raw.mall__orders").fetchone() == (3,)


def test_changed_record_re_extracted_lands_as_a_new_row(root, conn, key, sleeps):
    with mall_api(root) as url:
        extract(root, "orders", DAY_1, url, sleeps, page_size=1)
        land(conn, MALL_ORDERS, root, key, "load-1")
        records = root / "_mall_api/orders/20251111.jsonl"
        text = records.read_text(encoding="utf-8")
        # order 1 refunded the same evening: still between the other two in page order
        changed = text.replace(
            '"status":"COMPLETED","total_amount":"129.00","paid_amount":"129.00",'
            '"refund_amount":"0.00"',
            '"status":"REFUNDED","total_amount":"129.00","paid_amount":"129.00",'
            '"refund_amount":"129.00"',
        ).replace("2025-11-11T20:00:00+08:00", "2025-11-11T21:00:00+08:00")
        assert changed != text
        records.write_text(changed, encoding="utf-8")
        extract(root, "orders", DAY_1, url, sleeps, page_size=1)
    report = land(conn, MALL_ORDERS, root, key, "load-2")
    assert report.files_skipped == 2  # pages 1 and 3 did not change
    assert report.as_metadata()["rows_loaded"] == 1
    rows = conn.execute(
        "select _load_id, status, refund_amount, updated_at from raw.mall__orders "
        "where order_no = 'M2025111100000001' order by _load_id"
    ).fetchall()
    assert rows == [
        ("load-1", "COMPLETED", Decimal("0.00"), datetime(2025, 11, 11, 20, 0)),
        ("load-2", "REFUNDED", Decimal("129.00"), datetime(2025, 11, 11, 21, 0)),
    ]


def test_conservation_rows_in_equals_loaded_quarantined_duplicate(root, conn, key, sleeps):
    with mall_api(root) as url:
        for entity in ("orders", "members"):
            for day in (DAY_1, DAY_2):
                extract(root, entity, day, url, sleeps)
    counts = {
        spec.name: land(conn, spec, root, key, "load-1").as_metadata()
        for spec in (MALL_ORDERS, MALL_MEMBERS)
    }
    keys = ("rows_in", "rows_loaded", "rows_quarantined", "rows_duplicate")
    assert {name: tuple(c[k] for k in keys) for name, c in counts.items()} == {
        "mall__orders": (6, 5, 1, 0),
        "mall__members": (4, 4, 0, 0),
    }
    broken = conn.execute(
        "select count(*) from raw._load_manifest "
        "where rows_in != rows_loaded + rows_quarantined + rows_duplicate"
    ).fetchone()
    assert broken == (0,)


def test_no_phone_lands_in_the_raw_tables(root, conn, key, sleeps):
    with mall_api(root) as url:
        for entity in ("orders", "members"):
            for day in (DAY_1, DAY_2):
                extract(root, entity, day, url, sleeps)
    phone = re.compile(r"(?<![0-9A-Za-z])(?:\+?86)?[\s-]?1[3-9]\d(?:[\s-]?\d){8}(?![0-9A-Za-z])")
    # the saved pages hold the phones as the API sent them: the scan below has something to miss
    page = (root / "mall/members/20251112/page_0001.json").read_text(encoding="utf-8")
    assert phone.findall(page) == ["+8613800138000", "139 0013 9000"]
    for spec in (MALL_ORDERS, MALL_MEMBERS):
        land(conn, spec, root, key, "load-1")
    columns = conn.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'raw' and data_type in ('VARCHAR', 'JSON')"
    ).fetchall()
    assert ("mall__orders", "phone_hash") in columns
    assert columns_matching(conn, columns, phone) == []


def test_saved_error_page_blocks_the_load(root, conn, key):
    page = root / "mall/orders/20251113/page_0001.json"
    page.parent.mkdir(parents=True)
    page.write_text('{"code":50001,"message":"busy","data":null}', encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="API error page, code 50001"):
        land(conn, MALL_ORDERS, root, key, "load-1")


def test_demo_mode_without_url_serves_the_simulator_records(root, monkeypatch):
    monkeypatch.delenv("SIYU_MALL_API_URL", raising=False)
    monkeypatch.setenv("SIYU_MODE", "demo")
    (report,) = MALL_MEMBERS.extract(root, [DAY_2])
    assert (report.pages, report.items, report.skipped) == (1, 2, None)
    assert page_items(root, "mall/members/20251112") == [["MB00000001", "MB00000003"]]


@pytest.mark.parametrize("mode, with_demo_data", [("production", True), ("demo", False)])
def test_without_url_or_demo_records_nothing_is_fetched(root, mode, with_demo_data):
    if not with_demo_data:
        shutil.rmtree(root / "_mall_api")
    report = extract_day("orders", root, DAY_1, environ={"SIYU_MODE": mode})
    assert report.skipped is not None
    assert report.skipped.startswith("mall API not configured: SIYU_MALL_API_URL is not set")
    assert (report.pages, report.items) == (0, 0)
    assert not (root / "mall").exists()


def test_incremental_fetch_starts_at_the_history_start_then_re_asks_the_last_week(root):
    from ingestion.mall.extract import extract as extract_incrementally

    demo = {"SIYU_MODE": "demo", "SIYU_MALL_API_HISTORY_START": "2025-11-09"}
    first = extract_incrementally("orders", root, environ=demo)
    # the demo mall's clock stops at its last simulated day, 2025-11-12
    assert [r.day for r in first] == [date(2025, 11, d) for d in (9, 10, 11, 12)]
    assert sum(r.items for r in first) == sum(
        len(p.read_text().splitlines()) for p in (root / "_mall_api/orders").glob("*.jsonl")
    )
    shutil.copy(root / "_mall_api/orders/20251112.jsonl", root / "_mall_api/orders/20251125.jsonl")
    second = extract_incrementally("orders", root, environ=demo)
    assert second[0].day == date(2025, 11, 5)  # a week before the last day fetched
    assert second[-1].day == date(2025, 11, 25)
