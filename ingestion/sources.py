"""Every raw table siyu lands, by name. A new source adds its spec here."""

from ingestion.landing import RawTableSpec
from ingestion.pos.receipts import POS_RECEIPT_LINES
from ingestion.tmall.orders import TMALL_ORDERS
from ingestion.wecom.contact_events import WECOM_CONTACT_EVENTS
from ingestion.wecom.contacts import WECOM_CONTACTS

ALL_SPECS = (TMALL_ORDERS, POS_RECEIPT_LINES, WECOM_CONTACT_EVENTS, WECOM_CONTACTS)
RAW_TABLES: dict[str, RawTableSpec] = {spec.name: spec for spec in ALL_SPECS}
