"""Every raw table siyu lands, by name. A new source adds its spec here."""

from ingestion.douyin.orders import DOUYIN_ORDERS
from ingestion.jd.orders import JD_ORDERS
from ingestion.landing import RawTableSpec
from ingestion.live.orders import LIVE_ORDERS
from ingestion.live.viewers import LIVE_VIEWERS
from ingestion.mall.members import MALL_MEMBERS
from ingestion.mall.orders import MALL_ORDERS
from ingestion.marketing.spend import MARKETING_SPEND
from ingestion.oa.events import OA_EVENTS
from ingestion.oa.followers import OA_FOLLOWERS
from ingestion.outbound.call_results import OUTBOUND_CALL_RESULTS
from ingestion.pos.receipts import POS_RECEIPT_LINES
from ingestion.referral.invites import REFERRAL_INVITES
from ingestion.surveys.nps import SURVEY_NPS_RESPONSES
from ingestion.tmall.members import TMALL_MEMBERS
from ingestion.tmall.orders import TMALL_ORDERS
from ingestion.wecom.contact_events import WECOM_CONTACT_EVENTS
from ingestion.wecom.contacts import WECOM_CONTACTS
from ingestion.wecom.group_events import WECOM_GROUP_EVENTS
from ingestion.wecom.group_stats import WECOM_GROUP_STATS
from ingestion.wecom.groups import WECOM_GROUP_MEMBERS

ALL_SPECS = (
    TMALL_ORDERS,
    POS_RECEIPT_LINES,
    WECOM_CONTACT_EVENTS,
    WECOM_CONTACTS,
    TMALL_MEMBERS,
    JD_ORDERS,
    DOUYIN_ORDERS,
    LIVE_VIEWERS,
    LIVE_ORDERS,
    MARKETING_SPEND,
    WECOM_GROUP_MEMBERS,
    WECOM_GROUP_EVENTS,
    WECOM_GROUP_STATS,
    OA_FOLLOWERS,
    OA_EVENTS,
    SURVEY_NPS_RESPONSES,
    OUTBOUND_CALL_RESULTS,
    REFERRAL_INVITES,
    MALL_ORDERS,
    MALL_MEMBERS,
)
RAW_TABLES: dict[str, RawTableSpec] = {spec.name: spec for spec in ALL_SPECS}
