"""Live room viewers: one UTF-8 (BOM) CSV per room per session, one row per viewer."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_bom_csv
from quality.schemas.live import live_viewer_rules

FIELDS = (
    Field("直播间ID", "room_id"),
    Field("观众openid", "openid"),
    Field("unionid", "unionid"),
    Field("首次进入时间", "first_entered_at", Kind.TIMESTAMP),
    Field("观看时长(秒)", "watch_seconds", Kind.INTEGER),
    Field("评论次数", "comment_count", Kind.INTEGER, required=False),
    Field("点赞次数", "like_count", Kind.INTEGER, required=False),
    Field("观众昵称", "nickname", Kind.DROP, required=False),
)


LIVE_VIEWERS = RawTableSpec(
    name="live__viewers",
    source_dir="live/viewers",
    file_glob="*/*.csv",
    fields=FIELDS,
    read_file=read_bom_csv,
    row_rules=live_viewer_rules,
)
