"""Adding, editing, removing and listing caps (get_conversion_caps and its trackpost siblings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.caps import repository as repo
from trackpost.caps.errors import CapNotFound
from trackpost.caps.rules import DURATIONS, TIMEFRAMES, TYPES, Cap
from trackpost.caps.schemas import AddCap, CapFields, EditCap, GetCaps
from trackpost.caps.service import amount_text
from trackpost.core.db import utcnow
from trackpost.core.errors import AdvertiserNotFound, InvalidParameter, MissingParameter
from trackpost.core.fields import decimal_money, iso
from trackpost.offers import service as offers
from trackpost.tracking import service as tracking

MAX_COUNT = 10**15


def _value(cap_type: str, text: str) -> int:
    """The cap as stored: a count, or minor units for revenue; at least 1."""
    try:
        if cap_type == "revenue":
            value = decimal_money(text)
        elif text.strip().isascii() and text.strip().isdigit():
            value = int(text)
        else:
            raise ValueError("is not a whole number; send a count such as 100")
    except ValueError as exc:
        raise InvalidParameter(f"Parameter 'cap' {exc}.") from None
    if not 0 < value <= MAX_COUNT:
        raise InvalidParameter(f"Parameter 'cap' must be between 1 and {MAX_COUNT}.")
    return value


def _scope(values: dict[str, Any], conn: Connection, loginid: str) -> None:
    if loginid in ("all", "each"):
        values.update(affiliate_scope=loginid, loginid=None)
        return
    number = int(loginid)
    if accounts.account_type(conn, number) != "affiliate":
        raise InvalidParameter(f"Parameter 'loginid': no affiliate with loginid {number}.")
    values.update(affiliate_scope="one", loginid=number)


def _fields(conn: Connection, params: CapFields) -> dict[str, Any]:
    """The columns the parameters sent set (checked one by one; the whole is checked later)."""
    values: dict[str, Any] = {}
    if params.type is not None:
        values["cap_type"] = params.type
    for name, column in (
        ("duration", "duration"),
        ("timeframe_restriction", "timeframe"),
        ("redirect_type", "overflow"),
        ("new_offerid", "new_offerid"),
        ("new_landing_pageid", "new_landing_pageid"),
        ("enabled", "enabled"),
    ):
        value = getattr(params, name)
        if value is not None:
            values[column] = value
    if params.redirect_url is not None:
        values["redirect_url"] = params.redirect_url or None
    if "start" in params.model_fields_set:
        values["start_at"] = params.start
    if "end" in params.model_fields_set:
        values["end_at"] = params.end
    if params.loginid is not None:
        _scope(values, conn, params.loginid)
    if params.new_offerid is not None:
        offers.check_offer(conn, params.new_offerid, "new_offerid")
    if params.new_landing_pageid is not None:
        page = tracking.landing_page(conn, params.new_landing_pageid)
        if page is None:
            raise InvalidParameter(
                f"Parameter 'new_landing_pageid': no landing page {params.new_landing_pageid}."
            )
        new_offerid = values.get("new_offerid") or params.new_offerid
        if new_offerid is not None and int(page["offerid"]) != new_offerid:
            raise InvalidParameter(
                "Parameter 'new_landing_pageid' is not a landing page of new_offerid."
            )
        values.setdefault("new_offerid", int(page["offerid"]))
    return values


def _check_whole(row: dict[str, Any]) -> None:
    """What only the cap as a whole can break: its overflow target and its dates."""
    if row["overflow"] == "offer":
        if row["new_offerid"] is None:
            raise MissingParameter("Parameter 'new_offerid' is required when redirect_type=offer.")
        if row["new_offerid"] == row["offerid"]:
            raise InvalidParameter("Parameter 'new_offerid' must be another offer than offerid.")
    elif row["overflow"] == "url" and not row["redirect_url"]:
        raise MissingParameter("Parameter 'redirect_url' is required when redirect_type=url.")
    start, end = row["start_at"], row["end_at"]
    if start is not None and end is not None and end <= start:
        raise InvalidParameter("Parameter 'end' must be after start.")


def add_cap(conn: Connection, params: AddCap, zone: str) -> int:
    """A new cap; its windows are the network's (zone) hours, days, weeks, months and years."""
    if (params.offerid is None) == (params.advertiserid is None):
        raise MissingParameter("Send exactly one of the parameters 'offerid' and 'advertiserid'.")
    if params.offerid is not None:
        offers.check_offer(conn, params.offerid)
    elif params.advertiserid is not None and (
        accounts.account_type(conn, params.advertiserid) != "advertiser"
    ):
        raise AdvertiserNotFound(
            f"No advertiser with loginid {params.advertiserid} (advertiserid)."
        )
    for name in ("cap", "type"):
        if getattr(params, name) is None:
            raise MissingParameter(f"Parameter '{name}' is required.")
    now = utcnow()
    row: dict[str, Any] = {
        "offerid": params.offerid,
        "advertiserid": params.advertiserid,
        "affiliate_scope": "all",
        "loginid": None,
        "duration": "day",
        "timeframe": "none",
        "zone": zone,
        "start_at": None,
        "end_at": None,
        "enabled": True,
        "deleted": False,
        "overflow": "notify",
        "new_offerid": None,
        "new_landing_pageid": None,
        "redirect_url": None,
        "created_at": now,
        "updated_at": now,
        **_fields(conn, params),
    }
    if params.redirect_type is None and row["new_offerid"] is not None:
        row["overflow"] = "offer"
    elif params.redirect_type is None and row["redirect_url"]:
        row["overflow"] = "url"
    row["cap_value"] = _value(row["cap_type"], str(params.cap))
    _check_whole(row)
    capid = repo.insert_cap(conn, row)
    tracking.forget_cached(conn)
    return capid


def _cap(conn: Connection, capid: int) -> RowMapping:
    row = repo.get_cap(conn, capid)
    if row is None:
        raise CapNotFound(f"No cap with cap_redirect_id {capid}.")
    return row


def edit_cap(conn: Connection, params: EditCap, zone: str) -> None:
    """Only what is sent changes; a new type or duration starts the counters again."""
    old = _cap(conn, params.cap_redirect_id)
    values = _fields(conn, params)
    cap_type = values.get("cap_type", old["cap_type"])
    if params.cap is not None:
        values["cap_value"] = _value(cap_type, params.cap)
    elif cap_type != old["cap_type"]:
        raise MissingParameter("Parameter 'cap' is required when the type changes.")
    values["zone"] = zone
    values["updated_at"] = utcnow()
    _check_whole({**old, **values})
    repo.update_cap(conn, params.cap_redirect_id, values)
    if cap_type != old["cap_type"] or values.get("duration", old["duration"]) != old["duration"]:
        repo.reset_usage(conn, params.cap_redirect_id)
    tracking.forget_cached(conn)


def remove_cap(conn: Connection, capid: int) -> None:
    """Marked deleted (get_conversion_caps deleted=1 still lists it); it caps nothing more."""
    _cap(conn, capid)
    repo.update_cap(conn, capid, {"deleted": True, "updated_at": utcnow()})
    tracking.forget_cached(conn)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def list_caps(conn: Connection, params: GetCaps) -> list[dict[str, Any]]:
    """The caps asked for, each with its status in its current window."""
    filters: dict[str, Any] = {"deleted": bool(params.deleted)}
    if params.enabled is not None:
        filters["enabled"] = params.enabled
    elif not params.deleted:
        filters["enabled"] = True
    for name, column in (
        ("offerid", "offerid"),
        ("advertiserid", "advertiserid"),
        ("type", "cap_type"),
        ("duration", "duration"),
        ("timeframe_restriction", "timeframe"),
    ):
        value = getattr(params, name)
        if value is not None:
            filters[column] = value
    if params.loginid in ("all", "each"):
        filters["affiliate_scope"] = params.loginid
    elif params.loginid is not None:
        filters["loginid"] = int(params.loginid)
    return _answers(conn, repo.list_caps(conn, filters))


def offer_caps(conn: Connection, offerid: int, advertiserid: int | None) -> list[dict[str, Any]]:
    """The caps on an offer, enabled or not, then its advertiser's (which cover it too), each
    with its status in its current window; removed caps are left out."""
    rows = repo.list_caps(conn, {"deleted": False, "offerid": offerid})
    if advertiserid is not None:
        rows += repo.list_caps(conn, {"deleted": False, "advertiserid": advertiserid})
    return _answers(conn, rows)


def _answers(conn: Connection, rows: list[RowMapping]) -> list[dict[str, Any]]:
    now = utcnow()
    caps = [Cap.of(r) for r in rows]
    usage = repo.usage(conn, [(c.capid, c.window(now)) for c in caps])
    return [_answer(row, cap, usage, now) for row, cap in zip(rows, caps, strict=True)]


def _status(cap: Cap, used: int, reached_at: dt.datetime | None) -> dict[str, Any]:
    return {
        "usage": amount_text(cap, used),
        "remaining": amount_text(cap, max(cap.value - used, 0)),
        "reached_at": iso(reached_at) if used >= cap.value else None,
    }


def _answer(
    row: RowMapping,
    cap: Cap,
    usage: dict[tuple[int, int], tuple[int, dt.datetime | None]],
    now: dt.datetime,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "cap_redirect_id": str(cap.capid),
        "offerid": _text(cap.offerid),
        "advertiserid": _text(cap.advertiserid),
        "loginid": str(cap.loginid) if cap.scope == "one" else cap.scope,
        "type": TYPES[cap.cap_type],
        "cap": amount_text(cap, cap.value),
        "duration": DURATIONS[cap.duration],
        "timeframe_restriction": TIMEFRAMES[cap.timeframe],
        "start": iso(cap.start_at),
        "end": iso(cap.end_at),
        "enabled": "1" if row["enabled"] else "0",
        "deleted": "1" if row["deleted"] else "0",
        "redirect_type": cap.overflow,
        "new_offerid": _text(cap.new_offerid),
        "new_landing_pageid": _text(cap.new_landing_pageid),
        "redirect_url": cap.redirect_url,
        "track": "1" if cap.overflow == "offer" else "0",
        "time_zone": str(row["zone"]),
        "window_start": iso(cap.window(now)),
    }
    if cap.scope == "each":
        mine = sorted((k[1], v) for k, v in usage.items() if k[0] == cap.capid)
        out["affiliates"] = [{"loginid": str(lid), **_status(cap, *v)} for lid, v in mine]
        reached = any(v[0] >= cap.value for _, v in mine)
        out.update(usage=None, remaining=None, reached_at=None)
    else:
        used, reached_at = usage.get((cap.capid, 0), (0, None))
        out.update(_status(cap, used, reached_at))
        reached = used >= cap.value
    out["reached"] = "1" if reached else "0"
    return out
