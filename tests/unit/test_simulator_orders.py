"""Order sources of the demo brand: Tmall (orders and 会员通), JD, Douyin, the mall API records,
POS and live orders, each in its contract format and reconciled with orders_daily.csv."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ingestion.simulator.brand import STORE_PHONES
from ingestion.simulator.clock import DAY, Period
from ingestion.simulator.people import RECYCLE_QUIET_DAYS, make_people
from ingestion.simulator.pos import make_receipts
from tests.unit.test_simulator_support import (
    STORES,
    files_by_path,
    ground_truth,
    identity_map,
    phone_of,
    read_csv,
    rows_of,
    shanghai_day,
    simulate,
)

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
AMOUNT = re.compile(r"\d+\.\d{2}")
YUAN = re.compile(r"[¥￥]\d{1,3}(,\d{3})*\.\d{2}")
MASKED = re.compile(r"1[3-9]\d\*{4}\d{4}")
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
TMALL_HEADER = [
    "订单编号",
    "买家会员名",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实际支付金额",
    "订单状态",
    "收货人姓名",
    "收货地址",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "宝贝标题",
    "宝贝总数量",
    "店铺名称",
    "订单关闭原因",
    "退款金额",
]
JD_HEADER = [
    "订单号",
    "下单帐号",
    "订单金额",
    "应付金额",
    "下单时间",
    "付款确认时间",
    "订单状态",
    "退款金额",
    "客户姓名",
    "客户地址",
    "联系电话",
    "商品名称",
    "商品数量",
]
POS_HEADER = [
    "小票号",
    "门店编码",
    "销售时间",
    "会员卡号",
    "手机号",
    "导购工号",
    "商品编码",
    "数量",
    "金额",
]
MALL_ORDER_KEYS = [
    "order_no",
    "appid",
    "openid",
    "unionid",
    "phone",
    "status",
    "total_amount",
    "paid_amount",
    "refund_amount",
    "created_at",
    "paid_at",
    "updated_at",
    "channel_code",
    "item_count",
]
MALL_MEMBER_KEYS = [
    "member_id",
    "appid",
    "openid",
    "unionid",
    "phone",
    "nickname",
    "registered_at",
    "updated_at",
    "level",
    "marketing_consent",
]


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("orders"))[0]


def money(text: str) -> Decimal:
    return Decimal(re.sub(r"[¥￥,]", "", text or "0"))


def yyyymmdd(path: str) -> str:
    return re.search(r"20\d{6}", path).group(0)


# ---------------------------------------------------------------- Tmall


def test_tmall_reports_follow_the_seller_center_format(out):
    rows = rows_of(out, "tmall__orders")
    for path in {r["_file"] for r in rows}:
        assert read_csv(out / path, "gbk")[0] == TMALL_HEADER
    statuses = Counter()
    for r in rows:
        assert re.fullmatch(r"[1-9]\d{18}", r["订单编号"])
        assert TIMESTAMP.fullmatch(r["订单创建时间"]) and MASKED.fullmatch(r["联系手机"])
        for col in ("买家应付货款", "买家应付邮费", "总金额", "买家实际支付金额", "退款金额"):
            assert AMOUNT.fullmatch(r[col]), (col, r[col])
        assert money(r["总金额"]) == money(r["买家应付货款"]) + money(r["买家应付邮费"])
        status, reason = r["订单状态"], r["订单关闭原因"]
        if status == "交易关闭" and reason == "买家未付款":
            assert r["订单付款时间"] == "" and money(r["买家实际支付金额"]) == 0
        elif status == "交易关闭":
            assert reason == "退款" and money(r["退款金额"]) == money(r["总金额"]) > 0
        elif status == "等待买家付款":
            assert r["订单付款时间"] == "" and reason == "订单未关闭"
        else:
            assert money(r["买家实际支付金额"]) == money(r["总金额"]) and r["订单付款时间"]
        statuses[(status, reason)] += 1
    assert {s for s, _ in statuses} == {
        "交易成功",
        "交易关闭",
        "等待买家付款",
        "买家已付款，等待卖家发货",
        "卖家已发货，等待买家确认",
    }
    assert statuses[("交易关闭", "退款")] > 0 and statuses[("交易关闭", "买家未付款")] > 0


def test_tmall_reexports_overlap_with_changed_statuses(out):
    rows = rows_of(out, "tmall__orders")
    seen: dict[str, list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["_file"]):
        seen[r["订单编号"]].append(r)
    daily = [r for r in rows if r["_file"].endswith("235959.csv")]
    for r in daily:
        assert r["订单创建时间"][:10].replace("-", "") == yyyymmdd(r["_file"])
    again = [v for v in seen.values() if len(v) > 1]
    assert again and all(len(v) == 2 for v in again)
    for first, second in again:
        assert second["_file"].endswith("093000.csv")
        export_day = date.fromisoformat(
            f"{yyyymmdd(second['_file'])[:4]}-{yyyymmdd(second['_file'])[4:6]}-{yyyymmdd(second['_file'])[6:]}"
        )
        created = date.fromisoformat(first["订单创建时间"][:10])
        assert export_day.weekday() == 0 and 1 <= (export_day - created).days <= 7
    changed = [v for v in again if v[0]["订单状态"] != v[1]["订单状态"]]
    assert len(changed) > 0.3 * len(again)


def test_tmall_has_a_double_11_peak(out):
    per_day = Counter(
        r["订单创建时间"][:10]
        for r in rows_of(out, "tmall__orders")
        if r["_file"].endswith("235959.csv")
    )
    others = [n for d, n in per_day.items() if not d.startswith("2025-11-")]
    assert per_day["2025-11-11"] > 3 * sum(others) / len(others)


def test_tmall_members_link_a_nick_to_a_phone(out):
    ids = identity_map(out)
    rows = rows_of(out, "tmall__members")
    assert rows
    consent = defaultdict(list)
    for r in rows:
        assert read_csv(out / r["_file"], "gbk")[0] == [
            "买家昵称",
            "会员手机号",
            "入会时间",
            "会员等级",
            "入会渠道",
            "是否接受营销",
        ]
        assert re.fullmatch(r"1[3-9]\d{9}", r["会员手机号"]) and TIMESTAMP.fullmatch(r["入会时间"])
        assert r["会员等级"] in "1234" and r["入会渠道"] in (
            "店铺首页",
            "订单页",
            "直播间",
            "包裹卡",
        )
        assert ids[("tmall_buyer_nick", r["买家昵称"])] == ids[("phone", r["会员手机号"])]
        consent[r["买家昵称"]].append(r["是否接受营销"])
    assert all(v[-1] == "否" for v in consent.values() if len(v) > 1)


# ---------------------------------------------------------------- JD


def test_jd_export_format(out):
    rows = rows_of(out, "jd__orders")
    assert read_csv(out / rows[0]["_file"], "gbk")[0] == JD_HEADER
    for r in rows:
        assert re.fullmatch(r"\d{12}", r["订单号"]) and r["下单帐号"].startswith("jd_")
        for col in ("订单金额", "应付金额", "退款金额"):
            assert YUAN.fullmatch(r[col]), r[col]
        assert money(r["应付金额"]) <= money(r["订单金额"])
        assert r["订单状态"] in ("等待出库", "等待确认收货", "完成", "已取消", "锁定")
        assert MASKED.fullmatch(r["联系电话"])
    assert any("," in r["订单金额"] for r in rows), "thousands separators appear"
    by_file = defaultdict(set)
    for r in rows:
        by_file[r["_file"]].add(r["下单时间"][:10].replace("-", ""))
    for path, days in by_file.items():
        monday = (
            date(
                int(yyyymmdd(path)[:4]), int(yyyymmdd(path)[4:6]), int(yyyymmdd(path)[6:])
            ).weekday()
            == 0
        )
        assert (len(days) > 1) == monday or (monday and len(days) == 1), path
    assert {r["订单状态"] for r in rows} >= {"等待出库", "已取消", "完成"}


# ---------------------------------------------------------------- Douyin


def test_douyin_pages_are_search_list_responses_in_fen(out):
    pages = sorted(p for p in files_by_path(out) if p.startswith("douyin/"))
    import json

    for path in pages:
        body = json.loads((out / path).read_text("utf-8"))
        assert (body["code"], body["msg"]) == (10000, "success")
        data = body["data"]
        page = int(path[-9:-5]) - 1
        assert (data["page"], data["size"]) == (page, 100)
        assert 1 <= len(data["shop_order_list"]) <= 100
    orders = rows_of(out, "douyin__orders")
    history = defaultdict(list)
    for o in orders:
        assert re.fullmatch(r"\d{19}", o["order_id"]) and o["open_id"].startswith("_000")
        assert all(isinstance(o[k], int) for k in ("order_amount", "pay_amount", "refund_amount"))
        assert MASKED.fullmatch(o["mask_post_tel"]) and o["mask_post_receiver"].endswith("**")
        assert shanghai_day(o["update_time"]).replace("-", "") == yyyymmdd(o["_file"])
        assert o["create_time"] <= o["update_time"]
        assert (o["pay_time"] > 0) == (o["pay_amount"] > 0)
        desc = {1: "待支付", 2: "备货中", 3: "已发货", 4: "已取消", 5: "已完成"}
        assert o["order_status_desc"] == desc[o["order_status"]]
        assert o["b_type"] in (0, 1, 2) and (o["author_id"] == 0) == (o["b_type"] == 0)
        history[o["order_id"]].append(o["order_status"])
    assert any(len(v) > 1 for v in history.values()), "status changes appear on later days"
    assert all(len(v) == len(set(v)) or v.count(4) > 1 for v in history.values())


# ---------------------------------------------------------------- mall API records


def test_mall_records_are_api_items_filed_by_update_day(out):
    orders = rows_of(out, "mall__orders")
    versions = defaultdict(list)
    for o in orders:
        assert [k for k in o if not k.startswith("_")] == MALL_ORDER_KEYS
        assert re.fullmatch(r"M\d{16}", o["order_no"]) and o["appid"].startswith("wx")
        assert o["status"] in ("CREATED", "PAID", "SHIPPED", "COMPLETED", "CLOSED", "REFUNDED")
        assert o["updated_at"][:10].replace("-", "") == yyyymmdd(o["_file"])
        assert ISO.fullmatch(o["created_at"]) and o["created_at"] <= o["updated_at"]
        assert o["phone"] is None or re.fullmatch(r"1[3-9]\d{9}", o["phone"])
        for col in ("total_amount", "paid_amount", "refund_amount"):
            assert AMOUNT.fullmatch(o[col])
        versions[o["order_no"]].append(o)
    later = [v for v in versions.values() if len(v) > 1]
    assert later
    for v in later:
        assert [x["updated_at"] for x in v] == sorted(x["updated_at"] for x in v)
        assert len({x["updated_at"][:10] for x in v}) == len(v), "one version per day"
    finals = Counter(v[-1]["status"] for v in versions.values())
    assert finals["COMPLETED"] > 0 and finals["REFUNDED"] > 0 and finals["CLOSED"] > 0
    codes = {o["channel_code"] for o in orders if o["channel_code"]}
    assert any(c.startswith("referral_RF") for c in codes)

    members = rows_of(out, "mall__members")
    seen = defaultdict(list)
    for m in members:
        assert [k for k in m if not k.startswith("_")] == MALL_MEMBER_KEYS
        assert m["updated_at"][:10].replace("-", "") == yyyymmdd(m["_file"])
        assert m["level"] in (1, 2, 3, 4) and isinstance(m["marketing_consent"], bool)
        seen[m["member_id"]].append(m["marketing_consent"])
    again = [v for v in seen.values() if len(v) > 1]
    assert again and all(v[-1] is False for v in again), "a second record is a withdrawal"


# ---------------------------------------------------------------- POS and live


def test_pos_files_and_receipts(out):
    receipts: dict[tuple[str, str], list[dict]] = defaultdict(list)
    rows = rows_of(out, "pos__receipt_lines")
    for r in rows:
        assert read_csv(out / r["_file"], "utf-8-sig")[0] == POS_HEADER
        store = r["_file"].split("/")[1]
        assert r["门店编码"] == store and r["销售时间"][:10].replace("-", "") == yyyymmdd(
            r["_file"]
        )
        receipts[(r["_file"], r["小票号"])].append(r)
    kinds = Counter()
    for lines in receipts.values():
        head = lines[0]
        qty = [int(x["数量"]) for x in lines]
        assert all(q > 0 for q in qty) or all(q < 0 for q in qty)
        assert head["导购工号"] == "" or re.fullmatch(r"E0[1-4]0[1-3]", head["导购工号"])
        if head["手机号"]:
            assert head["会员卡号"] and re.fullmatch(r"1[3-9]\d{9}", phone_of(head["手机号"]))
            kinds["typed" if not re.fullmatch(r"1\d{10}", head["手机号"]) else "plain"] += 1
        kinds["return" if qty[0] < 0 else "sale"] += 1
    assert kinds["return"] > 0 and kinds["typed"] > 0 and kinds["sale"] > 10 * kinds["return"]


def test_live_exports_per_room_arrive_two_days_later(out):
    listed = files_by_path(out)
    viewers = [p for p in listed if p.startswith("live/viewers/")]
    orders = {p for p in listed if p.startswith("live/orders/")}
    assert viewers and {p.replace("viewers", "orders") for p in viewers} == orders
    for p in viewers:
        r = listed[p]
        assert (date.fromisoformat(r["arrival_day"]) - date.fromisoformat(r["path_date"])).days == 2
    rows = rows_of(out, "live__orders")
    assert {r["订单状态"] for r in rows} <= {"已支付", "已发货", "已完成", "已关闭", "已退款"}
    assert all(YUAN.fullmatch(r["支付金额"]) and MASKED.fullmatch(r["收货人手机"]) for r in rows)
    watched = {(r["直播间ID"], r["观众openid"]) for r in rows_of(out, "live__viewers")}
    assert all((r["直播间ID"], r["观众openid"]) in watched for r in rows), "buyers watched"


# ---------------------------------------------------------------- reconciliation


def _latest(rows, key, order):
    latest = {}
    for r in sorted(rows, key=order):
        latest[key(r)] = r
    return latest.values()


def _tally(day: str, paid: bool, amount: Decimal, refund: Decimal, is_order: bool = True):
    return day, (int(is_order), int(paid), amount if paid else Decimal(0), refund)


def test_orders_daily_equals_a_recount_from_the_files(out):
    counted: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])

    def add(source, day, order, paid, amount, refund):
        c = counted[(source, day)]
        c[0] += order
        c[1] += paid
        c[2] += amount if paid else 0
        c[3] += refund

    for r in _latest(rows_of(out, "tmall__orders"), lambda r: r["订单编号"], lambda r: r["_file"]):
        add(
            "tmall",
            r["订单创建时间"][:10],
            1,
            bool(r["订单付款时间"]),
            money(r["买家实际支付金额"]),
            money(r["退款金额"]),
        )
    for r in _latest(rows_of(out, "jd__orders"), lambda r: r["订单号"], lambda r: r["_file"]):
        add(
            "jd",
            r["下单时间"][:10],
            1,
            bool(r["付款确认时间"]),
            money(r["应付金额"]),
            money(r["退款金额"]),
        )
    for r in _latest(
        rows_of(out, "douyin__orders"), lambda r: r["order_id"], lambda r: r["update_time"]
    ):
        add(
            "douyin",
            shanghai_day(r["create_time"]),
            1,
            r["pay_time"] > 0,
            Decimal(r["pay_amount"]) / 100,
            Decimal(r["refund_amount"]) / 100,
        )
    for r in _latest(
        rows_of(out, "mall__orders"), lambda r: r["order_no"], lambda r: r["updated_at"]
    ):
        add(
            "mall",
            r["created_at"][:10],
            1,
            r["paid_at"] is not None,
            money(r["paid_amount"]),
            money(r["refund_amount"]),
        )
    for r in rows_of(out, "live__orders"):
        add(
            "live",
            r["下单时间"][:10],
            1,
            r["订单状态"] != "已关闭",
            money(r["支付金额"]),
            money(r["退款金额"]),
        )
    listed = files_by_path(out)
    receipts = defaultdict(list)
    for r in rows_of(out, "pos__receipt_lines"):
        if not listed[r["_file"]]["resent_copy_of"]:
            receipts[(r["门店编码"], r["小票号"])].append(r)
    for lines in receipts.values():
        total = sum(money(x["金额"]) for x in lines)
        sale = total > 0
        add(
            "pos", lines[0]["销售时间"][:10], int(sale), sale, total, Decimal(0) if sale else -total
        )
    truth = {
        (r["source"], r["day"]): [
            int(r["orders"]),
            int(r["paid_orders"]),
            Decimal(r["paid_amount"]),
            Decimal(r["refund_amount"]),
        ]
        for r in ground_truth(out, "orders_daily.csv")
    }
    assert truth == dict(counted)
    assert {s for s, _ in truth} == {"tmall", "jd", "douyin", "mall", "live", "pos"}
    assert sum(v[3] for v in truth.values()) > 0


def test_platform_files_hold_masked_phones_only(out):
    for table in ("tmall__orders", "jd__orders"):
        for path in {r["_file"] for r in rows_of(out, table)}:
            text = (out / path).read_bytes().decode("gbk")
            assert not FULL_PHONE.search(text), path
    assert all(MASKED.fullmatch(o["mask_post_tel"]) for o in rows_of(out, "douyin__orders"))


def test_store_stores_are_the_known_ones(out):
    assert {r["门店编码"] for r in rows_of(out, "pos__receipt_lines")} <= set(STORES)


def test_horizon_and_start(out):
    listed = ground_truth(out, "files.csv")
    assert min(r["path_date"] for r in listed) == "2025-10-10"
    assert (
        max(r["path_date"] for r in listed) == (date(2025, 10, 10) + timedelta(days=74)).isoformat()
    )


def csv_rows_of(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_stores_own_phones_are_junk_in_the_ground_truth(out):
    junk = {r["identifier_value"] for r in csv_rows_of(out / "_ground_truth/junk_identifiers.csv")}
    assert junk == set(STORE_PHONES)
    owners = {r["identifier_value"] for r in csv_rows_of(out / "_ground_truth/identities.csv")}
    assert not junk & owners  # a store's phone is no one's


def test_a_store_phone_is_typed_on_the_receipts_of_many_members():
    """The OneID trap: cashiers type the store's own mobile for members who give none."""
    period = Period(date(2024, 1, 1), 365)
    receipts = make_receipts(42, make_people(42, 5000, period), period).receipts
    typed = receipts[receipts["phone"].isin(STORE_PHONES)]
    assert not typed["own_phone"].any() and (typed["card"] != "").all()
    assert typed.groupby("phone")["card"].nunique().min() > 3


def test_a_recycled_number_passes_to_a_member_who_joins_a_year_after_the_last_went_quiet():
    people = make_people(42, 5000, Period(date(2024, 1, 1), 730))
    holders = defaultdict(list)
    for index, number in enumerate(people.phone.tolist()):
        holders[number].append(index)
    recycled = [sorted(h, key=lambda i: people.joined[i]) for h in holders.values() if len(h) > 1]
    assert recycled
    for old, new in recycled:
        assert people.member[old] and people.member[new]
        assert people.active_until[old] + RECYCLE_QUIET_DAYS * DAY < people.joined[new]
