"""Typed Core handles on the mapped tables, for repositories that build statements once."""

from typing import cast

from sqlalchemy import Table

from trackpost.models.accounts import AdminSession, AffiliateManager, Login, PayviaInfo, PayviaType
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
from trackpost.models.payments import (
    Payment,
    PaymentAdjustment,
    PaymentAudit,
    PaymentBuild,
    PaymentDumpFormat,
    PaymentLine,
    PaymentProfile,
    PayoutPeriod,
    PayoutPeriodAffiliate,
    PayviaSetting,
)
from trackpost.models.postbacks import FailedPostback
from trackpost.models.tracking import (
    CacheVersion,
    Click,
    LandingPage,
    LandingPageAccess,
    Offer,
    TrackingDomain,
)
from trackpost.models.transactions import IpListEntry, Transaction

logins = cast(Table, Login.__table__)
admin_sessions = cast(Table, AdminSession.__table__)
payvia_types = cast(Table, PayviaType.__table__)
payvia_info = cast(Table, PayviaInfo.__table__)
offers = cast(Table, Offer.__table__)
landing_pages = cast(Table, LandingPage.__table__)
landing_page_access = cast(Table, LandingPageAccess.__table__)
tracking_domains = cast(Table, TrackingDomain.__table__)
clicks = cast(Table, Click.__table__)
cache_versions = cast(Table, CacheVersion.__table__)
customers = cast(Table, Customer.__table__)
customer_audit = cast(Table, CustomerAudit.__table__)
transactions = cast(Table, Transaction.__table__)
ip_list_entries = cast(Table, IpListEntry.__table__)
affiliate_managers = cast(Table, AffiliateManager.__table__)
commission_changes = cast(Table, CommissionChange.__table__)
commission_audit = cast(Table, CommissionAudit.__table__)
offer_commissions = cast(Table, OfferCommission.__table__)
referral_tiers = cast(Table, ReferralTier.__table__)
offer_partners = cast(Table, OfferPartner.__table__)
manager_commissions = cast(Table, ManagerCommission.__table__)
goals = cast(Table, Goal.__table__)
offer_goals = cast(Table, OfferGoal.__table__)
commission_counters = cast(Table, CommissionCounter.__table__)
transaction_payouts = cast(Table, TransactionPayout.__table__)
events = cast(Table, EventRow.__table__)
event_cursors = cast(Table, EventCursor.__table__)
deliveries = cast(Table, Delivery.__table__)
delivery_attempts = cast(Table, DeliveryAttempt.__table__)
delivery_destinations = cast(Table, DeliveryDestination.__table__)
affiliate_postbacks = cast(Table, AffiliatePostback.__table__)
postback_event_settings = cast(Table, PostbackEventSetting.__table__)
webhook_endpoints = cast(Table, WebhookEndpoint.__table__)
failed_postbacks = cast(Table, FailedPostback.__table__)
payout_periods = cast(Table, PayoutPeriod.__table__)
payout_period_affiliates = cast(Table, PayoutPeriodAffiliate.__table__)
payment_profiles = cast(Table, PaymentProfile.__table__)
payvia_settings = cast(Table, PayviaSetting.__table__)
payment_builds = cast(Table, PaymentBuild.__table__)
payment_dump_formats = cast(Table, PaymentDumpFormat.__table__)
payments = cast(Table, Payment.__table__)
payment_lines = cast(Table, PaymentLine.__table__)
payment_adjustments = cast(Table, PaymentAdjustment.__table__)
payment_audit = cast(Table, PaymentAudit.__table__)
conversion_caps = cast(Table, ConversionCap.__table__)
cap_usage = cast(Table, CapUsage.__table__)
cap_visitors = cast(Table, CapVisitor.__table__)
cap_bookings = cast(Table, CapBooking.__table__)

# The rows of cache_versions: each names a cache of committed state whose version moves on change.
TRACKING_CACHE = "tracking"
IPLISTS_CACHE = "iplists"
COMMISSIONS_CACHE = "commissions"
EVENTS_CACHE = "events"
