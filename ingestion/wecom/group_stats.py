"""WeCom customer-group daily message statistics, one saved response per day."""

import json
from pathlib import Path

import pandas as pd

from ingestion.errors import UnreadableFileError
from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from quality.schemas.wecom import wecom_group_stat_rules

FIELDS = (
    Field("stat_date", "stat_date", Kind.DATE),
    Field("chat_id", "chat_id"),
    Field("member_total", "member_total", Kind.INTEGER),
    Field("member_has_msg", "member_has_msg", Kind.INTEGER),
    Field("msg_total", "msg_total", Kind.INTEGER),
)


def read_group_stats_day(path: Path) -> pd.DataFrame:
    """One row per group; the day of the statistics is stated once, at the top of the file."""
    try:
        page = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFileError(str(path), f"not a JSON page: {type(error).__name__}") from None
    if page.get("errcode", 0) != 0:  # an error page must not pass as a day without groups
        raise UnreadableFileError(str(path), f"API error page, errcode {page.get('errcode')}")
    items = page.get("items") or []
    if not items:
        return pd.DataFrame(columns=[f.source for f in FIELDS])
    frame = pd.json_normalize(items)
    frame["stat_date"] = page.get("stat_date")
    frame = frame.astype("string")
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


WECOM_GROUP_STATS = RawTableSpec(
    name="wecom__group_stats",
    source_dir="wecom/group_stats",
    file_glob="*.json",
    fields=FIELDS,
    read_file=read_group_stats_day,
    row_rules=wecom_group_stat_rules,
)
