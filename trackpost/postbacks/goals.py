"""Offer goals do not exist yet: a goal post is refused whole, here and only here.

Booking it as the click's conversion (at the offer's default revenue) would make the real sale
that follows a 409, so until goals are built a post naming one is a 400 goals_not_supported
that writes nothing (and is kept in failed_postbacks, to replay once goals exist). goal_id 0 is
the vendor's "main offer": an ordinary conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackpost.postbacks.errors import GoalsNotSupported

GOAL_NAMES = ("goal_id", "goalid", "offer_goal_id")
_MAIN_OFFER = ("", "0")


def refuse_goals(params: Mapping[str, Any]) -> None:
    """400 goals_not_supported when the post names a goal (goal_id and aliases, or type=goal)."""
    for name in GOAL_NAMES:
        value = params.get(name)
        if value is not None and str(value).strip() not in _MAIN_OFFER:
            raise GoalsNotSupported(
                f"Parameter '{name}' names an offer goal, and trackpost does not support offer "
                "goals yet; nothing was recorded. Send the main offer's conversion without it."
            )
    kind = params.get("type")
    if isinstance(kind, str) and kind.strip().lower() == "goal":
        raise GoalsNotSupported(
            "Parameter 'type' is goal, and trackpost does not support offer goals yet; nothing "
            "was recorded."
        )
