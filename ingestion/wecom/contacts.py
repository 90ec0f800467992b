"""WeCom full contact list: saved `externalcontact/batch/get_by_user` pages, one file per page."""

from pathlib import Path

import pandas as pd

from ingestion.fields import Field, Kind
from ingestion.landing import RawTableSpec
from ingestion.readers import read_wecom_api_page, records_as_text
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

_LIST_COLUMNS = {"follow_info.remark_mobiles", "follow_info.tag_id"}


def read_contact_page(path: Path) -> pd.DataFrame:
    frame = records_as_text(read_wecom_api_page(path, "external_contact_list"), _LIST_COLUMNS)
    if len(frame):
        frame[SNAPSHOT_DATE] = path.parent.name  # pages sit in a folder named after the day
    return frame


WECOM_CONTACTS = RawTableSpec(
    name="wecom__contacts",
    source_dir="wecom/contacts",
    file_glob="*/page_*.json",
    fields=FIELDS,
    read_file=read_contact_page,
    row_rules=wecom_contact_rules,
)
