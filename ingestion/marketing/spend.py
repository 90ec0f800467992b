"""Finance's daily marketing spend sheet: UTF-8 (BOM) CSV, one row per channel and campaign."""

from pathlib import Path

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_csv_text
from quality.schemas.marketing import marketing_spend_rules

FIELDS = (
    Field("日期", "spend_date", Kind.DATE),
    Field("渠道编码", "channel_code"),
    Field("活动", "campaign"),
    Field("花费", "cost", Kind.AMOUNT),
)


def read_spend_sheet(path: Path):
    return read_csv_text(path, encoding="utf-8-sig")


MARKETING_SPEND = RawTableSpec(
    name="marketing__spend",
    source_dir="spend",
    file_glob="marketing_spend_*.csv",
    fields=FIELDS,
    read_file=read_spend_sheet,
    row_rules=marketing_spend_rules,
)
