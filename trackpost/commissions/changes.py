"""Commission changes: add, set payouts, reorder, list in the vendor's shape; every edit audited.

Precedence: an offer's changes are tried from the highest priority down (ties: the newer first);
the first enabled change whose every restriction matches, and that sets a payout for the event's
kind, decides the affiliate's payout; none matching means change 0, the offer's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.commissions import goals
from trackpost.commissions import repository as repo
from trackpost.commissions.audit import audit
from trackpost.commissions.change import RECURRING, TEMPORARY, TIERED
from trackpost.commissions.errors import (
    AffiliateNotFound,
    ChangeNotFound,
    GoalNotFound,
    InvalidRule,
)
from trackpost.commissions.schemas import AddChange, PayoutFields, SetPayouts, SetPriority
from trackpost.commissions.service import SUBAFFS, forget_cached
from trackpost.core.fields import cents_text, iso
from trackpost.core.money import rate_text
from trackpost.core.origin import Origin
from trackpost.offers import service as offers

# Parameter -> column of a change (money in cents, percentages in basis points).
PAYOUT_COLUMNS = {
    "flat_amount_per_click": "flat_click",
    "flat_amount_per_visitor": "flat_visitor",
    "flat_amount_per_conversion": "flat_conversion",
    "flat_amount_per_continuity": "flat_continuity",
    "percentage_of_customer_conversion": "pct_conversion",
    "percentage_of_customer_continuity": "pct_continuity",
    "cpm": "cpm",
    "aff_manager_payout": "aff_manager_payout",
    "aff_referral_payout": "aff_referral_payout",
    "offer_partner_payout": "offer_partner_payout",
}
# Column -> the vendor's key in get_commission_changes (money and percentages as text).
VENDOR_KEYS = {
    "flat_click": "Page View Payout",
    "flat_visitor": "Unique Visitor Payout",
    "flat_conversion": "Flat Conversion Payout",
    "flat_continuity": "Flat Continuity Payout",
    "pct_conversion": "Percentage Conversion Payout",
    "pct_continuity": "Percentage Continuity Payout",
    "cpm": "CPM Payout",
}
_SWITCH_KEYS = {
    "aff_manager_payout": "Pay Affiliate Managers",
    "aff_referral_payout": "Pay Referring Affiliates",
    "offer_partner_payout": "Pay Offer Partners",
}
_DEFAULT_PAYOUTS = (
    "flat_amount_per_conversion",
    "flat_amount_per_continuity",
    "percentage_of_customer_conversion",
    "percentage_of_customer_continuity",
)


def _payout_values(params: PayoutFields) -> dict[str, Any]:
    sent = params.model_fields_set
    return {col: getattr(params, name) for name, col in PAYOUT_COLUMNS.items() if name in sent}


def _affiliate(conn: Connection, params: AddChange) -> int | None:
    loginid = params.loginid
    if params.username:
        found = accounts.loginid_of(conn, params.username)
        if found is None or accounts.account_type(conn, found) != "affiliate":
            raise AffiliateNotFound(f"No affiliate with username {params.username[:64]!r}.")
        if loginid is not None and loginid != found:
            raise InvalidRule("Parameters 'loginid' and 'username' name different affiliates.")
        return found
    if loginid is not None and accounts.account_type(conn, loginid) != "affiliate":
        raise AffiliateNotFound(f"No affiliate with loginid {loginid}.")
    return loginid


def _check_goal(conn: Connection, offerid: int, goalid: int) -> None:
    if goalid and repo.offer_goal(conn, offerid, goalid) is None:
        raise GoalNotFound(
            f"Goal {goalid} (goalid) is not enabled on offer {offerid}; add it with "
            "set_offer_goals first."
        )


def _check_shape(params: AddChange) -> None:
    if params.type in (TEMPORARY, RECURRING):
        if params.start_time is None or params.end_time is None:
            raise InvalidRule(f"A {params.type} change needs both 'start_time' and 'end_time'.")
        if params.end_time <= params.start_time:
            raise InvalidRule("Parameter 'end_time' must be later than 'start_time'.")
    if params.type == RECURRING and params.recur is None:
        raise InvalidRule("A recurring change needs 'recur' (weekly or monthly).")
    if params.type == RECURRING and params.end_time and params.start_time:
        longest = 7 if params.recur == "weekly" else 28
        if (params.end_time - params.start_time).days >= longest:
            raise InvalidRule(
                f"A {params.recur} change's window (start_time..end_time) must be shorter "
                f"than {longest} days, so that it can repeat."
            )
    if params.type == TIERED and params.after_sales is None:
        raise InvalidRule("A tiered change needs 'after_sales' (the number of sales it follows).")


def add_change(conn: Connection, params: AddChange, origin: Origin) -> int:
    """A new change, on top of the offer's others unless a priority is given."""
    offers.offer(conn, params.offerid, lock=True)
    _check_goal(conn, params.offerid, params.goalid)
    _check_shape(params)
    priority = params.priority
    if priority is None:
        top = repo.top_priority(conn, params.offerid, params.goalid)
        priority = 1 if top is None else top + 1
    values: dict[str, Any] = {
        "offerid": params.offerid,
        "goalid": params.goalid,
        "type": params.type,
        "priority": priority,
        "enabled": params.enabled,
        "loginid": _affiliate(conn, params),
        "countries": ",".join(params.countries) if params.countries else None,
        "start_time": params.start_time,
        "end_time": params.end_time,
        "after_sales": params.after_sales,
        "recur": params.recur,
        **{name: getattr(params, name) or None for name in SUBAFFS},
        **_payout_values(params),
    }
    changeid = repo.insert_change(conn, values)
    audit(conn, origin, "add_commission_change", params.offerid, changeid, None, values)
    forget_cached(conn)
    return changeid


def _locked_change(conn: Connection, offerid: int, changeid: int) -> RowMapping:
    row = repo.change(conn, changeid)
    if row is None or row["offerid"] != offerid:
        raise ChangeNotFound(f"No commission change {changeid} (changeid) on offer {offerid}.")
    return row


def set_payouts(conn: Connection, params: SetPayouts, origin: Origin) -> None:
    """Set the payouts sent on a change; change 0 is the offer's (or the goal's) default."""
    offer = offers.offer(conn, params.offerid, lock=True)
    values = _payout_values(params)
    if params.changeid == 0:
        _set_default(conn, offer, params, values, origin)
        return
    row = _locked_change(conn, params.offerid, params.changeid)
    if values:
        repo.update_change(conn, params.changeid, values)
        after = {**row, **values}
        audit(
            conn,
            origin,
            "set_commission_change_payouts",
            params.offerid,
            params.changeid,
            row,
            after,
        )
        forget_cached(conn)


def _set_default(
    conn: Connection,
    offer: Mapping[Any, Any],
    params: SetPayouts,
    values: dict[str, Any],
    origin: Origin,
) -> None:
    offerid = int(offer["offerid"])
    if params.goalid:
        goals.set_goal_default(conn, offerid, params.goalid, params, origin)
        return
    sent = params.model_fields_set
    defaults = {name: getattr(params, name) for name in _DEFAULT_PAYOUTS if name in sent}
    before = {k: offer[k] for k in offer if k.endswith(("_payout", "_payout_type"))}
    if defaults:
        offers.set_default_payouts(conn, offerid, defaults)
    clicks: dict[str, Any] = {
        k: values[k] for k in ("flat_click", "flat_visitor", "cpm") if k in values
    }
    if clicks:
        repo.save_offer_money(conn, offerid, clicks)
    audit(conn, origin, "set_commission_change_payouts", offerid, 0, before, {**defaults, **clicks})
    forget_cached(conn)


def set_priority(conn: Connection, params: SetPriority, origin: Origin) -> None:
    row = _locked_change(conn, params.offerid, params.changeid)
    repo.update_change(conn, params.changeid, {"priority": params.priority})
    audit(
        conn,
        origin,
        "set_commission_change_priority",
        params.offerid,
        params.changeid,
        {"priority": row["priority"]},
        {"priority": params.priority},
    )
    forget_cached(conn)


def _text(column: str, value: int) -> str | None:
    return rate_text(value) if column.startswith("pct_") else cents_text(value)


def vendor_change(row: Mapping[Any, Any], names: Mapping[int, str]) -> dict[str, Any]:
    """A change in get_commission_changes' shape (the vendor's keys, money as "5.00")."""
    out: dict[str, Any] = {
        "Change Id": int(row["changeid"]),
        "Type": row["type"],
        "Priority": int(row["priority"]),
        "Enabled": bool(row["enabled"]),
        "Start Time": iso(row["start_time"]) or "Never",
        "End Time": iso(row["end_time"]) or "Never",
        "Countries": row["countries"].split(",") if row["countries"] else ["All"],
    }
    if row["loginid"] is not None:
        out["Affiliates"] = {str(row["loginid"]): names.get(row["loginid"], "")}
    subs = {
        ("Subaff" if i == 1 else f"Subaff{i}"): row[f"subaff{i}"]
        for i in range(1, 6)
        if row[f"subaff{i}"] is not None
    }
    if subs:
        out["Sub Affiliates"] = subs
    if row["after_sales"] is not None:
        out["After Sales"] = int(row["after_sales"])
    if row["recur"]:
        out["Recur"] = row["recur"]
    for column, key in VENDOR_KEYS.items():
        if row[column] is not None:
            out[key] = _text(column, int(row[column]))
    if row["goalid"]:
        out["offer_goal_id"] = int(row["goalid"])
    for column, key in _SWITCH_KEYS.items():
        if row[column] is not None:
            out[key] = bool(row[column])
    return out


def _default_change(offer: Mapping[Any, Any], money: Mapping[Any, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Change Id": 0,
        "Type": "default",
        "Start Time": "Never",
        "End Time": "Never",
        "Countries": ["All"],
    }
    for kind in ("conversion", "continuity"):
        amount = int(offer[f"{kind}_payout"])
        if offer[f"{kind}_payout_type"] == "percent":
            out[f"Percentage {kind.title()} Payout"] = rate_text(amount)
        else:
            out[f"Flat {kind.title()} Payout"] = cents_text(amount)
    if money is not None:
        for column in ("flat_click", "flat_visitor", "cpm"):
            if money[column] is not None:
                out[VENDOR_KEYS[column]] = cents_text(int(money[column]))
    return out


def _goal_default(goal: Mapping[Any, Any]) -> dict[str, Any]:
    pct = goal["commission_type"] == "percentage"
    amount = int(goal["amount"])
    out: dict[str, Any] = {
        "Change Id": 0,
        "Type": "default",
        "Start Time": "Never",
        "End Time": "Never",
        "Countries": ["All"],
        ("Percentage Conversion Payout" if pct else "Flat Conversion Payout"): (
            rate_text(amount) if pct else cents_text(amount)
        ),
        "offer_goal_id": int(goal["goalid"]),
    }
    for column, key in _SWITCH_KEYS.items():
        out[key] = bool(goal[column])
    return out


def get_changes(conn: Connection, offerid: int, goalid: int | None) -> list[dict[str, Any]]:
    """The offer's changes in the order they are tried, each group ending with its change 0."""
    offer = offers.offer(conn, offerid)
    rows = repo.offer_changes(conn, offerid)
    ids = [int(r["loginid"]) for r in rows if r["loginid"] is not None]
    names = accounts.usernames(conn, ids)
    goals = {int(g["goalid"]): g for g in repo.offer_goals_of(conn, offerid)}
    groups = [0, *sorted(goals)] if goalid is None else [goalid]
    out: list[dict[str, Any]] = []
    for group in groups:
        out.extend(vendor_change(r, names) for r in rows if r["goalid"] == group)
        if group == 0:
            out.append(_default_change(offer, repo.offer_money_of(conn, offerid)))
        elif group in goals:
            out.append(_goal_default(goals[group]))
    return out
