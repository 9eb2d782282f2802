"""The commission rules of the network: loaded once per worker and version, and applied.

`payees_for` is what booking calls and `preview` what the payout preview calls: both build an
`Event` the same way and hand it to the pure `rules.payees`. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.affiliates import service as affiliates
from trackpost.commissions import repository as repo
from trackpost.commissions.change import (
    GOAL,
    INITIAL,
    NO_COUNTS,
    SIGNUP_TIER,
    TIERED,
    Change,
    Event,
)
from trackpost.commissions.rules import Rules, payees
from trackpost.commissions.terms import GoalTerms, OfferMoney
from trackpost.core.config import Settings
from trackpost.core.money import PayoutRow, percent_of

SUBAFFS = ("subaff1", "subaff2", "subaff3", "subaff4", "subaff5")


class RulesCache:
    """The worker's copy of the rules, reloaded when either version it was read at moves."""

    def __init__(self) -> None:
        self._rules: Rules | None = None

    def clear(self) -> None:
        """Forget the rules (a group commit failed: they may hold writes that never happened)."""
        self._rules = None

    def get(self, conn: Connection, version: tuple[int, int] | None = None) -> Rules:
        """The rules at `version` (commissions, tracking), read from the database when unknown."""
        if version is None:
            version = repo.versions(conn)
        rules = self._rules
        if rules is None or rules.version != version:
            rules = self._rules = load_rules(conn, version)
        return rules


@dataclass(frozen=True, slots=True)
class Policy:
    """The network's rule for rebills of affiliates that are disabled or banned."""

    pay_disabled_rebills: bool = True
    pay_banned_rebills: bool = False
    signup_bonus: int = 0  # cents: the referral signup bonus (0: none)


_last_policy: tuple[Settings | None, Policy] = (None, Policy())


def policy_of(settings: Settings) -> Policy:
    """The network's rebill rule for disabled and banned affiliates, and its referral signup
    bonus, from its settings."""
    # Every post asks: kept for the last settings object seen, found by identity (hashing a
    # Settings model, as lru_cache did, cost more than the rest of reading the post's sender).
    global _last_policy
    known, policy = _last_policy
    if known is not settings:
        policy = Policy(
            settings.rebill_pay_disabled, settings.rebill_pay_banned, settings.referral_signup_bonus
        )
        _last_policy = (settings, policy)
    return policy


def change_of(row: Mapping[Any, Any]) -> Change:
    """A change as the rules see it, from its row."""
    countries = row["countries"]
    return Change(
        changeid=int(row["changeid"]),
        offerid=int(row["offerid"]),
        goalid=int(row["goalid"]),
        type=row["type"],
        priority=int(row["priority"]),
        enabled=bool(row["enabled"]),
        loginid=row["loginid"],
        countries=frozenset(countries.split(",")) if countries else None,
        subaffs=tuple(row[name] for name in SUBAFFS),
        start_time=row["start_time"],
        end_time=row["end_time"],
        after_sales=row["after_sales"],
        recur=row["recur"],
        flat_click=row["flat_click"],
        flat_visitor=row["flat_visitor"],
        flat_conversion=row["flat_conversion"],
        flat_continuity=row["flat_continuity"],
        pct_conversion=row["pct_conversion"],
        pct_continuity=row["pct_continuity"],
        cpm=row["cpm"],
        aff_manager_payout=row["aff_manager_payout"],
        aff_referral_payout=row["aff_referral_payout"],
        offer_partner_payout=row["offer_partner_payout"],
    )


def goal_terms(row: Mapping[Any, Any]) -> GoalTerms:
    return GoalTerms(
        offer_goal_id=int(row["offer_goal_id"]),
        goalid=int(row["goalid"]),
        enabled=bool(row["enabled"]),
        commission_type=row["commission_type"],
        amount=int(row["amount"]),
        revenue_type=row["revenue_type"],
        revenue_amount=int(row["revenue_amount"]),
        aff_manager_payout=bool(row["aff_manager_payout"]),
        aff_referral_payout=bool(row["aff_referral_payout"]),
        offer_partner_payout=bool(row["offer_partner_payout"]),
        allow_repeat=bool(row["allow_repeat"]),
    )


def load_rules(conn: Connection, version: tuple[int, int]) -> Rules:
    """Every rule of the network in a few statements (once per worker and version)."""
    changes: dict[tuple[int, int], list[Change]] = {}
    for row in repo.all_changes(conn):
        change = change_of(row)
        changes.setdefault((change.offerid, change.goalid), []).append(change)
    offers = {
        int(r["offerid"]): OfferMoney(
            r["flat_click"],
            r["flat_visitor"],
            r["cpm"],
            r["fee_cap"],
            r["fee_cap_amount"],
            r["max_amount"],
        )
        for r in repo.offer_money(conn)
    }
    tiers: dict[int, list[tuple[int, int, str]]] = {}
    for r in repo.tiers(conn):
        tiers.setdefault(int(r["offerid"]), []).append((int(r["tier"]), int(r["rate"]), r["base"]))
    partners: dict[int, list[tuple[int, int, int]]] = {}
    for r in repo.partners(conn):
        partners.setdefault(int(r["offerid"]), []).append(
            (int(r["loginid"]), int(r["rate"]), int(r["flat"]))
        )
    terms = {
        int(r["manager_loginid"]): (int(r["rate"]), int(r["flat"]), int(r["start_after"]))
        for r in repo.managers(conn)
    }
    managers: dict[int, list[int]] = {}
    if terms:
        for affiliate, manager in affiliates.every_manager(conn):
            if manager in terms:
                managers.setdefault(affiliate, []).append(manager)
    refs: dict[int, int] = {}
    statuses: dict[int, int] = {}
    for loginid, ref, status in accounts.referral_graph(conn):
        if ref is not None:
            refs[loginid] = int(ref)
        if status:
            statuses[loginid] = status
    goals = {(int(r["offerid"]), int(r["goalid"])): goal_terms(r) for r in repo.offer_goals(conn)}
    tiered = frozenset(k for k, v in changes.items() if any(c.type == TIERED for c in v))
    counted = {
        affiliate: found
        for affiliate, mine in managers.items()
        if (found := tuple(m for m in mine if terms[m][2] > 0))
    }
    return Rules(
        version=version,
        changes={k: tuple(v) for k, v in changes.items()},
        offers=offers,
        tiers={k: tuple(v) for k, v in tiers.items()},
        partners={k: tuple(v) for k, v in partners.items()},
        managers={k: tuple(v) for k, v in managers.items()},
        manager_terms=terms,
        refs=refs,
        statuses=statuses,
        goals=goals,
        tiered=tiered,
        counted=counted,
    )


def forget_cached(conn: Connection) -> None:
    """Called in the transaction of every rule change, so every worker reloads its rules."""
    repo.bump_version(conn)


class Sale(NamedTuple):
    """What booking (or the preview) knows of an event before its payouts are worked out."""

    kind: str  # initial | continuity | goal
    offerid: int
    loginid: int | None
    revenue: int
    default_type: str = "flat"
    default_amount: int = 0
    goalid: int = 0
    country: str | None = None
    subaffs: tuple[str | None, ...] = (None, None, None, None, None)


def _counter_keys(rules: Rules, sale: Sale) -> dict[str, int | None]:
    """The sale counters this event's rules read: key -> manager (None: the affiliate's own)."""
    keys: dict[str, int | None] = {}
    if sale.loginid is None:
        return keys
    if rules.needs_sale_number(sale.offerid, sale.goalid):
        keys[f"aff:{sale.loginid}:{sale.offerid}"] = None
    for manager in rules.counted_managers(sale.loginid):
        keys[f"mgr:{manager}"] = manager
    return keys


def is_signup_bonus(kind: str, tier: int) -> bool:
    """Whether a payout row is a referral signup bonus (a refund does not take it back)."""
    return kind == "referral" and tier == SIGNUP_TIER


def _bonus_key(rules: Rules, sale: Sale, policy: Policy) -> str | None:
    """The counter of a referred affiliate's conversions, when a signup bonus may be due."""
    if not policy.signup_bonus or sale.kind != INITIAL or sale.loginid is None:
        return None
    return f"signup:{sale.loginid}" if sale.loginid in rules.refs else None


def event_of(
    conn: Connection,
    rules: Rules,
    sale: Sale,
    now: dt.datetime,
    policy: Policy,
    *,
    book: bool,
) -> Event:
    """The Event for a sale; booking a conversion counts it (a preview only reads the counts)."""
    sale_number = 0
    manager_sales: Mapping[int, int] = NO_COUNTS
    keys = _counter_keys(rules, sale) if rules.tiered or rules.counted else None
    bonus_key = _bonus_key(rules, sale, policy)
    if bonus_key is not None:
        keys = {**(keys or {}), bonus_key: None}
    first_sale = False
    if keys:
        if book and sale.kind == INITIAL:
            counts = {key: repo.count_up(conn, key) for key in keys}
        else:
            known = repo.counts(conn, keys)
            # A preview shows the payout of the next conversion: its number is one more.
            step = 1 if sale.kind == INITIAL else 0
            counts = {key: known.get(key, 0) + step for key in keys}
        sale_number = counts.get(f"aff:{sale.loginid}:{sale.offerid}", 0)
        manager_sales = {m: counts[k] for k, m in keys.items() if m is not None}
        first_sale = bonus_key is not None and counts.get(bonus_key) == 1
    # Positional: this runs on every conversion.
    return Event(
        sale.kind,
        sale.offerid,
        sale.loginid,
        sale.revenue,
        now,
        sale.default_type,
        sale.default_amount,
        sale.goalid,
        sale.country,
        sale.subaffs,
        sale_number,
        manager_sales,
        policy.pay_disabled_rebills,
        policy.pay_banned_rebills,
        policy.signup_bonus,
        first_sale,
    )


def payees_for(
    conn: Connection, rules: Rules, sale: Sale, now: dt.datetime, policy: Policy
) -> list[PayoutRow]:
    """The payout rows booking writes for a sale (counting it where a rule counts sales)."""
    # Nothing counted, nothing timed: the same sale pays the same rows until the rules change.
    key = _settled_shape(rules, sale, policy)
    found = rules.known_payees(key) if key is not None else None
    if found is not None:
        return found
    rows = payees(rules, event_of(conn, rules, sale, now, policy, book=True))
    if key is not None:
        rules.remember_payees(key, rows)
    return rows


def _settled_shape(rules: Rules, sale: Sale, policy: Policy) -> tuple[object, ...] | None:
    """The memo key of a sale whose payees depend only on it and the rules; None when the time,
    a sale counter or a due signup bonus may change them (then nothing may be skipped)."""
    if sale.kind == GOAL or (sale.offerid, sale.goalid) in rules.timed:
        return None
    if rules.needs_sale_number(sale.offerid, sale.goalid) or sale.loginid in rules.counted:
        return None
    if _bonus_key(rules, sale, policy) is not None:
        return None
    return (sale, policy.pay_disabled_rebills, policy.pay_banned_rebills)


def payout_country(click_country: str | None, posted: str | None) -> str | None:
    """The country commission changes are matched on: the click's, else the one posted.

    The click's country comes from the network's own infrastructure (the trusted proxy's
    header or the GeoIP database) at the visit; the advertiser's posted country is billing data
    and stands in only for clicks recorded without one.
    """
    return click_country or (posted.upper() if posted else None)


def held_above_max(rules: Rules, offerid: int, revenue: int) -> str | None:
    """Why a sale of this revenue is held for review (above the offer's maximum), or None."""
    limit = rules.offer(offerid).max_amount
    if limit is not None and revenue > limit:
        return f"amount {revenue} cents is above the offer's maximum of {limit} cents"
    return None


def goal_revenue(terms: GoalTerms, posted: int | None) -> int:
    """A goal event's revenue by its offer's revenue type."""
    if terms.revenue_type == "conversion":
        return terms.revenue_amount
    if terms.revenue_type == "sale":
        return percent_of(posted or 0, terms.revenue_amount)
    return posted or 0


def fee_cap(rules: Rules, offerid: int) -> tuple[str, int | None]:
    """The offer's chargeback fee cap: ('none'|'payout'|'amount', amount in cents)."""
    money = rules.offer(offerid)
    return money.fee_cap, money.fee_cap_amount


def usernames(conn: Connection, loginids: list[int]) -> dict[int, str]:
    return accounts.usernames(conn, loginids)


def offer_goal_row(conn: Connection, offerid: int, goalid: int) -> RowMapping | None:
    return repo.offer_goal(conn, offerid, goalid)


__all__ = ["GOAL", "PayoutRow", "Policy", "Rules", "RulesCache", "Sale", "payees", "payees_for"]


def fee_cap_of(conn: Connection, offerid: int | None) -> tuple[str, int | None]:
    """The offer's chargeback fee cap ('none' | 'payout' | 'amount', cents); 'payout' by default."""
    row = repo.offer_money_of(conn, offerid) if offerid is not None else None
    if row is None:
        return "payout", None
    return str(row["fee_cap"]), row["fee_cap_amount"]


def goal_of_offer_goal(conn: Connection, offer_goal_id: int) -> tuple[int, int] | None:
    """(offerid, goalid) of an offer's goal row, or None."""
    row = repo.offer_goal_by_id(conn, offer_goal_id)
    return None if row is None else (int(row["offerid"]), int(row["goalid"]))
