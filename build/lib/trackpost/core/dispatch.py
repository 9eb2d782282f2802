"""The outermost ASGI app: request ids, and the shortcut from a request to its pipeline."""

from __future__ import annotations

import inspect
import random
import re
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trackpost.core.http import REQUEST_ID_KEY
from trackpost.core.observe import STARTED_KEY
from trackpost.core.responses import JSONBytes, RawResponse

# An incoming X-Request-ID is kept only when it looks like one (it ends up in logs).
RID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _request_id(scope: Scope) -> str:
    """A sane incoming X-Request-ID is kept; otherwise a new random id."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if RID_RE.match(candidate):
                return candidate
            break
    # 64 random bits from the process's Mersenne Twister (reseeded in every forked worker): an id
    # for correlating logs needs no secrecy, and os.urandom would release the GIL per request.
    return f"{random.getrandbits(64):016x}"


class RequestIdMiddleware:
    """Gives every request an id (a sane incoming X-Request-ID is kept) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = scope[REQUEST_ID_KEY] = _request_id(scope)
        header = (b"x-request-id", rid.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_with_id)


_PLAIN = (Response, RawResponse, JSONBytes, HTMLResponse)


class Dispatcher(RequestIdMiddleware):
    """The outermost ASGI app: every request gets its id; a request for a fixed-path endpoint
    goes straight to that endpoint's pipeline by one dict lookup, one for a lean endpoint with
    path parameters (the click) by matching only the lean routes; the rest goes to Starlette.

    Starlette's middleware layers and its route-by-route regex scan cost more than the whole
    ping pipeline, and these requests need neither. Failures are rendered by the Starlette
    app's own exception handlers, as its middleware would: a handled HTTPException is
    answered, and anything else gets the 500 handler's answer and is raised again. A wrong
    method falls through to Starlette (405).
    """

    def __init__(self, app: Starlette, routes: Iterable[Route], lean: Iterable[Route] = ()) -> None:
        super().__init__(app)
        self.starlette = app
        self.exact: dict[tuple[str, str], Callable[[Request], Any]] = {}
        for route in routes:
            if not route.param_convertors:
                for method in route.methods or ():
                    self.exact.setdefault((method, route.path), route.endpoint)
        self.lean = [r for r in lean if r.param_convertors]
        self.lean_prefixes = tuple(sorted({r.path.split("{", 1)[0] for r in self.lean}))

    def _match(self, scope: Scope) -> tuple[Callable[[Request], Any] | None, dict[str, Any]]:
        endpoint = self.exact.get((scope["method"], scope["path"]))
        if endpoint is not None:
            return endpoint, {}
        if self.lean_prefixes and scope["path"].startswith(self.lean_prefixes):
            for route in self.lean:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    return route.endpoint, child.get("path_params", {})
        return None, {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint, path_params = self._match(scope)
        if endpoint is None:
            scope[STARTED_KEY] = perf_counter()  # timed from here if it reaches no endpoint
            await super().__call__(scope, receive, send)
            return
        rid = scope[REQUEST_ID_KEY] = _request_id(scope)
        scope["app"] = self.starlette
        scope["endpoint"] = endpoint
        scope["path_params"] = path_params
        request = Request(scope, receive, send)
        reraise: Exception | None = None
        try:
            response = await endpoint(request)
        except Exception as exc:
            response, reraise = await self._render(request, exc)
        headers = [*response.raw_headers, (b"x-request-id", rid.encode("ascii"))]
        if type(response) in _PLAIN and response.background is None:
            # A whole body in memory: the two ASGI messages directly, as Response.__call__
            # would send them, without its per-answer indirections.
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": headers}
            )
            await send({"type": "http.response.body", "body": response.body})
        else:
            response.raw_headers = headers
            await response(scope, receive, send)
        if reraise is not None:
            raise reraise

    async def _render(self, request: Request, exc: Exception) -> tuple[Response, Exception | None]:
        handlers = self.starlette.exception_handlers
        handler = handlers.get(exc.status_code) if isinstance(exc, HTTPException) else None
        handler = handler or next(
            (
                handlers[cls]
                for cls in type(exc).__mro__
                if cls in handlers and cls is not Exception
            ),
            None,
        )
        reraise: Exception | None = None
        if handler is None:
            handler = handlers.get(Exception) or handlers.get(500)
            reraise = exc
            if handler is None:
                raise exc
        result = handler(request, exc)
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, Response)
        return result, reraise
