"""transaction_payout_preview: what a conversion on a click would pay, by the booking code path."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from trackpost.commissions.change import CONTINUITY, GOAL
from trackpost.commissions.errors import GoalNotFound, InvalidRule
from trackpost.commissions.rules import payees
from trackpost.commissions.schemas import PreviewParams
from trackpost.commissions.service import (
    SUBAFFS,
    Policy,
    RulesCache,
    Sale,
    event_of,
    goal_revenue,
    payout_country,
    usernames,
)
from trackpost.core.db import utcnow
from trackpost.core.fields import cents_text
from trackpost.core.money import decimal_cents, rate_text
from trackpost.offers import service as offers
from trackpost.tracking import service as tracking

DEFAULT_AMOUNT = 10_000  # percentages are shown on 100.00 when no amount is sent


def sale_for_click(
    click: Any, offer: Any, kind: str, amount: int | None, goalid: int, country: str | None
) -> Sale:
    """The Sale a conversion (rebill, goal) on this click would book: booking's own inputs."""
    prefix = "continuity" if kind == CONTINUITY else "conversion"
    return Sale(
        kind=kind,
        offerid=int(click["offerid"]),
        loginid=click["loginid"],
        revenue=amount if amount is not None else DEFAULT_AMOUNT,
        default_type=offer[f"{prefix}_payout_type"],
        default_amount=int(offer[f"{prefix}_payout"]),
        goalid=goalid,
        country=country,
        subaffs=tuple(click[name] for name in SUBAFFS),
    )


def preview(
    conn: Connection, cache: RulesCache, params: PreviewParams, policy: Policy
) -> dict[str, Any]:
    """Every payee a conversion on the click would pay, its amount and the rule deciding it."""
    click = tracking.click_by_hash(conn, params.transaction_hash)
    if click is None:
        raise InvalidRule(f"No click with transaction_hash {params.transaction_hash[:64]!r}.")
    offer = offers.offer(conn, int(click["offerid"]))
    rules = cache.get(conn)
    amount = decimal_cents("amount", params.amount) if params.amount else None
    goalid = 0
    if params.transaction_type == GOAL:
        if params.goal_id is None:
            raise InvalidRule("transaction_type=goal needs goal_id.")
        goalid = params.goal_id
        terms = rules.goals.get((int(click["offerid"]), goalid))
        if terms is None:
            raise GoalNotFound(f"Goal {goalid} (goal_id) is not enabled on the click's offer.")
        amount = goal_revenue(terms, amount if amount is not None else DEFAULT_AMOUNT)
    country = payout_country(click["country"], params.country)
    sale = sale_for_click(click, offer, params.transaction_type, amount, goalid, country)
    rows = payees(rules, event_of(conn, rules, sale, utcnow(), policy, book=False))
    names = usernames(conn, [p.loginid for p in rows])
    return {
        "transaction_hash": params.transaction_hash,
        "transaction_type": params.transaction_type,
        "amount": cents_text(sale.revenue),
        "total_payout": cents_text(sum(p.amount for p in rows)),
        "payouts": [
            {
                "type": p.kind,
                "tier": p.tier or None,
                "loginid": p.loginid,
                "username": names.get(p.loginid),
                "amount": cents_text(p.amount),
                "changeid": p.changeid,
                "flat": cents_text(p.flat),
                "percentage": rate_text(p.rate),
                "of": p.base,
                "rule": p.rule,
            }
            for p in rows
        ],
    }
