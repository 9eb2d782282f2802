"""The Profit & Loss and statistics reports: filters to rollup reads, hours to network days,
and the derived figures (expenses, net, EPC, conversion rate)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from trackpost.core.db import utcnow
from trackpost.core.errors import InvalidParameter
from trackpost.reports.periods import CURRENT, LAST, period_range
from trackpost.reports.service import payout_periods
from trackpost.stats import page_repository as pages
from trackpost.stats import report_repository as reads
from trackpost.stats import repository as repo
from trackpost.stats.figures import COUNTS as COUNTS
from trackpost.stats.figures import DERIVED, FIGURES, figures, sort_key
from trackpost.stats.figures import PAYEES as PAYEES
from trackpost.stats.figures import csv_rows as csv_rows
from trackpost.stats.repository import FACTS, GRAINS, MEASURES, SUBAFFS, Grain
from trackpost.stats.schemas import Filters, ProfitLoss, Stats
from trackpost.tracking import linkcode

TIME_DIMS = {"hour", "day", "month", "year"}
# A report dimension -> the rollup column it groups by.
DIMS = {
    "offer": "offerid",
    "landing_page": "landing_pageid",
    "affiliate": "loginid",
    "campaign": "campaignid",
    "adtool": "adtoolid",
    "program": "programid",
    "advertiser": "advertiserid",
    "country": "country",
    "device_type": "device_type",
    "device_os": "device_os",
    "device_browser": "device_browser",
    **{f"subid{i}": f"subaff{i}" for i in range(1, 6)},
}
# The vendor's P&L views -> our dimensions; the views trackpost has no data for.
VIEWS = {
    "period": "day",
    "month": "month",
    "year": "year",
    "landing_page": "landing_page",
    "offer": "offer",
    "subid1": "subid1",
    "subid2": "subid2",
    "login": "affiliate",
    "adtool": "adtool",
    "demographic": "country",
    "device_type": "device_type",
    "device_os": "device_os",
    "device_browser": "device_browser",
    "campaign": "campaign",
    "advertiser": "advertiser",
    "program": "program",
}
NO_DATA_VIEWS = (
    "offer_group",
    "refurl",
    "device_brand",
    "device_model",
    "device_os_version",
    "device_carrier",
)
_ID_FILTERS = {
    "filter_loginid": "loginid",
    "filter_campaignid": "campaignid",
    "filter_offerid": "offerid",
    "filter_landingpageid": "landing_pageid",
    "filter_adtoolid": "adtoolid",
    "filter_programid": "programid",
    "filter_advertiserid": "advertiserid",
}
_DEVICE_TYPES = {"0": "desktop", "1": "mobile"}


@contextlib.contextmanager
def ledger_change(conn: Connection, transactionid: int) -> Iterator[None]:
    """Around an in-place change of a ledger row (an approval, a revenue update): a row the
    fold already counted has its old contribution taken out and its new one added, in the
    change's own transaction; a row past the cursor is still counted live, then folded as it
    is then. The fold's cursor row stays locked until the change commits."""
    folded = transactionid <= repo.state(conn)[1]
    repo.bump(conn)
    if folded:
        repo.adjust(conn, transactionid, -1)
    yield
    if folded:
        repo.adjust(conn, transactionid, 1)


@dataclass(frozen=True)
class Query:
    """A report's grain, filters (repository names) and the UTC hours it covers."""

    grain: Grain
    filters: dict[str, Any]
    param_of: dict[str, str]  # filter name -> the parameter that set it


def _floor_hour(when: dt.datetime) -> dt.datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def query_of(conn: Connection, params: Filters, now: dt.datetime, zone: ZoneInfo) -> Query:
    """The filters as repository conditions (400 naming a bad one); days are the network's,
    and period codes 0 and 1 the filtered affiliate's (or the default) payout periods."""
    if params.limit_mediabuy:
        raise InvalidParameter(
            "Parameter 'limit_mediabuy' must be 0: trackpost records no media buys."
        )
    payout = None
    if params.period in (CURRENT, LAST) and not params.start and not params.end:
        payout = payout_periods(conn, params.filter_loginid, now, zone)
    lo, hi = period_range(params.period, params.start, params.end, now, payout, zone)
    filters: dict[str, Any] = {}
    param_of: dict[str, str] = {}

    def put(name: str, value: Any, param: str) -> None:
        if name in filters and filters[name] != value:
            raise InvalidParameter(f"Parameter '{param}' contradicts '{param_of[name]}'.")
        filters[name] = value
        param_of[name] = param

    if lo is not None:
        put("from", _floor_hour(lo), "start")
    if hi is not None:
        put("until", _floor_hour(hi), "end")
    for param, name in _ID_FILTERS.items():
        value = getattr(params, param)
        if value is not None:
            put(name, value, param)
    if params.filter_countryid:  # checked at the edge (core.fields.CountryFilter); '' is all
        put("country", params.filter_countryid, "filter_countryid")
    if params.filter_device_type:
        raw = params.filter_device_type.strip().lower()
        put("device_type", _DEVICE_TYPES.get(raw, raw), "filter_device_type")
    if params.filter_device_os:
        put("device_os", params.filter_device_os, "filter_device_os")
    if params.filter_device_browser:
        put("device_browser", params.filter_device_browser, "filter_device_browser")
    if params.productcode:
        try:
            ids, _plain = linkcode.decode(params.productcode.strip())
        except ValueError as exc:
            raise InvalidParameter(f"Parameter 'productcode' is not a linkcode: {exc}.") from None
        put("loginid", ids.loginid, "productcode")
        for name in ("offerid", "landing_pageid", "campaignid", "adtoolid", "programid"):
            if getattr(ids, name):
                put(name, getattr(ids, name), "productcode")
    if params.limit_inhouse == 1:
        put("inhouse", True, "limit_inhouse")
    elif params.limit_inhouse == 2:
        put("not_inhouse", True, "limit_inhouse")
    if params.acct_rep is not None:
        put("acct_rep", params.acct_rep, "acct_rep")
    return Query(FACTS, filters, param_of)


# Filters on no key of their own: time, and those naming affiliates (they read loginid).
_GRAIN_FREE = {"from", "until", "inhouse", "not_inhouse", "acct_rep"}
_BY_AFFILIATE = {"inhouse", "not_inhouse", "acct_rep"}


def _grain(query: Query, dims: list[str], named: dict[str, str]) -> Grain:
    """The rollup holding every dimension and filter asked for (400 when none does)."""
    columns = {DIMS[d] for d in dims if d not in TIME_DIMS}
    needed = columns | (set(query.filters) - _GRAIN_FREE)
    if _BY_AFFILIATE & set(query.filters):
        needed.add("loginid")
    for grain in GRAINS:
        if needed <= set(grain.keys):
            return grain
    subaff = next(d for d in dims if DIMS.get(d, "").startswith("subaff"))
    other = sorted(needed - set(SUBAFFS.keys))[0]
    param = query.param_of.get(other) or next(k for k, v in named.items() if DIMS.get(k) == other)
    raise InvalidParameter(
        f"Parameter '{param}' cannot be combined with the {named.get(subaff, subaff)} breakdown: "
        "subid figures are kept by affiliate, offer, landing page and campaign only."
    )


def _collect(
    conn: Connection, query: Query, dims: list[str], zone: ZoneInfo, uwin: int
) -> dict[tuple[Any, ...], list[int]]:
    """Summed measures per key tuple (time keys in the network's zone)."""
    times = [d for d in dims if d in TIME_DIMS]
    group = [DIMS[d] for d in dims if d not in TIME_DIMS]
    time = (times[0], zone) if times else None
    out: dict[tuple[Any, ...], list[int]] = {}
    width = len(group) + (1 if time else 0)
    # Where each dimension's value sits in a row: the time key first, then the others.
    at = iter(range(width))
    place = {
        d: next(at) for d in ([times[0]] if time else []) + [d for d in dims if d not in TIME_DIMS]
    }
    order = [place[d] for d in dims]
    for row in reads.totals(conn, query.grain, group, query.filters, uwin, time):
        key = tuple(row[i] for i in order)
        figures_ = [int(v or 0) for v in row[width:]]
        sums = out.get(key)
        if sums is None:
            out[key] = figures_
        else:
            out[key] = [a + b for a, b in zip(sums, figures_, strict=True)]
    return out


def _label(dim: str, value: Any) -> str:
    return str(value) if value not in ("", None) else "unknown"


def profit_loss(
    conn: Connection, params: ProfitLoss, zone: ZoneInfo, uwin: int
) -> tuple[str, dict[str, Any]]:
    """(the dimension, the answer: `total` with `breakdown`, then one row per key)."""
    view = params.view.strip().lower()
    if view in NO_DATA_VIEWS:
        raise InvalidParameter(f"Parameter 'view': trackpost records no data for {view!r}.")
    if view not in VIEWS:
        raise InvalidParameter(
            f"Parameter 'view' must be one of {', '.join(VIEWS)}, got {params.view[:32]!r}."
        )
    dim = VIEWS[view]
    query = query_of(conn, params, utcnow(), zone)
    query = Query(_grain(query, [dim], {dim: "view"}), query.filters, query.param_of)
    sums = _collect(conn, query, [dim], zone, uwin)
    total = [sum(col) for col in zip(*sums.values(), strict=True)] or [0] * len(MEASURES)
    answer: dict[str, Any] = {"total": {"breakdown": view, **figures(total)}}
    for key in sorted(sums, key=lambda k: (str(type(k[0])), k[0])):
        answer[_label(dim, key[0])] = {dim: key[0], **figures(sums[key])}
    return dim, answer


def stats(
    conn: Connection, params: Stats, zone: ZoneInfo, uwin: int
) -> tuple[list[str], dict[str, Any]]:
    """(the dimensions, {dims, total, count, rows}): rows sorted and paged."""
    dims = [d.strip().lower() for d in params.dims.split(",") if d.strip()]
    known = TIME_DIMS | set(DIMS)
    bad = [d for d in dims if d not in known]
    if not dims or len(dims) > 2 or bad or len(set(dims)) != len(dims):
        raise InvalidParameter(
            "Parameter 'dims' must name one or two different dimensions of "
            f"{', '.join(sorted(known))}" + (f"; {bad[0][:32]!r} is not one." if bad else ".")
        )
    if sum(d in TIME_DIMS for d in dims) > 1:
        raise InvalidParameter("Parameter 'dims' may name only one time dimension.")
    query = query_of(conn, params, utcnow(), zone)
    query = Query(_grain(query, dims, dict.fromkeys(dims, "dims")), query.filters, query.param_of)
    field = params.sort.lstrip("-").strip() if params.sort else None
    if field is not None and field not in (*dims, *FIGURES, *MEASURES, *DERIVED):
        raise _bad_sort(field)
    order = _order(dims, field, bool(params.sort and params.sort.startswith("-")))
    if order is not None:
        done = _sql_page(conn, query, dims, zone, uwin, order, params)
        if done is not None:
            return dims, done
    sums = _collect(conn, query, dims, zone, uwin)
    # Sorted on the summed figures; only the page's rows get their figures worked out.
    keys = sorted(sums, key=lambda k: tuple((str(type(v)), v) for v in k))
    if params.sort:
        field = params.sort.lstrip("-").strip()
        if field not in _known_fields(dims, bool(keys)):
            raise _bad_sort(field)
        keys.sort(key=sort_key(field, dims, sums), reverse=params.sort.startswith("-"))
    total = [sum(col) for col in zip(*sums.values(), strict=True)] or [0] * len(MEASURES)
    page = [
        {**dict(zip(dims, k, strict=True)), **figures(sums[k])}
        for k in keys[params.start_row : params.start_row + params.count]
    ]
    return dims, {"dims": dims, "total": figures(total), "count": len(keys), "rows": page}


def _known_fields(dims: list[str], rows: bool) -> tuple[str, ...]:
    return (*dims, *FIGURES) if rows else (*dims, *MEASURES, *DERIVED)


def _bad_sort(field: str) -> InvalidParameter:
    return InvalidParameter(f"Parameter 'sort' names no figure or dimension: {field!r}.")


_TEXT_KEYS = {DIMS[d] for d in DIMS if d.startswith(("country", "device", "subid"))}


def _order(dims: list[str], field: str | None, descending: bool) -> pages.Order | None:
    """The page's order as SQL can sort it: by a key whose values sort as they compare here
    (ids; days, months and years as text), or by a figure from the summed integers; None when
    only `figures.sortable`'s order will do (a text dimension's values that may read as numbers)."""
    keys = tuple(pages.TIME if d in TIME_DIMS else DIMS[d] for d in dims)
    texts = frozenset(k for k in keys if k == pages.TIME or k in _TEXT_KEYS)
    if "hour" in dims:
        return None  # its keys are made here (as UTC text)
    if field is None:
        return pages.Order(keys, texts)
    if field in dims:
        i = dims.index(field)
        if keys[i] in _TEXT_KEYS:
            return None
        return pages.Order(keys, texts, key=i, descending=descending)
    if pages.sortable(field):
        return pages.Order(keys, texts, figure=field, descending=descending)
    return None


def _sql_page(
    conn: Connection,
    query: Query,
    dims: list[str],
    zone: ZoneInfo,
    uwin: int,
    order: pages.Order,
    params: Stats,
) -> dict[str, Any] | None:
    """The report sorted, paged and totalled in SQL (None: its keys are made here)."""
    times = [d for d in dims if d in TIME_DIMS]
    group = [DIMS[d] for d in dims if d not in TIME_DIMS]
    time = (times[0], zone) if times else None
    window = (params.start_row, params.count)
    got = pages.page(conn, query.grain, group, query.filters, uwin, time, order, window)
    if got is None:
        return None
    count, total, rows = got
    field = params.sort.lstrip("-").strip() if params.sort else None
    if field is not None and field not in _known_fields(dims, bool(count)):
        raise _bad_sort(field)
    width = len(dims)
    page = [{**dict(zip(dims, r[:width], strict=True)), **figures(list(r[width:]))} for r in rows]
    return {"dims": dims, "total": figures(total), "count": count, "rows": page}
