"""An affiliate's postbacks and pixels on its page: add, edit, remove, send a test."""

from __future__ import annotations

from trackpost.accounts import service as accounts
from trackpost.accounts.roles import Permission
from trackpost.affiliates.postbacks import service as postbacks
from trackpost.affiliates.postbacks.schemas import AddPostback, EditPostback
from trackpost.core.errors import NotFound, TrackpostError
from trackpost.ui.forms import filled, model
from trackpost.ui.pages import Pages, Redirect, Result, UiRequest
from trackpost.ui.partners import account_page

pages = Pages()
ROOT = "/admin/affiliates/{loginid:int}/postbacks"
FIELDS = ("event", "url", "offerid", "method", "body")


def _back(req: UiRequest) -> str:
    return f"/admin/affiliates/{req.path_id('loginid')}"


def _failed(req: UiRequest, exc: TrackpostError) -> Result:
    return account_page(req, "affiliates", exc.message, exc.status, typed=dict(req.form))


def _affiliate(req: UiRequest) -> int:
    loginid = req.path_id("loginid")
    if accounts.account_type(req.conn, loginid) != "affiliate":
        raise NotFound(f"No affiliate with loginid {loginid}.", code="affiliate_not_found")
    return loginid


def _own(req: UiRequest) -> int:
    """The postback in the path, which must be this affiliate's."""
    loginid, pid = _affiliate(req), req.path_id("postbackid")
    found = postbacks.listing(req.conn, {"loginid": loginid, "event": None, "offerid": None})
    mine = {int(p["postbackid"]) for p in found}
    if pid not in mine:
        raise NotFound(f"Parameter 'postbackid': no postback {pid}.", code="postback_not_found")
    return pid


@pages.post(ROOT, Permission.CATALOGUE, failed=_failed)
def add(req: UiRequest) -> Redirect:
    raw = filled(req.form, (*FIELDS, "type")) | {"loginid": str(_affiliate(req))}
    params = model(AddPostback, raw)
    values = params.model_dump(exclude={"type"})
    values["kind"] = params.type
    postbacks.add(req.conn, values)
    return Redirect(_back(req), "saved")


@pages.post(ROOT + "/{postbackid:int}/edit", Permission.CATALOGUE, failed=_failed)
def edit(req: UiRequest) -> Redirect:
    raw = filled(req.form, FIELDS) | {"postbackid": str(_own(req))}
    raw["active"] = "1" if req.form.get("active") else "0"
    params = model(EditPostback, raw)
    postbacks.edit(
        req.conn, params.postbackid, params.model_dump(exclude_none=True, exclude={"postbackid"})
    )
    return Redirect(_back(req), "saved")


@pages.post(ROOT + "/{postbackid:int}/remove", Permission.CATALOGUE, failed=_failed)
def remove(req: UiRequest) -> Redirect:
    postbacks.remove(req.conn, _own(req))
    return Redirect(_back(req), "postback_removed")


@pages.post(ROOT + "/{postbackid:int}/test", Permission.CATALOGUE, failed=_failed)
def send_test(req: UiRequest) -> Redirect:
    """Queue the postback once with sample values; the delivery log shows the answer."""
    postbacks.test(req.conn, _own(req), {})
    return Redirect(_back(req), "postback_test")
