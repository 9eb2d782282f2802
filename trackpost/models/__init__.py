"""All tables; importing this module registers every model on Base.metadata."""

from trackpost.models.accounts import Login, PayviaInfo, PayviaType
from trackpost.models.base import Base
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
from trackpost.models.tracking import CacheVersion, Click, LandingPage, Offer, TrackingDomain
from trackpost.models.transactions import IpListEntry, Transaction

metadata = Base.metadata

__all__ = [
    "Base",
    "CacheVersion",
    "CommissionAudit",
    "CommissionChange",
    "CommissionCounter",
    "Goal",
    "ManagerCommission",
    "OfferCommission",
    "OfferGoal",
    "OfferPartner",
    "ReferralTier",
    "TransactionPayout",
    "Click",
    "Customer",
    "CustomerAudit",
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
