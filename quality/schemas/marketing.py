"""Rules for raw.marketing__spend rows (finance's daily spend sheet)."""

import pandera.pandas as pa

# the channel codes of docs/sources.md; a new kind of code must be added here before it counts
SPEND_CHANNEL_CODE = (
    r"^(tmall_ztc|jd_jzt|douyin_qianchuan|pkgcard_tmall|live_20\d{6}"
    r"|outbound_[A-Za-z0-9_-]+|referral_[A-Za-z0-9_-]+|store_[A-Z]{2}\d{3})$"
)

marketing_spend_rules = pa.DataFrameSchema(
    {
        "spend_date": pa.Column(nullable=False),
        "channel_code": pa.Column(nullable=False, checks=pa.Check.str_matches(SPEND_CHANNEL_CODE)),
        "campaign": pa.Column(nullable=True),
        "cost": pa.Column(nullable=False, checks=pa.Check.ge(0)),
    },
    name="marketing__spend",
)
