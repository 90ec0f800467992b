"""Commerce connectors (Tmall members, JD, Douyin, live rooms, spend) on hand-written exports.

Every expected value below is read off the fixture files under tests/fixtures/sources.
"""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.unit.connector_helpers import (
    MOBILE,
    assert_error_page_blocks_the_load,
    land_table,
    quarantined,
)

COMMERCE_TABLES = (
    "tmall__members",
    "jd__orders",
    "douyin__orders",
    "live__viewers",
    "live__orders",
    "marketing__spend",
)
MEMBERS_1111 = "tmall/members/TmallMembers_20251111.csv"
MEMBERS_1112 = "tmall/members/TmallMembers_20251112.csv"
JD_1111 = "jd/orders/JdOrders_20251111.csv"
JD_1112 = "jd/orders/JdOrders_20251112.csv"
DOUYIN_PAGE_1 = "douyin/orders/20251111/page_0001.json"
DOUYIN_PAGE_2 = "douyin/orders/20251111/page_0002.json"
LIVE_VIEWERS = "live/viewers/20251111/1001.csv"
LIVE_ORDERS = "live/orders/20251111/1001.csv"
SPEND = "spend/marketing_spend_20251111.csv"

# per file: (rows_in, rows_loaded, rows_quarantined, rows_duplicate)
EXPECTED_FILE_COUNTS = {
    "tmall__members": {MEMBERS_1111: (4, 3, 1, 0), MEMBERS_1112: (2, 2, 0, 0)},
    # the re-export repeats order 230000000003 unchanged: a duplicate, not a second row
    "jd__orders": {JD_1111: (4, 3, 1, 0), JD_1112: (4, 3, 0, 1)},
    "douyin__orders": {DOUYIN_PAGE_1: (4, 3, 1, 0), DOUYIN_PAGE_2: (1, 1, 0, 0)},
    "live__viewers": {LIVE_VIEWERS: (4, 3, 1, 0)},
    "live__orders": {LIVE_ORDERS: (5, 4, 1, 0)},
    "marketing__spend": {SPEND: (6, 5, 1, 0)},
}


@pytest.mark.parametrize("name", COMMERCE_TABLES)
def test_each_file_conserves_its_rows(conn, sources, key, name):
    report = land_table(conn, sources, key, name)
    counts = {
        f.file: (f.rows_in, f.rows_loaded, f.rows_quarantined, f.rows_duplicate)
        for f in report.files
    }
    assert counts == EXPECTED_FILE_COUNTS[name]
    for rows_in, loaded, bad, duplicate in counts.values():
        assert rows_in == loaded + bad + duplicate
    landed = conn.execute(
        f"select _source_file, count(*) from raw.{name} group by 1 order by 1"
    ).fetchall()
    assert landed == [(file, c[1]) for file, c in sorted(EXPECTED_FILE_COUNTS[name].items())]


def test_tmall_members_hash_nicks_like_order_buyers_and_phones_after_normalising(
    conn, sources, key
):
    land_table(conn, sources, key, "tmall__members")
    rows = conn.execute(
        "select _source_file, _row_number, buyer_nick_hash, phone_hash, joined_at, "
        "member_level, join_channel, accepts_marketing from raw.tmall__members order by 1, 2"
    ).fetchall()
    assert rows == [
        # the Excel-safe ="…" wrapper around the phone is stripped before normalising
        (MEMBERS_1111, 1, key.hmac_hex("小王爱购物88"), key.hmac_hex("13812345678"),
         datetime(2025, 11, 11, 10, 0), 1, "店铺首页", True),
        # "+86 139 0000 1111"
        (MEMBERS_1111, 2, key.hmac_hex("tb1234567"), key.hmac_hex("13900001111"),
         datetime(2025, 11, 11, 10, 5), 2, "订单页", False),
        # full-width digits
        (MEMBERS_1111, 3, key.hmac_hex("美妆达人"), key.hmac_hex("13700002222"),
         datetime(2025, 11, 11, 11, 30), 1, "直播间", True),
        # the next day's export: level up and marketing consent withdrawn, phone typed spaced
        (MEMBERS_1112, 1, key.hmac_hex("小王爱购物88"), key.hmac_hex("13812345678"),
         datetime(2025, 11, 11, 10, 0), 2, "店铺首页", False),
        # "0086-135-1234-5678", time with slashes and no seconds
        (MEMBERS_1112, 2, key.hmac_hex("淘气包"), key.hmac_hex("13512345678"),
         datetime(2025, 11, 12, 9, 0), 1, "包裹卡", True),
    ]  # fmt: skip
    assert quarantined(conn, "tmall__members") == [
        (MEMBERS_1111, 4, "isin((1, 2, 3, 4))", "column '会员等级' fails isin((1, 2, 3, 4))")
    ]


def test_tmall_members_join_the_order_report_buyers(conn, sources, key):
    land_table(conn, sources, key, "tmall__orders")
    land_table(conn, sources, key, "tmall__members")
    joined = conn.execute(
        "select distinct o.order_no from raw.tmall__orders as o "
        "join raw.tmall__members as m using (buyer_nick_hash) order by 1"
    ).fetchall()
    # 小王爱购物88 bought order 1 and tb1234567 order 2 in the order report fixture
    assert joined == [("3429000000000000001",), ("3429000000000000002",)]


def test_jd_orders_land_both_exports_with_the_changed_status(conn, sources, key):
    land_table(conn, sources, key, "jd__orders")
    rows = conn.execute(
        "select _source_file, order_no, jd_pin_hash, order_amount, payable_amount, paid_at, "
        "order_status, refund_amount, ship_province, has_mobile, item_quantity "
        "from raw.jd__orders order by _source_file, _row_number"
    ).fetchall()
    zhang3 = key.hmac_hex("jd_zhang3")
    paid_1 = datetime(2025, 11, 11, 0, 4)
    assert rows == [
        # ="…" wrapper stripped, "¥1,299.00" parsed
        (JD_1111, "230000000001", zhang3, Decimal("1299.00"), Decimal("1199.00"), paid_1,
         "等待确认收货", Decimal("0.00"), "北京", True, 1),
        # a partial refund on a completed order
        (JD_1111, "230000000002", key.hmac_hex("jd_li4"), Decimal("199.00"), Decimal("189.00"),
         datetime(2025, 11, 11, 9, 16, 10), "完成", Decimal("50.00"), "上海", True, 2),
        # full-width ¥８９.００; cancelled before payment, no phone given
        (JD_1111, "230000000003", key.hmac_hex("jd_wang5"), Decimal("89.00"), Decimal("89.00"),
         None, "已取消", Decimal("0.00"), "广东", False, 1),
        # the re-export: order 1 again, now completed
        (JD_1112, "230000000001", zhang3, Decimal("1299.00"), Decimal("1199.00"), paid_1,
         "完成", Decimal("0.00"), "北京", True, 1),
        (JD_1112, "230000000005", zhang3, Decimal("2499.00"), Decimal("2399.00"),
         datetime(2025, 11, 12, 20, 0, 30), "等待出库", Decimal("0.00"), "北京", True, 1),
        (JD_1112, "230000000006", key.hmac_hex("jd_sun7"), Decimal("99.00"), Decimal("99.00"),
         datetime(2025, 11, 12, 21, 1), "锁定", Decimal("0.00"), "浙江", True, 1),
    ]  # fmt: skip
    statuses = "('等待出库', '等待确认收货', '完成', '已取消', '锁定')"
    assert quarantined(conn, "jd__orders") == [
        (JD_1111, 4, f"isin({statuses})", f"column '订单状态' fails isin({statuses})")
    ]


def test_jd_names_and_street_addresses_never_land(conn, sources, key):
    land_table(conn, sources, key, "jd__orders")
    columns = {c[0] for c in conn.execute("describe raw.jd__orders").fetchall()}
    assert "customer_name" not in columns
    for table in ("jd__orders", "_quarantine"):
        (text,) = conn.execute(f"select to_json(list(t))::varchar from raw.{table} as t").fetchone()
        for personal in ("张三", "赵六", "建国路", "中山路", "jd_zhang3", "jd_zhao6"):
            assert personal not in text, (table, personal)


def test_douyin_pages_land_one_row_per_shop_order_in_yuan(conn, sources, key):
    land_table(conn, sources, key, "douyin__orders")
    rows = conn.execute(
        "select _source_file, _row_number, order_id, douyin_open_id, has_mobile, ship_province, "
        "order_amount, paid_amount, refund_amount, created_at_epoch, paid_at_epoch, "
        "order_status, order_status_desc, traffic_source, author_id "
        "from raw.douyin__orders order by _source_file, _row_number"
    ).fetchall()
    assert rows == [
        (DOUYIN_PAGE_1, 1, "6920000000000000001", "dy_open_aaa", True, "浙江省", Decimal("129.00"),
         Decimal("129.00"), Decimal("0.00"), 1762862592, 1762862700, 5, "已完成", 1,
         "7000000000000000001"),  # a 19-digit author_id sent as a JSON number stays exact
        # paid, then cancelled and refunded in full
        (DOUYIN_PAGE_1, 2, "6920000000000000002", "dy_open_bbb", True, "广东省", Decimal("59.90"),
         Decimal("59.90"), Decimal("59.90"), 1762867800, 1762867870, 4, "已取消", 0, "0"),
        # unpaid: pay_time 0, empty masked phone
        (DOUYIN_PAGE_1, 3, "6920000000000000003", "dy_open_ccc", False, "北京市", Decimal("199.00"),
         Decimal("0.00"), Decimal("0.00"), 1762870200, 0, 1, "待支付", 2, "7000000000000000002"),
        # no post_addr at all
        (DOUYIN_PAGE_2, 1, "6920000000000000005", "dy_open_aaa", True, None, Decimal("88.00"),
         Decimal("88.00"), Decimal("0.00"), 1762876770, 1762876810, 2, "备货中", 1,
         "7000000000000000001"),
    ]  # fmt: skip
    assert quarantined(conn, "douyin__orders") == [
        (DOUYIN_PAGE_1, 4, "parse_amount_fen", "column 'pay_amount' is not a whole fen amount")
    ]


def test_douyin_error_page_blocks_the_whole_load(conn, sources, key):
    body = json.dumps({"code": 40004, "msg": "access_token 已过期", "data": None})
    assert_error_page_blocks_the_load(
        conn, sources, key, "douyin__orders", "douyin/orders/20251112/page_0001.json", body,
        "code 40004",
    )  # fmt: skip


def test_douyin_empty_page_lands_nothing_but_is_recorded(conn, sources, key):
    empty_page = sources / "douyin/orders/20251112/page_0001.json"
    empty_page.parent.mkdir(parents=True)
    empty_page.write_text(
        json.dumps({"code": 10000, "msg": "success", "data": {"shop_order_list": [], "total": 0}})
    )
    report = land_table(conn, sources, key, "douyin__orders")
    assert [(f.file, f.rows_in) for f in report.files][-1] == (
        "douyin/orders/20251112/page_0001.json",
        0,
    )
    assert conn.execute("select count(*) from raw.douyin__orders").fetchone() == (4,)


def test_live_viewers_keep_ids_and_counts_and_drop_nicknames(conn, sources, key):
    land_table(conn, sources, key, "live__viewers")
    rows = conn.execute(
        "select * exclude (_load_id, _source_file, _file_sha256, _loaded_at) "
        "from raw.live__viewers order by _row_number"
    ).fetchall()
    assert rows == [
        ("1001", "oLIVE_aaa", "oUNION_aaa", datetime(2025, 11, 11, 20, 0, 5), 3600, 5, 120, 1),
        # unbound unionid; full-width watch seconds
        ("1001", "oLIVE_bbb", None, datetime(2025, 11, 11, 20, 10), 120, 0, 3, 2),
        # slashes and no seconds; the nickname (a phone number) is dropped
        ("1001", "oLIVE_ccc", "oUNION_ccc", datetime(2025, 11, 11, 20, 30), 900, 2, 0, 3),
    ]
    assert quarantined(conn, "live__viewers") == [
        (LIVE_VIEWERS, 4, "in_range(0, 86400)", "column '观看时长(秒)' fails in_range(0, 86400)")
    ]


def test_live_orders_parse_amounts_and_keep_statuses(conn, sources, key):
    land_table(conn, sources, key, "live__orders")
    rows = conn.execute(
        "select order_no, room_id, openid, unionid, ordered_at, paid_amount, order_status, "
        "refund_amount, has_mobile from raw.live__orders order by _row_number"
    ).fetchall()
    assert rows == [
        ("LV20251111000001", "1001", "oLIVE_aaa", "oUNION_aaa", datetime(2025, 11, 11, 20, 15),
         Decimal("1299.00"), "已完成", Decimal("0.00"), True),
        ("LV20251111000002", "1001", "oLIVE_ccc", "oUNION_ccc", datetime(2025, 11, 11, 20, 35),
         Decimal("199.00"), "已退款", Decimal("199.00"), True),
        ("LV20251111000003", "1001", "oLIVE_bbb", None, datetime(2025, 11, 11, 20, 36),
         Decimal("0.00"), "已关闭", Decimal("0.00"), False),
        # ￥８９.００
        ("LV20251111000004", "1001", "oLIVE_aaa", "oUNION_aaa", datetime(2025, 11, 11, 20, 50),
         Decimal("89.00"), "已支付", Decimal("0.00"), True),
    ]  # fmt: skip
    statuses = "('已支付', '已发货', '已完成', '已关闭', '已退款')"
    assert quarantined(conn, "live__orders") == [
        (LIVE_ORDERS, 5, f"isin({statuses})", f"column '订单状态' fails isin({statuses})")
    ]


def test_marketing_spend_parses_costs_and_dates(conn, sources, key):
    land_table(conn, sources, key, "marketing__spend")
    rows = conn.execute(
        "select spend_date, channel_code, campaign, cost from raw.marketing__spend "
        "order by _row_number"
    ).fetchall()
    day = date(2025, 11, 11)
    assert rows == [
        (day, "tmall_ztc", "双11主会场", Decimal("12000.00")),
        (day, "jd_jzt", "双11京东", Decimal("8500.50")),
        # 2025/11/11 and ￥３，０００.００ with a full-width thousands separator
        (day, "douyin_qianchuan", "双11直播投流", Decimal("3000.00")),
        (day, "live_20251111", "双11直播", Decimal("500.00")),
        (day, "store_SH001", "门店活码物料", Decimal("300.00")),
    ]
    assert quarantined(conn, "marketing__spend") == [
        (SPEND, 6, "parse_amount", "column '花费' is not an amount")
    ]


def test_unknown_spend_channel_is_quarantined(conn, sources, key):
    sheet = "spend/marketing_spend_20251112.csv"
    text = "日期,渠道编码,活动,花费\r\n2025-11-12,weibo_ads,试投,¥100.00\r\n"
    (sources / sheet).write_bytes(text.encode("utf-8-sig"))
    land_table(conn, sources, key, "marketing__spend")
    (row,) = [r for r in quarantined(conn, "marketing__spend") if r[0] == sheet]
    assert row[:2] == (sheet, 1)
    assert row[2].startswith("str_matches(")
    assert row[3] == f"column '渠道编码' fails {row[2]}"


def test_no_eleven_digit_mobile_lands_in_commerce_tables(conn, sources, key):
    for name in COMMERCE_TABLES:
        land_table(conn, sources, key, name)
    tables = [*COMMERCE_TABLES, "_quarantine"]
    for table in tables:
        (text,) = conn.execute(f"select to_json(list(t))::varchar from raw.{table} as t").fetchone()
        assert text, table
        assert not MOBILE.search(text), table
        # masked phones are kept as presence only, never as the masked text
        assert "****" not in text, table
