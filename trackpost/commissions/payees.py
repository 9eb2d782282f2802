"""Who else is paid on a sale: referral tiers, managers, offer partners; and offers' money rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from trackpost.accounts import service as accounts
from trackpost.commissions import repository as repo
from trackpost.commissions.audit import audit
from trackpost.commissions.change import MAX_TIERS
from trackpost.commissions.errors import AffiliateNotFound, InvalidRule
from trackpost.commissions.schemas import (
    SetManagerCommission,
    SetMoneyRules,
    SetPartner,
    SetReferralPayouts,
)
from trackpost.commissions.service import forget_cached
from trackpost.core.money import decimal_cents
from trackpost.core.origin import Origin
from trackpost.offers import service as offers


def set_referral_payouts(conn: Connection, params: SetReferralPayouts, origin: Origin) -> None:
    """Replace an offer's referral tiers (offerid 0: the default of offers without their own)."""
    if params.offerid:
        offers.offer(conn, params.offerid, lock=True)
    before = [dict(r) for r in repo.tiers_of(conn, params.offerid)]
    rows = [
        {"tier": tier, "rate": rate, "base": params.base}
        for tier in range(1, MAX_TIERS + 1)
        if (rate := getattr(params, f"tier{tier}"))
    ]
    repo.replace_tiers(conn, params.offerid, rows)
    audit(
        conn,
        origin,
        "set_referral_payouts",
        params.offerid,
        None,
        {"tiers": before},
        {"tiers": rows},
    )
    forget_cached(conn)


def _payee(conn: Connection, loginid: int, what: str, kinds: tuple[str, ...]) -> None:
    if accounts.account_type(conn, loginid) not in kinds:
        raise AffiliateNotFound(f"No {' or '.join(kinds)} with loginid {loginid} ({what}).")


def set_partner(conn: Connection, params: SetPartner, origin: Origin) -> None:
    """An offer partner's share; both amounts 0 (or not sent) remove the partner."""
    offers.offer(conn, params.offerid, lock=True)
    _payee(conn, params.loginid, "loginid", ("affiliate", "admin", "advertiser"))
    rate = params.percentage_of_revenue or 0
    flat = params.flat_amount_per_transaction or 0
    repo.set_partner(conn, params.offerid, params.loginid, rate, flat)
    audit(
        conn,
        origin,
        "set_offer_partner",
        params.offerid,
        None,
        None,
        {"loginid": params.loginid, "rate": rate, "flat": flat},
    )
    forget_cached(conn)


def set_manager(conn: Connection, params: SetManagerCommission, origin: Origin) -> None:
    """A manager's commission on its affiliates' sales; both amounts 0 remove it."""
    _payee(conn, params.loginid, "loginid", ("admin", "affiliate"))
    rate = params.percentage_of_revenue or 0
    flat = params.flat_amount_per_sale or 0
    values = None
    if rate or flat:
        values = {"rate": rate, "flat": flat, "start_after": params.start_after_sales}
    repo.set_manager(conn, params.loginid, values)
    audit(
        conn,
        origin,
        "set_manager_commission",
        None,
        None,
        None,
        {"manager": params.loginid, **(values or {})},
    )
    forget_cached(conn)


def set_money_rules(conn: Connection, params: SetMoneyRules, origin: Origin) -> None:
    """An offer's chargeback fee cap and maximum transaction amount."""
    offers.offer(conn, params.offerid, lock=True)
    values: dict[str, Any] = {}
    cap = (params.chargeback_fee_cap or "").strip().lower()
    if cap in ("none", "payout"):
        values.update(fee_cap=cap, fee_cap_amount=None)
    elif cap:
        values.update(fee_cap="amount", fee_cap_amount=decimal_cents("chargeback_fee_cap", cap))
    most = (params.max_transaction_amount or "").strip()
    if most:
        cents = decimal_cents("max_transaction_amount", most)
        values["max_amount"] = cents or None
    if not values:
        raise InvalidRule("Send chargeback_fee_cap or max_transaction_amount.")
    before = repo.offer_money_of(conn, params.offerid)
    repo.save_offer_money(conn, params.offerid, values)
    audit(
        conn,
        origin,
        "set_money_rules",
        params.offerid,
        None,
        dict(before) if before else None,
        values,
    )
    forget_cached(conn)
