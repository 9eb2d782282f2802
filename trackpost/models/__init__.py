"""All tables; importing this module registers every model on Base.metadata."""

from trackpost.models.accounts import Login, PayviaInfo, PayviaType
from trackpost.models.base import Base
from trackpost.models.customers import Customer, CustomerAudit
from trackpost.models.delivery import (
    AffiliatePostback,
    Delivery,
    DeliveryAttempt,
    DeliveryDestination,
    PostbackEventSetting,
    WebhookEndpoint,
)
from trackpost.models.events import EventCursor, EventRow
from trackpost.models.tracking import CacheVersion, Click, LandingPage, Offer, TrackingDomain
from trackpost.models.transactions import IpListEntry, Transaction

metadata = Base.metadata

__all__ = [
    "AffiliatePostback",
    "Base",
    "CacheVersion",
    "Click",
    "Customer",
    "CustomerAudit",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryDestination",
    "EventCursor",
    "EventRow",
    "IpListEntry",
    "LandingPage",
    "Login",
    "Offer",
    "PayviaInfo",
    "PayviaType",
    "PostbackEventSetting",
    "TrackingDomain",
    "Transaction",
    "WebhookEndpoint",
    "metadata",
]
