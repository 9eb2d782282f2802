"""What each request leaves behind: its count and latency by route, and its access line."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, MutableMapping
from time import perf_counter
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from trackpost.core.config import Settings
from trackpost.core.logs import write_access, writes_access_log
from trackpost.core.metrics import Metrics

# Keys the request's ASGI scope carries between the dispatcher, the pipeline and this module.
REQUEST_ID_KEY = "trackpost.request_id"
PRINCIPAL_KEY = "trackpost.principal"
# When a request bypassed the dispatcher's shortcut (its latency starts there).
STARTED_KEY = "trackpost.started"
# Set when a failed request was counted here, so the error handler does not count it again.
OBSERVED_KEY = "trackpost.observed"

UNMATCHED = "unmatched"
# Methods become labels; a client may send any token, so others are counted as one.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class RouteObserver:
    """One route template's metric children, resolved on first use per method and status."""

    __slots__ = ("_access", "_children", "_metrics", "route")

    def __init__(self, metrics: Metrics, route: str, access: bool) -> None:
        self.route = route
        self._metrics = metrics
        self._children: dict[str, dict[int, tuple[Counter, Histogram]]] = {}
        self._access = access

    def _resolve(self, method: str, status: int) -> tuple[Counter, Histogram]:
        by_status = self._children.setdefault(method, {})
        found = by_status.get(status)
        if found is None:
            m = self._metrics
            found = by_status[status] = (
                m.requests.labels(self.route, method, str(status)),
                m.latency.labels(self.route),
            )
        return found

    def record(self, scope: MutableMapping[str, Any], status: int, seconds: float) -> None:
        """Count the answered request; with trackpost's access log on, write its line."""
        method: str = scope["method"]
        by_status = self._children.get(method)
        children = by_status.get(status) if by_status is not None else None
        if children is None:
            if method not in KNOWN_METHODS:
                method = "OTHER"
            children = self._resolve(method, status)
        count, latency = children
        count.inc()
        latency.observe(seconds)
        if self._access:
            principal = scope.get(PRINCIPAL_KEY)
            admin = principal.username if principal is not None else None
            rid = scope.get(REQUEST_ID_KEY, "")
            write_access(rid, self.route, method, status, seconds, admin)


def observe(endpoint: Handler, route: str, metrics: Metrics, settings: Settings) -> Handler:
    """The endpoint, counted and timed under its route template (never the raw path)."""
    record = RouteObserver(metrics, route, writes_access_log(settings)).record

    async def observed(request: Request) -> Response:
        started = perf_counter()
        try:
            response = await endpoint(request)
        except Exception as exc:
            status = exc.status_code if isinstance(exc, HTTPException) else 500
            record(request.scope, status, perf_counter() - started)
            request.scope[OBSERVED_KEY] = True
            raise
        record(request.scope, response.status_code, perf_counter() - started)
        return response

    observed.__name__ = getattr(endpoint, "__name__", route)
    return observed


class Unrouted:
    """Requests that reached no endpoint: an unknown path (404), or a known one's wrong method."""

    def __init__(self, metrics: Metrics, settings: Settings) -> None:
        self.metrics = metrics
        self.access = writes_access_log(settings)
        self.routes: dict[str, RouteObserver] = {}

    def record(self, request: Request, error: int, status: int) -> None:
        """Count a routing failure (404, 405) under its route or `unmatched`, with its answer."""
        scope = request.scope
        if scope.get(OBSERVED_KEY):
            return
        route = scope.get("route")
        template = getattr(route, "path", UNMATCHED) if error == 405 else UNMATCHED
        observer = self.routes.get(template)
        if observer is None:
            observer = self.routes[template] = RouteObserver(self.metrics, template, self.access)
        started = scope.get(STARTED_KEY)
        observer.record(scope, status, perf_counter() - started if started is not None else 0.0)
