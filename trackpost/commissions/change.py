"""A commission change as the rules see it, and the words of the money engine's vocabulary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from trackpost.commissions.recurring import in_recurring_window

INITIAL, CONTINUITY, GOAL = "initial", "continuity", "goal"
STANDARD, DISABLE, TEMPORARY, TIERED, RECURRING = (
    "standard",
    "disable",
    "temporary",
    "tiered",
    "recurring",
)
CHANGE_TYPES = (STANDARD, DISABLE, TEMPORARY, TIERED, RECURRING)
MAX_TIERS = 8
# The referral row of the signup bonus: tier 0, base SIGNUP (the tiers proper are 1..8).
SIGNUP_TIER, SIGNUP = 0, "signup"
DISABLED, BANNED = 1, 2  # affiliate statuses (0 is active)


NO_COUNTS: Mapping[int, int] = MappingProxyType({})


class Event(NamedTuple):
    """What a payout depends on: the event, its attribution, and the counts rules may need.

    A NamedTuple (every conversion builds one): cheaper than a frozen dataclass, as immutable.
    """

    kind: str  # initial | continuity | goal
    offerid: int
    loginid: int | None
    revenue: int
    now: dt.datetime
    default_type: str = "flat"  # the offer's default payout for this kind: flat | percent
    default_amount: int = 0
    goalid: int = 0
    country: str | None = None
    subaffs: tuple[str | None, ...] = (None, None, None, None, None)
    sale_number: int = 0  # the affiliate's sales on the offer, this one included
    manager_sales: Mapping[int, int] = NO_COUNTS
    pay_disabled_rebills: bool = True
    pay_banned_rebills: bool = False
    # The network's referral signup bonus (cents), due when this is the referred affiliate's
    # first conversion (first_sale).
    signup_bonus: int = 0
    first_sale: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    """One commission change as the rules see it; a None payout is not set."""

    changeid: int
    offerid: int
    goalid: int
    type: str
    priority: int
    enabled: bool = True
    loginid: int | None = None
    countries: frozenset[str] | None = None
    subaffs: tuple[str | None, ...] = (None, None, None, None, None)
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    after_sales: int | None = None
    recur: str | None = None
    flat_click: int | None = None
    flat_visitor: int | None = None
    flat_conversion: int | None = None
    flat_continuity: int | None = None
    pct_conversion: int | None = None
    pct_continuity: int | None = None
    cpm: int | None = None
    aff_manager_payout: bool | None = None
    aff_referral_payout: bool | None = None
    offer_partner_payout: bool | None = None

    def terms(self, kind: str) -> tuple[int, int] | None:
        """(flat, rate) this change pays for an event kind, or None when it says nothing of it."""
        if self.type == DISABLE:
            return 0, 0
        flat, rate = (
            (self.flat_continuity, self.pct_continuity)
            if kind == CONTINUITY
            else (self.flat_conversion, self.pct_conversion)
        )
        if flat is None and rate is None:
            return None
        return flat or 0, rate or 0

    def click_terms(self, unique: bool) -> int | None:
        """The flat payout per raw click (or per unique visitor), None when not set."""
        if self.type == DISABLE:
            return 0
        return self.flat_visitor if unique else self.flat_click

    def matches(self, event: Event) -> bool:
        """Whether every restriction of this change holds for the event."""
        if not self.enabled:
            return False
        if self.loginid is not None and self.loginid != event.loginid:
            return False
        if self.countries is not None and (event.country or "") not in self.countries:
            return False
        for wanted, got in zip(self.subaffs, event.subaffs, strict=True):
            if wanted is not None and wanted != got:
                return False
        if self.type == TIERED and event.sale_number <= (self.after_sales or 0):
            return False
        if self.type == RECURRING:
            return in_recurring_window(self.start_time, self.end_time, self.recur, event.now)
        if self.start_time is not None and event.now < self.start_time:
            return False
        return self.end_time is None or event.now < self.end_time
