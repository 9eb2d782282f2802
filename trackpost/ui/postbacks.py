"""The failed-postback log: refused advertiser posts, filtered, and replayed once fixed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trackpost.accounts import service as accounts
from trackpost.accounts.roles import Permission
from trackpost.commissions.service import RulesCache, policy_of
from trackpost.core.errors import InvalidParameter, TrackpostError
from trackpost.iplists.rules import IpListCache
from trackpost.postbacks import failed, redo
from trackpost.postbacks.schemas import FailedParams, ReplayParams
from trackpost.ui.forms import model, page_link, page_number
from trackpost.ui.pages import Page, Pages, Result, UiRequest

pages = Pages()
ROOT = "/admin/postbacks/failed"
PAGE_SIZE = 50
FILTERS = ("advertiser", "code", "endpoint", "resolved", "received_from", "received_to")
ENDPOINTS = (("pixel", "process_pixel"), ("void", "process_void"))
STATES = (("0", "Still failing"), ("1", "Resolved by a replay"))


def _advertiser(req: UiRequest, q: Mapping[str, str]) -> str | None:
    """The advertiser filter as a loginid: typed as its ID or its username."""
    raw = (q.get("advertiser") or "").strip()
    if not raw or raw.isdigit():
        return raw or None
    found = accounts.loginid_of(req.conn, raw)
    if found is None or accounts.account_type(req.conn, found) != "advertiser":
        raise InvalidParameter(f"Parameter 'advertiser': no advertiser is named {raw[:64]!r}.")
    return str(found)


def _day_after(raw: str) -> str:
    """'Received to' is inclusive: the API's end_date is the start of the next day."""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(
            f"Parameter 'received_to' must be a date such as 2026-03-01, not {raw[:32]!r}."
        ) from None
    return (day + dt.timedelta(days=1)).isoformat()


def _params(req: UiRequest, q: Mapping[str, str], start: int) -> FailedParams:
    """The page's filters, checked by the API's own parameter model."""
    to = (q.get("received_to") or "").strip()
    raw = {
        "advertiserid": _advertiser(req, q) or "",
        "code": (q.get("code") or "").strip(),
        "endpoint": (q.get("endpoint") or "").strip(),
        "resolved": (q.get("resolved") or "").strip(),
        "start_date": (q.get("received_from") or "").strip(),
        "end_date": _day_after(to) if to else "",
        "start": str(start),
        "count": str(PAGE_SIZE + 1),
    }
    return model(FailedParams, raw)


def _link(query: Mapping[str, str], page: int) -> str:
    return page_link(ROOT, FILTERS, query, page)


def _values(req: UiRequest, q: Mapping[str, str], **extra: Any) -> dict[str, Any]:
    """The list under the filters in q (the query string, or a replay form's hidden fields)."""
    page = page_number(q)
    query = {k: v for k, v in q.items() if k in FILTERS and v}
    values: dict[str, Any] = {
        "query": query,
        "endpoints": ENDPOINTS,
        "states": STATES,
        "rows": [],
        "total": 0,
        "error": None,
        "results": None,
        "prev_url": _link(query, page - 1) if page else None,
        "next_url": None,
        "page": page,
    }
    try:
        found = failed.list_failed(req.conn, *_list_args(_params(req, q, page * PAGE_SIZE)))
    except TrackpostError as exc:
        values["error"] = exc.message
    else:
        rows = found["failed"]
        values["rows"] = rows[:PAGE_SIZE]
        values["total"] = found["total"]
        if len(rows) > PAGE_SIZE:
            values["next_url"] = _link(query, page + 1)
    values.update(extra)
    return values


def _list_args(params: FailedParams) -> tuple[dict[str, Any], int, int]:
    return params.filters(), params.start, params.count


@pages.get(ROOT, Permission.POSTBACKS)
def failed_page(req: UiRequest) -> Page:
    """Refused posts, newest first: what was sent, from where, and why it was refused."""
    values = _values(req, req.query)
    return Page("failed_postbacks.html", values, status=400 if values["error"] else 200)


def _replay_failed(req: UiRequest, exc: TrackpostError) -> Result:
    return Page(
        "failed_postbacks.html", _values(req, req.form, error=exc.message), status=exc.status
    )


@pages.post(ROOT + "/replay", Permission.POSTBACKS, failed=_replay_failed)
def replay(req: UiRequest) -> Page:
    """Replay the ticked posts (or the one whose Replay button was pressed), in order."""
    chosen = req.form.get("replay", "") or ",".join(
        name.removeprefix("pick_") for name in req.form if name.startswith("pick_")
    )
    if not chosen:
        raise InvalidParameter("Parameter 'failedid': tick at least one post to replay.")
    ids = model(ReplayParams, {"failedid": chosen}).failedid
    answer = redo.replay(
        req.conn,
        ids,
        admin=req.admin.username,
        request_id=req.origin.request_id or "",
        fingerprint=req.hasher.hash,
        lists=req.cache(IpListCache),
        rules=req.cache(RulesCache),
        policy=policy_of(req.settings),
    )
    return Page("failed_postbacks.html", _values(req, req.form, results=answer["results"]))
