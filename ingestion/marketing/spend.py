"""Finance's daily marketing spend sheet: UTF-8 (BOM) CSV, one row per channel and campaign."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_bom_csv
from quality.schemas.marketing import marketing_spend_rules

FIELDS = (
    Field("日期", "spend_date", Kind.DATE),
    Field("渠道编码", "channel_code"),
    Field("活动", "campaign"),
    Field("花费", "cost", Kind.AMOUNT),
)


MARKETING_SPEND = RawTableSpec(
    name="marketing__spend",
    source_dir="spend",
    file_glob="marketing_spend_*.csv",
    fields=FIELDS,
    read_file=read_bom_csv,
    row_rules=marketing_spend_rules,
)
