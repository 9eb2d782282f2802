"""Commission changes, goals and payees at the vendor's /api/offer paths, and the payout preview."""

from __future__ import annotations

from typing import Any

from trackpost.accounts.schemas import success_with
from trackpost.commissions import audit, changes, goals, payees, preview
from trackpost.commissions.schemas import (
    ANY_MESSAGE,
    AddChange,
    AddGoal,
    ChangeHistory,
    GetChanges,
    NoParams,
    PreviewParams,
    SetManagerCommission,
    SetMoneyRules,
    SetOfferGoals,
    SetPartner,
    SetPayouts,
    SetPriority,
    SetReferralPayouts,
    success,
)
from trackpost.commissions.service import RulesCache, policy_of
from trackpost.core.http import RequestContext, Router

router = Router("offer")
preview_router = Router("transaction")
affiliate_router = Router("affiliate")
DONE = {"result": "success", "message": "Success"}
EXTENSION = " (trackpost extension)"


@router.route(
    "GET",
    "/api/offer/get_commission_changes",
    params=GetChanges,
    summary="An offer's commission changes in the order they are tried, each group ending "
    "with change 0 (the default)",
    description="Keys as the vendor's: Change Id, Start Time, End Time, Countries, Affiliates, "
    "Sub Affiliates, Page View Payout, Unique Visitor Payout, Flat Conversion Payout, Flat "
    "Continuity Payout, Percentage Conversion Payout, Percentage Continuity Payout, CPM Payout; "
    "money as 5.00, percentages as 12.50. goalid narrows to one goal's changes.",
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def get_commission_changes(ctx: RequestContext, params: GetChanges) -> dict[str, Any]:
    """Main-offer changes first, then each goal's."""
    return success({"changes": changes.get_changes(ctx.conn, params.offerid, params.goalid)})


@router.route(
    "POST",
    "/api/offer/add_commission_change",
    params=AddChange,
    summary="Add a commission change (payout rule) to an offer; it goes on top",
    description="type: standard, disable (every payout 0), temporary (start_time..end_time), "
    "tiered (after_sales) or recurring (recur weekly|monthly). Restrictions: loginid or "
    "username, countries, subaff..subaff5, goalid. Payout fields as in "
    "set_commission_change_payouts.",
    response=success_with("changeid"),
    example=[{"result": "Success", "message": {"changeid": "56"}}],
    errors=(400, 404),
)
def add_commission_change(ctx: RequestContext, params: AddChange) -> list[dict[str, Any]]:
    """Answers the new change's id."""
    changeid = changes.add_change(ctx.conn, params, ctx.origin)
    return [success({"changeid": str(changeid)})]


@router.route(
    "PATCH",
    "/api/offer/set_commission_change_payouts",
    params=SetPayouts,
    summary="Set a change's payouts (changeid 0: the offer's or the goal's default)",
    response=ANY_MESSAGE,
    example=DONE,
    errors=(400, 404),
)
def set_commission_change_payouts(ctx: RequestContext, params: SetPayouts) -> dict[str, str]:
    """Only the payouts sent change; past transactions keep the payouts they were booked with."""
    changes.set_payouts(ctx.conn, params, ctx.origin)
    return DONE


@router.route(
    "GET",
    "/api/offer/get_commission_change_history",
    params=ChangeHistory,
    summary="Who changed which commission rule, when, and the rule before and after" + EXTENSION,
    description="Newest first; offerid and changeid narrow it (changeid 0: the offer's or a "
    "goal's default). Each entry: auditid, offerid, changeid, action (the endpoint that "
    "changed it), actor, source (api, ui, cli), source_ip, request_id, at, before and after "
    "(the rule's columns; money in cents, percentages in basis points; null before a rule "
    "existed). The total that match is `total`.",
    response=ANY_MESSAGE,
    example={
        "result": "Success",
        "message": {
            "total": 1,
            "history": [
                {
                    "auditid": 7,
                    "offerid": 3,
                    "changeid": 12,
                    "action": "set_commission_change_payouts",
                    "actor": "tf_admin",
                    "source": "api",
                    "source_ip": "203.0.113.5",
                    "request_id": "c0ffee",
                    "at": "2026-03-01T12:00:00+00:00",
                    "before": {"flat_conversion": 600},
                    "after": {"flat_conversion": 650},
                }
            ],
        },
    },
    errors=(400,),
)
def get_commission_change_history(ctx: RequestContext, params: ChangeHistory) -> dict[str, Any]:
    """The commission audit, read."""
    found = audit.history(ctx.conn, params.offerid, params.changeid, params.start, params.count)
    return success(found)


@router.route(
    "PATCH",
    "/api/offer/set_commission_change_priority",
    params=SetPriority,
    summary="Move a change in its offer's order: higher priorities are tried first" + EXTENSION,
    response=ANY_MESSAGE,
    example=DONE,
    errors=(400, 404),
)
def set_commission_change_priority(ctx: RequestContext, params: SetPriority) -> dict[str, str]:
    """Ties are broken by the newer change first."""
    changes.set_priority(ctx.conn, params, ctx.origin)
    return DONE


@router.route(
    "POST",
    "/api/offer/add_goal",
    params=AddGoal,
    summary="Define a goal (a custom event such as a free signup)" + EXTENSION,
    response=success_with("goal_id"),
    example=[{"result": "Success", "message": {"goal_id": "3"}}],
    errors=(400, 409),
)
def add_goal(ctx: RequestContext, params: AddGoal) -> list[dict[str, Any]]:
    """Enable it on offers with set_offer_goals."""
    goalid = goals.add_goal(ctx.conn, params, ctx.origin)
    return [success({"goal_id": str(goalid)})]


@router.route(
    "GET",
    "/api/offer/get_goals",
    params=NoParams,
    summary="The network's goals" + EXTENSION,
    response=ANY_MESSAGE,
)
def get_goals(ctx: RequestContext, params: NoParams) -> dict[str, Any]:
    return success({"goals": goals.get_goals(ctx.conn)})


@router.route(
    "PATCH",
    "/api/offer/set_offer_goals",
    params=SetOfferGoals,
    summary="Enable goals on an offer with their revenue and commission",
    description="goal_vars[i][goal_id] (or offer_goal_id), commission_type flat|percentage "
    "with amount, revenue_type dynamic_conversion|conversion|sale with revenue_amount, and "
    "aff_manager_payout, aff_referral_payout, offer_partner_payout.",
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def set_offer_goals(ctx: RequestContext, params: SetOfferGoals) -> dict[str, Any]:
    """Answers the offer's goals as they now are."""
    goals.set_offer_goals(ctx.conn, params, ctx.origin)
    return success({"goals": goals.offer_goals(ctx.conn, params.offerid)})


@router.route(
    "PATCH",
    "/api/offer/set_referral_payouts",
    params=SetReferralPayouts,
    summary="An offer's referral tiers (offerid 0: the network default)" + EXTENSION,
    description="tier1..tier8 are percentages of the referred affiliate's payout (base=payout, "
    "the default) or of the sale's revenue (base=revenue); the tiers not sent are removed.",
    response=ANY_MESSAGE,
    example=DONE,
    errors=(400, 404),
)
def set_referral_payouts(ctx: RequestContext, params: SetReferralPayouts) -> dict[str, str]:
    payees.set_referral_payouts(ctx.conn, params, ctx.origin)
    return DONE


@router.route(
    "PATCH",
    "/api/offer/set_offer_partner",
    params=SetPartner,
    summary="An offer partner's share of each transaction" + EXTENSION,
    response=ANY_MESSAGE,
    example=DONE,
    errors=(400, 404),
)
def set_offer_partner(ctx: RequestContext, params: SetPartner) -> dict[str, str]:
    """Both amounts 0 (or not sent) remove the partner."""
    payees.set_partner(ctx.conn, params, ctx.origin)
    return DONE


@router.route(
    "PATCH",
    "/api/offer/set_money_rules",
    params=SetMoneyRules,
    summary="An offer's chargeback fee cap and maximum transaction amount" + EXTENSION,
    response=ANY_MESSAGE,
    example=DONE,
    errors=(400, 404),
)
def set_money_rules(ctx: RequestContext, params: SetMoneyRules) -> dict[str, str]:
    payees.set_money_rules(ctx.conn, params, ctx.origin)
    return DONE


@affiliate_router.route(
    "PATCH",
    "/api/affiliate/set_manager_commission",
    params=SetManagerCommission,
    summary="What a manager earns on its affiliates' sales" + EXTENSION,
    description="Managers are assigned with edit_affiliate's affiliate_manager_loginid.",
    response=ANY_MESSAGE,
    example=DONE,
    errors=(400, 404),
)
def set_manager_commission(ctx: RequestContext, params: SetManagerCommission) -> dict[str, str]:
    payees.set_manager(ctx.conn, params, ctx.origin)
    return DONE


@preview_router.route(
    "GET",
    "/api/transaction/transaction_payout_preview",
    params=PreviewParams,
    summary="What a conversion on a click would pay: every payee, its amount, the deciding rule",
    description="amount: the sale (9.95); percentages are computed on 100.00 when not sent. "
    "transaction_type: initial (default), continuity or goal (with goal_id). Computed by the "
    "code that books real conversions.",
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def transaction_payout_preview(ctx: RequestContext, params: PreviewParams) -> dict[str, Any]:
    services = ctx.services
    found = preview.preview(
        ctx.conn, services.cache(RulesCache), params, policy_of(services.settings)
    )
    return success(found)
