"""The postback's reads: each gathers what one step needs in a single statement.

A conversion costs one read before its writes: the click with its offer's defaults, its landing
page's postback IPs, the IP lists' cache version, and any transaction already holding the
post's orderid or the click's conversion (for replays).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)

from trackpost.core.hot import Hot
from trackpost.models.tables import COMMISSIONS_CACHE as COMMISSIONS
from trackpost.models.tables import IPLISTS_CACHE as IPLISTS
from trackpost.models.tables import TRACKING_CACHE as TRACKING
from trackpost.models.tables import cache_versions as CV
from trackpost.models.tables import clicks as CL
from trackpost.models.tables import failed_postbacks as F
from trackpost.models.tables import landing_pages as LP
from trackpost.models.tables import logins as L
from trackpost.models.tables import offers as O
from trackpost.models.tables import transactions as T
from trackpost.models.transactions import CONVERSION_TYPES

_ADV = L.alias("adv")
_DUP = T.alias("dup")
_CONV = T.alias("conv")
# Constants are inlined (literal_column), so the hot path binds only the request's values.
_IPLIST_VERSION = (
    select(CV.c.version)
    .where(CV.c.name == literal_column(f"'{IPLISTS}'"))
    .scalar_subquery()
    .label("iplist_version")
)


def _version(name: str) -> Any:
    return (
        select(CV.c.version)
        .where(CV.c.name == literal_column(f"'{name}'"))
        .scalar_subquery()
        .label(f"{name}_version")
    )


# The commission rules' cache key: they depend on the rules and on affiliates' refs and status.
_RULES_VERSIONS = (_version(COMMISSIONS), _version(TRACKING))
_SUBAFFS = (CL.c.subaff1, CL.c.subaff2, CL.c.subaff3, CL.c.subaff4, CL.c.subaff5)
_OFFER_DEFAULTS = (
    O.c.advertiserid,
    _ADV.c.username.label("advertiser_username"),
    O.c.conversion_revenue,
    O.c.conversion_payout_type,
    O.c.conversion_payout,
    O.c.continuity_revenue,
    O.c.continuity_payout_type,
    O.c.continuity_payout,
    O.c.pending_conversions,
)

CLICK_CONTEXT = (
    select(
        CL.c.clickid,
        CL.c.click_hash,
        CL.c.loginid,
        CL.c.offerid,
        CL.c.landing_pageid,
        CL.c.programid,
        CL.c.campaignid,
        CL.c.adtoolid,
        CL.c.ocid,
        CL.c.country.label("click_country"),
        *_OFFER_DEFAULTS,
        LP.c.postback_ips,
        _IPLIST_VERSION,
        *_RULES_VERSIONS,
        *_SUBAFFS,
        _DUP.c.transactionid.label("dup_tid"),
        _DUP.c.customer_id.label("dup_cid"),
        _DUP.c.fingerprint.label("dup_fp"),
        _CONV.c.transactionid.label("conv_tid"),
        _CONV.c.customer_id.label("conv_cid"),
        _CONV.c.fingerprint.label("conv_fp"),
    )
    .select_from(CL)
    .join(O, O.c.offerid == CL.c.offerid)
    .join(_ADV, _ADV.c.loginid == O.c.advertiserid)
    .outerjoin(LP, LP.c.landing_pageid == CL.c.landing_pageid)
    # The advertiser's own orderid: one probe of uq_transactions_orderid_advertiser.
    .outerjoin(
        _DUP,
        and_(
            _DUP.c.orderid == bindparam("orderid", type_=T.c.orderid.type),
            _DUP.c.advertiserid == O.c.advertiserid,
        ),
    )
    .outerjoin(
        _CONV,
        and_(
            _CONV.c.click_hash == CL.c.click_hash,
            _CONV.c.trans_type.in_([literal_column(f"'{t}'") for t in CONVERSION_TYPES]),
        ),
    )
    .where(CL.c.click_hash == bindparam("hash"))
)
_PAGE = (
    select(
        LP.c.landing_pageid,
        LP.c.offerid,
        LP.c.postback_ips,
        *_OFFER_DEFAULTS,
        _IPLIST_VERSION,
        *_RULES_VERSIONS,
    )
    .select_from(LP)
    .join(O, O.c.offerid == LP.c.offerid)
    .join(_ADV, _ADV.c.loginid == O.c.advertiserid)
    .where(LP.c.landing_pageid == bindparam("lp"))
)
# What a follow-up post needs once its customer is known; the advertiser row always exists.
_CUSTOMER_CONTEXT = (
    select(
        _ADV.c.username.label("advertiser_username"),
        O.c.continuity_revenue,
        O.c.continuity_payout_type,
        O.c.continuity_payout,
        LP.c.postback_ips,
        CL.c.click_hash,
        CL.c.programid,
        CL.c.campaignid,
        CL.c.adtoolid,
        CL.c.ocid,
        CL.c.country.label("click_country"),
        *_SUBAFFS,
        _IPLIST_VERSION,
        *_RULES_VERSIONS,
    )
    .select_from(_ADV)
    .outerjoin(O, O.c.offerid == bindparam("offerid"))
    .outerjoin(LP, LP.c.landing_pageid == bindparam("lp"))
    .outerjoin(CL, CL.c.clickid == bindparam("clickid"))
    .where(_ADV.c.loginid == bindparam("adv"))
)
_VOID_IPS = select(LP.c.void_ips).where(LP.c.landing_pageid == bindparam("lp"))
_CLICK_CONTEXT_HOT = Hot(CLICK_CONTEXT)
_CUSTOMER_CONTEXT_HOT = Hot(_CUSTOMER_CONTEXT)


def click_context(conn: Connection, click_hash: str, orderid: str | None) -> dict[str, Any] | None:
    """The click and everything a conversion on it needs; None for an unknown click hash."""
    # The conversion's one read, so it runs hot (core/hot.py): on the driver's cursor, each column
    # processed by its type as Connection.execute would.
    return _CLICK_CONTEXT_HOT.mapping(conn, {"hash": click_hash, "orderid": orderid})


def page_context(conn: Connection, landing_pageid: int) -> RowMapping | None:
    """A landing page with its offer's defaults and advertiser; None when it does not exist."""
    return conn.execute(_PAGE, {"lp": landing_pageid}).mappings().first()


def customer_context(
    conn: Connection,
    advertiserid: int,
    offerid: int | None,
    landing_pageid: int | None,
    clickid: int | None,
) -> dict[str, Any]:
    """What a rebill, refund, cancel or expire needs of its customer's offer, page and click."""
    # Every such post reads it, so it runs hot like the conversion's click context.
    params = {"adv": advertiserid, "offerid": offerid, "lp": landing_pageid, "clickid": clickid}
    row = _CUSTOMER_CONTEXT_HOT.mapping(conn, params)
    if row is None:  # the customer's advertiser is a foreign key: it always exists
        raise LookupError(f"no advertiser {advertiserid} for a customer's context")
    return row


def void_ips(conn: Connection, landing_pageid: int | None) -> str | None:
    if landing_pageid is None:
        return None
    row = conn.execute(_VOID_IPS, {"lp": landing_pageid}).first()
    return str(row[0]) if row is not None and row[0] else None


# The failed-postback log: written only on the refused path, read by admins.
_INSERT_FAILED = insert(F)
# A bounded batch of the oldest expired records: pruning never holds the writer for long.
_PRUNE_FAILED = delete(F).where(
    F.c.failedid.in_(
        select(F.c.failedid)
        .where(F.c.received_at < bindparam("before"))
        .order_by(F.c.received_at)
        .limit(bindparam("lim"))
        .scalar_subquery()
    )
)
_CLICK_ADVERTISER = (
    select(O.c.advertiserid)
    .select_from(CL)
    .join(O, O.c.offerid == CL.c.offerid)
    .where(CL.c.click_hash == bindparam("hash"))
)
_PAGE_ADVERTISER = (
    select(O.c.advertiserid)
    .select_from(LP)
    .join(O, O.c.offerid == LP.c.offerid)
    .where(LP.c.landing_pageid == bindparam("lp"))
)
# Several advertisers may hold one orderid: a refused post is then filed under none of them.
_ORDER_ADVERTISER = select(T.c.advertiserid).where(T.c.orderid == bindparam("oid")).limit(2)
_FAILED_FILTERS: dict[str, Any] = {
    "advertiserid": F.c.advertiserid == bindparam("f_advertiserid"),
    "code": F.c.code == bindparam("f_code"),
    "endpoint": F.c.endpoint == bindparam("f_endpoint"),
    "since": F.c.received_at >= bindparam("f_since", type_=F.c.received_at.type),
    "until": F.c.received_at < bindparam("f_until", type_=F.c.received_at.type),
    "resolved": F.c.resolved == bindparam("f_resolved"),
}
_FAILED_BY_IDS = (
    select(F)
    .where(F.c.failedid.in_(bindparam("ids", expanding=True)))
    .order_by(F.c.failedid)
    .with_for_update()
)
_SET_REPLAYED = (
    update(F)
    .where(F.c.failedid == bindparam("b_id"))
    .values(
        replay_count=F.c.replay_count + 1,
        replayed_at=bindparam("b_at", type_=F.c.replayed_at.type),
        replayed_by=bindparam("b_by"),
        replay_answer=bindparam("b_answer"),
        resolved=bindparam("b_resolved"),
    )
)


def insert_failed(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(_INSERT_FAILED, row)


def prune_failed(conn: Connection, before: dt.datetime, limit: int) -> int:
    """Delete up to `limit` records received before `before`; how many went."""
    return int(conn.execute(_PRUNE_FAILED, {"before": before, "lim": limit}).rowcount)


def advertiser_of(conn: Connection, key: str, value: Any) -> int | None:
    """The advertiser of a click ('hash'), landing page ('lp') or orderid ('oid'), or None."""
    if key == "oid":
        held = list(conn.execute(_ORDER_ADVERTISER, {key: value}).scalars())
        return int(held[0]) if len(held) == 1 and held[0] is not None else None
    stmt = {"hash": _CLICK_ADVERTISER, "lp": _PAGE_ADVERTISER}[key]
    found = conn.execute(stmt, {key: value}).scalar()
    return None if found is None else int(found)


def _failed_stmts(names: frozenset[str]) -> tuple[Select[Any], Select[Any]]:
    where = and_(true(), *(_FAILED_FILTERS[n] for n in sorted(names)))
    rows = (
        select(F)
        .where(where)
        .order_by(F.c.failedid.desc())
        .limit(bindparam("lim"))
        .offset(bindparam("off"))
    )
    return rows, select(func.count()).select_from(F).where(where)


_FAILED_STMTS = {
    names: _failed_stmts(names)
    for names in (
        frozenset(c)
        for n in range(1 << len(_FAILED_FILTERS))
        for c in [[k for i, k in enumerate(_FAILED_FILTERS) if n >> i & 1]]
    )
}


def failed(
    conn: Connection, filters: dict[str, Any], start: int, count: int
) -> tuple[int, list[RowMapping]]:
    """Failed posts matching every filter, newest first, and the total that match."""
    rows_stmt, total_stmt = _FAILED_STMTS[frozenset(filters)]
    params = {f"f_{k}": v for k, v in filters.items()}
    total = int(conn.execute(total_stmt, params).scalar_one())
    if total == 0 or start >= total:
        return total, []
    found = list(conn.execute(rows_stmt, {**params, "lim": count, "off": start}).mappings())
    return total, found


def failed_by_ids(conn: Connection, ids: list[int]) -> list[RowMapping]:
    """These failed posts, row-locked, in id order."""
    return list(conn.execute(_FAILED_BY_IDS, {"ids": ids}).mappings())


def set_replayed(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_SET_REPLAYED, values)
