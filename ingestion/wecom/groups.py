"""WeCom customer groups: a daily snapshot, one saved `externalcontact/groupchat/get` per file."""

from ingestion.fields import Field, Kind
from ingestion.json_pages import WECHAT_PAGE
from ingestion.landing import RawTableSpec
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

# one group per page: its own fields repeat on each member row; the folder is the day listed
GROUP_PAGES = WECHAT_PAGE.records_at(
    "$.group_chat.member_list",
    page_prefix="group_chat.",
    record_prefix=MEMBER,
    snapshot_field=SNAPSHOT_DATE,
)


WECOM_GROUP_MEMBERS = RawTableSpec(
    name="wecom__group_members",
    source_dir="wecom/groups",
    file_glob="*/groupchat_*.json",
    fields=FIELDS,
    pages=GROUP_PAGES,
    row_rules=wecom_group_member_rules,
)
