"""The outbound delivery log (postbacks and webhooks), retries, and paused destinations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trackpost.accounts.roles import Permission
from trackpost.core.errors import InvalidParameter, TrackpostError
from trackpost.core.fields import parse_id
from trackpost.delivery import service as delivery
from trackpost.delivery.outbound import mask_url
from trackpost.delivery.schemas import RetryDeliveries, SearchDeliveries
from trackpost.ui.forms import model, page_link, page_number
from trackpost.ui.pages import Page, Pages, Redirect, Result, UiRequest

pages = Pages()
ROOT = "/admin/deliveries"
PAGE_SIZE = 50
FILTERS = ("affiliate", "event", "status", "kind", "subscription_id", "customer_id", "from", "to")
KINDS = (("postback", "Affiliate postback"), ("webhook", "Webhook"))
RESPONSE_SHOWN = 1024  # the attempt log keeps the answer's first KiB


def _link(query: Mapping[str, str], page: int) -> str:
    return page_link(ROOT, FILTERS, query, page)


def _day_after(raw: str) -> str:
    """'To' is inclusive: the API's end_date is the start of the next day."""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(
            f"Parameter 'to' must be a date such as 2026-03-01, not {raw[:32]!r}."
        ) from None
    return (day + dt.timedelta(days=1)).isoformat()


def _params(q: Mapping[str, str], start: int) -> SearchDeliveries:
    """The page's filters checked by the API's own model (its 400s name the parameter)."""
    to = (q.get("to") or "").strip()
    raw = {
        "loginid": (q.get("affiliate") or "").strip(),
        "event": (q.get("event") or "").strip(),
        "status": (q.get("status") or "").strip(),
        "kind": (q.get("kind") or "").strip(),
        "subscription_id": (q.get("subscription_id") or "").strip(),
        "customer_id": (q.get("customer_id") or "").strip(),
        "start_date": (q.get("from") or "").strip(),
        "end_date": _day_after(to) if to else "",
        "start": str(start),
        "count": str(PAGE_SIZE + 1),
    }
    return model(SearchDeliveries, {k: v for k, v in raw.items() if v})


def shown(row: Mapping[str, Any]) -> dict[str, Any]:
    """A delivery as a page shows it: URLs masked, each answer cut to its first KiB."""
    return {
        **row,
        "url": mask_url(str(row["url"])),
        "attempt_log": [
            {
                **a,
                "url": mask_url(str(a["url"])),
                "response": (a["response"] or "")[:RESPONSE_SHOWN],
            }
            for a in row["attempt_log"]
        ],
    }


def find(req: UiRequest, filters: dict[str, Any], limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Deliveries under filters (the service's names), newest first, ready for a template."""
    total, rows = delivery.search(req.conn, filters, limit, 0)
    return total, [shown(r) for r in rows]


def _values(req: UiRequest, q: Mapping[str, str], **extra: Any) -> dict[str, Any]:
    page = page_number(q)
    query = {k: v for k, v in q.items() if k in FILTERS and v}
    values: dict[str, Any] = {
        "query": query,
        "kinds": KINDS,
        "statuses": delivery.STATUSES,
        "rows": [],
        "total": 0,
        "error": None,
        "retried": None,
        "prev_url": _link(query, page - 1) if page else None,
        "next_url": None,
        "page": page,
    }
    try:
        params = _params(q, page * PAGE_SIZE)
        filters = params.model_dump(exclude={"start", "count", "start_date", "end_date"})
        filters["start"], filters["end"] = params.start_date, params.end_date
        total, rows = delivery.search(req.conn, filters, params.count, params.start)
    except TrackpostError as exc:
        values["error"] = exc.message
    else:
        values["rows"] = [shown(r) for r in rows[:PAGE_SIZE]]
        values["total"] = total
        if len(rows) > PAGE_SIZE:
            values["next_url"] = _link(query, page + 1)
    values.update(extra)
    return values


@pages.get(ROOT, Permission.DELIVERIES)
def delivery_log(req: UiRequest) -> Page:
    """Every outbound delivery, newest first, with its attempts."""
    values = _values(req, req.query)
    return Page("deliveries.html", values, status=400 if values["error"] else 200)


def _retry_failed(req: UiRequest, exc: TrackpostError) -> Result:
    return Page("deliveries.html", _values(req, req.form, error=exc.message), status=exc.status)


@pages.post(ROOT + "/retry", Permission.DELIVERIES, failed=_retry_failed)
def retry(req: UiRequest) -> Result:
    """Send again the delivery whose Retry button was pressed, or the ticked ones."""
    chosen = req.form.get("retry", "") or ",".join(
        name.removeprefix("pick_") for name in req.form if name.startswith("pick_")
    )
    if not chosen:
        raise InvalidParameter("Parameter 'deliveryid': tick at least one delivery to retry.")
    ids = delivery.retry(req.conn, list(model(RetryDeliveries, {"deliveryid": chosen}).deliveryid))
    back = req.form.get("back", "")
    if back.startswith("/admin/customers/") and back.removeprefix("/admin/customers/").isdigit():
        return Redirect(back, "retried")
    return Page("deliveries.html", _values(req, req.form, retried=ids))


@pages.get(ROOT + "/paused", Permission.DELIVERIES)
def paused(req: UiRequest) -> Page:
    """Destinations paused after failing too long (or gone), and what waits for them."""
    return Page("destinations.html", {"rows": delivery.unhealthy_destinations(req.conn)})


@pages.post(ROOT + "/paused/resume", Permission.DELIVERIES)
def resume(req: UiRequest) -> Redirect:
    """A destination is active again; its paused deliveries go out now."""
    kind = req.form.get("kind", "")
    if kind not in dict(KINDS):
        raise InvalidParameter("Parameter 'kind' must be postback or webhook.")
    sub = parse_id("subscription_id", req.form.get("subscription_id", "").strip())
    delivery.resume(req.conn, kind, sub)
    return Redirect(ROOT + "/paused", "resumed")
