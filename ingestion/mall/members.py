"""Mall members: saved pages of `GET /v1/members`, one file per page, one raw row per item."""

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.mall.extract import PAGE_GLOB, PAGES_DIR, extractor
from ingestion.mall.pages import MALL_PAGES
from quality.schemas.mall import mall_member_rules

ENTITY = "members"

# nullable fields are optional columns: an API may leave a null key out of every item on a page
FIELDS = (
    Field("member_id", "member_id"),
    Field("appid", "appid"),
    Field("openid", "openid"),
    Field("unionid", "unionid", required=False),
    Field("phone", "phone_hash", Kind.PHONE, required=False),
    Field("nickname", "nickname", Kind.DROP, required=False),
    Field("registered_at", "registered_at", Kind.TIMESTAMP),
    Field("updated_at", "updated_at", Kind.TIMESTAMP),
    Field("level", "level", Kind.INTEGER),
    Field("marketing_consent", "marketing_consent", Kind.BOOLEAN),
)

MALL_MEMBERS = RawTableSpec(
    name="mall__members",
    source_dir=f"{PAGES_DIR}/{ENTITY}",
    file_glob=PAGE_GLOB,
    fields=FIELDS,
    pages=MALL_PAGES,
    row_rules=mall_member_rules,
    extract=extractor(ENTITY),
)
