"""Errors of the customers domain; codes are part of the API and never change.

The lookup's and the account names' errors are shared with other domains and live in core.errors.
"""

from trackpost.core.errors import BadRequest, Conflict, NotFound


class NoFields(BadRequest):
    code = "no_fields"


class InvalidField(BadRequest):
    code = "invalid_parameter"


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class AmbiguousSubscriptionId(Conflict):
    code = "ambiguous_subscription_id"


class AmbiguousOrderid(Conflict):
    code = "ambiguous_orderid"


class CustomerLocked(Conflict):
    code = "customer_locked"


class SubscriptionIdTaken(Conflict):
    code = "subscription_id_taken"
