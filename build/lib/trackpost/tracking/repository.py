"""Queries of the click path: cache version, code resolution, clicks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    RowMapping,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from trackpost.core.batch import batch_scope
from trackpost.core.hot import Hot
from trackpost.models.tables import TRACKING_CACHE
from trackpost.models.tables import cache_versions as CV
from trackpost.models.tables import clicks as C
from trackpost.models.tables import customers as CU
from trackpost.models.tables import landing_page_access as LPA
from trackpost.models.tables import landing_pages as LP
from trackpost.models.tables import offers as O
from trackpost.models.tables import transactions as T

CACHE_NAME = TRACKING_CACHE
# The click path's two statements run hot: on the driver's cursor (see core/hot.py).
_VERSION = Hot(select(CV.c.version).where(CV.c.name == CACHE_NAME))
_CLICK_COLUMNS = tuple(c.name for c in C.columns if c.name != "clickid")
# inline(): no RETURNING of the new id, which nothing on the click path needs.
_INSERT_CLICK = Hot(
    insert(C).inline().values({n: bindparam(n, type_=C.c[n].type) for n in _CLICK_COLUMNS})
)
_BUMP = update(CV).where(CV.c.name == CACHE_NAME).values(version=CV.c.version + 1)
_LP_COLUMNS = (
    LP.c.landing_pageid,
    LP.c.offerid,
    LP.c.name,
    LP.c.url,
    LP.c.private,
    LP.c.disable_deep_linking,
    LP.c.disable_url_sanitization,
    LP.c.redirect_hash,
    LP.c.tracking_domain,
)
_OFFER_COLUMNS = (
    O.c.active,
    O.c.date_live,
    O.c.date_expire,
    O.c.expire_url,
    O.c.expire_landing_pageid,
    O.c.hidden,
)
_LANDING_PAGE = (
    select(*_LP_COLUMNS, *_OFFER_COLUMNS)
    .join_from(LP, O, LP.c.offerid == O.c.offerid)
    .where(LP.c.landing_pageid == bindparam("landing_pageid"))
)
# The offer's default landing page: its first public one, else its first one.
_DEFAULT_LANDING_PAGE = (
    select(*_LP_COLUMNS, *_OFFER_COLUMNS)
    .join_from(LP, O, LP.c.offerid == O.c.offerid)
    .where(LP.c.offerid == bindparam("offerid"))
    .order_by(LP.c.private.asc(), LP.c.landing_pageid.asc())
    .limit(1)
)


def cache_version(conn: Connection) -> int:
    """The click path's one cheap read: a primary-key lookup, read once per group-commit batch
    (nothing else can write while the batch holds SQLite's write lock, and bump_version forgets
    it when a request of the batch changes it)."""
    scope = batch_scope(conn)
    if scope is not None:
        known = scope.memo.get(CACHE_NAME)
        if known is not None:
            return int(known)
    version = _VERSION.scalar(conn, {})
    if version is None:
        raise LookupError(f"cache_versions has no {CACHE_NAME!r} row; run the migrations")
    if scope is not None:
        scope.memo[CACHE_NAME] = version
    return int(version)


def bump_version(conn: Connection) -> None:
    """Called in the transaction of every change the click path caches, so workers drop it."""
    scope = batch_scope(conn)
    if scope is not None:
        scope.memo.pop(CACHE_NAME, None)
    conn.execute(_BUMP)


_CLICK_BY_HASH = select(C).where(C.c.click_hash == bindparam("hash"))


def click_by_hash(conn: Connection, click_hash: str) -> RowMapping | None:
    """One click by its hash (the payout preview's and the console's lookup)."""
    return conn.execute(_CLICK_BY_HASH, {"hash": click_hash}).mappings().first()


def landing_page(conn: Connection, landing_pageid: int) -> RowMapping | None:
    """A landing page with its offer's availability columns."""
    return conn.execute(_LANDING_PAGE, {"landing_pageid": landing_pageid}).mappings().first()


# A resolution's (cache miss only) read of the affiliate's override of the page's private setting.
_ACCESS = select(LPA.c.enabled).where(
    LPA.c.landing_pageid == bindparam("landing_pageid"), LPA.c.loginid == bindparam("loginid")
)


def enabled_override(conn: Connection, landing_pageid: int, loginid: int) -> bool | None:
    """set_enabled_affiliates' word on this affiliate and page: True, False, or None (none)."""
    row = conn.execute(_ACCESS, {"landing_pageid": landing_pageid, "loginid": loginid}).first()
    return None if row is None else row.enabled


def default_landing_page(conn: Connection, offerid: int) -> RowMapping | None:
    return conn.execute(_DEFAULT_LANDING_PAGE, {"offerid": offerid}).mappings().first()


_EXTRA = select(C.c.extra).where(C.c.click_hash == bindparam("hash"))


def click_extra(conn: Connection, click_hash: str) -> str | None:
    """The click's pass-through parameters as stored (JSON), or None."""
    value = conn.execute(_EXTRA, {"hash": click_hash}).scalar()
    return None if value is None else str(value)


# The console's acquisition block: one click by its primary key (or by hash, above).
_CLICK_BY_ID = select(C).where(C.c.clickid == bindparam("clickid"))


def click_by_id(conn: Connection, clickid: int) -> RowMapping | None:
    """A whole click row by clickid, or None (retention may have pruned it)."""
    return conn.execute(_CLICK_BY_ID, {"clickid": clickid}).mappings().first()


def insert_click(conn: Connection, row: dict[str, Any]) -> None:
    """The click path's one write; under group commit it goes in with the batch's other rows
    just before the COMMIT (nothing reads a click back in the transaction that makes it)."""
    _INSERT_CLICK.later(conn, row)


# Retention (tracking/retention.py) walks the clicks in primary-key order: ids grow with time,
# so the old clicks are the table's first ids, and no index on created_at (which every click
# would pay for) is needed.
_CLICK_PAGE = (
    select(C.c.clickid, C.c.created_at)
    .where(C.c.clickid > bindparam("after"))
    .order_by(C.c.clickid)
    .limit(bindparam("limit"))
)
# A click stays while anything refers to it: its customer (customers.clickid, indexed by
# migration 0008) or a transaction (transactions.click_hash, which conversions and their
# follow-ups copy). Read in the deleting statement itself, inside the writer's turn.
# OFFSET 0 keeps each check a per-click index probe: PostgreSQL otherwise turns NOT EXISTS
# into an anti join and may hash the whole transactions table for every batch.
_PRUNABLE = and_(
    C.c.clickid > bindparam("after"),
    C.c.clickid <= bindparam("upto"),
    C.c.created_at < bindparam("cutoff", type_=C.c.created_at.type),
    ~exists(select(CU.c.clickid).where(CU.c.clickid == C.c.clickid).offset(0)),
    ~exists(select(T.c.click_hash).where(T.c.click_hash == C.c.click_hash).offset(0)),
)
_PRUNE = delete(C).where(_PRUNABLE)
_COUNT_PRUNABLE = select(func.count()).select_from(C).where(_PRUNABLE)


def click_ages(conn: Connection, after: int, limit: int) -> list[Row[Any]]:
    """(clickid, created_at) of the first `limit` clicks after clickid `after`."""
    return list(conn.execute(_CLICK_PAGE, {"after": after, "limit": limit}))


def prune_clicks(conn: Connection, after: int, upto: int, cutoff: dt.datetime) -> int:
    """Delete the clicks of ids (after, upto] made before cutoff that nothing refers to."""
    params = {"after": after, "upto": upto, "cutoff": cutoff}
    return int(conn.execute(_PRUNE, params).rowcount)


def count_prunable_clicks(conn: Connection, after: int, upto: int, cutoff: dt.datetime) -> int:
    """How many clicks prune_clicks would delete now (a dry run)."""
    params = {"after": after, "upto": upto, "cutoff": cutoff}
    return int(conn.execute(_COUNT_PRUNABLE, params).scalar_one())


# The affiliate search's click statistics (an admin listing, not the click path).
_CLICK_COUNTS = (
    select(C.c.loginid, func.count().label("raw"), func.count(C.c.ip.distinct()).label("unique"))
    .where(
        C.c.loginid.in_(bindparam("ids", expanding=True)),
        C.c.created_at >= bindparam("lo", type_=C.c.created_at.type),
        C.c.created_at < bindparam("hi", type_=C.c.created_at.type),
    )
    .group_by(C.c.loginid)
)


def click_counts(
    conn: Connection, loginids: list[int], lo: dt.datetime, hi: dt.datetime
) -> dict[int, tuple[int, int]]:
    """Per affiliate: (clicks, distinct visitor IPs) made in [lo, hi)."""
    rows = conn.execute(_CLICK_COUNTS, {"ids": loginids, "lo": lo, "hi": hi})
    return {int(r.loginid): (int(r.raw), int(r.unique)) for r in rows}
