"""An offer's commission changes (add, edit payouts, reorder) and goals; money actions: admin."""

from __future__ import annotations

from typing import Any

from trackpost.accounts.roles import Permission
from trackpost.commissions import changes, goals
from trackpost.commissions.schemas import AddChange, AddGoal, SetOfferGoals, SetPayouts, SetPriority
from trackpost.core.errors import InvalidParameter, TrackpostError
from trackpost.core.validation import validate
from trackpost.ui.catalogue import offer_view
from trackpost.ui.forms import filled, flags, model
from trackpost.ui.pages import Pages, Redirect, Result, UiRequest

pages = Pages()
ROOT = "/admin/offers/{offerid:int}"
PAYOUTS = (
    "flat_amount_per_conversion",
    "percentage_of_customer_conversion",
    "flat_amount_per_continuity",
    "percentage_of_customer_continuity",
    "flat_amount_per_click",
    "flat_amount_per_visitor",
    "cpm",
)
CHANGE_FIELDS = (
    "type",
    "username",
    "countries",
    "subaff1",
    "goalid",
    "start_time",
    "end_time",
    "after_sales",
    "recur",
    "priority",
)
GOAL_FIELDS = ("goal_id", "commission_type", "amount", "revenue_type", "revenue_amount")


def _failed(req: UiRequest, exc: TrackpostError) -> Result:
    return offer_view(req, exc.message, exc.status)


def _back(req: UiRequest) -> str:
    return f"/admin/offers/{req.path_id('offerid')}"


@pages.post(ROOT + "/changes", Permission.MONEY, failed=_failed)
def add_change(req: UiRequest) -> Redirect:
    """A new change, on top of the offer's others unless a priority is given."""
    raw = filled(req.form, (*CHANGE_FIELDS, *PAYOUTS)) | {"offerid": str(req.path_id("offerid"))}
    changes.add_change(req.conn, model(AddChange, raw), req.origin)
    return Redirect(_back(req), "saved")


@pages.post(ROOT + "/changes/{changeid:int}/payouts", Permission.MONEY, failed=_failed)
def set_payouts(req: UiRequest) -> Redirect:
    """A change's payouts (change 0: the default); the ones left blank stay as they are."""
    raw = filled(req.form, (*PAYOUTS, "goalid"))
    raw |= {"offerid": str(req.path_id("offerid")), "changeid": str(req.path["changeid"])}
    changes.set_payouts(req.conn, model(SetPayouts, raw), req.origin)
    return Redirect(_back(req), "saved")


def _group(req: UiRequest, goalid: int) -> list[dict[str, Any]]:
    """The changes tried in one group (the main offer or one goal), in order, without 0."""
    found = changes.get_changes(req.conn, req.path_id("offerid"), goalid)
    return [c for c in found if c["Change Id"] and int(c.get("offer_goal_id", 0)) == goalid]


@pages.post(ROOT + "/changes/{changeid:int}/move", Permission.MONEY, failed=_failed)
def move(req: UiRequest) -> Redirect:
    """Move a change one place up or down its group: it takes its neighbour's priority."""
    changeid, offerid = req.path_id("changeid"), req.path_id("offerid")
    way = req.form.get("direction", "")
    if way not in ("up", "down"):
        raise InvalidParameter("Parameter 'direction' must be up or down.")
    raw_goal = req.form.get("goalid", "0").strip() or "0"
    if not raw_goal.isdigit() or len(raw_goal) > 18:
        raise InvalidParameter("Parameter 'goalid' must be a whole number (0: the main offer).")
    goalid = int(raw_goal)
    group = _group(req, goalid)
    place = next((i for i, c in enumerate(group) if c["Change Id"] == changeid), None)
    if place is None:
        raise InvalidParameter(f"Parameter 'changeid': no change {changeid} in this group.")
    other = place - 1 if way == "up" else place + 1
    if not 0 <= other < len(group):
        return Redirect(_back(req), "saved")  # already first (or last): nothing to move
    mine, theirs = int(group[place]["Priority"]), int(group[other]["Priority"])
    # Equal priorities are ordered by age, so a tie is broken by stepping past the neighbour.
    new_mine = theirs if theirs != mine else (theirs + 1 if way == "up" else theirs - 1)
    for cid, priority in ((changeid, new_mine), (int(group[other]["Change Id"]), mine)):
        raw = {"offerid": str(offerid), "changeid": str(cid), "priority": str(priority)}
        changes.set_priority(req.conn, model(SetPriority, raw), req.origin)
    return Redirect(_back(req), "saved")


@pages.post(ROOT + "/goals/new", Permission.MONEY, failed=_failed)
def add_goal(req: UiRequest) -> Redirect:
    """A network goal (a custom event such as a free signup) offers can then enable."""
    raw = {"name": req.form.get("goal_name", "").strip(), **flags(req.form, ["allow_repeat"])}
    goals.add_goal(req.conn, model(AddGoal, raw), req.origin)
    return Redirect(_back(req), "created")


@pages.post(ROOT + "/goals", Permission.MONEY, failed=_failed)
def set_offer_goal(req: UiRequest) -> Redirect:
    """Enable (or change) one goal on the offer with its commission and revenue."""
    var: dict[str, Any] = filled(req.form, GOAL_FIELDS) | flags(
        req.form, ["enabled", "aff_manager_payout", "aff_referral_payout", "offer_partner_payout"]
    )
    params = validate(SetOfferGoals, {"offerid": str(req.path_id("offerid")), "goal_vars": [var]})
    goals.set_offer_goals(req.conn, params, req.origin)
    return Redirect(_back(req), "saved")
