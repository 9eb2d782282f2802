"""The public advertiser endpoints: /signup/process_pixel(.php) and /signup/process_void.php.

They carry no API key; the postback and void IP lists guard them instead. A 200 means the post
is committed: the pipeline commits before it answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from starlette.requests import cookie_parser

from trackpost.caps.service import CapGate
from trackpost.commissions.service import RulesCache, policy_of
from trackpost.core.db import utcnow
from trackpost.core.errors import TrackpostError
from trackpost.core.http import Refused, RequestContext, Router, Services
from trackpost.core.params import header_values
from trackpost.iplists.rules import IpListCache
from trackpost.postbacks import failed, redo, service
from trackpost.postbacks.params import PixelParams, parse_postback
from trackpost.postbacks.schemas import (
    FAILED_RESPONSE,
    PIXEL_RESPONSE,
    REPLAY_RESPONSE,
    VOID_RESPONSE,
    FailedParams,
    ReplayParams,
)
from trackpost.postbacks.sender import Sender
from trackpost.postbacks.voids import RemoteVoidParams, process_void
from trackpost.tracking.cache import ClickGates

router = Router("postback")

PIXEL_DESCRIPTION = (
    "The advertiser's postback (server to server, or a pixel carrying the click cookie). "
    "type: conversion (default; also initial, sale), continuity (also rebill), refund, cancel, "
    "expire. The click is named by click_hash (or transid, transaction_hash, the click cookie, "
    "or ocode); amount (or gross, revenue) is a decimal in the base currency such as 9.95. "
    "Customer fields: firstname, lastname, email, username, password, address1, address2, "
    "city, state, country, zip, phone, custom1..custom5, ip. trans_custom1..trans_custom5 go on "
    "the transaction. Unknown parameters are ignored. A replay (same orderid, same content) "
    "answers the original success and writes nothing; the same orderid with other content is "
    "409 duplicate_orderid. Accepted from the global postback list and the landing page's "
    "postback_ips (both empty: from anyone); otherwise 403."
)
VOID_DESCRIPTION = (
    "Remote void, chargeback or reversal of the transaction with this orderid: "
    "type=void (default) or chargeback (with an optional cost fee charged to the affiliate), "
    "reverse=1 undoes the newest void or chargeback, approved=1 voids only an approved sale. "
    "Accepted from the global void list and the landing page's void_ips only (both empty: "
    "from no one); otherwise 403."
)


def _click_cookie(ctx: RequestContext) -> str | None:
    # Every Cookie header: HTTP/2 clients send one per cookie.
    raw_cookie = "; ".join(header_values(ctx.request, b"cookie"))
    if not raw_cookie:
        return None
    return cookie_parser(raw_cookie).get(ctx.services.settings.click_cookie_name)


def _cap_gate(services: Services) -> CapGate | None:
    gate = services.cache(ClickGates).gate
    return gate if isinstance(gate, CapGate) else None


def _parse_pixel(ctx: RequestContext, params: Any) -> Any:
    """Parsing and the replay fingerprint need no database: done before the transaction."""
    services = ctx.services
    post = parse_postback(params, _click_cookie(ctx))
    fingerprint = services.auth.hasher.hash(post.canonical().decode("utf-8"))
    sender = Sender(
        ctx.origin,
        fingerprint,
        services.cache(IpListCache),
        services.cache(RulesCache),
        policy_of(services.settings),
        _cap_gate(services),
    )
    if post.password:
        return _with_password_hash(ctx, post, sender)
    return post, sender


async def _with_password_hash(
    ctx: RequestContext, post: PixelParams, sender: Sender
) -> tuple[PixelParams, Sender]:
    """A posted password is hashed off the event loop, before the writer's turn."""
    assert post.password is not None
    hashed = await ctx.services.hashing.hash(ctx.client_ip, post.password)
    return post.model_copy(update={"password": hashed}), sender


def _pixel(ctx: RequestContext, parsed: tuple[PixelParams, Sender]) -> dict[str, Any]:
    return service.process(ctx.conn, *parsed)


def _parse_void(ctx: RequestContext, params: Any) -> RemoteVoidParams:
    """Parsing needs no database: done before the transaction."""
    return RemoteVoidParams.parse(params)


def _void(ctx: RequestContext, post: RemoteVoidParams) -> dict[str, str]:
    return process_void(ctx.conn, post, ctx.origin, ctx.services.cache(IpListCache))


def _keeper(endpoint: str) -> Refused:
    """The record of a refused post (postbacks/failed.py), written after the refusal."""

    def keep(ctx: RequestContext, error: TrackpostError) -> Callable[[Connection], None] | None:
        settings = ctx.services.settings
        limit = ctx.services.cache(failed.KeepLimit)
        if not limit.allow(ctx.client_ip, settings.failed_postback_limit):
            return None
        prune_before = None
        if limit.prune_due():
            prune_before = utcnow() - dt.timedelta(days=settings.failed_postback_days)
        params, cookie = dict(ctx.raw_params), _click_cookie(ctx)
        ip, request_id = ctx.client_ip, ctx.request_id

        def write(conn: Connection) -> None:
            failed.record(
                conn,
                endpoint=endpoint,
                params=params,
                cookie=cookie,
                sender_ip=ip,
                request_id=request_id,
                error=error,
                prune_before=prune_before,
            )

        return write

    return keep


for _path in ("/signup/process_pixel.php", "/signup/process_pixel"):
    for _method in ("GET", "POST"):
        router.route(
            _method,
            _path,
            public=True,
            raw_params=True,
            doc_params=PixelParams,
            write=True,
            summary="Advertiser postback: conversion, continuity, refund, cancel, expire",
            description=PIXEL_DESCRIPTION,
            response=PIXEL_RESPONSE,
            example={"result": "success", "customer_id": 42, "transactionid": 1337},
            errors=(400, 403, 404, 409),
            prepare=_parse_pixel,
            on_refused=_keeper(failed.PIXEL),
        )(_pixel)

for _method in ("GET", "POST"):
    router.route(
        _method,
        "/signup/process_void.php",
        public=True,
        raw_params=True,
        doc_params=RemoteVoidParams,
        write=True,
        summary="Remote void, chargeback or reversal by orderid",
        description=VOID_DESCRIPTION,
        response=VOID_RESPONSE,
        example={"result": "success", "message": "*success*"},
        errors=(400, 403, 404, 409),
        prepare=_parse_void,
        on_refused=_keeper(failed.VOID),
    )(_void)


@router.route(
    "GET",
    "/api/postback/failed",
    params=FailedParams,
    summary="List refused advertiser posts (process_pixel, process_void)",
    description=(
        "Every refused post is kept: its parameters (passwords masked), sender IP, time and "
        "answer. Newest first; filters combine with AND; start/count page (count at most 1000)."
    ),
    response=FAILED_RESPONSE,
    errors=(400,),
)
def list_failed(ctx: RequestContext, params: FailedParams) -> dict[str, Any]:
    return failed.list_failed(ctx.conn, params.filters(), params.start, params.count)


@router.route(
    "POST",
    "/api/postback/replay",
    params=ReplayParams,
    summary="Replay refused advertiser posts after fixing their cause",
    description=(
        "Each failedid is replayed in order as if the advertiser posted it again (same "
        "sender address, same idempotency: a post that meanwhile succeeded answers as a replay "
        "and writes nothing). Each has its own answer in results; one refused again does not "
        "undo the others. A replay that succeeded is not run twice. Passwords are not kept, "
        "so none is replayed."
    ),
    response=REPLAY_RESPONSE,
    errors=(400,),
)
def replay_failed(ctx: RequestContext, params: ReplayParams) -> dict[str, Any]:
    return redo.replay(
        ctx.conn,
        params.failedid,
        admin=ctx.actor,
        request_id=ctx.request_id,
        fingerprint=ctx.services.auth.hasher.hash,
        lists=ctx.services.cache(IpListCache),
        rules=ctx.services.cache(RulesCache),
        policy=policy_of(ctx.services.settings),
    )
