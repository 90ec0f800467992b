"""Official account followers: saved `cgi-bin/user/info/batchget` responses, one per file."""

from ingestion.fields import Field, Kind
from ingestion.json_pages import WECHAT_PAGE
from ingestion.landing import RawTableSpec
from quality.schemas.oa import oa_follower_rules

SNAPSHOT_DATE = "snapshot_folder"

FIELDS = (
    Field(SNAPSHOT_DATE, "snapshot_date", Kind.DATE),
    Field("openid", "openid"),
    Field("unionid", "unionid", required=False),
    Field("subscribe", "subscribed", Kind.BOOLEAN),
    # a follower who has left is listed with `subscribe` 0 and no other profile field
    Field("subscribe_time", "subscribe_time_epoch", Kind.EPOCH, required=False),
    Field("subscribe_scene", "subscribe_scene", required=False),
    Field("qr_scene_str", "qr_scene_str", required=False),
    Field("remark", "remark", Kind.DROP, required=False),
)


# the WeChat APIs share the WeCom error shape; pages sit in a folder named after the day
FOLLOWER_PAGES = WECHAT_PAGE.records_at("$.user_info_list", snapshot_field=SNAPSHOT_DATE)


OA_FOLLOWERS = RawTableSpec(
    name="oa__followers",
    source_dir="oa/followers",
    file_glob="*/user_info_*.json",
    fields=FIELDS,
    pages=FOLLOWER_PAGES,
    row_rules=oa_follower_rules,
)
