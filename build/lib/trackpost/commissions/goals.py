"""Offer goals: defined once (add_goal), enabled per offer with revenue and commission."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.commissions import repository as repo
from trackpost.commissions.audit import audit
from trackpost.commissions.errors import GoalExists, GoalNotFound, InvalidRule
from trackpost.commissions.schemas import AddGoal, GoalVars, SetOfferGoals, SetPayouts
from trackpost.commissions.service import forget_cached
from trackpost.core.fields import cents_text
from trackpost.core.money import rate_text
from trackpost.core.origin import Origin
from trackpost.offers import service as offers

_SWITCHES = ("aff_manager_payout", "aff_referral_payout", "offer_partner_payout")


def add_goal(conn: Connection, params: AddGoal, origin: Origin) -> int:
    """A goal the network's offers can enable; names are unique (any case)."""
    name = params.name.strip()
    if not name:
        raise InvalidRule("Parameter 'name' must not be blank.")
    if repo.goal_by_name(conn, name) is not None:
        raise GoalExists(f"A goal named {name[:64]!r} already exists.")
    goalid = repo.insert_goal(conn, name, params.allow_repeat)
    audit(conn, origin, "add_goal", None, None, None, {"goalid": goalid, "name": name})
    return goalid


def get_goals(conn: Connection) -> list[dict[str, Any]]:
    return [
        {"goal_id": int(g["goalid"]), "name": g["name"], "allow_repeat": bool(g["allow_repeat"])}
        for g in repo.goals(conn)
    ]


def _amount(name: str, raw: str, percentage: bool) -> int:
    """'2.50' as 250 cents, or '25' (a percentage) as 2500 basis points."""
    text = raw.strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    limit = Decimal(100) if percentage else Decimal(10) ** 11
    exact = value * 100
    if not text.replace(".", "", 1).isdigit() or value > limit or exact != exact.to_integral():
        what = "a percentage from 0 to 100 such as 25" if percentage else "an amount such as 2.50"
        raise InvalidRule(f"Parameter '{name}' must be {what}, got {raw[:32]!r}.")
    return int(exact)


def _goal_values(var: GoalVars, existing: RowMapping | None) -> dict[str, Any]:
    sent = var.model_fields_set
    values: dict[str, Any] = {}
    ctype = var.commission_type or (existing["commission_type"] if existing else "flat")
    rtype = var.revenue_type or (existing["revenue_type"] if existing else "dynamic_conversion")
    values["commission_type"], values["revenue_type"] = ctype, rtype
    if var.amount:
        values["amount"] = _amount("amount", var.amount, ctype == "percentage")
    if var.revenue_amount and rtype != "dynamic_conversion":
        values["revenue_amount"] = _amount("revenue_amount", var.revenue_amount, rtype == "sale")
    for name in ("enabled", *_SWITCHES):
        if name in sent and getattr(var, name) is not None:
            values[name] = getattr(var, name)
    return values


def set_offer_goals(conn: Connection, params: SetOfferGoals, origin: Origin) -> list[int]:
    """Enable (or change) goals on an offer; answers each goal's offer_goal_id."""
    offers.offer(conn, params.offerid, lock=True)
    done: list[int] = []
    for i, var in enumerate(params.goal_vars):
        if var.offer_goal_id is not None:
            existing = repo.offer_goal_by_id(conn, var.offer_goal_id)
            if existing is None or existing["offerid"] != params.offerid:
                raise GoalNotFound(
                    f"goal_vars[{i}][offer_goal_id] {var.offer_goal_id} is not a goal of offer "
                    f"{params.offerid}."
                )
            goalid = int(existing["goalid"])
        elif var.goal_id is not None:
            goalid = var.goal_id
            if repo.goal(conn, goalid) is None:
                raise GoalNotFound(f"No goal with goal_id {goalid} (goal_vars[{i}][goal_id]).")
            existing = repo.offer_goal(conn, params.offerid, goalid)
        else:
            raise InvalidRule(f"goal_vars[{i}] needs goal_id or offer_goal_id.")
        values = _goal_values(var, existing)
        if existing is None:
            ogid = repo.insert_offer_goal(
                conn, {"offerid": params.offerid, "goalid": goalid, **values}
            )
        else:
            ogid = int(existing["offer_goal_id"])
            repo.update_offer_goal(conn, ogid, values)
        audit(conn, origin, "set_offer_goals", params.offerid, 0, existing, values)
        done.append(ogid)
    forget_cached(conn)
    return done


def set_goal_default(
    conn: Connection, offerid: int, goalid: int, params: SetPayouts, origin: Origin
) -> None:
    """Change 0 of a goal: its flat or percentage commission and its payee switches."""
    existing = repo.offer_goal(conn, offerid, goalid)
    if existing is None:
        raise GoalNotFound(f"Goal {goalid} (goalid) is not enabled on offer {offerid}.")
    values: dict[str, Any] = {}
    flat, pct = params.flat_amount_per_conversion, params.percentage_of_customer_conversion
    if flat is not None and pct is not None:
        raise InvalidRule(
            "A goal's default commission is flat or a percentage: send "
            "'flat_amount_per_conversion' or 'percentage_of_customer_conversion', not both."
        )
    if flat is not None:
        values.update(commission_type="flat", amount=flat)
    elif pct is not None:
        values.update(commission_type="percentage", amount=pct)
    for name in _SWITCHES:
        if getattr(params, name) is not None:
            values[name] = getattr(params, name)
    if values:
        repo.update_offer_goal(conn, int(existing["offer_goal_id"]), values)
        audit(conn, origin, "set_commission_change_payouts", offerid, 0, existing, values)
        forget_cached(conn)


def offer_goals(conn: Connection, offerid: int) -> list[dict[str, Any]]:
    """An offer's goals as set_offer_goals took them (money as "2.50", percentages as "25.00")."""
    out = []
    for g in repo.offer_goals_of(conn, offerid):
        pct = g["commission_type"] == "percentage"
        sale = g["revenue_type"] == "sale"
        out.append(
            {
                "offer_goal_id": int(g["offer_goal_id"]),
                "goal_id": int(g["goalid"]),
                "enabled": bool(g["enabled"]),
                "commission_type": g["commission_type"],
                "amount": rate_text(g["amount"]) if pct else cents_text(g["amount"]),
                "revenue_type": g["revenue_type"],
                "revenue_amount": rate_text(g["revenue_amount"])
                if sale
                else cents_text(g["revenue_amount"]),
                **{name: bool(g[name]) for name in _SWITCHES},
            }
        )
    return out
