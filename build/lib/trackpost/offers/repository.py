"""Queries on offers, landing pages and tracking domains."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from trackpost.core.db import utcnow
from trackpost.models.tables import landing_page_access as LPA
from trackpost.models.tables import landing_pages as LP
from trackpost.models.tables import offers as O
from trackpost.models.tables import tracking_domains as TD

_OFFER = select(O).where(O.c.offerid == bindparam("offerid"))
_OFFER_LOCKED = _OFFER.with_for_update()
_UPDATE_OFFER = update(O).where(O.c.offerid == bindparam("b_offerid"))
_LANDING_PAGE = select(LP).where(LP.c.landing_pageid == bindparam("landing_pageid"))
_LANDING_PAGE_LOCKED = _LANDING_PAGE.with_for_update()
_UPDATE_LANDING_PAGE = update(LP).where(LP.c.landing_pageid == bindparam("b_landing_pageid"))
_LANDING_PAGES_OF = (
    select(
        LP.c.landing_pageid, LP.c.offerid, LP.c.name, LP.c.url, LP.c.private, LP.c.conversion_type
    )
    .where(LP.c.offerid.in_(bindparam("ids", expanding=True)))
    .order_by(LP.c.offerid, LP.c.landing_pageid)
)
# get_links: an affiliate's links, one per landing page, with their offers' names and payouts.
_LINK_PAGES = (
    select(
        LP.c.landing_pageid,
        LP.c.offerid,
        LP.c.name,
        LP.c.tracking_domain,
        LP.c.private,
        LP.c.requestable,
        O.c.name.label("offer_name"),
        O.c.advertiserid,
        O.c.conversion_payout_type,
        O.c.conversion_payout,
        O.c.continuity_payout_type,
        O.c.continuity_payout,
    )
    .join_from(LP, O, LP.c.offerid == O.c.offerid)
    .order_by(LP.c.offerid, LP.c.landing_pageid)
)
_LINK_FILTERS = {
    "offerid": LP.c.offerid,
    "landing_pageid": LP.c.landing_pageid,
    "private": LP.c.private,
    "hidden": O.c.hidden,
}
_DOMAIN = select(TD).where(TD.c.domain == bindparam("domain"))
_DOMAIN_OF_HOST = select(TD.c.redirect_domain, TD.c.template_protect).where(
    TD.c.domain.in_(bindparam("domains", expanding=True))
)
_UPDATE_DOMAIN = update(TD).where(TD.c.domain == bindparam("b_domain"))

# get_details: one statement per selector (an advertiser_username is looked up as its loginid).
_DETAILS_BASE = select(O).order_by(O.c.offerid).offset(bindparam("start")).limit(bindparam("count"))
_DETAILS: dict[str, Select[Any]] = {
    "offerid": _DETAILS_BASE.where(O.c.offerid.in_(bindparam("value", expanding=True))),
    "name": _DETAILS_BASE.where(O.c.name == bindparam("value")),
    "name_like": _DETAILS_BASE.where(func.lower(O.c.name).like(bindparam("value"), escape="\\")),
    "advertiserid": _DETAILS_BASE.where(O.c.advertiserid == bindparam("value")),
}


def get_offer(conn: Connection, offerid: int, *, lock: bool = False) -> RowMapping | None:
    return conn.execute(_OFFER_LOCKED if lock else _OFFER, {"offerid": offerid}).mappings().first()


def _insert(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    """Insert a row created now; returns its new id."""
    now = utcnow()
    result = conn.execute(insert(table), {"created_at": now, "updated_at": now, **values})
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def insert_offer(conn: Connection, values: dict[str, Any]) -> int:
    return _insert(conn, O, values)


def update_offer(conn: Connection, offerid: int, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE_OFFER, {"b_offerid": offerid, "updated_at": utcnow(), **values})


def offer_details(
    conn: Connection, selector: str, value: Any, start: int, count: int
) -> list[RowMapping]:
    params = {"value": value, "start": start, "count": count}
    return list(conn.execute(_DETAILS[selector], params).mappings())


def landing_pages_of(conn: Connection, offerids: Iterable[int]) -> list[RowMapping]:
    ids = list(offerids)
    return list(conn.execute(_LANDING_PAGES_OF, {"ids": ids}).mappings()) if ids else []


def link_pages(conn: Connection, filters: dict[str, Any]) -> list[RowMapping]:
    """Landing pages (at most 5,000) matching each filter whose value is not None."""
    stmt = _LINK_PAGES
    params = {name: value for name, value in filters.items() if value is not None}
    for name in params:
        stmt = stmt.where(_LINK_FILTERS[name] == bindparam(name))
    return list(conn.execute(stmt.limit(5000), params).mappings())


def get_landing_page(
    conn: Connection, landing_pageid: int, *, lock: bool = False
) -> RowMapping | None:
    stmt = _LANDING_PAGE_LOCKED if lock else _LANDING_PAGE
    return conn.execute(stmt, {"landing_pageid": landing_pageid}).mappings().first()


def insert_landing_page(conn: Connection, values: dict[str, Any]) -> int:
    return _insert(conn, LP, values)


def update_landing_page(conn: Connection, landing_pageid: int, values: dict[str, Any]) -> None:
    conn.execute(
        _UPDATE_LANDING_PAGE, {"b_landing_pageid": landing_pageid, "updated_at": utcnow(), **values}
    )


def get_domain(conn: Connection, domain: str) -> RowMapping | None:
    return conn.execute(_DOMAIN, {"domain": domain}).mappings().first()


def insert_domain(conn: Connection, values: dict[str, Any]) -> None:
    now = utcnow()
    conn.execute(insert(TD), {"created_at": now, "updated_at": now, **values})


def update_domain(conn: Connection, domain: str, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE_DOMAIN, {"b_domain": domain, "updated_at": utcnow(), **values})


# set_enabled_affiliates and store_offer_ips: the landers a selector names.
_LANDER_IDS = select(LP.c.landing_pageid).join_from(LP, O, LP.c.offerid == O.c.offerid)
_ACCESS_OF = select(LPA.c.landing_pageid, LPA.c.enabled, LPA.c.requestable).where(
    LPA.c.loginid == bindparam("loginid")
)
_ACCESS_ROW = select(LPA.c.enabled, LPA.c.requestable).where(
    LPA.c.landing_pageid == bindparam("landing_pageid"), LPA.c.loginid == bindparam("loginid")
)
_INSERT_ACCESS = insert(LPA)
_UPDATE_ACCESS = (
    update(LPA)
    .where(
        LPA.c.landing_pageid == bindparam("b_landing_pageid"),
        LPA.c.loginid == bindparam("b_loginid"),
    )
    .values(
        enabled=bindparam("enabled"),
        requestable=bindparam("requestable"),
        updated_at=bindparam("updated_at"),
    )
)
_DELETE_EMPTY_ACCESS = delete(LPA).where(LPA.c.enabled.is_(None), LPA.c.requestable.is_(None))


def lander_ids(conn: Connection, filters: dict[str, Any]) -> list[int]:
    """Landing page ids matching every filter: ids lists, or lower-case LIKE patterns."""
    stmt = _LANDER_IDS
    columns = {
        "landing_pageids": LP.c.landing_pageid,
        "offerids": LP.c.offerid,
        "advertiser_ids": O.c.advertiserid,
    }
    likes = {"offer_name_like": O.c.name, "landing_page_name_like": LP.c.name, "url_like": LP.c.url}
    for name, value in filters.items():
        if name in columns:
            stmt = stmt.where(columns[name].in_(bindparam(name, list(value), expanding=True)))
        else:
            stmt = stmt.where(func.lower(likes[name]).like(bindparam(name, value), escape="\\"))
    return [int(r[0]) for r in conn.execute(stmt.order_by(LP.c.landing_pageid))]


def access_of(conn: Connection, loginid: int) -> dict[int, tuple[bool | None, bool | None]]:
    """An affiliate's overrides by landing page: (enabled, requestable), None = no override."""
    rows = conn.execute(_ACCESS_OF, {"loginid": loginid})
    return {int(r.landing_pageid): (r.enabled, r.requestable) for r in rows}


def set_access(
    conn: Connection, pairs: list[tuple[int, int]], column: str, value: bool | None
) -> None:
    """Set one override column for each (landing_pageid, loginid); rows left empty go."""
    now = utcnow()
    for lp_id, loginid in pairs:
        key = {"landing_pageid": lp_id, "loginid": loginid}
        row = conn.execute(_ACCESS_ROW, key).first()
        if row is None:
            if value is not None:
                conn.execute(
                    _INSERT_ACCESS,
                    {**key, "enabled": None, "requestable": None, column: value, "updated_at": now},
                )
            continue
        values = {"enabled": row.enabled, "requestable": row.requestable, column: value}
        conn.execute(
            _UPDATE_ACCESS,
            {"b_landing_pageid": lp_id, "b_loginid": loginid, **values, "updated_at": now},
        )
    conn.execute(_DELETE_EMPTY_ACCESS)


def domain_of_host(conn: Connection, host: str) -> RowMapping | None:
    """The tracking domain served at this host (either scheme), or None."""
    domains = [f"http://{host}", f"https://{host}"]
    return conn.execute(_DOMAIN_OF_HOST, {"domains": domains}).mappings().first()
