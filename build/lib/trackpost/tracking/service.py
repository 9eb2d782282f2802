"""The click: resolve a linkcode (cached), record the click, and say where the surfer goes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.core.fields import aliased
from trackpost.tracking import repository as repo
from trackpost.tracking.cache import ClickGate, Overflow, Resolution, ResolutionCache, Target
from trackpost.tracking.dimensions import NO_DEVICE, Device
from trackpost.tracking.linkcode import MalformedCode, TrackingCode, decode
from trackpost.tracking.urls import MACROS, UrlTemplate, is_macro_name, with_deep_link

# Affiliate statuses whose links stop working: 1 Disabled, 2 Banned, 5 Denied.
BLOCKED_STATUSES = frozenset({1, 2, 5})


# The link parameters the click row has columns for; subaff is the alias of subaff1.
SUB_NAMES = ("subaff1", "subaff2", "subaff3", "subaff4", "subaff5", "subids", "_ocid")
_KNOWN = frozenset({"subaff", *SUB_NAMES})
# Custom pass-through parameters kept per click: how many, and how long each value may be.
MAX_EXTRA = 20
MAX_VALUE = 255


def link_values(params: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A click's sub values (subaff1..5, subids, _ocid) and its other parameters (cust_var...).

    Needs no database: read before the transaction. subaff and subaff1 are one parameter; two
    different values are a 400 naming both. Other names that could be a macro's (letters,
    digits, underscore; at most 32) are kept, the first MAX_EXTRA of them, unless a built-in
    macro has that name.
    """
    subs: dict[str, str] = {}
    extra: dict[str, str] = {}
    for name, value in params.items():
        if not isinstance(value, str) or not value:
            continue
        if name in _KNOWN:
            subs[name] = value[:MAX_VALUE]
        elif len(extra) < MAX_EXTRA and name not in MACROS and is_macro_name(name):
            extra[name] = value[:MAX_VALUE]
    if "subaff" in subs:
        subaff = subs.pop("subaff")
        subs["subaff1"] = aliased("subaff", subaff, "subaff1", subs.get("subaff1")) or subaff
    return subs, extra


@dataclass(frozen=True, slots=True)
class ClickRequest:
    """What the HTTP layer hands over about one click."""

    code: str
    path: str | None
    params: Mapping[str, Any]
    ip: str
    user_agent: str | None
    referrer: str | None
    # Drawn before the transaction: the random source is no work for the single writer's turn.
    click_hash: str
    # False for HEAD: link-preview bots see where the link goes without counting as a click.
    record: bool = True
    # link_values(params), read before the transaction.
    subs: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)
    # The click's dimensions (tracking/dimensions.py), also worked out before the transaction.
    country: str | None = None
    device: Device = NO_DEVICE


@dataclass(frozen=True, slots=True)
class ClickOutcome:
    """location None: answer 404 (or the fallback URL). click_hash None: no click was recorded."""

    location: str | None
    click_hash: str | None = None
    reason: str = ""


def _target(row: RowMapping) -> Target:
    return Target(
        offerid=int(row["offerid"]),
        landing_pageid=int(row["landing_pageid"]),
        template=UrlTemplate.compile(row["url"]),
        deep_linking=not row["disable_deep_linking"],
    )


def _missing(code: TrackingCode | None, reason: str) -> Resolution:
    return Resolution(code=code, target=None, reason=reason)


def resolve(conn: Connection, text: str) -> Resolution:
    """Turn code text into a Resolution; every way of leading nowhere is a missing target."""
    try:
        code, _ = decode(text)
    except MalformedCode as exc:
        return _missing(None, str(exc))
    # Asked of accounts, which owns the logins table: only a cache miss pays this read.
    status = accounts.affiliate_status(conn, code.loginid)
    if status is None:
        return _missing(code, "no such affiliate")
    if status in BLOCKED_STATUSES:
        return _missing(code, "affiliate is disabled, banned or denied")
    if code.landing_pageid:
        row = repo.landing_page(conn, code.landing_pageid)
        if row is None or (code.offerid and int(row["offerid"]) != code.offerid):
            return _missing(code, "no such landing page for this offer")
    elif code.offerid:
        row = repo.default_landing_page(conn, code.offerid)
        if row is None:
            return _missing(code, "the offer has no landing page")
    else:
        return _missing(code, "the code names no offer or landing page")
    # A private page takes clicks only from affiliates enabled for it (set_enabled_affiliates);
    # a public one from everyone not disabled for it.
    override = repo.enabled_override(conn, int(row["landing_pageid"]), code.loginid)
    if not (override if override is not None else not row["private"]):
        return _missing(code, "the landing page is not enabled for this affiliate")
    expire_target: Target | None = None
    if row["expire_landing_pageid"]:
        expire_row = repo.landing_page(conn, int(row["expire_landing_pageid"]))
        if expire_row is not None:
            expire_target = _target(expire_row)
    if expire_target is None and row["expire_url"]:
        expire_target = Target(
            offerid=int(row["offerid"]),
            landing_pageid=0,
            template=UrlTemplate.compile(row["expire_url"]),
            deep_linking=False,
        )
    return Resolution(
        code=code,
        target=_target(row),
        active=bool(row["active"]),
        date_live=row["date_live"],
        date_expire=row["date_expire"],
        expire_target=expire_target,
    )


def _macro_values(res: Resolution, target: Target, req: ClickRequest) -> dict[str, str]:
    code = res.code
    assert code is not None
    subs = req.subs
    # Custom pass-throughs first: a built-in macro's value always wins.
    values = {**req.extra, **subs} if req.extra else dict(subs)
    values["subaff"] = subs.get("subaff1", "")
    values["aff_id"] = str(code.loginid)
    values["offer_id"] = str(target.offerid)
    values["landing_page_id"] = str(target.landing_pageid)
    values["campaign_id"] = str(code.campaignid)
    return values


def click(
    conn: Connection,
    cache: ResolutionCache,
    req: ClickRequest,
    now: dt.datetime,
    gate: ClickGate | None = None,
) -> ClickOutcome:
    """One version read, then (on a cache hit) one insert; a miss adds the resolution reads.

    A recorded click passes the gate (the caps) first; an offer without caps costs it one
    dictionary lookup.
    """
    version = repo.cache_version(conn)
    cache.sync(version)
    res = cache.get(req.code)
    if res is None:
        res = resolve(conn, req.code)
        cache.put(req.code, res)
    target = res.target
    if target is None or res.code is None:
        return ClickOutcome(None, reason=res.reason)
    if not res.available(now):
        expired = res.expire_target
        if expired is None:
            return ClickOutcome(None, reason="the offer is paused or expired")
        # Not a normal click: nothing recorded, so there is no click hash to pass on.
        return ClickOutcome(expired.template.fill(_macro_values(res, expired, req)))
    if req.record and gate is not None:
        over = gate.admit(conn, version, target.offerid, res.code.loginid, req.ip, now)
        if over is not None:
            return _overflow(conn, res, req, over, now)
    return _send(conn, res, target, req, now)


def _send(
    conn: Connection, res: Resolution, target: Target, req: ClickRequest, now: dt.datetime
) -> ClickOutcome:
    click_hash = req.click_hash
    values = _macro_values(res, target, req)
    values["click_hash"] = values["transaction_hash"] = click_hash
    location = target.template.fill(values)
    if req.path and target.deep_linking:
        location = with_deep_link(location, req.path)
    if not req.record:
        return ClickOutcome(location)
    code = res.code
    assert code is not None
    subs = req.subs
    repo.insert_click(
        conn,
        {
            "click_hash": click_hash,
            "loginid": code.loginid,
            "programid": code.programid,
            "offerid": target.offerid,
            "landing_pageid": target.landing_pageid,
            "campaignid": code.campaignid,
            "adtoolid": code.adtoolid,
            "subaff1": subs.get("subaff1"),
            "subaff2": subs.get("subaff2"),
            "subaff3": subs.get("subaff3"),
            "subaff4": subs.get("subaff4"),
            "subaff5": subs.get("subaff5"),
            "subids": subs.get("subids"),
            "ocid": subs.get("_ocid"),
            "extra": orjson.dumps(req.extra).decode() if req.extra else None,
            "ip": req.ip[:64],
            "user_agent": req.user_agent[:512] if req.user_agent else None,
            "referrer": req.referrer[:2048] if req.referrer else None,
            "country": req.country,
            "device_type": req.device.type,
            "device_os": req.device.os,
            "device_browser": req.device.browser,
            "created_at": now,
        },
    )
    return ClickOutcome(location, click_hash)


def _overflow(
    conn: Connection, res: Resolution, req: ClickRequest, over: Overflow, now: dt.datetime
) -> ClickOutcome:
    """A capped click: to a URL (nothing recorded) or to another offer (recorded there)."""
    if over.url is not None:
        url_target = Target(0, 0, UrlTemplate.compile(over.url), deep_linking=False)
        return ClickOutcome(url_target.template.fill(_macro_values(res, url_target, req)))
    row = None
    if over.landing_pageid:
        row = repo.landing_page(conn, over.landing_pageid)
    elif over.offerid:
        row = repo.default_landing_page(conn, over.offerid)
    if row is None:
        return ClickOutcome(None, reason="the cap's overflow offer has no landing page")
    overflow = Resolution(
        code=res.code,
        target=None,
        active=bool(row["active"]),
        date_live=row["date_live"],
        date_expire=row["date_expire"],
    )
    if not overflow.available(now):
        # Neither the capped offer nor a paused one: the dead-end answer, no click recorded.
        return ClickOutcome(None, reason="the cap's overflow offer is paused or expired")
    return _send(conn, res, _target(row), req, now)


def click_extras(conn: Connection, click_hash: str) -> dict[str, str]:
    """The custom pass-through parameters (cust_var...) of a click; empty when none or unknown."""
    return _extras_of(repo.click_extra(conn, click_hash))


def forget_cached(conn: Connection) -> None:
    """Called in the transaction of every change the click path caches, so workers drop it."""
    repo.bump_version(conn)


def click_by_hash(conn: Connection, click_hash: str) -> RowMapping | None:
    """A recorded click by its hash, or None."""
    return repo.click_by_hash(conn, click_hash)


def landing_page(conn: Connection, landing_pageid: int) -> RowMapping | None:
    """A landing page as a click on it sees it (with its offer), or None."""
    return repo.landing_page(conn, landing_pageid)


def enabled_override(conn: Connection, landing_pageid: int, loginid: int) -> bool | None:
    """Whether set_enabled_affiliates enabled (True) or disabled (False) the page for the
    affiliate; None when it said nothing (the page's private setting applies)."""
    return repo.enabled_override(conn, landing_pageid, loginid)


def default_landing_page(conn: Connection, offerid: int) -> RowMapping | None:
    """The landing page a click on the offer alone reaches, or None."""
    return repo.default_landing_page(conn, offerid)


def click_counts(
    conn: Connection, loginids: list[int], lo: dt.datetime, hi: dt.datetime
) -> dict[int, tuple[int, int]]:
    """Per affiliate: (raw clicks, unique visitors by IP) in [lo, hi); absent means none."""
    return repo.click_counts(conn, loginids, lo, hi) if loginids else {}


@dataclass(frozen=True, slots=True)
class ClickView:
    """What a click recorded about how a customer arrived: the console's acquisition block."""

    clickid: int
    click_hash: str
    # The linkcode of the ids the click recorded (the offer's default page resolved).
    linkcode: str
    subs: dict[str, str]
    extras: dict[str, str]
    referrer: str | None
    ip: str | None
    user_agent: str | None
    # ISO 3166 alpha-2 when the click's country was recorded, else None.
    country: str | None
    created_at: dt.datetime


def _extras_of(raw: object) -> dict[str, str]:
    if not raw:
        return {}
    try:
        found = orjson.loads(str(raw))
    except orjson.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def click_view(
    conn: Connection, *, clickid: int | None = None, click_hash: str | None = None
) -> ClickView | None:
    """One indexed read of a click by id (else by hash); None when neither names a kept click."""
    row = None
    if clickid is not None:
        row = repo.click_by_id(conn, clickid)
    if row is None and click_hash:
        row = repo.click_by_hash(conn, click_hash)
    if row is None:
        return None
    code = TrackingCode(
        loginid=int(row["loginid"]),
        programid=int(row["programid"] or 0),
        offerid=int(row["offerid"]),
        landing_pageid=int(row["landing_pageid"]),
        campaignid=int(row["campaignid"] or 0),
        adtoolid=int(row["adtoolid"] or 0),
    )
    subs = {name: str(row[col]) for name, col in _VIEW_SUBS if row[col]}
    return ClickView(
        clickid=int(row["clickid"]),
        click_hash=str(row["click_hash"]),
        linkcode=code.encoded(),
        subs=subs,
        extras=_extras_of(row["extra"]),
        referrer=row["referrer"],
        ip=row["ip"],
        user_agent=row["user_agent"],
        country=row.get("country") or None,
        created_at=row["created_at"],
    )


# The sub values a click keeps, as the link names them -> the click row's column.
_VIEW_SUBS = (
    ("subaff1", "subaff1"),
    ("subaff2", "subaff2"),
    ("subaff3", "subaff3"),
    ("subaff4", "subaff4"),
    ("subaff5", "subaff5"),
    ("subids", "subids"),
    ("_ocid", "ocid"),
)
