"""Outbound call results: one UTF-8 (BOM) CSV per campaign day, one row per call."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_bom_csv
from quality.schemas.outbound import outbound_call_result_rules

FIELDS = (
    Field("任务ID", "campaign_id"),
    Field("任务名称", "campaign_name", required=False),
    Field("被叫号码", "phone_hash", Kind.PHONE),
    Field("呼叫时间", "called_at", Kind.TIMESTAMP),
    Field("是否接通", "connected", Kind.BOOLEAN),
    Field("通话时长(秒)", "duration_seconds", Kind.INTEGER),
    Field("意向标签", "intent"),
    Field("挂断原因", "hangup_reason", required=False),
)


OUTBOUND_CALL_RESULTS = RawTableSpec(
    name="outbound__call_results",
    source_dir="outbound",
    file_glob="*.csv",
    fields=FIELDS,
    read_file=read_bom_csv,
    row_rules=outbound_call_result_rules,
)
