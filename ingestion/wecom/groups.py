"""WeCom customer groups: a daily snapshot, one saved `externalcontact/groupchat/get` per file."""

from pathlib import Path

import pandas as pd

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import as_text, read_wecom_api_page
from quality.schemas.wecom import wecom_group_member_rules

SNAPSHOT_DATE = "snapshot_folder"
MEMBER = "member_list[]."  # member fields are named by their path in the response

FIELDS = (
    Field(SNAPSHOT_DATE, "snapshot_date", Kind.DATE),
    Field("group_chat.chat_id", "chat_id"),
    Field("group_chat.name", "chat_name", Kind.DROP, required=False),
    Field("group_chat.owner", "owner_userid"),
    Field("group_chat.create_time", "chat_created_at_epoch", Kind.EPOCH),
    Field(f"{MEMBER}userid", "member_id"),
    Field(f"{MEMBER}type", "member_type", Kind.INTEGER),
    Field(f"{MEMBER}unionid", "unionid", required=False),
    Field(f"{MEMBER}join_time", "joined_at_epoch", Kind.EPOCH),
    Field(f"{MEMBER}join_scene", "join_scene", Kind.INTEGER, required=False),
    Field(f"{MEMBER}invitor.userid", "invitor_userid", required=False),
    Field(f"{MEMBER}group_nickname", "group_nickname", Kind.DROP, required=False),
    Field(f"{MEMBER}name", "member_name", Kind.DROP, required=False),
)

_GROUP_KEYS = ("chat_id", "name", "owner", "create_time")


def read_group_snapshot(path: Path) -> pd.DataFrame:
    """One row per member, with the group's own fields repeated on each."""
    group = read_wecom_api_page(path, "group_chat") or {}
    members = group.get("member_list") or []
    if not members:
        return pd.DataFrame()  # nothing to land
    frame = pd.json_normalize(members).add_prefix(MEMBER)
    for key in _GROUP_KEYS:
        if key in group:
            frame[f"group_chat.{key}"] = group[key]
    frame = as_text(frame)
    frame[SNAPSHOT_DATE] = path.parent.name  # files sit in a folder named after the day listed
    return frame


WECOM_GROUP_MEMBERS = RawTableSpec(
    name="wecom__group_members",
    source_dir="wecom/groups",
    file_glob="*/groupchat_*.json",
    fields=FIELDS,
    read_file=read_group_snapshot,
    row_rules=wecom_group_member_rules,
)
