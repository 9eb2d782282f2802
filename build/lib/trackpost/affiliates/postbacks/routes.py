"""HTTP endpoints of affiliate postbacks and pixels, at the vendor's /api/affiliate/ paths."""

from __future__ import annotations

import html
import json
from typing import Annotated, Any

from pydantic import Field
from starlette.responses import Response

from trackpost.affiliates.postbacks import pixels as pixel_tags
from trackpost.affiliates.postbacks import service
from trackpost.affiliates.postbacks.schemas import (
    ADD_RESPONSE,
    EVENTS_RESPONSE,
    LIST_RESPONSE,
    SUCCESS_RESPONSE,
    TEST_RESPONSE,
    AddPostback,
    EditPostback,
    GetPostbacks,
    PostbackEvents,
    PostbackId,
    SetPostbackEvents,
)
from trackpost.core.http import RequestContext, Router
from trackpost.core.validation import ParamModel

router = Router("affiliate postbacks")
_TEMPLATES = (
    " url (and body) are templates with %%variable%% macros and |default:X, "
    "%%if|var=match:output%% and |transform:md5|base64|urlencode|lower|upper modifiers "
    "(docs/postbacks.md); an unknown variable or modifier is a 400 naming its position."
)


@router.route(
    "POST",
    "/api/affiliate/add_postback",
    params=AddPostback,
    summary="Add an affiliate postback or pixel for one event",
    description=(
        "type postback (server to server; GET, or POST with a body template), image or iframe "
        "(rendered by /signup/pixels.js and pixels.html, only for offers that convert by "
        "iframe). offerid, campaignid and goal_id narrow it. account_signup and account_change "
        "are the network's (no loginid), with delay_hours 0, 12, 24 or 48." + _TEMPLATES
    ),
    response=ADD_RESPONSE,
    example={"result": "Success", "message": {"postbackid": "1"}},
    errors=(404,),
)
def add_postback(ctx: RequestContext, params: AddPostback) -> dict[str, Any]:
    values = params.model_dump(exclude={"type"})
    values["kind"] = params.type
    pid = service.add(ctx.conn, values)
    return {"result": "Success", "message": {"postbackid": str(pid)}}


@router.route(
    "GET",
    "/api/affiliate/get_postbacks",
    params=GetPostbacks,
    summary="List affiliate postbacks and pixels (filters loginid, event, offerid)",
    response=LIST_RESPONSE,
)
def get_postbacks(ctx: RequestContext, params: GetPostbacks) -> dict[str, Any]:
    return {"result": "Success", "message": service.listing(ctx.conn, params.model_dump())}


@router.route(
    "PATCH",
    "/api/affiliate/edit_postback",
    params=EditPostback,
    summary="Change an affiliate postback (active=1 resumes a paused or stopped one)",
    description=_TEMPLATES,
    response=SUCCESS_RESPONSE,
    errors=(404,),
)
def edit_postback(ctx: RequestContext, params: EditPostback) -> dict[str, str]:
    values = params.model_dump(exclude_none=True, exclude={"postbackid"})
    service.edit(ctx.conn, params.postbackid, values)
    return {"result": "Success"}


@router.route(
    "PATCH",
    "/api/affiliate/remove_postback",
    params=PostbackId,
    summary="Remove an affiliate postback; what waits for it is cancelled",
    response=SUCCESS_RESPONSE,
    errors=(404,),
)
def remove_postback(ctx: RequestContext, params: PostbackId) -> dict[str, str]:
    service.remove(ctx.conn, params.postbackid)
    return {"result": "Success"}


@router.route(
    "POST",
    "/api/affiliate/test_postback",
    params=PostbackId,
    summary="Send a server postback once with sample values; the delivery log shows the answer",
    response=TEST_RESPONSE,
    errors=(404,),
)
def test_postback(ctx: RequestContext, params: PostbackId) -> dict[str, Any]:
    url = service.test(ctx.conn, params.postbackid, {})
    return {"result": "Success", "message": {"url": url}}


@router.route(
    "GET",
    "/api/affiliate/get_postback_events",
    params=PostbackEvents,
    summary="Which events fire postbacks, globally or for one affiliate",
    response=EVENTS_RESPONSE,
)
def get_postback_events(ctx: RequestContext, params: PostbackEvents) -> dict[str, Any]:
    return {"result": "Success", "message": service.event_settings(ctx.conn, params.loginid)}


@router.route(
    "PATCH",
    "/api/affiliate/set_postback_events",
    params=SetPostbackEvents,
    summary="Enable or disable postback events, globally or for one affiliate",
    response=SUCCESS_RESPONSE,
    errors=(404,),
)
def set_postback_events(ctx: RequestContext, params: SetPostbackEvents) -> dict[str, str]:
    switches: dict[str, bool] = {}
    switches.update(dict.fromkeys(params.enable or [], True))
    switches.update(dict.fromkeys(params.disable or [], False))
    service.set_events(ctx.conn, params.loginid, switches)
    return {"result": "Success"}


class PixelParams(ParamModel):
    click_hash: Annotated[str, Field(min_length=1, max_length=64)]


# Pixels are the browser's: nothing may cache them, sniff them into another type or, in the
# HTML form, run a script (the page only loads images and frames).
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_HTML_CSP = "default-src 'none'; img-src http: https:; frame-src http: https:; style-src 'none'"
_JS_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
_PIXEL_DESCRIPTION = (
    " Only landing pages whose conversion_type is iframe render pixels, as the vendor rules "
    "(server postbacks fire for every page); an unknown click hash is a 404."
)


def _js(text: str) -> str:
    """A JS string literal safe inside a script element (and for U+2028/2029 too)."""
    return json.dumps(text, ensure_ascii=True).translate(_JS_ESCAPES)


@router.route(
    "GET",
    "/signup/pixels.js",
    params=PixelParams,
    public=True,
    write=False,
    summary="The affiliate's image and iframe pixels for a click's conversion, as a script",
    description=(
        'Include <script src=".../signup/pixels.js?click_hash=..."></script> on the '
        "confirmation page." + _PIXEL_DESCRIPTION
    ),
    response={"content_type": "application/javascript"},
    errors=(404,),
)
def pixels(ctx: RequestContext, params: PixelParams) -> Response:
    lines = []
    for kind, url in pixel_tags.pixels(ctx.conn, params.click_hash):
        tag = "iframe" if kind == "iframe" else "img"
        lines.append(
            f"(function(){{var e=document.createElement('{tag}');e.src={_js(url)};"
            "e.width=1;e.height=1;e.style.display='none';"
            "(document.body||document.documentElement).appendChild(e);})();"
        )
    return Response("\n".join(lines) + "\n", media_type="application/javascript", headers=_NO_STORE)


@router.route(
    "GET",
    "/signup/pixels.html",
    params=PixelParams,
    public=True,
    write=False,
    summary="The affiliate's image and iframe pixels for a click's conversion, as a page",
    description=(
        'For confirmation pages that cannot run a script: <iframe src=".../signup/pixels.html?'
        'click_hash=..." width="1" height="1" style="display:none"></iframe>.' + _PIXEL_DESCRIPTION
    ),
    response={"content_type": "text/html"},
    errors=(404,),
)
def pixels_page(ctx: RequestContext, params: PixelParams) -> Response:
    tags = []
    for kind, url in pixel_tags.pixels(ctx.conn, params.click_hash):
        src = html.escape(url, quote=True)
        if kind == "iframe":
            tags.append(f'<iframe src="{src}" width="1" height="1" frameborder="0"></iframe>')
        else:
            tags.append(f'<img src="{src}" width="1" height="1" alt="">')
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title></title></head><body>'
        + "".join(tags)
        + "</body></html>\n"
    )
    headers = {**_NO_STORE, "Content-Security-Policy": _HTML_CSP, "Referrer-Policy": "no-referrer"}
    return Response(page, media_type="text/html", headers=headers)
