"""Endpoint declaration and the one request pipeline: parse, authenticate, validate, run, render."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trackpost.core.auth import Authenticator, Principal
from trackpost.core.config import Settings
from trackpost.core.db import Database
from trackpost.core.errors import ServiceUnavailable, TrackpostError
from trackpost.core.net import client_ip
from trackpost.core.params import Params, read_params
from trackpost.core.validation import validate

log = logging.getLogger("trackpost")
REQUEST_ID_KEY = "trackpost.request_id"
_RID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass
class Services:
    """Process-wide collaborators shared by every request (one per worker process)."""

    settings: Settings
    db: Database
    auth: Authenticator
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RequestContext:
    """What a handler may know about its request: never the raw HTTP objects' internals."""

    services: Services
    conn: Connection
    request: Request
    request_id: str
    client_ip: str
    principal: Principal | None
    raw_params: Params

    @property
    def actor(self) -> str:
        return self.principal.username if self.principal else "anonymous"


Handler = Callable[[RequestContext, Any], Any]


@dataclass
class Endpoint:
    """One operation: method, path, parameter model, auth mode and documentation."""

    method: str
    path: str
    handler: Handler
    params: type[BaseModel] | None
    public: bool
    write: bool
    summary: str
    description: str
    tag: str
    response_schema: dict[str, Any]
    response_example: Any = None
    raw_params: bool = False
    errors: tuple[int, ...] = ()
    lean: bool = False


class Router:
    """Collects a domain's endpoints; the app turns them into routes and the OpenAPI document."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        params: type[BaseModel] | None = None,
        public: bool = False,
        write: bool | None = None,
        summary: str,
        description: str = "",
        response: dict[str, Any] | None = None,
        example: Any = None,
        raw_params: bool = False,
        errors: tuple[int, ...] = (),
        lean: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    handler=fn,
                    params=params,
                    public=public,
                    write=(method.upper() not in ("GET", "HEAD")) if write is None else write,
                    summary=summary,
                    description=description or (fn.__doc__ or "").strip(),
                    tag=self.tag,
                    response_schema=response or {},
                    response_example=example,
                    raw_params=raw_params,
                    errors=errors,
                    lean=lean and public,
                )
            )
            return fn

        return register


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def error_response(exc: TrackpostError) -> Response:
    return json_response(exc.body(), exc.status, exc.headers)


def request_id_of(request: Request) -> str:
    return str(request.scope.get(REQUEST_ID_KEY, ""))


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text


def build_route(ep: Endpoint, services: Services) -> Route:
    """Wrap a handler in the pipeline; database work runs inline, as it is cheaper than a thread."""
    settings = services.settings
    auth = services.auth
    trusted = settings.trusted_proxies
    param_model = ep.params

    async def endpoint(request: Request) -> Response:
        try:
            raw = await read_params(request, settings.max_body_bytes)
            peer = request.client.host if request.client else "0.0.0.0"  # noqa: S104
            ip = client_ip(peer, request.headers.get("x-forwarded-for"), trusted)
            if not ep.public:
                auth.check_ip(ip)
            with services.db.transaction(write=ep.write) as conn:
                principal = None
                if not ep.public:
                    headers = request.headers
                    principal = auth.authenticate(
                        conn, ip, headers.get("api-key"), headers.get("api-username")
                    )
                if param_model is not None:
                    params: Any = validate(param_model, raw)
                elif ep.raw_params:
                    params = raw
                else:
                    params = validate(_NoParams, raw)
                ctx = RequestContext(
                    services, conn, request, request_id_of(request), ip, principal, raw
                )
                result = ep.handler(ctx, params)
        except TrackpostError as exc:
            return error_response(exc)
        except OperationalError as exc:
            if _is_busy(exc):
                log.warning("database busy request_id=%s", request_id_of(request))
                return error_response(
                    ServiceUnavailable(
                        "The database is busy; retry shortly.",
                        code="database_busy",
                        headers={"Retry-After": "1"},
                    )
                )
            raise
        if isinstance(result, Response):
            return result
        return json_response(result)

    endpoint.__name__ = ep.handler.__name__
    return Route(ep.path, endpoint, methods=[ep.method])


class _NoParams(BaseModel):
    model_config = {"extra": "forbid"}


class RequestIdMiddleware:
    """Gives every request an id (a sane incoming X-Request-ID is kept) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                rid = candidate if _RID_RE.match(candidate) else ""
                break
        rid = rid or secrets.token_hex(8)
        scope[REQUEST_ID_KEY] = rid
        header = (b"x-request-id", rid.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_with_id)


class LeanDispatch:
    """Hands requests for lean endpoints to their route before Starlette's router scans them all.

    Lean endpoints are public, high-volume ones (the click redirect). Installed as Starlette
    middleware, so the request id, the 500 handler and everything else stay as they are: the
    same route and pipeline run, and a wrong method falls through to the router (405).
    """

    def __init__(self, app: ASGIApp, routes: list[Route]) -> None:
        self.app = app
        self.routes = routes
        self.prefixes = tuple(sorted({r.path.split("{", 1)[0] for r in routes}))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.prefixes and scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            for route in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    await route.handle(scope, receive, send)
                    return
        await self.app(scope, receive, send)
