"""Errors of offers, landing pages and tracking domains."""

from trackpost.core.errors import BadRequest, NotFound


class OfferNotFound(NotFound):
    code = "offer_not_found"


class TrackingDomainNotFound(NotFound):
    code = "tracking_domain_not_found"


class ConflictingPayout(BadRequest):
    """A flat amount and a percentage sent for the same kind of payout."""

    code = "conflicting_parameters"


class InvalidColumn(BadRequest):
    code = "invalid_parameter"
