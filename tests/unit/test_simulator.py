"""The demo-brand simulator: formats from docs/sources.md, determinism and ground truth.

Ground truth is recomputed here from the written files only (plus identities.csv), so a
simulator whose files and ground truth drift apart fails.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ingestion.pseudonymise import normalise_phone
from ingestion.simulator import SimulationSummary, simulate_brand
from ingestion.simulator.__main__ import main

CUSTOMERS, DAYS, SEED = 300, 30, 7
START = date(2025, 10, 25)  # the window covers Double 11
SHANGHAI = timedelta(hours=8)
STORES = {"SH001", "SH002", "HZ001", "BJ001"}
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
EVENT_KEYS = [
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Event",
    "ChangeType",
    "UserID",
    "ExternalUserID",
]
AMOUNT = re.compile(r"-?\d+\.\d{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


# ---------------------------------------------------------------- generated brands


def _simulate(root: Path, **kwargs) -> tuple[Path, SimulationSummary]:
    args = {"customers": CUSTOMERS, "days": DAYS, "seed": SEED, "start_date": START} | kwargs
    summary = simulate_brand(root, **args)
    return root, summary


@pytest.fixture(scope="module")
def brand(tmp_path_factory) -> tuple[Path, SimulationSummary]:
    return _simulate(tmp_path_factory.mktemp("brand"))


@pytest.fixture(scope="module")
def out(brand) -> Path:
    return brand[0]


@pytest.fixture(scope="module")
def bad_brand(tmp_path_factory) -> Path:
    return _simulate(tmp_path_factory.mktemp("bad"), bad_row_rate=0.05)[0]


# ---------------------------------------------------------------- independent readers


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def read_csv(path: Path, encoding: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    return rows[0], rows[1:]


def tmall_rows(root: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted((root / "tmall").glob("*.csv")):
        header, body = read_csv(path, "gbk")
        rel = path.relative_to(root).as_posix()
        rows += [
            dict(zip(header, r, strict=True)) | {"_file": rel, "_row": i}
            for i, r in enumerate(body, 1)
        ]
    return rows


def pos_rows(root: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted((root / "pos").glob("*/*.csv")):
        header, body = read_csv(path, "utf-8-sig")
        rel = path.relative_to(root).as_posix()
        rows += [
            dict(zip(header, r, strict=True)) | {"_file": rel, "_row": i}
            for i, r in enumerate(body, 1)
        ]
    return rows


def events(root: Path) -> list[dict]:
    out = []
    for path in sorted((root / "wecom" / "events").glob("*.jsonl")):
        out += [
            json.loads(line) | {"_file": path.name} for line in path.read_text("utf-8").splitlines()
        ]
    return out


def contact_pages(root: Path) -> list[dict]:
    return [
        json.loads(p.read_text("utf-8"))
        for p in sorted((root / "wecom" / "contacts").glob("*/*.json"))
    ]


def ground_truth(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "_ground_truth" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def identity_map(root: Path) -> dict[tuple[str, str], str]:
    mapping: dict[tuple[str, str], str] = {}
    for row in ground_truth(root, "identities.csv"):
        key = (row["identifier_type"], row["identifier_value"])
        assert key not in mapping, f"identifier {key} belongs to two persons"
        mapping[key] = row["person_id"]
    return mapping


def _phone_shape(raw: str) -> str:
    shapes = {
        "plain": r"1[0-9]{10}",
        "spaced": r"1[0-9]{2} [0-9]{4} [0-9]{4}",
        "plus86": r"\+86 1[0-9]{10}",
        "plus86_dashed": r"\+86-1[0-9]{2}-[0-9]{4}-[0-9]{4}",
        "fullwidth": r"１[０-９]{10}",
    }
    return next(name for name, shape in shapes.items() if re.fullmatch(shape, raw))


def shanghai_day(epoch: int) -> str:
    return (datetime.fromtimestamp(epoch, UTC) + SHANGHAI).date().isoformat()


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(out, tmp_path):
    again, _ = _simulate(tmp_path / "again")
    first, second = tree(out), tree(again)
    assert sorted(first) == sorted(second)
    assert [k for k in first if first[k] != second[k]] == []


def test_different_seed_gives_different_files(out, tmp_path):
    other, _ = _simulate(tmp_path / "other", seed=SEED + 1)
    first, second = tree(out), tree(other)
    common = set(first) & set(second)
    assert sum(first[k] != second[k] for k in common) > 0.9 * len(common)


# ---------------------------------------------------------------- layout and summary


def test_layout_and_summary_match_the_files(brand):
    root, summary = brand
    files = sorted(tree(root))
    last_day = (START + timedelta(days=DAYS - 1)).strftime("%Y%m%d")
    patterns = {
        "tmall": r"tmall/ExportOrderList(\d{8})235959\.csv",
        "pos": r"pos/(SH001|SH002|HZ001|BJ001)/\1_(\d{8})\.csv",
        "wecom_events": r"wecom/events/(\d{8})\.jsonl",
        "wecom_contacts": rf"wecom/contacts/{last_day}/page_\d{{4}}\.json",
        "ground_truth": r"_ground_truth/(acquisition_daily|bad_rows|identities|persons)\.csv",
    }
    by_source = {k: [f for f in files if re.fullmatch(p, f)] for k, p in patterns.items()}
    assert sum(len(v) for v in by_source.values()) == len(files), "unexpected files"
    assert len(by_source["ground_truth"]) == 4
    for source in ("tmall", "pos", "wecom_events", "wecom_contacts"):
        assert summary.files[source] == len(by_source[source]) > 0
    assert summary.rows["tmall"] == len(tmall_rows(root))
    assert summary.rows["pos"] == len(pos_rows(root))
    assert summary.rows["wecom_events"] == len(events(root))
    listed = sum(len(p["external_contact_list"]) for p in contact_pages(root))
    assert summary.rows["wecom_contacts"] == listed
    assert (summary.persons, summary.first_day) == (CUSTOMERS, START)
    assert summary.last_day == START + timedelta(days=DAYS - 1)
    assert len(ground_truth(root, "persons.csv")) == CUSTOMERS
    # Every file date lies in the period.
    days = {re.search(r"(\d{8})", f).group(1) for f in files if not f.startswith("_")}
    assert min(days) >= START.strftime("%Y%m%d") and max(days) <= last_day


# ---------------------------------------------------------------- Tmall


def test_tmall_files_are_gbk_crlf_with_the_exact_header(out):
    for path in sorted((out / "tmall").glob("*.csv")):
        raw = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # Chinese text in GBK is not valid UTF-8
        text = raw.decode("gbk")
        assert text.endswith("\r\n") and text.count("\n") == text.count("\r\n")
        header, body = read_csv(path, "gbk")
        assert header == TMALL_HEADER
        assert body and all(len(r) == len(TMALL_HEADER) for r in body)


def test_tmall_rows_follow_the_order_report_rules(out):
    rows = tmall_rows(out)
    numbers = [r["订单编号"] for r in rows]
    assert all(re.fullmatch(r"[1-9]\d{18}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    statuses = Counter()
    for r in rows:
        day = re.search(r"(\d{8})235959", r["_file"]).group(1)
        assert r["订单创建时间"].replace("-", "")[:8] == day
        assert TIMESTAMP.fullmatch(r["订单创建时间"])
        for col in ("买家应付货款", "买家应付邮费", "总金额", "买家实际支付金额", "退款金额"):
            assert AMOUNT.fullmatch(r[col]), (col, r[col])
        total, paid = float(r["总金额"]), float(r["买家实际支付金额"])
        assert total == pytest.approx(float(r["买家应付货款"]) + float(r["买家应付邮费"]))
        assert r["店铺名称"] == "青禾官方旗舰店"
        assert re.fullmatch(r"\S+省|\S+市|\S+自治区", r["收货地址"].split(" ")[0])
        status, reason = r["订单状态"], r["订单关闭原因"]
        if status == "交易关闭" and reason == "买家未付款":
            kind = "unpaid"
            assert paid == 0 and r["订单付款时间"] == "" and float(r["退款金额"]) == 0
        elif status == "交易关闭":
            kind = "refunded"
            assert reason == "退款" and paid == total == float(r["退款金额"]) > 0
        else:
            kind = status
            assert reason == "订单未关闭" and paid == total and float(r["退款金额"]) == 0
            assert status in ("交易成功", "卖家已发货，等待买家确认")
        if kind != "unpaid":
            assert TIMESTAMP.fullmatch(r["订单付款时间"]) and r["订单付款时间"] >= r["订单创建时间"]
        statuses[kind] += 1
    assert statuses["交易成功"] > 0.7 * len(rows)
    assert set(statuses) == {"unpaid", "refunded", "交易成功", "卖家已发货，等待买家确认"}


def test_tmall_files_hold_masked_phones_only(out):
    phones = {v for (kind, v) in identity_map(out) if kind == "phone"}
    assert phones
    for path in sorted((out / "tmall").glob("*.csv")):
        text = path.read_bytes().decode("gbk")
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), path.name
        assert not any(p in text for p in phones)
    masks = [r["联系手机"] for r in tmall_rows(out)]
    assert all(re.fullmatch(r"1[3-9]\d\*{4}\d{4}", m) for m in masks)


def test_tmall_has_a_visible_double_11_bump(out):
    per_day = Counter(r["订单创建时间"][:10] for r in tmall_rows(out))
    others = [n for d, n in per_day.items() if d != "2025-11-11"]
    assert per_day["2025-11-11"] > 3 * sum(others) / len(others)


# ---------------------------------------------------------------- POS


def test_pos_files_are_utf8_bom_with_the_exact_header(out):
    for path in sorted((out / "pos").glob("*/*.csv")):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        header, body = read_csv(path, "utf-8-sig")
        assert header == POS_HEADER
        assert body and all(len(r) == len(POS_HEADER) for r in body)
        store, day = path.stem.split("_")
        assert store == path.parent.name and store in STORES
        assert all(r[1] == store and r[2][:10].replace("-", "") == day for r in body)


def test_pos_receipts_follow_the_till_rules(out):
    receipts: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in pos_rows(out):
        receipts[(r["门店编码"], r["小票号"])].append(r)
    sales_per_person_day: Counter = Counter()
    formats = Counter()
    kinds = Counter()
    for lines in receipts.values():
        head = lines[0]
        fields = ("销售时间", "会员卡号", "手机号", "导购工号", "_file")
        assert all(
            tuple(line[f] for f in fields) == tuple(head[f] for f in fields) for line in lines
        )
        qty = [int(line["数量"]) for line in lines]
        amounts = [float(line["金额"]) for line in lines]
        assert all(q > 0 for q in qty) or all(q < 0 for q in qty)
        assert all((a > 0) == (q > 0) for a, q in zip(amounts, qty, strict=True))
        assert 1 <= len(lines) <= 3
        card, phone, guide = head["会员卡号"], head["手机号"], head["导购工号"]
        assert card == "" or re.fullmatch(r"M\d{10}", card)
        assert guide == "" or re.fullmatch(r"E0[1-4]0[1-3]", guide)
        if phone:
            assert card, "only members give their phone"
            assert re.fullmatch(r"1[3-9]\d{9}", normalise_phone(phone))
            formats[_phone_shape(phone)] += 1
        positive = qty[0] > 0
        kinds["sale" if positive else "return"] += 1
        kinds["walk-in" if not card else "member"] += 1
        if positive and card:
            sales_per_person_day[(head["门店编码"], card, head["销售时间"][:10])] += 1
    assert max(sales_per_person_day.values()) == 1
    assert kinds["return"] > 0 and kinds["walk-in"] > 0 and kinds["member"] > kinds["walk-in"]
    assert set(formats) == {"plain", "spaced", "plus86", "plus86_dashed", "fullwidth"}


def test_pos_returns_follow_a_sale_of_the_same_customer(out):
    sales: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    returns = []
    for r in pos_rows(out):
        key = (r["门店编码"], r["会员卡号"], r["手机号"])
        if int(r["数量"]) > 0:
            sales[key].append(r["销售时间"][:10])
        else:
            returns.append((key, r["销售时间"][:10], r["会员卡号"]))
    assert returns
    for key, day, card in returns:
        if not card:
            continue  # a walk-in return cannot be tied back
        earlier = [d for d in sales[key] if d < day]
        assert earlier, key
        assert date.fromisoformat(day) - date.fromisoformat(max(earlier)) <= timedelta(days=14)


# ---------------------------------------------------------------- WeCom


def test_wecom_events_have_the_callback_shape(out):
    evs = events(out)
    assert evs
    for e in evs:
        keys = [k for k in e if k != "_file"]
        if e["ChangeType"] == "add_external_contact":
            assert keys == [*EVENT_KEYS, "State", "WelcomeCode"]
            assert re.fullmatch(r"store_(SH001|SH002|HZ001|BJ001)|pkgcard_tmall", e["State"])
            assert e["WelcomeCode"]
        else:
            assert keys == EVENT_KEYS
            assert e["ChangeType"] in ("del_external_contact", "del_follow_user")
        assert re.fullmatch(r"ww[0-9a-f]{16}", e["ToUserName"])
        assert (e["FromUserName"], e["MsgType"], e["Event"]) == (
            "sys",
            "event",
            "change_external_contact",
        )
        assert isinstance(e["CreateTime"], int)
        assert e["_file"] == shanghai_day(e["CreateTime"]).replace("-", "") + ".jsonl"
        assert re.fullmatch(r"wm[0-9A-Za-z]{30}", e["ExternalUserID"])
        assert re.fullmatch(r"(sh001|sh002|hz001|bj001)_guide[1-3]|online_guide[1-3]", e["UserID"])
    changes = Counter(e["ChangeType"] for e in evs)
    assert changes["del_follow_user"] > 0


def test_wecom_relationship_lifecycle(out):
    added: dict[tuple[str, str], dict] = {}
    states_per_person: Counter = Counter()
    for e in events(out):
        key = (e["ExternalUserID"], e["UserID"])
        if e["ChangeType"] == "add_external_contact":
            assert key not in added, "a person adds a guide once"
            added[key] = e
            states_per_person[(e["ExternalUserID"], e["State"])] += 1
        else:
            assert key in added and e["CreateTime"] >= added[key]["CreateTime"] + 86400
            del added[key]
    assert max(states_per_person.values()) == 1, "at most one add per channel code"

    pages = contact_pages(out)
    assert [p["next_cursor"] == "" for p in pages] == [False] * (len(pages) - 1) + [True]
    assert all(len(p["external_contact_list"]) == 100 for p in pages[:-1])
    listed = {}
    for page in pages:
        assert (page["errcode"], page["errmsg"]) == (0, "ok")
        for item in page["external_contact_list"]:
            contact, follow = item["external_contact"], item["follow_info"]
            assert list(contact)[:3] == ["external_userid", "name", "type"] and contact["type"] == 1
            if "unionid" in contact:
                assert re.fullmatch(r"o[0-9A-Za-z_-]{27}", contact["unionid"])
            assert follow["oper_userid"] == follow["userid"] and follow["add_way"] == 1
            assert all(
                re.fullmatch(r"1[3-9]\d{9}", normalise_phone(m)) for m in follow["remark_mobiles"]
            )
            listed[(contact["external_userid"], follow["userid"])] = follow
    # The snapshot lists exactly the relationships the events leave open.
    assert set(listed) == set(added)
    for key, follow in listed.items():
        assert (follow["createtime"], follow["state"]) == (
            added[key]["CreateTime"],
            added[key]["State"],
        )


# ---------------------------------------------------------------- ground truth


def test_identities_match_the_identifiers_in_the_files(out):
    ids = identity_map(out)
    seen: set[tuple[str, str]] = set()
    for r in tmall_rows(out):
        seen.add(("tmall_buyer_nick", r["买家会员名"]))
    for r in pos_rows(out):
        if r["会员卡号"]:
            seen.add(("pos_member_card", r["会员卡号"]))
        if r["手机号"]:
            seen.add(("phone", normalise_phone(r["手机号"])))
    for e in events(out):
        seen.add(("wecom_external_userid", e["ExternalUserID"]))
    for page in contact_pages(out):
        for item in page["external_contact_list"]:
            if "unionid" in item["external_contact"]:
                seen.add(("unionid", item["external_contact"]["unionid"]))
            seen |= {("phone", normalise_phone(m)) for m in item["follow_info"]["remark_mobiles"]}
    assert set(ids) == seen
    persons = {r["person_id"] for r in ground_truth(out, "persons.csv")}
    assert set(ids.values()) <= persons
    # A member card and a phone on one receipt belong to the same person.
    for r in pos_rows(out):
        if r["会员卡号"] and r["手机号"]:
            phone = normalise_phone(r["手机号"])
            assert ids[("pos_member_card", r["会员卡号"])] == ids[("phone", phone)]


def test_acquisition_ground_truth_equals_a_recount_from_the_files(out):
    ids = identity_map(out)
    reached: dict[tuple[str, str], set] = defaultdict(set)
    friends: dict[tuple[str, str], set] = defaultdict(set)
    for r in pos_rows(out):
        if int(r["数量"]) <= 0:
            continue
        if r["会员卡号"]:
            who = ids[("pos_member_card", r["会员卡号"])]
        elif r["手机号"]:
            who = ids[("phone", normalise_phone(r["手机号"]))]
        else:
            who = ("walk-in", r["门店编码"], r["小票号"])  # one person per walk-in receipt
        reached[(f"store_{r['门店编码']}", r["销售时间"][:10])].add(who)
    for r in tmall_rows(out):
        if float(r["买家实际支付金额"]) > 0 and r["订单关闭原因"] != "买家未付款":
            who = ids[("tmall_buyer_nick", r["买家会员名"])]
            reached[("pkgcard_tmall", r["订单付款时间"][:10])].add(who)
    for e in events(out):
        if e["ChangeType"] == "add_external_contact":
            who = ids[("wecom_external_userid", e["ExternalUserID"])]
            friends[(e["State"], shanghai_day(e["CreateTime"]))].add(who)
    expected = {
        key: (len(reached.get(key, ())), len(friends.get(key, ())))
        for key in sorted(set(reached) | set(friends))
    }
    truth = {
        (r["channel_code"], r["day"]): (int(r["reached_customers"]), int(r["new_friends"]))
        for r in ground_truth(out, "acquisition_daily.csv")
    }
    assert truth == expected
    assert {code for code, _ in truth} == {"pkgcard_tmall"} | {f"store_{s}" for s in STORES}
    assert sum(f for _, f in truth.values()) > 0


def test_persons_ground_truth(out):
    persons = ground_truth(out, "persons.csv")
    assert [p["person_id"] for p in persons] == sorted(p["person_id"] for p in persons)
    channels = Counter(p["acquisition_channel"] for p in persons)
    assert set(channels) == {"tmall", "store"} and channels["tmall"] > channels["store"]
    assert all(p["home_store"] in STORES for p in persons if p["acquisition_channel"] == "store")
    nicks = {v: p for (kind, v), p in identity_map(out).items() if kind == "tmall_buyer_nick"}
    tmall_people = {p["person_id"] for p in persons if p["acquisition_channel"] == "tmall"}
    assert tmall_people <= set(nicks.values()), "every Tmall-acquired person ordered"


# ---------------------------------------------------------------- bad rows


def test_bad_rows_lists_exactly_the_corrupted_cells(out, bad_brand):
    found = set()
    for r in tmall_rows(bad_brand):
        if not AMOUNT.fullmatch(r["买家实际支付金额"]):
            found.add(("tmall", r["_file"], r["_row"], "买家实际支付金额"))
    for r in pos_rows(bad_brand):
        if not AMOUNT.fullmatch(r["金额"]):
            found.add(("pos", r["_file"], r["_row"], "金额"))
    listed = ground_truth(bad_brand, "bad_rows.csv")
    assert {(b["source"], b["file"], int(b["row_number"]), b["column"]) for b in listed} == found
    assert len(listed) == len(found)
    for source, rows in (("tmall", tmall_rows(bad_brand)), ("pos", pos_rows(bad_brand))):
        assert sum(b["source"] == source for b in listed) == round(0.05 * len(rows)) > 0
    # Apart from the listed cells, the files equal the clean run of the same seed.
    clean, dirty = tree(out), tree(bad_brand)
    assert sorted(clean) == sorted(dirty)
    differing = {k for k in clean if clean[k] != dirty[k]}
    assert differing == {b["file"] for b in listed} | {"_ground_truth/bad_rows.csv"}
    assert ground_truth(out, "bad_rows.csv") == []


# ---------------------------------------------------------------- CLI and safety


def test_cli_writes_the_same_files_as_the_api(out, tmp_path, capsys):
    args = ["--out", str(tmp_path / "cli"), "--customers", str(CUSTOMERS), "--days", str(DAYS)]
    args += ["--seed", str(SEED), "--start-date", START.isoformat()]
    assert main(args) == 0
    assert f"{CUSTOMERS} persons" in capsys.readouterr().out
    assert tree(tmp_path / "cli") == tree(out)


def test_refuses_to_write_over_an_earlier_run_unless_asked(tmp_path):
    simulate_brand(tmp_path, customers=50, days=5)
    with pytest.raises(FileExistsError):
        simulate_brand(tmp_path, customers=50, days=5)
    (tmp_path / "tmall" / "stale.csv").write_text("old")
    simulate_brand(tmp_path, customers=50, days=3, overwrite=True)
    assert not (tmp_path / "tmall" / "stale.csv").exists()
    assert (
        max(p.name for p in (tmp_path / "tmall").iterdir()) <= "ExportOrderList20250703235959.csv"
    )
