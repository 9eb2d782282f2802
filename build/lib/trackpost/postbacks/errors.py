"""Errors of the postbacks domain; codes are part of the API and never change."""

from __future__ import annotations

from typing import Any

from trackpost.core.errors import Conflict, Forbidden, NotFound, TrackpostError


class UnknownClickHash(NotFound):
    code = "unknown_click_hash"


class UnknownTrackingCode(NotFound):
    code = "unknown_ocode"


class ClickNotConverted(NotFound):
    code = "click_not_converted"


class PostbackRefused(Forbidden):
    code = "postback_ip_not_allowed"


class VoidRefused(Forbidden):
    code = "void_ip_not_allowed"


class ClickAlreadyConverted(Conflict):
    code = "click_already_converted"


class Replayed(TrackpostError):
    """A retried postback: answered with the original success after rolling back this request."""

    # Raising (rather than returning) makes the pipeline roll back whatever the request wrote
    # before the duplicate showed itself, so a replay writes nothing.

    status = 200
    code = "replayed"

    def __init__(self, original: dict[str, Any]) -> None:
        super().__init__("replayed postback", headers={"X-Trackpost-Replayed": "true"})
        self.original = original

    def body(self) -> dict[str, Any]:
        return dict(self.original)


class GoalNotEnabled(NotFound):
    """The post names a goal its offer does not have (or has switched off)."""

    code = "goal_not_enabled"


class GoalAlreadyReached(Conflict):
    """The customer already reached this goal, and the goal does not allow repeats."""

    code = "goal_already_reached"
