"""Errors of affiliate accounts (and of the login fields advertisers share with them)."""

from trackpost.core.errors import BadRequest, Conflict, NotFound


class AffiliateNotFound(NotFound):
    code = "affiliate_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class InvalidUsername(BadRequest):
    code = "invalid_username"


class PayviaNotFound(NotFound):
    code = "payvia_not_found"


class ReferrerNotFound(NotFound):
    code = "referrer_not_found"


class ManagerNotFound(NotFound):
    code = "manager_not_found"
