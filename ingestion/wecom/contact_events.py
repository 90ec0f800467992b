"""WeCom `change_external_contact` callbacks, stored one JSON object per line after decryption."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_json_lines_text
from quality.schemas.wecom import wecom_contact_event_rules

FIELDS = (
    Field("ToUserName", "corp_id"),
    Field("CreateTime", "event_at_epoch", Kind.EPOCH),
    Field("Event", "event"),
    Field("ChangeType", "change_type"),
    Field("UserID", "guide_userid"),
    Field("ExternalUserID", "external_userid"),
    Field("State", "state", required=False),
)


WECOM_CONTACT_EVENTS = RawTableSpec(
    name="wecom__contact_events",
    source_dir="wecom/events",
    file_glob="*.jsonl",
    fields=FIELDS,
    read_file=read_json_lines_text,
    row_rules=wecom_contact_event_rules,
)
