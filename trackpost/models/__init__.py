"""All tables; importing this module registers every model on Base.metadata."""

from trackpost.models.accounts import Login, PayviaInfo, PayviaType
from trackpost.models.base import Base
from trackpost.models.customers import Customer, CustomerAudit
from trackpost.models.events import EventCursor, EventRow
from trackpost.models.postbacks import FailedPostback
from trackpost.models.tracking import CacheVersion, Click, LandingPage, Offer, TrackingDomain
from trackpost.models.transactions import IpListEntry, Transaction

metadata = Base.metadata

__all__ = [
    "Base",
    "CacheVersion",
    "Click",
    "Customer",
    "CustomerAudit",
    "EventCursor",
    "EventRow",
    "FailedPostback",
    "IpListEntry",
    "LandingPage",
    "Login",
    "Offer",
    "PayviaInfo",
    "PayviaType",
    "TrackingDomain",
    "Transaction",
    "metadata",
]
