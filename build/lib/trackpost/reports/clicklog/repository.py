"""The click log's queries: keyset pages of clicks in clickid order, built once per filter set.

Clicks have no index on created_at (every click would pay for one): their ids grow with time,
so a period's bounds become a clickid range found by a binary search over the primary key
(about 24 one-row index reads at 10M clicks), and a page is an index range read from `after`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, and_, bindparam, exists, func, select, true

from trackpost.models.tables import clicks as C
from trackpost.models.tables import customers as CU
from trackpost.models.tables import logins as L

_AFF = L.alias("aff")
# The customer a click made (customers.clickid is indexed): one index probe per row.
_CUSTOMER = select(func.min(CU.c.customer_id)).where(CU.c.clickid == C.c.clickid).scalar_subquery()
_CONVERTED = exists(select(CU.c.customer_id).where(CU.c.clickid == C.c.clickid))
_COLUMNS = (
    C.c.clickid,
    C.c.created_at,
    C.c.click_hash,
    C.c.loginid,
    _AFF.c.username,
    C.c.offerid,
    C.c.landing_pageid,
    C.c.campaignid,
    C.c.subaff1,
    C.c.subaff2,
    C.c.subaff3,
    C.c.subaff4,
    C.c.subaff5,
    C.c.subids,
    C.c.ocid,
    C.c.ip,
    C.c.user_agent,
    C.c.referrer,
    C.c.country,
    C.c.device_type,
    C.c.device_os,
    C.c.device_browser,
    _CUSTOMER.label("customer_id"),
)
_WHEN = C.c.created_at.type
# Filter name -> its condition; each value is bound as f_<name>.
_CONDITIONS: dict[str, Any] = {
    "upto": C.c.clickid <= bindparam("f_upto"),
    "from": C.c.created_at >= bindparam("f_from", type_=_WHEN),
    "until": C.c.created_at < bindparam("f_until", type_=_WHEN),
    "loginid": C.c.loginid == bindparam("f_loginid"),
    "offerid": C.c.offerid == bindparam("f_offerid"),
    "landingpageid": C.c.landing_pageid == bindparam("f_landingpageid"),
    "campaignid": C.c.campaignid == bindparam("f_campaignid"),
    "country": C.c.country == bindparam("f_country"),
    "subaff1": C.c.subaff1 == bindparam("f_subaff1"),
    "subaff2": C.c.subaff2 == bindparam("f_subaff2"),
    "subaff3": C.c.subaff3 == bindparam("f_subaff3"),
    "subaff4": C.c.subaff4 == bindparam("f_subaff4"),
    "subaff5": C.c.subaff5 == bindparam("f_subaff5"),
    "converted": _CONVERTED,
    "unconverted": ~_CONVERTED,
}
_FLAGS = frozenset({"converted", "unconverted"})


@lru_cache(maxsize=256)
def _page(names: frozenset[str]) -> Select[Any]:
    where = and_(C.c.clickid > bindparam("after"), true(), *(_CONDITIONS[n] for n in sorted(names)))
    return (
        select(*_COLUMNS)
        .select_from(C.outerjoin(_AFF, _AFF.c.loginid == C.c.loginid))
        .where(where)
        .order_by(C.c.clickid)
        .limit(bindparam("lim"))
    )


def page(conn: Connection, filters: Mapping[str, Any], after: int, count: int) -> list[RowMapping]:
    """Up to `count` matching clicks with clickid above `after`, in clickid order."""
    params = {f"f_{k}": v for k, v in filters.items() if k not in _FLAGS}
    stmt = _page(frozenset(filters))
    return list(conn.execute(stmt, {**params, "after": after, "lim": count}).mappings())


_MAX_ID = select(func.max(C.c.clickid))
_AT_OR_AFTER = (
    select(C.c.created_at).where(C.c.clickid >= bindparam("id")).order_by(C.c.clickid).limit(1)
)


def first_id_at(conn: Connection, when: dt.datetime) -> int:
    """The smallest clickid whose click was made at `when` or later, as if ids grew with time
    (a binary search over the primary key); one above the last id when none was."""
    top = conn.execute(_MAX_ID).scalar()
    lo, hi = 1, int(top or 0) + 1
    while lo < hi:
        mid = (lo + hi) // 2
        made = conn.execute(_AT_OR_AFTER, {"id": mid}).scalar()
        if made is None or made >= when:
            hi = mid
        else:
            lo = mid + 1
    return lo
