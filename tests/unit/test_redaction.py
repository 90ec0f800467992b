"""Free text lands with phone and ID numbers masked, in every way people type them."""

import re

import numpy as np
import pandas as pd
import pytest

from ingestion.fields import REDACTED, Field, Kind, parse_column
from ingestion.simulator import phones as simulated_phones
from ingestion.sources import ALL_SPECS

# text columns reviewed as platform codes, ids, enumerations or brand-written titles: none holds
# what a customer or a guide types. A new text column fails the test until it is classified
# here or landed as REDACTED_TEXT (or hashed, or dropped).
NOT_FREE_TEXT = {
    "tmall__orders": {"order_no", "order_status", "item_title", "shop_name", "close_reason"},
    "pos__receipt_lines": {"receipt_no", "store_id", "member_card_no", "guide_staff_id", "sku"},
    "wecom__contact_events": {
        *("corp_id", "event", "change_type", "guide_userid", "external_userid", "state"),
    },
    "wecom__contacts": {"external_userid", "unionid", "guide_userid", "state"},
    "tmall__members": {"join_channel"},
    "jd__orders": {"order_no", "order_status", "item_title"},
    "douyin__orders": {"order_id", "douyin_open_id", "order_status_desc", "author_id"},
    "live__viewers": {"room_id", "openid", "unionid"},
    "live__orders": {"order_no", "room_id", "openid", "unionid", "order_status"},
    "marketing__spend": {"channel_code", "campaign"},
    "wecom__group_members": {"chat_id", "owner_userid", "member_id", "unionid", "invitor_userid"},
    "wecom__group_events": {"corp_id", "chat_id", "change_type", "update_detail"},
    "wecom__group_stats": {"chat_id"},
    "oa__followers": {"openid", "unionid", "subscribe_scene", "qr_scene_str"},
    "oa__events": {"oa_id", "openid", "event", "event_key"},
    "survey__nps_responses": {"survey_id", "touchpoint", "unionid"},
    "outbound__call_results": {"campaign_id", "campaign_name", "intent", "hangup_reason"},
    "referral__invites": {
        *("event_id", "campaign_id", "inviter_unionid", "invitee_unionid", "invitee_openid"),
        *("reward_status", "device_id"),
    },
    "mall__orders": {"order_no", "appid", "openid", "unionid", "status", "channel_code"},
    "mall__members": {"member_id", "appid", "openid", "unionid"},
}
# what customers type: NPS comments (the only free text any connector lands)
FREE_TEXT = {("survey__nps_responses", "comment")}
REDACT = Field("comment", "comment", Kind.REDACTED_TEXT)
FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


def redact(values: list) -> list:
    parsed, failure = parse_column(REDACT, pd.Series(values, dtype="string[pyarrow]"))
    assert failure is None
    return [None if pd.isna(v) else v for v in parsed]


def test_every_landed_text_column_is_classified():
    landed = {
        (spec.name, f.raw): f.kind
        for spec in ALL_SPECS
        for f in spec.fields
        if f.kind in (Kind.TEXT, Kind.REDACTED_TEXT)
    }
    reviewed = {(table, column) for table, columns in NOT_FREE_TEXT.items() for column in columns}
    assert set(landed) == reviewed | FREE_TEXT
    assert {column for column, kind in landed.items() if kind is Kind.REDACTED_TEXT} == FREE_TEXT


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 13812345678",
        "+86-138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",
        "＋８６　１３８－１２３４－５６７８",
        "13８1234５678",
        "138.1234.5678",
        "138 – 1234 – 5678",
        "138 1234　5678",
        "11010519491231002X",
        "11010519491231002x",
        "110105 19491231 002X",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105491231002",
    ],
)
def test_phone_and_id_numbers_are_masked_inside_text(typed):
    (masked,) = redact([f"服务很好，{typed}，谢谢"])
    assert masked == f"服务很好，{REDACTED}，谢谢"


def test_text_without_long_numbers_is_kept_as_written():
    kept = ["满分10分，第2次来，价格199.00元", "😊 很满意 𠮷", "门店SH001导购很热情"]
    assert redact([*kept, None, "  "]) == [*kept, None, None]


def test_every_way_the_simulator_types_a_phone_is_masked():
    """Each of the simulator's formats, for many numbers: the whole number is masked."""
    rng = np.random.default_rng(3)
    numbers = simulated_phones.unique_phones(rng, 300)
    comments = []
    for fmt in range(len(simulated_phones.FORMATS)):
        typed = simulated_phones.formatted(numbers, np.full(len(numbers), fmt))
        comments += [f"回访请联系{t}谢谢" for t in typed]
    masked = redact(comments)
    assert len(masked) == 300 * len(simulated_phones.FORMATS)
    assert all(m == f"回访请联系{REDACTED}谢谢" for m in masked)


def test_the_check_itself_sees_a_phone_left_in_text():
    """The mask check above would fail on unmasked text: a plain kind keeps the number."""
    parsed, _ = parse_column(Field("c", "c", Kind.TEXT), pd.Series(["电话13812345678"]))
    assert re.search(r"1[3-9]\d{9}", parsed.iloc[0])
