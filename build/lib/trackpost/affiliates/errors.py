"""Errors of affiliate accounts, their payout methods, managers and referrers."""

from trackpost.core.errors import Conflict, NotFound


class AffiliateNotFound(NotFound):
    code = "affiliate_not_found"


class PayviaNotFound(NotFound):
    code = "payvia_not_found"


class ReferrerNotFound(NotFound):
    code = "referrer_not_found"


class ManagerNotFound(NotFound):
    code = "manager_not_found"


class InvalidTrackingCode(NotFound):
    """A code that is not a tracking code at all: nothing can match it, hence 404."""

    code = "invalid_tracking_code"


class LandingPagePrivate(Conflict):
    """A private landing page the affiliate is not enabled for (set_enabled_affiliates)."""

    code = "landing_page_private"
