"""The transaction report's query: one statement pair per combination of filters, built once."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
    true,
)

from trackpost.models.tables import clicks as C
from trackpost.models.tables import customers as CU
from trackpost.models.tables import logins as L
from trackpost.models.tables import payment_profiles as PR
from trackpost.models.tables import payout_periods as PP
from trackpost.models.tables import transaction_payouts as TP
from trackpost.models.tables import transactions as T

# The payout period of an account (its own, else the default): period codes 0 and 1.
_PAYOUT_SPEC = select(PP.c.spec).where(
    PP.c.periodid
    == func.coalesce(
        select(PR.c.periodid).where(PR.c.loginid == bindparam("id")).scalar_subquery(),
        select(PP.c.periodid).where(PP.c.is_default).limit(1).scalar_subquery(),
    )
)
_AFF = L.alias("aff")
_ADV = L.alias("adv")
_ORDER = T.alias("ord")
_PAYEE = L.alias("payee")
# Every payee row of a page of transactions, with the payee's username.
_PAYOUTS = (
    select(
        TP.c.payoutid,
        TP.c.transactionid,
        TP.c.loginid,
        TP.c.kind,
        TP.c.tier,
        TP.c.amount,
        _PAYEE.c.username,
    )
    .outerjoin(_PAYEE, _PAYEE.c.loginid == TP.c.loginid)
    .where(TP.c.transactionid.in_(bindparam("ids", expanding=True)))
    .order_by(TP.c.transactionid, TP.c.payoutid)
)
_COLUMNS = (
    T.c.transactionid,
    T.c.customer_id,
    T.c.orderid,
    T.c.trans_type,
    T.c.source,
    T.c.status,
    T.c.amount,
    T.c.affiliate_payout,
    T.c.total_payout,
    T.c.chargeback_cost,
    T.c.click_hash,
    T.c.loginid,
    T.c.offerid,
    T.c.landing_pageid,
    T.c.ocid,
    T.c.parent_transactionid,
    T.c.created_at,
    _AFF.c.username.label("affiliate_username"),
    T.c.trans_custom1,
    T.c.trans_custom2,
    T.c.trans_custom3,
    T.c.trans_custom4,
    T.c.trans_custom5,
    # Stored elsewhere, read by key for the page's rows: the click's subaffs, the customer's
    # name and advertiser.
    C.c.subaff1,
    C.c.subaff2,
    C.c.subaff3,
    C.c.subaff4,
    C.c.subaff5,
    CU.c.advertiserid,
    _ADV.c.username.label("advertiser_username"),
    CU.c.firstname.label("customer_firstname"),
    CU.c.lastname.label("customer_lastname"),
    CU.c.username.label("customer_username"),
)
# A sale's country: its click's (the network's infrastructure told it), else its customer's
# (posted by the advertiser); read by key through aliases of their own, so the row query's
# joins of the same tables stay uncorrelated.
_CC, _CUC = C.alias("country_click"), CU.alias("country_customer")
_COUNTRY = func.coalesce(
    select(_CC.c.country).where(_CC.c.click_hash == T.c.click_hash).scalar_subquery(),
    select(_CUC.c.country).where(_CUC.c.customer_id == T.c.customer_id).scalar_subquery(),
)
# Filter name -> the condition it adds; every value is a bound parameter named f_<filter>.
_CONDITIONS: dict[str, Any] = {
    "from": T.c.created_at >= bindparam("f_from", type_=T.c.created_at.type),
    "until": T.c.created_at < bindparam("f_until", type_=T.c.created_at.type),
    "loginid": T.c.loginid == bindparam("f_loginid"),
    "affiliate_username": func.lower(_AFF.c.username)
    == func.lower(bindparam("f_affiliate_username")),
    "campaignid": T.c.campaignid == bindparam("f_campaignid"),
    "country": func.upper(_COUNTRY) == bindparam("f_country"),
    "offerid": T.c.offerid == bindparam("f_offerid"),
    "landingpageid": T.c.landing_pageid == bindparam("f_landingpageid"),
    "adtoolid": T.c.adtoolid == bindparam("f_adtoolid"),
    "programid": T.c.programid == bindparam("f_programid"),
    "no_inhouse": func.coalesce(_AFF.c.inhouse, false()) == false(),
    "kind": T.c.trans_type == bindparam("f_kind"),
    "source": T.c.source == bindparam("f_source"),
    "external_clickid": T.c.ocid == bindparam("f_external_clickid"),
    "transaction_hash": T.c.click_hash == bindparam("f_transaction_hash"),
    # Offset rows copy their sale's advertiser, so this keeps an order's rows together.
    "advertiserid": T.c.advertiserid == bindparam("f_advertiserid"),
    # An order's offset rows (void, chargeback, reversal, refund) come with it, so that a sum over
    # what the filter returns is the order's net.
    "orderid": or_(
        T.c.orderid == bindparam("f_orderid"),
        T.c.parent_transactionid.in_(
            select(_ORDER.c.transactionid).where(_ORDER.c.orderid == bindparam("f_orderid"))
        ),
    ),
}


@lru_cache(maxsize=512)
def _statements(names: frozenset[str]) -> tuple[Select[Any], Select[Any]]:
    where = and_(true(), *(_CONDITIONS[n] for n in sorted(names)))
    base = T.outerjoin(_AFF, _AFF.c.loginid == T.c.loginid)
    wide = (
        base.outerjoin(C, C.c.click_hash == T.c.click_hash)
        .outerjoin(CU, CU.c.customer_id == T.c.customer_id)
        .outerjoin(_ADV, _ADV.c.loginid == CU.c.advertiserid)
    )
    rows = (
        select(*_COLUMNS)
        .select_from(wide)
        .where(where)
        .order_by(T.c.transactionid)
        .limit(bindparam("lim"))
        .offset(bindparam("off"))
    )
    total = select(func.count()).select_from(base).where(where)
    return rows, total


# How many advertisers hold an orderid (it is unique per advertiser): two means ambiguous.
_ORDER_HOLDERS = select(T.c.advertiserid).where(T.c.orderid == bindparam("oid")).limit(50)


def order_holders(conn: Connection, orderid: str) -> int:
    """How many advertisers hold this orderid (counted up to 50)."""
    return len(list(conn.execute(_ORDER_HOLDERS, {"oid": orderid})))


def report(
    conn: Connection, filters: Mapping[str, Any], start: int, count: int
) -> tuple[int, list[RowMapping]]:
    """Matching rows in transactionid order from `start`, and how many match in all."""
    rows_stmt, total_stmt = _statements(frozenset(filters))
    params = {f"f_{k}": v for k, v in filters.items() if k != "no_inhouse"}
    total = int(conn.execute(total_stmt, params).scalar_one())
    if total == 0 or start >= total:
        return total, []
    found = list(conn.execute(rows_stmt, {**params, "lim": count, "off": start}).mappings())
    return total, found


# Per-affiliate totals for the affiliate search's statistics filters (an admin listing).
_TOTALS_WHERE = and_(
    T.c.loginid.in_(bindparam("ids", expanding=True)),
    T.c.created_at >= bindparam("lo", type_=T.c.created_at.type),
    T.c.created_at < bindparam("hi", type_=T.c.created_at.type),
)
_TOTALS = (
    select(
        T.c.loginid,
        T.c.trans_type,
        func.count().label("n"),
        func.sum(case((T.c.status == "approved", T.c.amount), else_=0)).label("revenue"),
        func.sum(case((T.c.status == "approved", T.c.affiliate_payout), else_=0)).label("earned"),
    )
    .where(_TOTALS_WHERE)
    .group_by(T.c.loginid, T.c.trans_type)
)


def affiliate_totals(conn: Connection, loginids: list[int], lo: Any, hi: Any) -> list[RowMapping]:
    """(loginid, trans_type, count, approved revenue, approved payout) rows in [lo, hi)."""
    params = {"ids": loginids, "lo": lo, "hi": hi}
    return list(conn.execute(_TOTALS, params).mappings())


def payouts(conn: Connection, transactionids: list[int]) -> dict[int, list[RowMapping]]:
    """The payout rows of these transactions, by transaction, in the order written."""
    out: dict[int, list[RowMapping]] = {}
    if transactionids:
        for row in conn.execute(_PAYOUTS, {"ids": transactionids}).mappings():
            out.setdefault(int(row["transactionid"]), []).append(row)
    return out


def payout_spec(conn: Connection, loginid: int | None) -> str | None:
    """The payout period format of an account (None: the default's), or None if there is none."""
    value = conn.execute(_PAYOUT_SPEC, {"id": loginid}).scalar()
    return None if value is None else str(value)


# What one payee earned over a period: its payout rows on every counted event (chargeback fees
# included, pending and denied events left out). Read from the period's transactions (by
# created_at) and their payout rows (by transactionid), as the report's own count reads the
# period: an index by payee cost every conversion a random leaf per payee (migration 0029).
_PAYEE_NET = (
    select(func.coalesce(func.sum(TP.c.amount), 0))
    .select_from(TP.join(T, T.c.transactionid == TP.c.transactionid))
    .where(TP.c.loginid == bindparam("payee"), T.c.status.not_in(("pending", "denied")))
)


def payee_net(conn: Connection, loginid: int, filters: Mapping[str, Any]) -> int:
    """The payee's net over the report's period (cents)."""
    stmt = _PAYEE_NET
    params: dict[str, Any] = {"payee": loginid}
    for name in ("from", "until"):
        if name in filters:
            stmt = stmt.where(_CONDITIONS[name])
            params[f"f_{name}"] = filters[name]
    return int(conn.execute(stmt, params).scalar_one())
