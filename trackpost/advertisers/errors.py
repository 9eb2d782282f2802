"""Errors of advertiser accounts."""

from trackpost.core.errors import Conflict, NotFound


class AdvertiserNotFound(NotFound):
    code = "advertiser_not_found"


class EmailTaken(Conflict):
    code = "email_taken"
