"""WeCom full contact list: saved `externalcontact/batch/get_by_user` pages, one file per page."""

from ingestion.fields import Field, Kind
from ingestion.json_pages import WECHAT_PAGE
from ingestion.landing import RawTableSpec
from quality.schemas.wecom import wecom_contact_rules

SNAPSHOT_DATE = "snapshot_folder"

FIELDS = (
    Field(SNAPSHOT_DATE, "snapshot_date", Kind.DATE),
    Field("external_contact.external_userid", "external_userid"),
    Field("external_contact.unionid", "unionid", required=False),
    Field("external_contact.name", "contact_name", Kind.DROP, required=False),
    Field("external_contact.type", "contact_type", Kind.INTEGER, required=False),
    Field("follow_info.userid", "guide_userid"),
    Field("follow_info.createtime", "added_at_epoch", Kind.EPOCH),
    Field("follow_info.add_way", "add_way", Kind.INTEGER, required=False),
    Field("follow_info.state", "state", required=False),
    Field("follow_info.remark_mobiles", "remark_phone_hashes", Kind.PHONE_LIST, required=False),
)

# pages sit in a folder named after the day listed
CONTACT_PAGES = WECHAT_PAGE.records_at("$.external_contact_list", snapshot_field=SNAPSHOT_DATE)


WECOM_CONTACTS = RawTableSpec(
    name="wecom__contacts",
    source_dir="wecom/contacts",
    file_glob="*/page_*.json",
    fields=FIELDS,
    pages=CONTACT_PAGES,
    row_rules=wecom_contact_rules,
)
