"""Referral invites from the fission tool's webhook log, one JSON object per line."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_json_lines_text
from quality.schemas.referral import referral_invite_rules

FIELDS = (
    Field("event_id", "event_id"),
    Field("campaign_id", "campaign_id"),
    Field("inviter_unionid", "inviter_unionid"),
    Field("invitee_unionid", "invitee_unionid"),
    Field("invitee_openid", "invitee_openid", required=False),
    Field("invited_at", "invited_at", Kind.TIMESTAMP),
    Field("reward_status", "reward_status"),
    Field("reward_amount", "reward_amount", Kind.AMOUNT, required=False),
    # the tool's own fingerprint, already opaque: kept to spot invite farms on one device
    Field("device_id", "device_id", required=False),
)


REFERRAL_INVITES = RawTableSpec(
    name="referral__invites",
    source_dir="referral",
    file_glob="invites_*.jsonl",
    fields=FIELDS,
    read_file=read_json_lines_text,
    row_rules=referral_invite_rules,
)
