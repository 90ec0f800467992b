"""NPS survey answer export (问卷星-style): GB18030 CSV whose headers are the question texts."""

import re
from pathlib import Path

import pandas as pd

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_csv_text
from quality.schemas.surveys import nps_response_rules

SURVEY_ID = "survey_id_in_file_name"
TIME_TAKEN = "所用时间"
SCORE_QUESTION = "1、您有多大可能向朋友推荐我们？"
COMMENT_QUESTION = "2、请说说您打分的原因"
_FILE_NAME = re.compile(r"^nps_(?P<survey_id>.+)_20\d{6}\.csv$")

FIELDS = (
    Field(SURVEY_ID, "survey_id"),
    Field("序号", "response_no", Kind.INTEGER),
    Field("提交答卷时间", "submitted_at", Kind.TIMESTAMP),
    Field(TIME_TAKEN, "time_taken", Kind.INTEGER, required=False),
    Field("来源渠道", "touchpoint", required=False),
    Field("手机号码", "phone_hash", Kind.PHONE, required=False, drop_invalid_value=True),
    Field("unionid", "unionid", required=False),
    Field(SCORE_QUESTION, "score", Kind.INTEGER),
    Field(COMMENT_QUESTION, "comment", Kind.REDACTED_TEXT, required=False),
)


def read_nps_export(path: Path) -> pd.DataFrame:
    frame = read_csv_text(path, encoding="gb18030")
    if not len(frame.columns):  # a zero-byte drop
        return frame
    match = _FILE_NAME.match(path.name)
    frame[SURVEY_ID] = match["survey_id"] if match else None  # no id: every row is quarantined
    if TIME_TAKEN in frame:
        # `85秒` → `85`; any other shape stays as written and fails as not a whole number
        frame[TIME_TAKEN] = frame[TIME_TAKEN].str.replace(r"^\s*(\d+)\s*秒\s*$", r"\1", regex=True)
    return frame


SURVEY_NPS_RESPONSES = RawTableSpec(
    name="survey__nps_responses",
    source_dir="surveys",
    file_glob="nps_*.csv",
    fields=FIELDS,
    read_file=read_nps_export,
    row_rules=nps_response_rules,
)
