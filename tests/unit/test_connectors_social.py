"""Landing the social and engagement sources: customer groups, the official account, NPS
surveys, outbound calls and referral invites. Expected values are worked out by hand from the
fixture files under tests/fixtures/sources."""

import json
from datetime import date, datetime
from decimal import Decimal

from tests.unit.connector_helpers import (
    MOBILE,
    assert_error_page_blocks_the_load,
    columns_matching,
    land_table,
    quarantined,
)

SOCIAL_TABLES = (
    "wecom__group_members",
    "wecom__group_events",
    "wecom__group_stats",
    "oa__followers",
    "oa__events",
    "survey__nps_responses",
    "outbound__call_results",
    "referral__invites",
)
CHAT_A = "wrOgQhDgAAcwMTB7YmDkbeBsgT_AAAA"
CHAT_B = "wrOgQhDgAAcwMTB7YmDkbeBsgT_BBBB"
CHAT_C = "wrOgQhDgAAcwMTB7YmDkbeBsgT_CCCC"
UNION_1 = "oUNION0000000000000000000001"
UNION_2 = "oUNION0000000000000000000002"
UNION_3 = "oUNION0000000000000000000003"
SNAPSHOT = date(2025, 7, 10)


def test_group_snapshot_lands_one_row_per_member_with_the_group_repeated(conn, sources, key):
    land_table(conn, sources, key, "wecom__group_members")
    rows = conn.execute(
        "select snapshot_date, chat_id, owner_userid, chat_created_at_epoch, member_id, "
        "member_type, unionid, joined_at_epoch, join_scene, invitor_userid "
        "from raw.wecom__group_members order by _source_file, _row_number"
    ).fetchall()
    assert rows == [
        (SNAPSHOT, CHAT_A, "sh001_guide1", 1751356800, "sh001_guide1", 1, None, 1751356800, 1,
         None),
        (SNAPSHOT, CHAT_A, "sh001_guide1", 1751356800, "wmAAAA", 2, UNION_2, 1751360400, 3,
         "sh001_guide1"),
        (SNAPSHOT, CHAT_A, "sh001_guide1", 1751356800, "wmBBBB", 2, UNION_1, 1751364000, 2,
         "sh001_guide1"),
        # an external member without an open-platform binding has no unionid
        (SNAPSHOT, CHAT_A, "sh001_guide1", 1751356800, "wmDDDD", 2, None, 1751367600, 1,
         "sh001_guide2"),
        (SNAPSHOT, CHAT_B, "online_guide1", 1752105600, "online_guide1", 1, None, 1752105600, 1,
         None),
        (SNAPSHOT, CHAT_B, "online_guide1", 1752105600, "wmBBBB", 2, UNION_1, 1752109200, 3,
         "online_guide1"),
    ]  # fmt: skip
    columns = {
        c for (c,) in conn.execute(
            "select column_name from information_schema.columns "
            "where table_name = 'wecom__group_members'"
        ).fetchall()
    }  # fmt: skip
    assert not columns & {"chat_name", "group_nickname", "member_name"}


def test_group_member_of_unknown_type_is_quarantined(conn, sources, key):
    land_table(conn, sources, key, "wecom__group_members")
    assert quarantined(conn, "wecom__group_members") == [
        ("wecom/groups/20250710/groupchat_0001.json", 5, "isin((1, 2))",
         "column 'member_list[].type' fails isin((1, 2))"),
    ]  # fmt: skip


def test_group_events_keep_member_lists_and_collapse_a_redelivered_callback(conn, sources, key):
    report = land_table(conn, sources, key, "wecom__group_events")
    rows = conn.execute(
        "select _row_number, corp_id, event_at_epoch, chat_id, change_type, update_detail, "
        "join_scene, quit_scene, member_change_count, member_ids "
        "from raw.wecom__group_events order by _row_number"
    ).fetchall()
    corp = "ww5f3a0000corp"
    assert rows == [
        (1, corp, 1752105600, CHAT_B, "create", None, None, None, None, None),
        (2, corp, 1752109200, CHAT_A, "update", "add_member", 3, None, 2, ["wmAAAA", "wmDDDD"]),
        # line 3 repeats line 2 exactly: the same callback delivered twice
        (4, corp, 1752112800, CHAT_A, "update", "del_member", None, 0, 1, ["wmDDDD"]),
        (5, corp, 1752116400, CHAT_A, "update", "change_name", None, None, None, None),
        (6, corp, 1752120000, CHAT_C, "dismiss", None, None, None, None, None),
    ]
    assert report.as_metadata()["rows_duplicate"] == 1
    assert quarantined(conn, "wecom__group_events") == [
        ("wecom/group_events/20250710.jsonl", 7, "isin(('create', 'update', 'dismiss'))",
         "column 'ChangeType' fails isin(('create', 'update', 'dismiss'))"),
    ]  # fmt: skip


def test_a_member_list_that_is_not_a_list_is_quarantined(conn, sources, key):
    callback = {
        "ToUserName": "ww5f3a0000corp",
        "CreateTime": 1752195600,
        "ChatId": CHAT_A,
        "ChangeType": "update",
        "UpdateDetail": "add_member",
        "MemChangeCnt": 1,
        "MemChangeList": "wmFFFF",
    }
    (sources / "wecom/group_events/20250711.jsonl").write_text(json.dumps(callback) + "\n")
    land_table(conn, sources, key, "wecom__group_events")
    assert quarantined(conn, "wecom__group_events")[-1] == (
        "wecom/group_events/20250711.jsonl",
        1,
        "parse_text_list",
        "column 'MemChangeList' is not a list of text values",
    )


def test_group_stats_land_per_group_and_day(conn, sources, key):
    land_table(conn, sources, key, "wecom__group_stats")
    rows = conn.execute(
        "select stat_date, chat_id, member_total, member_has_msg, msg_total "
        "from raw.wecom__group_stats order by chat_id"
    ).fetchall()
    assert rows == [
        (SNAPSHOT, CHAT_A, 4, 2, 15),
        (SNAPSHOT, CHAT_B, 2, 0, 0),  # a silent group
    ]
    ((file, row, check, reason),) = quarantined(conn, "wecom__group_stats")
    # 5 members with messages in a group of 3
    assert (file, row, check) == (
        "wecom/group_stats/20250710.json",
        3,
        "speakers_not_above_members",
    )
    assert reason == "row fails speakers_not_above_members"


def test_oa_followers_land_with_remarks_dropped(conn, sources, key):
    land_table(conn, sources, key, "oa__followers")
    rows = conn.execute(
        "select snapshot_date, openid, unionid, subscribed, subscribe_time_epoch, "
        "subscribe_scene, qr_scene_str from raw.oa__followers order by _row_number"
    ).fetchall()
    assert rows == [
        (SNAPSHOT, "oOA7x0000000000000000000001", UNION_1, True, 1751356800,
         "ADD_SCENE_QR_CODE", "store_SH001"),
        # no unionid without an open-platform binding; an empty qr_scene_str is null
        (SNAPSHOT, "oOA7x0000000000000000000002", None, True, 1752111000,
         "ADD_SCENE_SEARCH", None),
        # a follower who has left: subscribe 0 and nothing else
        (SNAPSHOT, "oOA7x0000000000000000000003", UNION_3, False, None, None, None),
    ]  # fmt: skip
    assert quarantined(conn, "oa__followers") == [
        ("oa/followers/20250710/user_info_0001.json", 4, "not_nullable",
         "column 'openid' fails not_nullable"),
    ]  # fmt: skip


def test_oa_error_page_blocks_the_whole_load(conn, sources, key):
    body = '{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}'
    # the good page of 2025-07-10 must not land either
    assert_error_page_blocks_the_load(
        conn, sources, key, "oa__followers", "oa/followers/20250711/user_info_0001.json", body,
        "errcode 40001",
    )  # fmt: skip


def test_oa_events_land_with_the_unsubscribe(conn, sources, key):
    land_table(conn, sources, key, "oa__events")
    rows = conn.execute(
        "select oa_id, openid, event_at_epoch, event, event_key "
        "from raw.oa__events order by _row_number"
    ).fetchall()
    oa = "gh_3f2a0000brand"
    assert rows == [
        (oa, "oOA7x0000000000000000000002", 1752111000, "subscribe", "qrscene_store_SH001"),
        (oa, "oOA7x0000000000000000000001", 1752112800, "SCAN", "store_SH002"),
        (oa, "oOA7x0000000000000000000003", 1752116400, "unsubscribe", None),
        (oa, "oOA7x0000000000000000000005", 1752120000, "subscribe", None),
    ]
    assert quarantined(conn, "oa__events") == [
        ("oa/events/20250710.jsonl", 5, "isin(('subscribe', 'unsubscribe', 'SCAN'))",
         "column 'Event' fails isin(('subscribe', 'unsubscribe', 'SCAN'))"),
    ]  # fmt: skip


def test_nps_export_lands_scores_hashed_phones_and_masked_comments(conn, sources, key):
    land_table(conn, sources, key, "survey__nps_responses")
    rows = conn.execute(
        "select survey_id, response_no, submitted_at, time_taken, touchpoint, phone_hash, "
        "unionid, score, comment from raw.survey__nps_responses order by response_no"
    ).fetchall()
    assert rows == [
        # `2025/7/10 9:03:12` (no zero padding), `85秒`, phone typed `+86 138 1234 5678`
        ("318250127", 1, datetime(2025, 7, 10, 9, 3, 12), 85, "门店",
         key.hmac_hex("13812345678"), UNION_1, 10, "导购很专业 下次还来"),
        ("318250127", 2, datetime(2025, 7, 10, 10, 15, 40), 42, "企业微信", None, UNION_2, 6,
         "我的电话[已脱敏] 到货太慢请回电"),
        # full-width digits in the comment are masked too
        ("318250127", 3, datetime(2025, 7, 10, 11, 20, 5), 120, "商城",
         key.hmac_hex("13900001111"), None, 8, "加我 [已脱敏] 谢谢"),
        # 𠮷 exists in GB18030 only (not in GBK): it must survive decoding
        ("318250127", 4, datetime(2025, 7, 10, 12, 0, 0), 33, "短信", None, None, 9,
         "𠮷野家联名款很喜欢"),
        ("318250127", 6, datetime(2025, 7, 10, 14, 45, 0), 61, "门店",
         key.hmac_hex("13700002222"), UNION_3, 0, "排队结账半小时"),
    ]  # fmt: skip
    assert quarantined(conn, "survey__nps_responses") == [
        ("surveys/nps_318250127_20250710.csv", 5, "in_range(0, 10)",
         "column '1、您有多大可能向朋友推荐我们？' fails in_range(0, 10)"),
    ]  # fmt: skip


def test_outbound_results_land_with_the_do_not_call_answer(conn, sources, key):
    land_table(conn, sources, key, "outbound__call_results")
    rows = conn.execute(
        "select campaign_id, campaign_name, phone_hash, called_at, connected, "
        "duration_seconds, intent, hangup_reason "
        "from raw.outbound__call_results order by called_at"
    ).fetchall()
    campaign = ("CMP0088", "老客召回第一波")
    assert rows == [
        (*campaign, key.hmac_hex("13812345678"), datetime(2025, 7, 10, 10, 0, 5), True, 45,
         "A有意向", "用户挂断"),
        (*campaign, key.hmac_hex("13900001111"), datetime(2025, 7, 10, 10, 1, 10), False, 0,
         None, "无人接听"),
        # typed `139 0000 2222`; E勿扰 withdraws consent to further calls
        (*campaign, key.hmac_hex("13900002222"), datetime(2025, 7, 10, 10, 2, 0), True, 12,
         "E勿扰", "用户挂断"),
        (*campaign, key.hmac_hex("13700003333"), datetime(2025, 7, 10, 10, 3, 30), True, 30,
         "C无意向", "机器人挂断"),
    ]  # fmt: skip
    intent_check = "isin(('A有意向', 'B一般', 'C无意向', 'D拒绝', 'E勿扰'))"
    bad = quarantined(conn, "outbound__call_results")
    assert [row[:3] for row in bad] == [
        ("outbound/CMP0088_20250710.csv", 5, intent_check),
        ("outbound/CMP0088_20250710.csv", 6, "no_duration_when_not_connected"),
    ]
    assert bad[0][3] == f"column '意向标签' fails {intent_check}"
    assert bad[1][3] == "row fails no_duration_when_not_connected"


def test_referral_invites_land_with_self_invites_kept(conn, sources, key):
    land_table(conn, sources, key, "referral__invites")
    rows = conn.execute(
        "select event_id, campaign_id, inviter_unionid, invitee_unionid, invitee_openid, "
        "invited_at, reward_status, reward_amount, device_id "
        "from raw.referral__invites order by event_id"
    ).fetchall()
    union = "oUNION00000000000000000000"
    openid = "oMP00000000000000000000"
    assert rows == [
        ("inv_000001", "RF0012", union + "01", union + "05", openid + "05",
         datetime(2025, 7, 10, 10, 0), "granted", Decimal("5.00"), "dev_7f3a9c01"),
        ("inv_000002", "RF0012", union + "01", union + "06", openid + "06",
         datetime(2025, 7, 10, 10, 5), "pending", Decimal("5.00"), "dev_b41e0f22"),
        # a self-invite is a fact to analyse (fraud), not a broken row
        ("inv_000003", "RF0012", union + "01", union + "01", openid + "01",
         datetime(2025, 7, 10, 10, 6), "rejected", Decimal("0.00"), "dev_7f3a9c01"),
        ("inv_000005", "RF0012", union + "01", union + "08", openid + "08",
         datetime(2025, 7, 10, 10, 31), "granted", Decimal("5.00"), "dev_b41e0f22"),
    ]  # fmt: skip
    assert quarantined(conn, "referral__invites") == [
        ("referral/invites_20250710.jsonl", 4, "isin(('granted', 'pending', 'rejected'))",
         "column 'reward_status' fails isin(('granted', 'pending', 'rejected'))"),
    ]  # fmt: skip


# per file: rows in, loaded, quarantined, duplicate
EXPECTED_FILE_COUNTS = {
    "wecom/groups/20250710/groupchat_0001.json": (5, 4, 1, 0),
    "wecom/groups/20250710/groupchat_0002.json": (2, 2, 0, 0),
    "wecom/group_events/20250710.jsonl": (7, 5, 1, 1),
    "wecom/group_stats/20250710.json": (3, 2, 1, 0),
    "oa/followers/20250710/user_info_0001.json": (4, 3, 1, 0),
    "oa/events/20250710.jsonl": (5, 4, 1, 0),
    "surveys/nps_318250127_20250710.csv": (6, 5, 1, 0),
    "outbound/CMP0088_20250710.csv": (6, 4, 2, 0),
    "referral/invites_20250710.jsonl": (5, 4, 1, 0),
}


def test_every_file_conserves_its_rows(conn, sources, key):
    counts = {}
    for name in SOCIAL_TABLES:
        report = land_table(conn, sources, key, name)
        for f in report.files:
            assert f.rows_in == f.rows_loaded + f.rows_quarantined + f.rows_duplicate, f.file
            counts[f.file] = (f.rows_in, f.rows_loaded, f.rows_quarantined, f.rows_duplicate)
        (landed,) = conn.execute(f"select count(*) from raw.{name}").fetchone()
        assert landed == report.as_metadata()["rows_loaded"], name
    assert counts == EXPECTED_FILE_COUNTS


def test_no_mobile_number_lands_in_any_text_column(conn, sources, key):
    for name in SOCIAL_TABLES:
        land_table(conn, sources, key, name)
    columns = conn.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'raw' and data_type in ('VARCHAR', 'JSON', 'VARCHAR[]') "
        "and (table_name in $tables or table_name = '_quarantine')",
        {"tables": list(SOCIAL_TABLES)},
    ).fetchall()
    assert {table for table, _ in columns} == {*SOCIAL_TABLES, "_quarantine"}
    assert columns_matching(conn, columns, MOBILE) == []
