"""A consent withdrawal arriving in a next-day file takes the person out of every audience.

A small brand runs the nightly job; a Tmall member in the SMS audience is picked, and the next
day's Tmall member export (the simulator's next-day mode) gets that member's row again with
是否接受营销 = 否, as the platform exports a changed member. After the next run the person is in
no marketing audience. The consent per purpose is also checked against the simulator's ground
truth: a person whose latest signal is a grant has the SMS, call and WeCom purposes granted.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from ingestion.simulator import simulate_brand

from .conftest import (
    SMALL_BAD_ROW_RATE,
    SMALL_CUSTOMERS,
    SMALL_DAYS,
    SMALL_SEED,
    Pipeline,
    copy_of,
    read_csv,
)

START = date(2024, 1, 1)  # simulate_brand's default first day
CLV_SCORES = ("clv", "customer_scores")
MEMBER_HEADER = "买家昵称,会员手机号,入会时间,会员等级,入会渠道,是否接受营销"


def nightly(pipeline: Pipeline):
    """The nightly job without the CLV fit and what reads it (a 40-day history may not fit);
    the marketing marts do not read it."""
    from dagster import AssetKey, AssetSelection

    from orchestration.definitions import defs

    everything = (
        AssetSelection.all() - AssetSelection.assets(AssetKey(list(CLV_SCORES))).downstream()
    )
    result = pipeline.run(asset_selection=list(everything.resolve(defs.resolve_asset_graph())))
    assert result.success, [e.message for e in result.all_events if e.is_failure]


@pytest.fixture(scope="module")
def brand(small_brand, tmp_path_factory):
    """A copy of the shared small brand: the withdrawal test adds a day to it."""
    with copy_of(small_brand, tmp_path_factory.mktemp("consent") / "home") as pipeline:
        yield pipeline


def audience_purposes(pipeline: Pipeline, oneid: str) -> dict[str, set[str]]:
    campaign = pipeline.query(
        "select purpose from marts.mart_marketing__campaign_audience where oneid = $o",
        {"o": oneid},
    )
    reactivation = pipeline.query(
        "select purpose from marts.mart_marketing__reactivation_audience where oneid = $o",
        {"o": oneid},
    )
    return {"campaign": {p for (p,) in campaign}, "reactivation": {p for (p,) in reactivation}}


def member_rows(sources: Path) -> list[list[str]]:
    """Every Tmall member row in file order (the last one of a nick is its latest)."""
    rows = []
    for path in sorted((sources / "tmall" / "members").glob("TmallMembers_*.csv")):
        lines = path.read_bytes().decode("gbk").splitlines()
        rows += [line.split(",") for line in lines[1:] if line]
    return rows


def withdraw_in_next_export(sources: Path, member: list[str], day: str) -> Path:
    """Append the member's row with 是否接受营销 = 否 to the export of `day` (yyyymmdd)."""
    path = sources / "tmall" / "members" / f"TmallMembers_{day}.csv"
    withdrawn = ",".join([*member[:5], "否"])
    if path.exists():
        text = path.read_bytes().decode("gbk").rstrip("\n") + "\n" + withdrawn + "\n"
    else:
        text = MEMBER_HEADER + "\n" + withdrawn + "\n"
    path.write_bytes(text.encode("gbk"))
    return path


def test_granted_persons_of_the_ground_truth_are_granted_per_purpose(brand):
    """Persons whose latest signal of every source is a grant (consent_latest.csv) have the
    membership purposes granted; persons resolved to one OneID only (no merge, no split).
    Runs before the withdrawal test below, which adds a signal the ground truth does not know."""
    key = brand.key()
    truth = {
        r["person_id"]: r["accepts_marketing"] == "true"
        for r in read_csv(brand.ground_truth / "consent_latest.csv")
    }
    mapping = {
        (kind, value): oneid
        for kind, value, oneid in brand.query(
            "select identifier_type, identifier_value, oneid from identity.oneid_map"
        )
    }
    # the map keys a mini-program openid by its appid: appid/openid
    mall = {v.split("/", 1)[1]: o for (k, v), o in mapping.items() if k == "mall_openid"}
    persons_of: dict[str, set[str]] = {}
    oneids_of: dict[str, set[str]] = {}
    with (brand.ground_truth / "identities.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kind, value = row["identifier_type"], row["identifier_value"]
            if kind == "phone":
                found = mapping.get(("phone_hash", key.hmac_hex(value)))
            elif kind == "tmall_buyer_nick":
                found = mapping.get(("tmall_buyer_nick_hash", key.hmac_hex(value)))
            elif kind == "oa_openid":
                found = mapping.get(("oa_openid", value))
            elif kind == "mall_openid":
                found = mall.get(value)
            else:
                continue
            if found is not None:
                oneids_of.setdefault(row["person_id"], set()).add(found)
                persons_of.setdefault(found, set()).add(row["person_id"])
    clean = {
        person: next(iter(oneids))
        for person, oneids in oneids_of.items()
        if len(oneids) == 1 and len(persons_of[next(iter(oneids))]) == 1
    }
    granted = {
        (oneid, purpose)
        for oneid, purpose in brand.query(
            "select oneid, purpose from intermediate.int_customers__consent_by_purpose "
            "where is_granted"
        )
    }
    accepting = [p for p, accepts in truth.items() if accepts and p in clean]
    assert len(accepting) >= 5
    for purpose in ("marketing_sms", "marketing_call", "marketing_wecom"):
        missing = [p for p in accepting if (clean[p], purpose) not in granted]
        assert missing == [], purpose


def test_a_withdrawal_in_the_next_days_file_empties_the_persons_audiences(brand):
    key = brand.key()
    candidates = brand.query(
        "select m.identifier_value, a.oneid from marts.mart_marketing__campaign_audience as a "
        "join identity.oneid_map as m on m.oneid = a.oneid "
        "where a.purpose = 'marketing_sms' and m.identifier_type = 'tmall_buyer_nick_hash' "
        "order by a.oneid"
    )
    assert candidates, "no Tmall member in the SMS audience to withdraw"
    by_hash = {nick_hash: oneid for nick_hash, oneid in candidates}
    latest = {}
    for row in member_rows(brand.sources):
        latest[key.hmac_hex(row[0])] = row
    nick_hash, oneid = next((h, by_hash[h]) for h in sorted(by_hash) if h in latest)
    before = audience_purposes(brand, oneid)
    assert "marketing_sms" in before["campaign"]

    simulate_brand(
        brand.sources,
        customers=SMALL_CUSTOMERS,
        days=SMALL_DAYS + 1,
        seed=SMALL_SEED,
        bad_row_rate=SMALL_BAD_ROW_RATE,
        mode="next_day",
    )
    next_day = (START + timedelta(days=SMALL_DAYS)).strftime("%Y%m%d")
    withdraw_in_next_export(brand.sources, latest[nick_hash], next_day)
    nightly(brand)

    # the same person (stable OneID), now withdrawn for every purpose, in no audience
    (still,) = brand.query(
        "select oneid from identity.oneid_map "
        "where identifier_type = 'tmall_buyer_nick_hash' and identifier_value = $h",
        {"h": nick_hash},
    )
    assert still[0] == oneid
    consent = brand.query(
        "select purpose, is_granted, consent_source from "
        "intermediate.int_customers__consent_by_purpose where oneid = $o order by purpose",
        {"o": oneid},
    )
    assert {purpose for purpose, _, _ in consent} >= {
        "marketing_sms",
        "marketing_call",
        "marketing_wecom",
        "marketing_oa",
    }
    assert all(not granted for _, granted, _ in consent)
    assert audience_purposes(brand, oneid) == {"campaign": set(), "reactivation": set()}
