"""Rules for raw.referral__invites (the fission tool's invite events)."""

import pandera.pandas as pa

REWARD_STATUSES = ("granted", "pending", "rejected")

referral_invite_rules = pa.DataFrameSchema(
    {
        "event_id": pa.Column(nullable=False),
        "campaign_id": pa.Column(nullable=False),
        "inviter_unionid": pa.Column(nullable=False),
        # an invitee without an open-platform binding has only the mini-program openid
        "invitee_unionid": pa.Column(nullable=True),
        "invitee_openid": pa.Column(nullable=True),
        "invited_at": pa.Column(nullable=False),
        "reward_status": pa.Column(nullable=False, checks=pa.Check.isin(REWARD_STATUSES)),
        "reward_amount": pa.Column(nullable=True, checks=pa.Check.ge(0)),
    },
    checks=[
        pa.Check(
            lambda df: df["invitee_unionid"].notna() | df["invitee_openid"].notna(),
            name="invitee_identified",
            element_wise=False,
        )
    ],
    name="referral__invites",
)
