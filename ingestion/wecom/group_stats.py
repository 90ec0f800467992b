"""WeCom customer-group daily message statistics, one saved response per day."""

from pathlib import Path

import pandas as pd

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_wecom_api_response, records_as_text
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
    page = read_wecom_api_response(path)  # an error page must not pass as a day without groups
    day = page.get("stat_date")
    return records_as_text([{**item, "stat_date": day} for item in page.get("items") or []])


WECOM_GROUP_STATS = RawTableSpec(
    name="wecom__group_stats",
    source_dir="wecom/group_stats",
    file_glob="*.json",
    fields=FIELDS,
    read_file=read_group_stats_day,
    row_rules=wecom_group_stat_rules,
)
