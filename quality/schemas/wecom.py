"""Rules for the WeCom raw tables (contact events and the periodic full contact list)."""

import pandera.pandas as pa

CONTACT_CHANGE_TYPES = ("add_external_contact", "del_external_contact", "del_follow_user")

wecom_contact_event_rules = pa.DataFrameSchema(
    {
        "event_at_epoch": pa.Column(nullable=False, checks=pa.Check.gt(1_000_000_000)),
        "event": pa.Column(nullable=False),
        "change_type": pa.Column(nullable=False, checks=pa.Check.isin(CONTACT_CHANGE_TYPES)),
        "guide_userid": pa.Column(nullable=False),
        "external_userid": pa.Column(nullable=False),
    },
    name="wecom__contact_events",
)

wecom_contact_rules = pa.DataFrameSchema(
    {
        "snapshot_date": pa.Column(nullable=False),
        "external_userid": pa.Column(nullable=False),
        "guide_userid": pa.Column(nullable=False),
        "added_at_epoch": pa.Column(nullable=False, checks=pa.Check.gt(1_000_000_000)),
    },
    name="wecom__contacts",
)
