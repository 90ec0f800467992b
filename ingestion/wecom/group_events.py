"""WeCom `change_external_chat` callbacks (customer groups), one JSON object per line."""

from pathlib import Path

import pandas as pd

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_json_lines_text
from quality.schemas.wecom import wecom_group_event_rules

MEMBER_LIST = "MemChangeList"

FIELDS = (
    Field("ToUserName", "corp_id"),
    Field("CreateTime", "event_at_epoch", Kind.EPOCH),
    Field("ChatId", "chat_id"),
    Field("ChangeType", "change_type"),
    # create and dismiss callbacks carry none of these, so a file may lack them all
    Field("UpdateDetail", "update_detail", required=False),
    Field("JoinScene", "join_scene", Kind.INTEGER, required=False),
    Field("QuitScene", "quit_scene", Kind.INTEGER, required=False),
    Field("MemChangeCnt", "member_change_count", Kind.INTEGER, required=False),
    Field(MEMBER_LIST, "member_ids", Kind.TEXT_LIST, required=False),
)


def read_group_callback_log(path: Path) -> pd.DataFrame:
    """Text columns like every reader, except the member list, which stays a list."""
    return read_json_lines_text(path, list_columns=(MEMBER_LIST,))


WECOM_GROUP_EVENTS = RawTableSpec(
    name="wecom__group_events",
    source_dir="wecom/group_events",
    file_glob="*.jsonl",
    fields=FIELDS,
    read_file=read_group_callback_log,
    row_rules=wecom_group_event_rules,
)
