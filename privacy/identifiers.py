"""Where a person's identifiers sit in the raw tables, and how OneID's types map onto them.

An erasure works on identifiers in the form the warehouse stores them (phones and buyer nicks
as keyed hashes, platform ids as sent). Registry entries use a few *kinds* rather than OneID's
identifier types: `mall_openid` is `appid/openid` only in the models, while raw tables and the
OA keep the bare openid, so both become kind `openid` (openids are random 28-character strings:
one never collides across appids).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

PHONE_HASH = "phone_hash"
UNIONID = "unionid"
OPENID = "openid"
EXTERNAL_USERID = "external_userid"
TMALL_BUYER_NICK_HASH = "tmall_buyer_nick_hash"
JD_PIN_HASH = "jd_pin_hash"
DOUYIN_OPEN_ID = "douyin_open_id"
POS_MEMBER_CARD = "pos_member_card"
KINDS = (
    PHONE_HASH,
    UNIONID,
    OPENID,
    EXTERNAL_USERID,
    TMALL_BUYER_NICK_HASH,
    JD_PIN_HASH,
    DOUYIN_OPEN_ID,
    POS_MEMBER_CARD,
)

# OneID's identifier_type (int_identity__identifiers) -> registry kind
KIND_OF_IDENTIFIER_TYPE = {
    "phone_hash": PHONE_HASH,
    "unionid": UNIONID,
    "mall_openid": OPENID,
    "oa_openid": OPENID,
    "wecom_external_userid": EXTERNAL_USERID,
    "tmall_buyer_nick_hash": TMALL_BUYER_NICK_HASH,
    "jd_pin_hash": JD_PIN_HASH,
    "douyin_open_id": DOUYIN_OPEN_ID,
    "pos_member_card": POS_MEMBER_CARD,
}


def stored_identifier(identifier_type: str, value: str) -> tuple[str, str]:
    """(kind, value as raw tables hold it) of a OneID identifier; `appid/` is dropped."""
    kind = KIND_OF_IDENTIFIER_TYPE[identifier_type]
    if identifier_type == "mall_openid":
        value = value.split("/", 1)[-1]
    return kind, value


class Role(Enum):
    SUBJECT = "subject"  # the row is about this person: an erased match withholds the row
    REFERENCE = "reference"  # the row is someone else's and names this person: the value goes


@dataclass(frozen=True)
class IdentifierColumn:
    raw_table: str
    column: str
    kind: str
    role: Role = Role.SUBJECT
    is_list: bool = False


def _subjects(raw_table: str, **columns: str) -> tuple[IdentifierColumn, ...]:
    return tuple(IdentifierColumn(raw_table, column, kind) for column, kind in columns.items())


# every raw column holding a customer's identifier; tests/unit/test_erasure.py checks that a
# new source's identifier columns are listed here
RAW_IDENTIFIER_COLUMNS: tuple[IdentifierColumn, ...] = (
    *_subjects("tmall__orders", buyer_nick_hash=TMALL_BUYER_NICK_HASH),
    *_subjects("tmall__members", buyer_nick_hash=TMALL_BUYER_NICK_HASH, phone_hash=PHONE_HASH),
    *_subjects("pos__receipt_lines", member_card_no=POS_MEMBER_CARD, phone_hash=PHONE_HASH),
    *_subjects("wecom__contact_events", external_userid=EXTERNAL_USERID),
    *_subjects("wecom__contacts", external_userid=EXTERNAL_USERID, unionid=UNIONID),
    IdentifierColumn("wecom__contacts", "remark_phone_hashes", PHONE_HASH, is_list=True),
    # member_id is a customer's external_userid (type 2) or a staff userid: staff never match
    *_subjects("wecom__group_members", member_id=EXTERNAL_USERID, unionid=UNIONID),
    # one callback lists several members joining or leaving: only the person's id is removed
    IdentifierColumn(
        "wecom__group_events", "member_ids", EXTERNAL_USERID, Role.REFERENCE, is_list=True
    ),
    *_subjects("oa__followers", openid=OPENID, unionid=UNIONID),
    *_subjects("oa__events", openid=OPENID),
    *_subjects("mall__orders", openid=OPENID, unionid=UNIONID, phone_hash=PHONE_HASH),
    *_subjects("mall__members", openid=OPENID, unionid=UNIONID, phone_hash=PHONE_HASH),
    *_subjects("live__viewers", openid=OPENID, unionid=UNIONID),
    *_subjects("live__orders", openid=OPENID, unionid=UNIONID),
    *_subjects("jd__orders", jd_pin_hash=JD_PIN_HASH),
    *_subjects("douyin__orders", douyin_open_id=DOUYIN_OPEN_ID),
    *_subjects("survey__nps_responses", phone_hash=PHONE_HASH, unionid=UNIONID),
    *_subjects("outbound__call_results", phone_hash=PHONE_HASH),
    *_subjects("referral__invites", invitee_unionid=UNIONID, invitee_openid=OPENID),
    # the invite is the invitee's record: an erased inviter only loses their id in it
    IdentifierColumn("referral__invites", "inviter_unionid", UNIONID, Role.REFERENCE),
)


def identifier_columns(raw_table: str) -> tuple[IdentifierColumn, ...]:
    return tuple(c for c in RAW_IDENTIFIER_COLUMNS if c.raw_table == raw_table)
