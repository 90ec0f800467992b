"""Tmall brand membership (会员通) export: GBK CSV with Chinese headers, one row per member."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_gbk_csv
from quality.schemas.tmall import tmall_member_rules

FIELDS = (
    # the same kind as 买家会员名 in the order report, so members and buyers hash alike and join
    Field("买家昵称", "buyer_nick_hash", Kind.KEYED_ID),
    Field("会员手机号", "phone_hash", Kind.PHONE),
    Field("入会时间", "joined_at", Kind.TIMESTAMP),
    Field("会员等级", "member_level", Kind.INTEGER),
    Field("入会渠道", "join_channel", required=False),
    Field("是否接受营销", "accepts_marketing", Kind.BOOLEAN),
)


TMALL_MEMBERS = RawTableSpec(
    name="tmall__members",
    source_dir="tmall/members",
    file_glob="TmallMembers_*.csv",
    fields=FIELDS,
    read_file=read_gbk_csv,
    row_rules=tmall_member_rules,
)
