"""Official account followers: saved `cgi-bin/user/info/batchget` responses, one per file."""

from pathlib import Path

import pandas as pd

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_wecom_api_page, records_as_text
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


def read_follower_page(path: Path) -> pd.DataFrame:
    # the WeChat APIs share the WeCom error shape: a page with errcode != 0 blocks the load
    frame = records_as_text(read_wecom_api_page(path, "user_info_list"))
    if len(frame):
        frame[SNAPSHOT_DATE] = path.parent.name  # pages sit in a folder named after the day
    return frame


OA_FOLLOWERS = RawTableSpec(
    name="oa__followers",
    source_dir="oa/followers",
    file_glob="*/user_info_*.json",
    fields=FIELDS,
    read_file=read_follower_page,
    row_rules=oa_follower_rules,
)
