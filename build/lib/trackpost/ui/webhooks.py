"""Settings → Webhooks: endpoints, their event types, signing secrets (shown once), tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackpost.accounts.roles import Permission
from trackpost.core.errors import InvalidParameter, TrackpostError
from trackpost.ui.forms import filled, model
from trackpost.ui.pages import Page, Pages, Redirect, Result, UiRequest
from trackpost.webhooks import service as webhooks
from trackpost.webhooks.schemas import AddEndpoint, EditEndpoint

pages = Pages()
ROOT = "/admin/settings/webhooks"
CHOICES = (*webhooks.EVENT_TYPES, webhooks.ALL)


def _events(form: Mapping[str, str]) -> str:
    """The ticked event-type boxes (ev_<type>) as the API's comma list; none is a 400."""
    ticked = ",".join(t for t in CHOICES if form.get(f"ev_{t}"))
    if not ticked:
        raise InvalidParameter("Parameter 'events': tick at least one event type.")
    return ticked


def _page(req: UiRequest, **extra: Any) -> Page:
    values: dict[str, Any] = {
        "endpoints": webhooks.list_endpoints(req.conn),
        "choices": CHOICES,
        "secret": None,
        "error": None,
        "typed": {},
    }
    values.update(extra)
    status = int(values.pop("status", 200))
    return Page("webhooks.html", values, status=status)


def _failed(req: UiRequest, exc: TrackpostError) -> Result:
    return _page(req, error=exc.message, typed=dict(req.form), status=exc.status)


@pages.get(ROOT, Permission.SETTINGS)
def webhook_list(req: UiRequest) -> Page:
    """Every endpoint with its events and delivery state; secrets are never shown again."""
    return _page(req)


@pages.post(ROOT + "/new", Permission.SETTINGS, failed=_failed)
def add(req: UiRequest) -> Page:
    """A new endpoint; its signing secret is on this answer only."""
    raw = filled(req.form, ("url", "description")) | {"events": _events(req.form)}
    params = model(AddEndpoint, raw)
    eid, secret = webhooks.add_endpoint(req.conn, params.url, params.events, params.description)
    return _page(req, secret=secret, secret_for=str(eid), secret_url=params.url)


def _id(req: UiRequest) -> int:
    return req.path_id("endpointid")


@pages.post(ROOT + "/{endpointid:int}/edit", Permission.SETTINGS, failed=_failed)
def edit(req: UiRequest) -> Redirect:
    """URL, description, event types and active; re-activating resumes a paused destination."""
    raw = filled(req.form, ("url", "description")) | {"events": _events(req.form)}
    raw |= {"endpointid": str(_id(req)), "active": "1" if req.form.get("active") else "0"}
    params = model(EditEndpoint, raw)
    values = params.model_dump(exclude_none=True, exclude={"endpointid"})
    webhooks.edit_endpoint(req.conn, params.endpointid, values)
    return Redirect(ROOT, "webhook_saved")


@pages.post(ROOT + "/{endpointid:int}/remove", Permission.SETTINGS, failed=_failed)
def remove(req: UiRequest) -> Redirect:
    """The endpoint goes; what waits for it is cancelled."""
    webhooks.remove_endpoint(req.conn, _id(req))
    return Redirect(ROOT, "webhook_removed")


@pages.post(ROOT + "/{endpointid:int}/rotate", Permission.SETTINGS, failed=_failed)
def rotate(req: UiRequest) -> Page:
    """A new signing secret, in force from the next attempt; shown once."""
    eid = _id(req)
    secret = webhooks.rotate_secret(req.conn, eid)
    return _page(req, secret=secret, secret_for=str(eid))


@pages.post(ROOT + "/{endpointid:int}/test", Permission.SETTINGS, failed=_failed)
def send_test(req: UiRequest) -> Redirect:
    """Queue a signed webhook.test message (it shows in the delivery log)."""
    webhooks.send_test(req.conn, _id(req))
    return Redirect(ROOT, "webhook_test")
