"""The public click endpoint /track/<code>[/<path>] (the links to it are affiliates')."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trackpost.core.db import utcnow
from trackpost.core.http import RequestContext, Router, Services
from trackpost.core.params import header
from trackpost.core.responses import RawResponse
from trackpost.core.security import new_click_hash
from trackpost.tracking import service
from trackpost.tracking.cache import ClickGates, ResolutionCache
from trackpost.tracking.dimensions import NO_DEVICE, device_of
from trackpost.tracking.urls import as_uri
from trackpost.tracking.web import click_country, is_https

__all__ = ["router"]

router = Router("tracking")

NOT_FOUND_HTML = (
    b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>Link not found</title></head>\n<body><h1>Link not found</h1>"
    b"<p>This tracking link is not valid or no longer active.</p></body></html>\n"
)
# A page that loads nothing, cannot be framed and leaks no referrer.
NOT_FOUND_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TRACK_DESCRIPTION = (
    "Records a click with a fresh click hash and answers 302 to the landing page, its macros "
    "filled; sets the click cookie. A paused or expired offer redirects to its expiration "
    "landing page or expire URL without recording a click. Unknown or malformed codes and "
    "disabled, banned or denied affiliates get a plain 404 page (or TRACKPOST_TRACK_FALLBACK_URL). "
    "Every other link parameter (a custom pass-through such as cust_var) fills the landing page "
    "macro of its name (%%cust_var%%) and is kept on the click; a macro with no value becomes "
    "empty. subaff and subaff1 are one parameter: two different values are a 400."
)


def resolution_cache(services: Services) -> ResolutionCache:
    """The worker's cache, created on first use."""
    return services.cache(ResolutionCache)


_NO_STORE = (b"cache-control", b"no-store")


def _cookie(ctx: RequestContext, click_hash: str) -> str:
    settings = ctx.services.settings
    max_age = settings.click_cookie_days * 86_400
    secure = "; Secure" if is_https(ctx) else ""
    return (
        f"{settings.click_cookie_name}={click_hash}; Max-Age={max_age}; Path=/; "
        f"HttpOnly; SameSite=Lax{secure}"
    )


def not_found(ctx: RequestContext) -> Response:
    """The dead-end answer: the operator's fallback URL when set, else a plain 404 page."""
    fallback = ctx.services.settings.track_fallback_url
    if fallback:
        return Response(
            status_code=302,
            headers={
                "Location": fallback,
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )
    return Response(NOT_FOUND_HTML, 404, NOT_FOUND_HEADERS, media_type="text/html; charset=utf-8")


def _click_request(ctx: RequestContext, params: Any, path: str | None) -> service.ClickRequest:
    request = ctx.request
    subs, extra = service.link_values(params)
    user_agent = header(request, b"user-agent")
    record = request.method != "HEAD"
    return service.ClickRequest(
        code=request.path_params["code"],
        path=path,
        params=params,
        ip=ctx.client_ip,
        user_agent=user_agent,
        referrer=header(request, b"referer"),
        click_hash=new_click_hash(),
        record=record,
        subs=subs,
        extra=extra,
        # Before the transaction, like the rest of prepare; a HEAD records nothing to fill.
        country=click_country(ctx) if record else None,
        device=device_of(user_agent) if record else NO_DEVICE,
    )


def _record(ctx: RequestContext, req: service.ClickRequest) -> service.ClickOutcome:
    """The only part of a click inside the transaction: resolve (cached) and insert."""
    services = ctx.services
    gate = services.cache(ClickGates).gate
    return service.click(ctx.conn, resolution_cache(services), req, utcnow(), gate)


def _answer(ctx: RequestContext, outcome: service.ClickOutcome) -> Response:
    if outcome.location is None:
        return not_found(ctx)
    # Each click gets its own hash: no cache may replay this answer to someone else.
    headers = [(b"location", as_uri(outcome.location).encode("ascii")), _NO_STORE]
    if outcome.click_hash is not None:
        headers.append((b"set-cookie", _cookie(ctx, outcome.click_hash).encode("latin-1")))
    return RawResponse(302, headers)


def track(ctx: RequestContext, req: service.ClickRequest) -> service.ClickOutcome:
    """A click on a linkcode (GET or POST); HEAD answers alike and records nothing."""
    return _record(ctx, req)


def _deep_path(ctx: RequestContext) -> str:
    return str(ctx.request.path_params.get("path") or "")


DEEP_DESCRIPTION = (
    TRACK_DESCRIPTION
    + " The path is appended to the landing page URL unless the page disables deep linking."
)
# The vendor documents the click as a POST too (a form on a publisher's page).
for _method in ("GET", "POST"):
    for _path, _summary, _description, _prepare in (
        (
            "/track/{code}",
            "Follow an affiliate's linkcode (the click)",
            TRACK_DESCRIPTION,
            lambda ctx, params: _click_request(ctx, params, None),
        ),
        (
            "/track/{code}/{path:path}",
            "Follow an affiliate's linkcode with a deep-link path",
            DEEP_DESCRIPTION,
            lambda ctx, params: _click_request(ctx, params, _deep_path(ctx)),
        ),
    ):
        router.route(
            _method,
            _path,
            public=True,
            raw_params=True,
            write=True,
            lean=True,
            summary=_summary,
            description=_description,
            response={"redirect": True},
            errors=(400, 404),
            prepare=_prepare,
            render=_answer,
            tolerant=True,
        )(track)
