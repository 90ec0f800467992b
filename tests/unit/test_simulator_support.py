"""Readers and fixtures shared by the simulator tests (no tests here).

Every reader parses the written files on its own, from the formats in docs/sources.md, so a
simulator whose files and ground truth drift apart fails.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ingestion.simulator import SimulationSummary, simulate_brand

SEED = 7
START = date(2025, 10, 10)  # covers Double 11, a referral campaign and an outbound campaign
DAYS = 75
CUSTOMERS = 1500
SHANGHAI = timedelta(hours=8)
STORES = ("SH001", "SH002", "HZ001", "BJ001")
DATE_IN_PATH = re.compile(r"20\d{6}")

# One pattern per raw table: every file the simulator writes matches exactly one.
PATTERNS = {
    "tmall__orders": r"tmall/ExportOrderList(20\d{6})(235959|093000)\.csv",
    "tmall__members": r"tmall/members/TmallMembers_(20\d{6})\.csv",
    "jd__orders": r"jd/orders/JdOrders_(20\d{6})\.csv",
    "douyin__orders": r"douyin/orders/(20\d{6})/page_\d{4}\.json",
    "mall__orders": r"_mall_api/orders/(20\d{6})\.jsonl",
    "mall__members": r"_mall_api/members/(20\d{6})\.jsonl",
    "pos__receipt_lines": r"pos/(?:SH001|SH002|HZ001|BJ001)/[A-Z]{2}\d{3}_(20\d{6})(?:\(1\))?\.csv",
    "wecom__contacts": r"wecom/contacts/(20\d{6})/page_\d{4}\.json",
    "wecom__contact_events": r"wecom/events/(20\d{6})\.jsonl",
    "wecom__group_members": r"wecom/groups/(20\d{6})/groupchat_\d{4}\.json",
    "wecom__group_events": r"wecom/group_events/(20\d{6})\.jsonl",
    "wecom__group_stats": r"wecom/group_stats/(20\d{6})\.json",
    "oa__followers": r"oa/followers/(20\d{6})/user_info_\d{4}\.json",
    "oa__events": r"oa/events/(20\d{6})\.jsonl",
    "live__viewers": r"live/viewers/(20\d{6})/lr[0-9a-f]{6}\.csv",
    "live__orders": r"live/orders/(20\d{6})/lr[0-9a-f]{6}\.csv",
    "survey__nps_responses": r"surveys/nps_NPS\d{4}_(20\d{6})\.csv",
    "outbound__call_results": r"outbound/OB\d{4}_(20\d{6})\.csv",
    "referral__invites": r"referral/invites_(20\d{6})\.jsonl",
    "marketing__spend": r"spend/marketing_spend_(20\d{6})\.csv",
}
ENCODINGS = {
    "tmall__orders": "gbk",
    "tmall__members": "gbk",
    "jd__orders": "gbk",
    "pos__receipt_lines": "utf-8-sig",
    "live__viewers": "utf-8-sig",
    "live__orders": "utf-8-sig",
    "survey__nps_responses": "gb18030",
    "outbound__call_results": "utf-8-sig",
    "marketing__spend": "utf-8-sig",
}


def simulate(root: Path, **kwargs) -> tuple[Path, SimulationSummary]:
    args = {"customers": CUSTOMERS, "days": DAYS, "seed": SEED, "start_date": START} | kwargs
    return root, simulate_brand(root, **args)


def day_of(d: date) -> str:
    return d.strftime("%Y%m%d")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def raw_table_of(rel: str) -> str:
    matches = [t for t, p in PATTERNS.items() if re.fullmatch(p, rel)]
    assert len(matches) == 1, rel
    return matches[0]


def files_of(root: Path, table: str) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.is_file() and re.fullmatch(PATTERNS[table], rel(root, p))
    )


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def read_csv(path: Path, encoding: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    return rows[0], rows[1:]


def csv_rows(root: Path, table: str) -> list[dict[str, str]]:
    """Rows of every file of a CSV table, with _file and _row (1-based data row)."""
    out = []
    for path in files_of(root, table):
        header, body = read_csv(path, ENCODINGS[table])
        out += [
            dict(zip(header, r, strict=True)) | {"_file": rel(root, path), "_row": i}
            for i, r in enumerate(body, 1)
        ]
    return out


def jsonl_rows(root: Path, table: str) -> list[dict]:
    out = []
    for path in files_of(root, table):
        lines = path.read_text("utf-8").splitlines()
        out += [
            json.loads(line) | {"_file": rel(root, path), "_row": i}
            for i, line in enumerate(lines, 1)
        ]
    return out


def json_items(root: Path, table: str) -> list[dict]:
    """The records of a JSON-page table (one raw row each), with _file and _row."""
    out = []
    for path in files_of(root, table):
        body = json.loads(path.read_text("utf-8"))
        items = {
            "douyin__orders": lambda b: b["data"]["shop_order_list"],
            "wecom__contacts": lambda b: b["external_contact_list"],
            "wecom__group_members": lambda b: b["group_chat"]["member_list"],
            "wecom__group_stats": lambda b: b["items"],
            "oa__followers": lambda b: b["user_info_list"],
        }[table](body)
        out += [item | {"_file": rel(root, path), "_row": i} for i, item in enumerate(items, 1)]
    return out


def rows_of(root: Path, table: str) -> list[dict]:
    if table in ENCODINGS:
        return csv_rows(root, table)
    if table in ("douyin__orders", "wecom__contacts", "wecom__group_members"):
        return json_items(root, table)
    if table in ("wecom__group_stats", "oa__followers"):
        return json_items(root, table)
    return jsonl_rows(root, table)


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


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def phone_of(raw: str) -> str:
    """A typed phone as 11 digits: full-width digits, spaces, dashes and +86 removed."""
    digits = re.sub(r"[\s-]", "", raw.translate(_FULLWIDTH))
    return re.sub(r"^(?:\+86|0086)", "", digits)


def shanghai_day(epoch: int) -> str:
    return (datetime.fromtimestamp(epoch, UTC) + SHANGHAI).date().isoformat()


def files_by_path(root: Path) -> dict[str, dict[str, str]]:
    return {r["path"]: r for r in ground_truth(root, "files.csv")}
