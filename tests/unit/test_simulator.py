"""The demo-brand simulator as a whole: layout, files.csv, determinism, the deterministic prefix
and next-day mode, bad rows, CLI. Per-source formats live in test_simulator_orders.py and
test_simulator_social.py.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from ingestion.simulator import simulate_brand
from ingestion.simulator.__main__ import main
from tests.unit.test_simulator_support import (
    CUSTOMERS,
    DATE_IN_PATH,
    DAYS,
    ENCODINGS,
    PATTERNS,
    START,
    day_of,
    files_by_path,
    ground_truth,
    raw_table_of,
    rows_of,
    simulate,
    tree,
)

SMALL = {"customers": 400, "days": 40, "seed": 3, "start_date": date(2025, 10, 20)}
BAD_RATE = 0.03


@pytest.fixture(scope="module")
def brand(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("brand"))


@pytest.fixture(scope="module")
def out(brand) -> Path:
    return brand[0]


@pytest.fixture(scope="module")
def bad_brand(tmp_path_factory) -> Path:
    return simulate(tmp_path_factory.mktemp("bad"), bad_row_rate=BAD_RATE)[0]


@pytest.fixture(scope="module")
def horizons(tmp_path_factory) -> dict[str, Path]:
    """History runs with D-1 and D days, and next-day D on top of a copy of D-1."""
    base = tmp_path_factory.mktemp("horizons")
    runs = {}
    for name, days in (("short", SMALL["days"] - 1), ("long", SMALL["days"])):
        simulate_brand(base / name, **(SMALL | {"days": days, "bad_row_rate": BAD_RATE}))
        runs[name] = base / name
    shutil.copytree(base / "short", base / "next")
    simulate_brand(base / "next", **(SMALL | {"bad_row_rate": BAD_RATE}), mode="next_day")
    runs["next"] = base / "next"
    return runs


def _source_files(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(root).items() if not k.startswith("_ground_truth/")}


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(tmp_path):
    simulate_brand(tmp_path / "a", **SMALL)
    simulate_brand(tmp_path / "b", **SMALL)
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert sorted(first) == sorted(second)
    assert [k for k in first if first[k] != second[k]] == []


def test_different_seed_gives_different_files(tmp_path):
    simulate_brand(tmp_path / "a", **SMALL)
    simulate_brand(tmp_path / "b", **(SMALL | {"seed": 4}))
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    common = set(first) & set(second)
    assert sum(first[k] != second[k] for k in common) > 0.8 * len(common)


# ---------------------------------------------------------------- layout and files.csv


def test_every_file_matches_a_documented_path_and_is_listed(out):
    files = _source_files(out)
    listed = files_by_path(out)
    assert set(files) == set(listed)
    tables = Counter(raw_table_of(path) for path in files)
    assert set(tables) == set(PATTERNS), "every source is written"
    for path, row in listed.items():
        assert row["raw_table"] == raw_table_of(path)
        # The first 8-digit run starting 20 is the file's date, as the connectors read it.
        assert DATE_IN_PATH.search(path).group(0) == row["path_date"].replace("-", "")
        assert row["arrival_day"] >= row["path_date"]
    gt = {p.name for p in (out / "_ground_truth").iterdir()}
    assert gt == {
        "acquisition_daily.csv",
        "bad_rows.csv",
        "consent_latest.csv",
        "files.csv",
        "identities.csv",
        "junk_identifiers.csv",
        "nps_monthly.csv",
        "orders_daily.csv",
        "outbound.csv",
        "persons.csv",
        "referral.csv",
    }


def test_files_csv_rows_equal_what_is_in_the_files(out):
    per_file = Counter()
    for table in PATTERNS:
        for r in rows_of(out, table):
            per_file[r["_file"]] += 1
    for path, row in files_by_path(out).items():
        assert int(row["rows"]) == per_file[path], path
        assert int(row["bad_rows"]) == 0


def test_summary_matches_files_csv(brand):
    root, summary = brand
    listed = ground_truth(root, "files.csv")
    assert summary.files == dict(Counter(r["raw_table"] for r in listed))
    rows = Counter()
    for r in listed:
        rows[r["raw_table"]] += int(r["rows"])
    assert summary.rows == dict(rows)
    assert summary.written == len(listed)
    assert (summary.persons, summary.first_day, summary.mode) == (CUSTOMERS, START, "history")
    assert summary.last_day == START + timedelta(days=DAYS - 1)


def test_file_dates_lie_in_the_horizon_and_snapshots_are_weekly(out):
    listed = ground_truth(out, "files.csv")
    last = START + timedelta(days=DAYS - 1)
    assert min(r["path_date"] for r in listed) >= START.isoformat()
    assert max(r["arrival_day"] for r in listed) <= last.isoformat()
    for table in ("wecom__contacts", "wecom__group_members", "oa__followers"):
        days = {date.fromisoformat(r["path_date"]) for r in listed if r["raw_table"] == table}
        mondays = {START + timedelta(days=d) for d in range(DAYS)}
        mondays = {d for d in mondays if d.weekday() == 0}
        # A Monday with nothing to list (no group yet) has no file.
        assert last in days and days <= mondays | {last}, table
        assert len(days) >= len(mondays) - 1, table


def test_campaign_and_survey_ids_never_hold_eight_digits(out):
    for path in _source_files(out):
        name = path.rsplit("/", 1)[-1]
        head = name.split("_20")[0] if "_20" in name else ""
        assert not re.search(r"\d{8}", head), path


# ---------------------------------------------------------------- deterministic prefix


def test_files_before_the_last_day_do_not_change_when_the_horizon_grows(horizons):
    short, long_ = _source_files(horizons["short"]), _source_files(horizons["long"])
    last_short = day_of(SMALL["start_date"] + timedelta(days=SMALL["days"] - 2))
    changed = sorted(k for k in short if long_.get(k) != short[k])
    # Only the last-day snapshots of the shorter horizon differ (they are not written when it
    # is not the last day, unless it is a Monday).
    assert changed, "the shorter horizon's last-day snapshot must be its own"
    assert all(DATE_IN_PATH.search(k).group(0) == last_short for k in changed)
    assert all(re.match(r"(wecom/contacts|wecom/groups|oa/followers)/", k) for k in changed)


def test_next_day_writes_only_the_files_arriving_that_day(horizons):
    short, nxt = _source_files(horizons["short"]), _source_files(horizons["next"])
    last = (SMALL["start_date"] + timedelta(days=SMALL["days"] - 1)).isoformat()
    new = set(nxt) - set(short)
    listed = files_by_path(horizons["next"])
    assert new and {listed[p]["arrival_day"] for p in new} == {last}
    assert all(nxt[k] == short[k] for k in short)
    arriving = {p for p, r in listed.items() if r["arrival_day"] == last}
    assert new == arriving


def test_next_day_equals_history_except_the_earlier_last_day_snapshot(horizons):
    long_, nxt = _source_files(horizons["long"]), _source_files(horizons["next"])
    extra = set(nxt) - set(long_)
    assert set(long_) <= set(nxt)
    assert all(nxt[k] == long_[k] for k in long_)
    last_short = day_of(SMALL["start_date"] + timedelta(days=SMALL["days"] - 2))
    assert all(DATE_IN_PATH.search(k).group(0) == last_short for k in extra)
    # Ground truth covers the whole horizon and lists the files the folder really holds.
    listed = files_by_path(horizons["next"])
    assert set(listed) == set(nxt)
    for name in ("orders_daily.csv", "identities.csv", "nps_monthly.csv", "consent_latest.csv"):
        assert ground_truth(horizons["next"], name) == ground_truth(horizons["long"], name)
    bad_next = {
        (b["file"], b["row_number"]) for b in ground_truth(horizons["next"], "bad_rows.csv")
    }
    bad_long = {
        (b["file"], b["row_number"]) for b in ground_truth(horizons["long"], "bad_rows.csv")
    }
    assert bad_long <= bad_next and {f for f, _ in bad_next - bad_long} <= extra


def test_next_day_needs_an_earlier_run(tmp_path):
    with pytest.raises(FileNotFoundError):
        simulate_brand(tmp_path, **SMALL, mode="next_day")


# ---------------------------------------------------------------- late and re-sent files


def test_late_pos_files_and_byte_identical_resent_copies(out):
    listed = files_by_path(out)
    files = _source_files(out)
    pos = [r for r in listed.values() if r["raw_table"] == "pos__receipt_lines"]
    lags = Counter(
        (date.fromisoformat(r["arrival_day"]) - date.fromisoformat(r["path_date"])).days
        for r in pos
        if not r["resent_copy_of"]
    )
    assert lags[0] > 0.9 * sum(lags.values())
    assert set(lags) - {0} and max(lags) <= 5
    copies = [r for r in pos if r["resent_copy_of"]]
    assert copies
    for r in copies:
        original = listed[r["resent_copy_of"]]
        assert r["path"] == original["path"].replace(".csv", "(1).csv")
        assert files[r["path"]] == files[original["path"]]
        assert r["arrival_day"] > original["arrival_day"]
    # A store-day whose file arrives after the last day is not written yet.
    last = START + timedelta(days=DAYS - 1)
    store_days = {
        (p.split("/")[1], r["path_date"]) for p, r in listed.items() if p.startswith("pos/")
    }
    assert all(d <= last.isoformat() for _, d in store_days)


# ---------------------------------------------------------------- bad rows


def _flat(record: dict) -> dict:
    """One level of nesting flattened (a contact's external_contact and follow_info)."""
    out = {}
    for key, value in record.items():
        if key in ("external_contact", "follow_info"):
            out |= value
        else:
            out[key] = value
    return out


def _bad_cells(root: Path) -> set[tuple[str, int, str]]:
    """Cells that break the contract, found independently in every file."""
    mangled_amount = re.compile(r"-?[¥￥]?[\d,]*x[\d,]*(\.\d{2})?")
    broken_time = {"0000-00-00 00:00:00", "0000/00/00 00:00:00", "0000-00-00T00:00:00+08:00"}
    found = set()
    for table in PATTERNS:
        for r in rows_of(root, table):
            for col, value in _flat(r).items():
                if col.startswith("_") or isinstance(value, dict | list | bool):
                    continue
                bad = (
                    value in broken_time
                    or value in ("状态未知", "UNKNOWN", 99)
                    or (isinstance(value, str) and re.fullmatch(r"1\d{6}", value) is not None)
                    or (isinstance(value, str) and mangled_amount.fullmatch(value) is not None)
                    or (value is None and col in ("order_no", "member_id", "inviter_unionid"))
                    or (value in ("", None) and col in _REQUIRED)
                )
                if bad:
                    found.add((r["_file"], r["_row"], col))
    return found


# Required values that are never legitimately empty in a clean file.
_REQUIRED = {
    "订单编号",
    "下单帐号",
    "小票号",
    "买家昵称",
    "观众openid",
    "订单号",
    "任务ID",
    "渠道编码",
    "1、您有多大可能向朋友推荐我们？",
    "ExternalUserID",
    "external_userid",
    "userid",
    "ChatId",
    "chat_id",
    "openid",
    "FromUserName",
    "order_id",
}


def test_bad_rows_lists_exactly_the_corrupted_cells(out, bad_brand):
    listed = ground_truth(bad_brand, "bad_rows.csv")
    recorded = {(b["file"], int(b["row_number"]), b["column"]) for b in listed}
    assert len(recorded) == len(listed), "one defect per row"
    assert recorded == _bad_cells(bad_brand)
    assert _bad_cells(out) == set()
    reasons = Counter(b["reason"] for b in listed)
    assert set(reasons) == {
        "bad_amount",
        "bad_time",
        "invalid_phone",
        "missing_value",
        "unknown_status",
    }
    tables = {b["raw_table"] for b in listed}
    assert tables <= set(PATTERNS) and len(tables) >= len(PATTERNS) - 3
    assert all(b["source"] == b["raw_table"].split("__")[0] for b in listed)
    # Per file, the bad-row count matches files.csv, and the rate is about what was asked.
    per_file = Counter(b["file"] for b in listed)
    files = files_by_path(bad_brand)
    assert all(int(r["bad_rows"]) == per_file[p] for p, r in files.items())
    total = sum(int(r["rows"]) for r in files.values())
    assert 0.5 * BAD_RATE * total < len(listed) < 1.5 * BAD_RATE * total


def test_bad_rows_leave_everything_else_as_in_the_clean_run(out, bad_brand):
    clean, dirty = _source_files(out), _source_files(bad_brand)
    assert sorted(clean) == sorted(dirty)
    differing = {k for k in clean if clean[k] != dirty[k]}
    assert differing == {b["file"] for b in ground_truth(bad_brand, "bad_rows.csv")}
    assert ground_truth(out, "bad_rows.csv") == []


def test_encodings(out):
    for table, encoding in ENCODINGS.items():
        for path in sorted(p for p in _source_files(out) if re.fullmatch(PATTERNS[table], p)):
            raw = (out / path).read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig"), path
            raw.decode(encoding)
            if encoding in ("gbk", "gb18030"):
                text = raw.decode(encoding)
                assert text.count("\n") == text.count("\r\n")
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")  # Chinese text in GBK/GB18030 is not valid UTF-8


# ---------------------------------------------------------------- CLI and safety


def test_cli_writes_the_same_files_as_the_api(tmp_path, capsys):
    args = ["--out", str(tmp_path / "cli"), "--customers", "400", "--days", "39", "--seed", "3"]
    args += ["--start-date", "2025-10-20"]
    assert main(args) == 0
    assert main([*args[:5], "40", *args[6:], "--next-day"]) == 0
    assert "400 persons" in capsys.readouterr().out
    simulate_brand(tmp_path / "api", **(SMALL | {"days": 39}))
    simulate_brand(tmp_path / "api", **SMALL, mode="next_day")
    assert tree(tmp_path / "cli") == tree(tmp_path / "api")


def test_refuses_to_write_over_an_earlier_run_unless_asked(tmp_path):
    simulate_brand(tmp_path, customers=300, days=5, start_date=date(2025, 7, 1))
    with pytest.raises(FileExistsError):
        simulate_brand(tmp_path, customers=300, days=5, start_date=date(2025, 7, 1))
    (tmp_path / "tmall" / "stale.csv").write_text("old")
    (tmp_path / "other").mkdir()
    simulate_brand(tmp_path, customers=300, days=3, start_date=date(2025, 7, 1), overwrite=True)
    assert not (tmp_path / "tmall" / "stale.csv").exists()
    assert (tmp_path / "other").exists(), "folders the simulator does not own are kept"
    assert (
        max(p.name for p in (tmp_path / "tmall").glob("*.csv"))
        <= "ExportOrderList20250703235959.csv"
    )


def test_rejects_bad_arguments(tmp_path):
    for kwargs in ({"customers": 0}, {"bad_row_rate": 1.5}, {"mode": "weekly"}, {"days": 0}):
        with pytest.raises(ValueError):
            simulate_brand(tmp_path, **({"customers": 10, "days": 3} | kwargs))
