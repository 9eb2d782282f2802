"""An offer's goal terms and money settings beyond its default payouts, as the rules keep them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GoalTerms:
    """A goal enabled on an offer: its revenue rule, default commission and payee switches."""

    offer_goal_id: int
    goalid: int
    enabled: bool
    commission_type: str  # flat | percentage
    amount: int  # cents, or basis points of the goal's revenue
    revenue_type: str  # dynamic_conversion | conversion | sale
    revenue_amount: int  # cents, or basis points of the posted amount
    aff_manager_payout: bool
    aff_referral_payout: bool
    offer_partner_payout: bool
    allow_repeat: bool = False


@dataclass(frozen=True, slots=True)
class OfferMoney:
    """An offer's money settings beyond its default payouts."""

    flat_click: int | None = None
    flat_visitor: int | None = None
    cpm: int | None = None
    fee_cap: str = "payout"  # none | payout | amount
    fee_cap_amount: int | None = None
    max_amount: int | None = None
