"""Errors of the commission rules and goals; codes are part of the API and never change."""

from trackpost.core.errors import BadRequest, Conflict, NotFound


class ChangeNotFound(NotFound):
    code = "commission_change_not_found"


class GoalNotFound(NotFound):
    code = "goal_not_found"


class AffiliateNotFound(NotFound):
    code = "affiliate_not_found"


class InvalidRule(BadRequest):
    """A rule whose parameters do not fit together (a temporary change without dates, say)."""

    code = "invalid_parameter"


class GoalExists(Conflict):
    code = "goal_exists"
