"""Errors of the customers domain; codes are part of the API and never change."""

from trackpost.core.errors import BadRequest, Conflict, NotFound


class MissingLookupKey(BadRequest):
    code = "missing_lookup_key"


class LookupConflict(BadRequest):
    code = "lookup_conflict"


class NoFields(BadRequest):
    code = "no_fields"


class InvalidField(BadRequest):
    code = "invalid_parameter"


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class AdvertiserNotFound(NotFound):
    code = "advertiser_not_found"


class AmbiguousSubscriptionId(Conflict):
    code = "ambiguous_subscription_id"


class CustomerLocked(Conflict):
    code = "customer_locked"


class UsernameTaken(Conflict):
    code = "username_taken"


class SubscriptionIdTaken(Conflict):
    code = "subscription_id_taken"
