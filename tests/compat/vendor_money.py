"""The money engine's vendor endpoints: payout preview, commission changes, offer goals (data)."""

from __future__ import annotations

from tests.compat.spec import Endpoint, P

_TIERED = "flat in the base currency (5.00)"
_PERCENT = "a percentage (12.50)"
PAYOUTS = (
    P("flat_amount_per_click", "0.10", note="per raw click; " + _TIERED),
    P("flat_amount_per_visitor", "0.20", note="per unique visitor; " + _TIERED),
    P("flat_amount_per_conversion", "5.00", note=_TIERED),
    P("flat_amount_per_continuity", "2.00", note=_TIERED),
    P("percentage_of_customer_conversion", "12.50", note=_PERCENT),
    P("percentage_of_customer_continuity", "10", note=_PERCENT),
)
_GOAL_ONLY = "goal changes only (goalid not 0); 0 or 1"
GOAL_SWITCHES = tuple(
    P(name, "1", note=_GOAL_ONLY)
    for name in ("aff_manager_payout", "aff_referral_payout", "offer_partner_payout")
)

MONEY_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/transaction/transaction_payout_preview",
        "transaction/payout-preview",
        (
            P("transaction_hash", "{click_hash}", required=True, note="the click's hash"),
            P("amount", "9.95", note="base currency; percentages use 100.00 when not sent"),
            P(
                "transaction_type",
                "initial",
                note="initial (default), continuity, or goal with goal_id (the vendor leaves "
                "the other values undocumented)",
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/api/offer/get_commission_changes",
        "offer/get-commission-changes",
        (P("offerid", "{offerid}", required=True),),
        notes=("The vendor's keys (`Change Id`, `Flat Conversion Payout`...) in priority order.",),
    ),
    Endpoint(
        "POST",
        "/api/offer/add_commission_change",
        "offer/add-commission-change",
        (
            P("offerid", "{offerid}", required=True),
            P(
                "type",
                "standard",
                required=True,
                note="standard, disable (every payout 0), temporary (start_time..end_time); "
                "tiered and recurring are trackpost extensions",
            ),
            P("username", "{aff_username}", note="one affiliate; with loginid, the same one"),
            P("loginid", "{loginid}"),
            P("countries", ["US", "CA"], note="ISO-2 codes, an array or a comma list"),
            P("subaff", "s1", note="subaff1 is its alias"),
            *(P(f"subaff{i}", f"s{i}") for i in range(2, 6)),
            P("goalid", "0", note="0: the main offer"),
            P(
                "start_time",
                "2026-01-01 00:00:00",
                note="the change applies from then (a temporary change needs both times)",
            ),
            P("end_time", "2999-01-01 00:00:00", note="the change applies until then"),
            *PAYOUTS,
        ),
        answer="created:changeid",
    ),
    Endpoint(
        "PATCH",
        "/api/offer/set_commission_change_payouts",
        "offer/set-commission-change-payouts",
        (
            P("offerid", "{offerid}", required=True),
            P(
                "changeid",
                "{goal_change}",
                required=True,
                note="0: the default change (of the offer, or of goalid's goal)",
            ),
            P("goalid", "{offer_goal}", note="0: the main offer; here a goal enabled on it"),
            *PAYOUTS,
            *GOAL_SWITCHES,
        ),
    ),
    Endpoint(
        "PATCH",
        "/api/offer/set_offer_goals",
        "offer/set-offer-goals",
        (
            P("offerid", "{offerid}", required=True),
            P(
                "goal_vars",
                {
                    "0": {
                        "goal_id": "{goal_id}",
                        "commission_type": "flat",
                        "amount": "2.50",
                        "revenue_type": "conversion",
                        "revenue_amount": "1.00",
                        "aff_manager_payout": "1",
                        "aff_referral_payout": "0",
                        "offer_partner_payout": "0",
                    }
                },
                required=True,
                note="goal_vars[i][goal_id or offer_goal_id], commission_type flat or "
                "percentage, amount, revenue_type dynamic_conversion, conversion or sale, "
                "revenue_amount, and the three payee switches",
            ),
        ),
    ),
)
