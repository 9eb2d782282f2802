"""All tables; importing this module registers every model on Base.metadata."""

from trackpost.models.accounts import Login, PayviaInfo, PayviaType
from trackpost.models.base import Base
from trackpost.models.caps import CapBooking, CapUsage, CapVisitor, ConversionCap
from trackpost.models.commissions import (
    CommissionAudit,
    CommissionChange,
    CommissionCounter,
    Goal,
    ManagerCommission,
    OfferCommission,
    OfferGoal,
    OfferPartner,
    ReferralTier,
    TransactionPayout,
)
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
from trackpost.models.postbacks import FailedPostback
from trackpost.models.stats import StatsSeen, StatsState, stats_hourly, stats_subaff_hourly
from trackpost.models.tracking import CacheVersion, Click, LandingPage, Offer, TrackingDomain
from trackpost.models.transactions import IpListEntry, Transaction

metadata = Base.metadata

__all__ = [
    "AffiliatePostback",
    "Base",
    "CacheVersion",
    "CapBooking",
    "CapUsage",
    "CapVisitor",
    "Click",
    "CommissionAudit",
    "CommissionChange",
    "CommissionCounter",
    "ConversionCap",
    "Customer",
    "CustomerAudit",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryDestination",
    "EventCursor",
    "EventRow",
    "FailedPostback",
    "Goal",
    "IpListEntry",
    "LandingPage",
    "Login",
    "ManagerCommission",
    "Offer",
    "OfferCommission",
    "OfferGoal",
    "OfferPartner",
    "PayviaInfo",
    "PayviaType",
    "PostbackEventSetting",
    "ReferralTier",
    "StatsSeen",
    "StatsState",
    "TrackingDomain",
    "Transaction",
    "TransactionPayout",
    "WebhookEndpoint",
    "metadata",
    "stats_hourly",
    "stats_subaff_hourly",
]
