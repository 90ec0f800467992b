"""Rules for raw.marketing__spend rows (finance's daily spend sheet)."""

import pandera.pandas as pa

# the families of docs/sources.md; the brand names its own codes within a family
SPEND_CHANNEL_CODE = (
    r"^(tmall_ztc|jd_jzt|douyin_qianchuan|pkgcard_[a-z]+|live_20\d{6}"
    r"|outbound_[A-Za-z0-9_-]+|referral_[A-Za-z0-9_-]+|store_[A-Za-z0-9]+)$"
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
