"""The ASGI application factory: one Starlette app over every domain's endpoints."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from trackpost.accounts import repository as accounts_repo
from trackpost.advertisers.routes import router as advertisers_router
from trackpost.affiliates import service as affiliates_service
from trackpost.affiliates.link_routes import router as links_router
from trackpost.affiliates.postbacks import service as affiliate_postbacks
from trackpost.affiliates.postbacks.routes import router as affiliate_postbacks_router
from trackpost.affiliates.routes import router as affiliates_router
from trackpost.caps.routes import router as caps_router
from trackpost.caps.service import CapGate
from trackpost.commissions.routes import affiliate_router as commissions_affiliate_router
from trackpost.commissions.routes import preview_router as commissions_preview_router
from trackpost.commissions.routes import router as commissions_router
from trackpost.core.auth import Authenticator
from trackpost.core.batch import WriteBatcher
from trackpost.core.config import Settings, get_settings
from trackpost.core.db import Database, WriterGate, create_db_engine
from trackpost.core.dispatch import Dispatcher
from trackpost.core.errors import BadRequest, MethodNotAllowed, NotFound, TrackpostError
from trackpost.core.http import Endpoint, Router, Services, request_id_of
from trackpost.core.lifecycle import DrainState
from trackpost.core.metrics import metrics_endpoint, new_metrics
from trackpost.core.observe import Unrouted, observe
from trackpost.core.openapi import SWAGGER_HTML, build_openapi
from trackpost.core.pipeline import build_route
from trackpost.core.responses import JSONBytes, error_response, json_response
from trackpost.core.security import KeyHasher, load_secret
from trackpost.customers.routes import router as customers_router
from trackpost.delivery.routes import router as delivery_router
from trackpost.events import service as events_service
from trackpost.iplists.routes import router as iplists_router
from trackpost.offers import service as offers_service
from trackpost.offers.routes import router as offers_router
from trackpost.payments import terms as payment_terms
from trackpost.payments.routes import router as payments_router
from trackpost.postbacks.routes import router as postbacks_router
from trackpost.reports.clicklog.routes import router as click_log_router
from trackpost.reports.routes import router as reports_router
from trackpost.stats.routes import router as stats_router
from trackpost.system.routes import router as system_router
from trackpost.tracking.cache import ClickGates
from trackpost.tracking.dimensions import warm as warm_device_parser
from trackpost.tracking.routes import router as tracking_router
from trackpost.transactions.routes import offer_router as transaction_offer_router
from trackpost.transactions.routes import router as transactions_router
from trackpost.ui.routes import console_routes
from trackpost.webhooks import service as webhooks
from trackpost.webhooks.routes import router as webhooks_router
from trackpost.webhooks.schemas import openapi_webhooks

log = logging.getLogger("trackpost")

# Every mounted router, in the order the OpenAPI document lists them.
ROUTERS: tuple[Router, ...] = (
    system_router,
    customers_router,
    advertisers_router,
    affiliates_router,
    offers_router,
    commissions_router,
    commissions_affiliate_router,
    links_router,
    tracking_router,
    postbacks_router,
    transactions_router,
    transaction_offer_router,
    commissions_preview_router,
    iplists_router,
    reports_router,
    stats_router,
    affiliate_postbacks_router,
    webhooks_router,
    delivery_router,
    payments_router,
    click_log_router,
    caps_router,
)


# What the delivery subscribers (cli.background.delivery_plan) can take, and read of what they want.
EVENT_INTERESTS = (affiliate_postbacks.INTEREST, webhooks.INTEREST)


HTML_HEADERS = {
    "Content-Security-Policy": (
        # Swagger UI's assets come from the package (ui/static/swagger-ui); it sets inline styles.
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


REDIRECT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PROTECTED_HTML = (
    b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Not found</title>'
    b"</head>\n<body><h1>Not found</h1><p>There is no page at this address.</p></body></html>\n"
)


def collect_endpoints() -> list[Endpoint]:
    """Every endpoint of every mounted router."""
    return [ep for router in ROUTERS for ep in router.endpoints]


def build_services(settings: Settings, *, pool_size: int = 8) -> Services:
    db = Database(create_db_engine(settings, pool_size=pool_size))
    hasher = KeyHasher(load_secret(settings))
    metrics = new_metrics()
    auth = Authenticator(settings, hasher, accounts_repo.CredentialReader(db.engine), metrics)
    batcher = None
    if db.path is not None and settings.group_commit:
        batcher = WriteBatcher(db, WriterGate(db.path), metrics=metrics)
    elif not db.is_sqlite and settings.postgres_group_commit:
        batcher = WriteBatcher(db, None, metrics=metrics)  # no single writer to queue for
    services = Services(settings=settings, db=db, auth=auth, batcher=batcher, metrics=metrics)
    # A type the products subscribe to is recorded only while a subscription wants it.
    services.on_abort(events_service.watch(db.engine, EVENT_INTERESTS).clear)
    return services


def create_app(settings: Settings | None = None, services: Services | None = None) -> Any:
    """Build the app; granian calls this once per worker process."""
    settings = settings or get_settings()
    services = services or build_services(settings)
    # Caps sit above tracking: the click path reaches them through the gate installed here.
    services.cache(ClickGates).gate = CapGate()
    # Payout details are checked against the payvia's dump format when an affiliate sets them.
    affiliates_service.add_detail_check(payment_terms.payvia_details_problem)
    endpoints = collect_endpoints()
    openapi_body: list[bytes] = []  # rendered at the first request for it, then kept as bytes

    draining = DrainState.of_worker(settings.data_dir)
    retry = {"Retry-After": "1"}

    async def healthz(request: Request) -> Response:
        if draining():  # stopping: a balancer should send no more (core/lifecycle.py)
            return json_response({"status": "draining", "database": "unknown"}, 503, retry)
        if services.db.ping():
            return json_response({"status": "ok", "database": "ok"})
        return json_response({"status": "unavailable", "database": "unreachable"}, 503, retry)

    async def openapi(request: Request) -> Response:
        # Not built at start: the document's dicts were 2 MiB of every worker (BENCHMARKS.md).
        if not openapi_body:
            doc = build_openapi(endpoints, webhooks=openapi_webhooks())
            openapi_body.append(orjson.dumps(doc))
        return JSONBytes(openapi_body[0])

    async def docs(request: Request) -> Response:
        return HTMLResponse(SWAGGER_HTML, headers=HTML_HEADERS)

    metrics = services.metrics
    plain = {
        "/healthz": healthz,
        "/openapi.json": openapi,
        "/docs": docs,
        "/metrics": metrics_endpoint(settings, metrics),
    }
    routes: list[BaseRoute] = [
        Route(path, observe(fn, path, metrics, settings), methods=["GET"])
        for path, fn in plain.items()
    ]
    built = [build_route(ep, services) for ep in endpoints]
    routes.extend(built)
    routes.extend(console_routes(services))  # the admin console under /admin
    lean_routes = [route for ep, route in zip(endpoints, built, strict=True) if ep.lean]

    unrouted = Unrouted(metrics, settings)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        err: TrackpostError
        if exc.status_code == 405:
            err = MethodNotAllowed(
                f"Method {request.method} is not allowed on {request.url.path}.",
                headers=dict(exc.headers or {}),
            )
        elif exc.status_code == 404:
            hidden = _tracking_domain_answer(request)
            if hidden is not None:
                unrouted.record(request, 404, hidden.status_code)
                return hidden
            err = NotFound(f"No endpoint at {request.url.path}.", code="unknown_endpoint")
        else:
            err = BadRequest(str(exc.detail), code="http_error")
        response = error_response(err, vendor_status=settings.vendor_error_status == 200)
        unrouted.record(request, exc.status_code, response.status_code)
        return response

    def _tracking_domain_answer(request: Request) -> Response | None:
        """A tracking domain's own answer to a path that is no link (add_tracking_domain's
        redirect_domain and template_protect): the API's JSON errors stay out of sight."""
        host = request.headers.get("host")
        if not host or request.url.path.startswith("/api/"):
            return None
        with services.db.transaction(write=False) as conn:
            answer = offers_service.unrouted_answer(conn, host)
        if answer is None:
            return None
        kind, url = answer
        if kind == "redirect":
            return Response(status_code=302, headers={"Location": url, **REDIRECT_HEADERS})
        return Response(PROTECTED_HTML, 404, HTML_HEADERS, media_type="text/html; charset=utf-8")

    async def server_error(request: Request, exc: Exception) -> Response:
        rid = request_id_of(request)
        log.exception("unhandled error request_id=%s path=%s", rid, request.url.path)
        return json_response(
            {
                "result": "error",
                "code": "internal_error",
                "message": f"An internal error occurred; quote request id {rid} to the operator.",
            },
            500,
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        services.close()
        metrics.close()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    # A path with a trailing slash is a 404, not a redirect built from the client's Host header.
    app.router.redirect_slashes = False
    app.state.services = services
    app.state.endpoints = endpoints
    return Dispatcher(app, built, lean_routes)


def create_worker_app() -> Any:
    """The app as `trackpost serve` builds it in each worker process (its background jobs run
    in serve's jobs process: trackpost/cli/background.py)."""
    app = create_app()
    settings = get_settings()
    # The User-Agent parser's rules and the GeoIP database, loaded before the first click.
    warm_device_parser(str(settings.geoip_db) if settings.geoip_db else None)
    # Not in create_app: tests build many apps and should get their memory back.
    tune_gc_for_serving()
    return app


def tune_gc_for_serving() -> None:
    """Once a worker's app is built: the cyclic collector as a long-running server wants it."""
    # What the worker built so far lives as long as it does: frozen out of the cyclic
    # collector's sight, so that a full collection under load scans only what requests left
    # behind; scanning the whole start-up heap stalled the event loop (BENCHMARKS.md).
    gc.collect()
    gc.freeze()
    # A request frees nearly everything it allocates by reference counting, yet at the default
    # threshold (700) the young generation was scanned every few requests; a higher one keeps
    # the collector off the hot paths (measured in BENCHMARKS.md) while what cyclic garbage
    # waits meanwhile stays small.
    gc.set_threshold(50_000, 20, 100)
