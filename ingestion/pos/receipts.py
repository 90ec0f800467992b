"""Store POS daily drop: one UTF-8 (BOM) CSV per store per day, one row per receipt line."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_bom_csv
from quality.schemas.pos import pos_receipt_line_rules

FIELDS = (
    Field("小票号", "receipt_no"),
    Field("门店编码", "store_id"),
    Field("销售时间", "sold_at", Kind.TIMESTAMP),
    Field("会员卡号", "member_card_no"),
    Field("手机号", "phone_hash", Kind.PHONE, drop_invalid_value=True),
    Field("导购工号", "guide_staff_id", required=False),
    Field("商品编码", "sku"),
    Field("数量", "quantity", Kind.INTEGER),
    Field("金额", "line_amount", Kind.AMOUNT),
)


POS_RECEIPT_LINES = RawTableSpec(
    name="pos__receipt_lines",
    source_dir="pos",
    file_glob="*/*.csv",
    fields=FIELDS,
    read_file=read_bom_csv,
    row_rules=pos_receipt_line_rules,
    identical_rows_are_duplicates=False,
)
