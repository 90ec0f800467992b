"""Official account subscribe/unsubscribe/SCAN callbacks, one JSON object per line."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_json_lines_text
from quality.schemas.oa import oa_event_rules

FIELDS = (
    Field("ToUserName", "oa_id"),
    Field("FromUserName", "openid"),
    Field("CreateTime", "event_at_epoch", Kind.EPOCH),
    Field("Event", "event"),
    Field("EventKey", "event_key", required=False),
)


OA_EVENTS = RawTableSpec(
    name="oa__events",
    source_dir="oa/events",
    file_glob="*.jsonl",
    fields=FIELDS,
    read_file=read_json_lines_text,
    row_rules=oa_event_rules,
)
