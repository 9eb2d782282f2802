"""The commission rules as plain values, and `payees`: who is paid what for one event.

Pure: no database, no clock, no settings. Booking and the payout preview build the same `Event`
and call the same `payees`, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from trackpost.commissions.change import (
    BANNED,
    CONTINUITY,
    DISABLED,
    GOAL,
    MAX_TIERS,
    RECURRING,
    SIGNUP,
    SIGNUP_TIER,
    TIERED,
    Change,
    Event,
)
from trackpost.commissions.change_index import ChangeIndex
from trackpost.commissions.terms import GoalTerms, OfferMoney
from trackpost.core.money import REVENUE, PayoutRow, payout, rate_text


class ReferralStep(NamedTuple):
    """One referral tier that pays up an affiliate's `ref` chain: rate, base and its words."""

    referrer: int
    tier: int
    rate: int
    base: str
    words: str


# Plans kept per Rules before the cache starts again (it lives only as long as its version).
MAX_PLANS = 65_536
# Sales' payee rows kept per Rules (a few MiB at most) before that memo starts again: one entry
# per (offer, affiliate, revenue, country, subaffs) seen.
MAX_SHAPES = 4_096


@dataclass(frozen=True, slots=True)
class Rules:
    """Every commission rule of the network at one version, as the worker caches it."""

    version: tuple[int, int] = (-1, -1)
    changes: Mapping[tuple[int, int], tuple[Change, ...]] = field(default_factory=dict)
    offers: Mapping[int, OfferMoney] = field(default_factory=dict)
    tiers: Mapping[int, tuple[tuple[int, int, str], ...]] = field(default_factory=dict)
    partners: Mapping[int, tuple[tuple[int, int, int], ...]] = field(default_factory=dict)
    managers: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    manager_terms: Mapping[int, tuple[int, int, int]] = field(default_factory=dict)
    refs: Mapping[int, int] = field(default_factory=dict)
    statuses: Mapping[int, int] = field(default_factory=dict)
    goals: Mapping[tuple[int, int], GoalTerms] = field(default_factory=dict)
    # Precomputed so that a conversion asks a set, not every change: which (offer, goal) has a
    # tiered change, and which affiliates have a manager whose commission starts after N sales.
    tiered: frozenset[tuple[int, int]] = frozenset()
    # (offer, goal) keys with a change whose match depends on the time or the sale counts.
    timed: frozenset[tuple[int, int]] = frozenset()
    counted: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    # Built on first use per (offer, goal): see ChangeIndex.
    _index: dict[tuple[int, int], ChangeIndex] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Built on first use per (offer, affiliate): see referral_plan; and the affiliate's terms
    # per event shape where no change of the offer depends on time or counts: see affiliate_row.
    _plans: dict[tuple[int, int], tuple[ReferralStep, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _terms: dict[tuple[object, ...], tuple[int, int, int, str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Every payee row of a sale whose payouts depend on nothing but the sale and the rules (no
    # timed or tiered change, no counted manager, no signup bonus due): see commissions.payees_for.
    _payees: dict[tuple[object, ...], tuple[PayoutRow, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.tiered:
            tiered = frozenset(
                k for k, v in self.changes.items() if any(c.type == TIERED for c in v)
            )
            object.__setattr__(self, "tiered", tiered)
        if not self.timed:
            timed = frozenset(k for k, v in self.changes.items() if any(map(_timed, v)))
            object.__setattr__(self, "timed", timed)

    def offer(self, offerid: int) -> OfferMoney:
        return self.offers.get(offerid) or NO_MONEY

    def changes_for(self, offerid: int, goalid: int = 0) -> tuple[Change, ...]:
        return self.changes.get((offerid, goalid), ())

    def needs_sale_number(self, offerid: int, goalid: int = 0) -> bool:
        """Whether a tiered change could apply, so the affiliate's sale count must be read."""
        return (offerid, goalid) in self.tiered

    def candidates(self, event: Event) -> tuple[Change, ...] | list[Change]:
        """The changes that could match the event, in priority order (a superset of matches)."""
        key = (event.offerid, event.goalid)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = ChangeIndex(self.changes_for(*key))
        return index.candidates(event)

    def known_payees(self, shape: tuple[object, ...]) -> list[PayoutRow] | None:
        """The payee rows remembered for a sale of this shape (commissions.payees_for)."""
        found = self._payees.get(shape)
        return None if found is None else list(found)

    def remember_payees(self, shape: tuple[object, ...], rows: list[PayoutRow]) -> None:
        if len(self._payees) >= MAX_SHAPES:
            self._payees.clear()
        self._payees[shape] = tuple(rows)

    def counted_managers(self, loginid: int | None) -> tuple[int, ...]:
        """The affiliate's paid managers whose commission starts after some sales."""
        if loginid is None:
            return ()
        return tuple(m for m in self.managers.get(loginid, ()) if self.manager_terms[m][2] > 0)


NO_MONEY = OfferMoney()


def _timed(change: Change) -> bool:
    return (
        change.type in (TIERED, RECURRING)
        or change.start_time is not None
        or (change.end_time is not None)
    )


def deciding_change(rules: Rules, event: Event) -> Change | None:
    """The first enabled change, highest priority first, that matches and pays this kind."""
    for change in rules.candidates(event):
        if change.terms(event.kind) is not None and change.matches(event):
            return change
    return None


def _default_terms(rules: Rules, event: Event) -> tuple[int, int, str]:
    """Change 0: the offer's default (or the goal's) as (flat, rate, words)."""
    if event.kind == GOAL:
        goal = rules.goals.get((event.offerid, event.goalid))
        if goal is None:
            return 0, 0, "goal not enabled on the offer: no payout"
        if goal.commission_type == "percentage":
            return 0, goal.amount, f"goal default: {rate_text(goal.amount)}% of revenue"
        return goal.amount, 0, "goal default: flat"
    if event.default_type == "percent":
        amount = event.default_amount
        return 0, amount, f"offer default: {rate_text(amount)}% of revenue"
    return event.default_amount, 0, "offer default: flat"


def _rebill_stopped(rules: Rules, event: Event) -> str | None:
    """Why a rebill does not pay its affiliate (the network's rule for disabled/banned), or None."""
    if event.kind != CONTINUITY or event.loginid is None:
        return None
    status = rules.statuses.get(event.loginid, 0)
    if status == DISABLED and not event.pay_disabled_rebills:
        return "affiliate disabled: rebills are not paid"
    if status == BANNED and not event.pay_banned_rebills:
        return "affiliate banned: rebills are not paid"
    return None


def affiliate_row(rules: Rules, event: Event) -> PayoutRow | None:
    """The affiliate's payout row (None for an event no affiliate earned)."""
    if event.loginid is None:
        return None
    stopped = _rebill_stopped(rules, event)
    if stopped is not None:
        return PayoutRow(event.loginid, "affiliate", 0, changeid=None, rule=stopped)
    # Where no change of the offer looks at the time or the counts, the terms depend only on
    # these fields of the event: worked out once per Rules for each such shape.
    timeless = event.kind != GOAL and (event.offerid, event.goalid) not in rules.timed
    key = (event[:3], event[5:10]) if timeless else None
    found = rules._terms.get(key) if key is not None else None
    if found is None:
        found = _affiliate_terms(rules, event)
        if key is not None:
            if len(rules._terms) >= MAX_PLANS:
                rules._terms.clear()
            rules._terms[key] = found
    flat, rate, changeid, words = found
    amount = payout(flat, rate, event.revenue)
    return PayoutRow(event.loginid, "affiliate", amount, 0, flat, rate, REVENUE, changeid, words)


def _affiliate_terms(rules: Rules, event: Event) -> tuple[int, int, int, str]:
    """(flat, rate, changeid, words) of the affiliate's payout: the deciding change's, or 0's."""
    change = deciding_change(rules, event)
    if change is None:
        flat, rate, words = _default_terms(rules, event)
        return flat, rate, 0, words
    terms = change.terms(event.kind)
    assert terms is not None
    return terms[0], terms[1], change.changeid, f"change {change.changeid} ({change.type})"


def _switches(rules: Rules, event: Event) -> tuple[bool, bool, bool]:
    """Whether (referrers, managers, partners) are paid on this event."""
    if event.kind != GOAL:
        return True, True, True
    goal = rules.goals.get((event.offerid, event.goalid))
    change = deciding_change(rules, event)

    def pick(own: bool | None, default: bool) -> bool:
        return own if own is not None else default

    if goal is None:
        return False, False, False
    return (
        pick(change.aff_referral_payout if change else None, goal.aff_referral_payout),
        pick(change.aff_manager_payout if change else None, goal.aff_manager_payout),
        pick(change.offer_partner_payout if change else None, goal.offer_partner_payout),
    )


def referral_plan(rules: Rules, offerid: int, loginid: int) -> tuple[ReferralStep, ...]:
    """The referral tiers an affiliate's sales on an offer pay, up its `ref` chain: they depend
    only on the rules, so each (offer, affiliate) is worked out once per Rules."""
    key = (offerid, loginid)
    plan = rules._plans.get(key)
    if plan is None:
        if len(rules._plans) >= MAX_PLANS:
            rules._plans.clear()
        plan = rules._plans[key] = _referral_plan(rules, offerid, loginid)
    return plan


def _referral_plan(rules: Rules, offerid: int, loginid: int) -> tuple[ReferralStep, ...]:
    tiers = rules.tiers.get(offerid) or rules.tiers.get(0, ())
    if not tiers:
        return ()
    rates = {tier: (rate, base) for tier, rate, base in tiers}
    steps: list[ReferralStep] = []
    seen = {loginid}
    referrer = rules.refs.get(loginid)
    for tier in range(1, MAX_TIERS + 1):
        if referrer is None or referrer in seen:
            break
        seen.add(referrer)
        found = rates.get(tier)
        if found is not None and rules.statuses.get(referrer, 0) != BANNED:
            rate, base = found
            words = f"referral tier {tier}: {rate_text(rate)}% of the {base}"
            steps.append(ReferralStep(referrer, tier, rate, base, words))
        referrer = rules.refs.get(referrer)
    return tuple(steps)


def referral_rows(rules: Rules, event: Event, affiliate: PayoutRow) -> list[PayoutRow]:
    """One row per referral tier with a rate and a referrer, up the affiliate's `ref` chain."""
    rows: list[PayoutRow] = []
    for referrer, tier, rate, base, words in referral_plan(rules, event.offerid, affiliate.loginid):
        amount = payout(0, rate, event.revenue if base == REVENUE else affiliate.amount)
        if amount:
            rows.append(PayoutRow(referrer, "referral", amount, tier, 0, rate, base, rule=words))
    return rows


def signup_bonus_rows(rules: Rules, event: Event, affiliate: PayoutRow) -> list[PayoutRow]:
    """The referrer's flat signup bonus, once: on the referred affiliate's first conversion."""
    referrer = rules.refs.get(affiliate.loginid)
    if referrer is None or referrer == affiliate.loginid:
        return []
    if rules.statuses.get(referrer, 0) == BANNED:
        return []
    bonus = event.signup_bonus
    words = f"referral signup bonus: {bonus} cents for referring affiliate {affiliate.loginid}"
    return [PayoutRow(referrer, "referral", bonus, SIGNUP_TIER, bonus, 0, SIGNUP, rule=words)]


def manager_rows(rules: Rules, event: Event) -> list[PayoutRow]:
    """The affiliate's managers, each once its affiliates' sales pass its start number."""
    rows: list[PayoutRow] = []
    for manager in rules.managers.get(event.loginid or 0, ()):
        rate, flat, start_after = rules.manager_terms[manager]
        if start_after and event.manager_sales.get(manager, 0) <= start_after:
            continue
        amount = payout(flat, rate, event.revenue)
        if amount:
            words = f"manager: {rate_text(rate)}% of revenue + {flat} cents"
            rows.append(PayoutRow(manager, "manager", amount, 0, flat, rate, REVENUE, rule=words))
    return rows


def partner_rows(rules: Rules, event: Event) -> list[PayoutRow]:
    """The offer's partners: a rate of revenue and/or a flat amount per transaction."""
    rows: list[PayoutRow] = []
    for loginid, rate, flat in rules.partners.get(event.offerid, ()):
        amount = payout(flat, rate, event.revenue)
        if amount:
            words = f"partner: {rate_text(rate)}% of revenue + {flat} cents"
            rows.append(PayoutRow(loginid, "partner", amount, 0, flat, rate, REVENUE, rule=words))
    return rows


def payees(rules: Rules, event: Event) -> list[PayoutRow]:
    """Every payee of the event, affiliate first; the event's total payout is their sum."""
    affiliate = affiliate_row(rules, event)
    if affiliate is None:
        return []
    rows = [affiliate]
    referrers, managers, partners = _switches(rules, event)
    if referrers:
        rows.extend(referral_rows(rules, event, affiliate))
    if event.first_sale and event.signup_bonus:
        rows.extend(signup_bonus_rows(rules, event, affiliate))
    if managers:
        rows.extend(manager_rows(rules, event))
    if partners:
        rows.extend(partner_rows(rules, event))
    return rows
