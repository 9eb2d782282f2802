"""Customer pages: the list with its search and filters, and a customer's details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from trackpost.accounts import service as accounts
from trackpost.accounts.roles import Permission
from trackpost.core.errors import InvalidParameter, TrackpostError
from trackpost.core.fields import parse_id
from trackpost.customers import console as customer_list
from trackpost.customers import reads
from trackpost.customers.schemas import DetailsParams, LockParams
from trackpost.customers.service import Lookup
from trackpost.tracking import service as tracking
from trackpost.ui import deliveries
from trackpost.ui.pages import Page, Pages, UiRequest

pages = Pages()
ROOT = "/admin/customers"
PAGE_SIZE = 50
DELIVERIES_SHOWN = 20
# The details the form edits (the password is set by the customer's advertiser, not here).
EDITABLE = tuple(
    name
    for name in DetailsParams.model_fields
    if name not in LockParams.model_fields and name != "password"
)
LABELS = {
    "firstname": "First name",
    "lastname": "Last name",
    "email": "E-mail",
    "username": "Username",
    "address1": "Address line 1",
    "address2": "Address line 2",
    "city": "City",
    "state": "State",
    "country": "Country",
    "zip": "Postal code",
    **{f"custom{i}": f"Custom {i}" for i in range(1, 6)},
}
# Basic search and advanced filters: query name -> (label, filter name).
ID_FILTERS = {
    "customer_id": "customer_id",
    "offerid": "offerid",
    "landing_pageid": "landing_pageid",
}
TEXT_FILTERS = {"subscription_id": "subscription_id", "orderid": "orderid"}
ADVANCED = ("offerid", "landing_pageid", "affiliate", "advertiser", "locked", "joined_from")


def _id(query: Mapping[str, str], name: str) -> int | None:
    raw = (query.get(name) or "").strip()
    return parse_id(name, raw) if raw else None


def _date(query: Mapping[str, str], name: str, *, end: bool) -> dt.datetime | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(f"Parameter '{name}' must be a date such as 2026-03-01.") from None
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return start + dt.timedelta(days=1) if end else start


def _account(req: UiRequest, name: str, kind: str) -> int | None:
    """An affiliate or advertiser named by loginid or username; -1 (matches nothing) if unknown."""
    raw = (req.query.get(name) or "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return parse_id(name, raw)
    found = accounts.loginid_of(req.conn, raw)
    if found is None or accounts.account_type(req.conn, found) != kind:
        raise InvalidParameter(f"Parameter '{name}': no {kind} is named {raw[:64]!r}.")
    return found


def search_filters(req: UiRequest) -> dict[str, Any]:
    """The list's filters from the query string; blank fields are not given."""
    q = req.query
    filters: dict[str, Any] = {}
    for name, key in ID_FILTERS.items():
        value = _id(q, name)
        if value is not None:
            filters[key] = value
    for name, key in TEXT_FILTERS.items():
        if text := (q.get(name) or "").strip():
            filters[key] = text[:255]
    for name in ("username", "email"):
        if text := (q.get(name) or "").strip():
            filters[name] = text[:255].lower()
    status = (q.get("status") or "").strip()
    if status:
        if status not in customer_list.STATUSES:
            raise InvalidParameter(
                f"Parameter 'status' must be one of {', '.join(customer_list.STATUSES)}."
            )
        filters["status"] = status
    affiliate = _account(req, "affiliate", "affiliate")
    if affiliate is not None:
        filters["loginid"] = affiliate
    advertiser = _account(req, "advertiser", "advertiser")
    if advertiser is not None:
        filters["advertiserid"] = advertiser
    locked = (q.get("locked") or "").strip()
    if locked in ("yes", "no"):
        filters["locked"] = locked == "yes"
    if (start := _date(q, "joined_from", end=False)) is not None:
        filters["join_start"] = start
    if (end := _date(q, "joined_to", end=True)) is not None:
        filters["join_end"] = end
    return filters


def _link(query: Mapping[str, str], **changes: str | None) -> str:
    """This list's URL with some query values changed (None drops one)."""
    merged = {k: v for k, v in query.items() if v and k not in ("after", "before", "notice")}
    merged.update({k: v for k, v in changes.items() if v})
    return f"{ROOT}?{urlencode(merged)}" if merged else ROOT


@pages.get(ROOT, Permission.READ_CUSTOMERS)
def customer_list_page(req: UiRequest) -> Page:
    """The list: basic search, advanced filters, sortable and paged by key."""
    sort = req.query.get("sort") or "newest"
    values: dict[str, Any] = {
        "query": req.query,
        "statuses": customer_list.STATUSES,
        "sorts": customer_list.SORTS,
        "sort": sort,
        "rows": [],
        "error": None,
        "sort_url": {s: _link(req.query, sort=s) for s in customer_list.SORTS},
        "advanced": any(req.query.get(n) for n in ADVANCED),
    }
    try:
        found = customer_list.customer_page(
            req.conn,
            search_filters(req),
            sort,
            after=req.query.get("after") or None,
            before=req.query.get("before") or None,
            size=PAGE_SIZE,
        )
    except TrackpostError as exc:
        values["error"] = exc.message
        return Page("customers.html", values, status=exc.status)
    values["rows"] = found.rows
    values["next_url"] = _link(req.query, after=found.after) if found.after else None
    values["prev_url"] = _link(req.query, before=found.before) if found.before else None
    return Page("customers.html", values)


def details_values(req: UiRequest, customer_id: int) -> dict[str, Any]:
    """Everything the details page shows about one customer."""
    conn = req.conn
    lookup = Lookup(customer_id)
    found = reads.customer_details(conn, lookup, with_clickid=True)
    customer = found["customer"]
    history = reads.customer_history(conn, lookup, 0, 50)
    names = accounts.usernames(
        conn, {i for i in (customer["loginid"], customer["advertiserid"]) if i is not None}
    )
    initial = next(
        (t for t in reversed(found["transactions"]) if t["trans_type"] == "initial"), None
    )
    click_hash = initial["click_hash"] if initial else None
    # One indexed read: the customer's click by its id, else the initial sale's click hash.
    click = tracking.click_view(conn, clickid=found["clickid"], click_hash=click_hash)
    confirm = req.query.get("confirm")
    sent_total, sent = deliveries.find(req, {"customer_id": customer_id}, DELIVERIES_SHOWN)
    return {
        "deliveries": sent,
        "deliveries_total": sent_total,
        "customer": customer,
        "transactions": found["transactions"],
        "transaction_count": found["transaction_count"],
        "history": history["history"],
        "history_total": history["total"],
        "affiliate_name": names.get(customer["loginid"]) if customer["loginid"] else None,
        "advertiser_name": names.get(customer["advertiserid"]),
        "click_hash": click.click_hash if click else click_hash,
        "click": click,
        "fields": [(name, LABELS.get(name, name)) for name in EDITABLE],
        "typed": {},
        "confirm": confirm if confirm in ("lock", "unlock") else None,
        "error": None,
        "reason": "",
    }


@pages.get(ROOT + "/{customer_id:int}", Permission.READ_CUSTOMERS)
def customer_page(req: UiRequest) -> Page:
    """A customer: header and lock badge, details form, acquisition, transactions, history."""
    return Page("customer.html", details_values(req, req.path_id("customer_id")))
