"""Rules for the WeCom raw tables: contacts and their callbacks, customer groups and theirs."""

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

GROUP_MEMBER_TYPES = (1, 2)  # 1 a staff member, 2 an external contact
GROUP_JOIN_SCENES = (0, 1, 2, 3)  # groupchat/get uses 1..3; callbacks also send 0 (invited)
GROUP_CHANGE_TYPES = ("create", "update", "dismiss")
GROUP_UPDATE_DETAILS = ("add_member", "del_member", "change_owner", "change_name", "change_notice")
GROUP_QUIT_SCENES = (0, 1)  # 0 left by themselves, 1 removed by the owner

wecom_group_member_rules = pa.DataFrameSchema(
    {
        "snapshot_date": pa.Column(nullable=False),
        "chat_id": pa.Column(nullable=False),
        "owner_userid": pa.Column(nullable=False),
        "member_id": pa.Column(nullable=False),
        "member_type": pa.Column(nullable=False, checks=pa.Check.isin(GROUP_MEMBER_TYPES)),
        "joined_at_epoch": pa.Column(nullable=False, checks=pa.Check.gt(1_000_000_000)),
        "join_scene": pa.Column(nullable=True, checks=pa.Check.isin(GROUP_JOIN_SCENES)),
    },
    name="wecom__group_members",
)

wecom_group_event_rules = pa.DataFrameSchema(
    {
        "event_at_epoch": pa.Column(nullable=False, checks=pa.Check.gt(1_000_000_000)),
        "chat_id": pa.Column(nullable=False),
        "change_type": pa.Column(nullable=False, checks=pa.Check.isin(GROUP_CHANGE_TYPES)),
        "update_detail": pa.Column(nullable=True, checks=pa.Check.isin(GROUP_UPDATE_DETAILS)),
        "join_scene": pa.Column(nullable=True, checks=pa.Check.isin(GROUP_JOIN_SCENES)),
        "quit_scene": pa.Column(nullable=True, checks=pa.Check.isin(GROUP_QUIT_SCENES)),
        "member_change_count": pa.Column(nullable=True, checks=pa.Check.ge(0)),
    },
    checks=[
        # an update callback without its UpdateDetail cannot be told apart from any other update
        pa.Check(
            lambda df: df["change_type"].ne("update") | df["update_detail"].notna(),
            name="update_has_detail",
            element_wise=False,
        )
    ],
    name="wecom__group_events",
)

wecom_group_stat_rules = pa.DataFrameSchema(
    {
        "stat_date": pa.Column(nullable=False),
        "chat_id": pa.Column(nullable=False),
        "member_total": pa.Column(nullable=False, checks=pa.Check.ge(0)),
        "member_has_msg": pa.Column(nullable=False, checks=pa.Check.ge(0)),
        "msg_total": pa.Column(nullable=False, checks=pa.Check.ge(0)),
    },
    checks=[
        pa.Check(
            lambda df: df["member_has_msg"] <= df["member_total"],
            name="speakers_not_above_members",
            element_wise=False,
        )
    ],
    name="wecom__group_stats",
)
