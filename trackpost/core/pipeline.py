"""The one request pipeline every endpoint runs through: parse, authenticate, validate, run,
render; and the database's busy or unavailable states as the API's 503s."""

from __future__ import annotations

import inspect
import logging
import sqlite3
from contextlib import ExitStack
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackpost.core.batch import WriteBatcher, is_transient
from trackpost.core.db import psycopg_error, unavailable
from trackpost.core.errors import BadRequest, ServiceUnavailable, TrackpostError
from trackpost.core.http import Endpoint, Refused, RequestContext, Services, request_id_of
from trackpost.core.net import client_ip
from trackpost.core.observe import PRINCIPAL_KEY, observe
from trackpost.core.params import Params, header_values, read_params, single_header, tolerant_query
from trackpost.core.responses import error_response, json_response
from trackpost.core.validation import validate

log = logging.getLogger("trackpost")


def _is_busy(exc: Exception) -> bool:
    if is_transient(exc):
        return True
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).lower()
    return "locked" in text or "busy" in text


BUSY = ServiceUnavailable(
    "The database is busy; retry shortly.", code="database_busy", headers={"Retry-After": "1"}
)
UNAVAILABLE = ServiceUnavailable(
    "The database is unavailable (unreachable, or its disk full or read-only); retry shortly.",
    code="database_unavailable",
    headers={"Retry-After": "1"},
)


def build_route(ep: Endpoint, services: Services) -> Route:
    """Wrap a handler in the pipeline; database work runs inline, as it is cheaper than a thread."""
    settings = services.settings
    auth = services.auth
    trusted = settings.trusted_proxies
    max_body = settings.max_body_bytes
    param_model = ep.params
    batcher = services.batcher if ep.write else None
    prepare, render = ep.prepare, ep.render
    tolerant = ep.tolerant
    vendor_status = settings.vendor_error_status == 200
    ignore_unknown = settings.unknown_params == "ignore"
    db_busy = services.metrics.db_busy
    on_refused = ep.on_refused
    db_unavailable = services.metrics.db_unavailable

    async def endpoint(request: Request) -> Response:
        raw: Params = {}
        ip = ""
        try:
            try:
                raw = await read_params(request, max_body)
            except BadRequest:
                if not tolerant:
                    raise
                raw = tolerant_query(request.scope.get("query_string", b""))
            client = request.scope.get("client")
            peer = client[0] if client else "0.0.0.0"  # noqa: S104
            # Repeated header lines are one list, in order (RFC 9110 5.3): reading only the
            # first would believe whatever a client put before the proxy's own line.
            forwarded = ", ".join(header_values(request, b"x-forwarded-for")) if trusted else None
            ip = client_ip(peer, forwarded, trusted)
            principal = None
            if not ep.public:
                principal = auth.authenticate(
                    ip, single_header(request, b"api-key"), single_header(request, b"api-username")
                )
                request.scope[PRINCIPAL_KEY] = principal  # for the access log
            if param_model is not None:
                params: Any = validate(param_model, raw, ignore_unknown=ignore_unknown)
            elif ep.raw_params:
                params = raw
            else:
                params = validate(_NoParams, raw) if raw else _NO_PARAMS
            ctx = RequestContext(
                services, None, ep.write, request, request_id_of(request), ip, principal, raw
            )
            if prepare is not None:
                params = prepare(ctx, params)
                if inspect.isawaitable(params):  # work that waits off the loop (hashing)
                    params = await params
            if batcher is not None:
                result = await batcher.run(ctx.run_in(ep.handler, params))
            else:
                with ExitStack() as stack:
                    ctx.attach(stack)
                    result = ep.handler(ctx, params)
            if render is not None:
                result = render(ctx, result)
        except TrackpostError as exc:
            if on_refused is not None and exc.status >= 400:
                await _keep_refusal(on_refused, services, batcher, request, ip, raw, exc)
            return error_response(exc, vendor_status=vendor_status)
        except Exception as exc:
            # A hot statement's error is the driver's own, not wrapped by SQLAlchemy.
            if not isinstance(exc, DBAPIError | sqlite3.Error) and not psycopg_error(exc):
                raise
            busy = isinstance(exc, OperationalError) or psycopg_error(exc, "OperationalError")
            if busy and _is_busy(exc):
                db_busy.inc()
                log.warning("database busy request_id=%s", request_id_of(request))
                return error_response(BUSY)
            if unavailable(exc):
                db_unavailable.inc()
                services.db.lost(exc)
                # The error's class only: its text may quote a statement's values.
                log.warning(
                    "database unavailable request_id=%s error=%s",
                    request_id_of(request),
                    type(getattr(exc, "orig", None) or exc).__name__,
                )
                return error_response(UNAVAILABLE)
            raise
        if isinstance(result, Response):
            return result
        return json_response(result)

    endpoint.__name__ = ep.handler.__name__
    observed = observe(endpoint, ep.path, services.metrics, settings)
    return Route(ep.path, observed, methods=[ep.method])


async def _keep_refusal(
    on_refused: Refused,
    services: Services,
    batcher: WriteBatcher | None,
    request: Request,
    ip: str,
    raw: Params,
    exc: TrackpostError,
) -> None:
    """Write the record of a refused request in its own transaction (the refused one rolled
    back); under group commit it joins the next batch. A failure here is logged, never the
    answer: the client still learns why it was refused."""
    if not ip:
        client = request.scope.get("client")
        ip = client[0] if client else ""
    ctx = RequestContext(services, None, True, request, request_id_of(request), ip, None, raw)
    try:
        write = on_refused(ctx, exc)
        if write is None:
            return
        if batcher is not None:
            await batcher.run(write)
        else:
            with services.db.transaction(write=True) as conn:
                write(conn)
    except Exception:
        log.exception("could not keep a refused request request_id=%s", ctx.request_id)


class _NoParams(BaseModel):
    model_config = {"extra": "forbid"}


_NO_PARAMS = _NoParams()
