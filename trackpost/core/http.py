"""Endpoint declaration: the worker's services, a request's context, endpoints and routers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.requests import Request

from trackpost.core.auth import Authenticator, Principal
from trackpost.core.batch import WriteBatcher
from trackpost.core.config import Settings
from trackpost.core.db import Database
from trackpost.core.errors import TrackpostError
from trackpost.core.metrics import Metrics, new_metrics
from trackpost.core.observe import REQUEST_ID_KEY as REQUEST_ID_KEY
from trackpost.core.origin import Origin
from trackpost.core.params import (
    Params,
)
from trackpost.core.security import PasswordHashing


class WorkerCache(Protocol):
    """A worker's cache of committed state, keyed by a version the database keeps."""

    def clear(self) -> None:
        """Forget everything (a shared transaction failed: it may hold unwritten state)."""


C = TypeVar("C", bound=WorkerCache)


@dataclass
class Services:
    """Process-wide collaborators shared by every request (one per worker process)."""

    settings: Settings
    db: Database
    auth: Authenticator
    # Group commit: each write request of this worker joins the next shared transaction.
    batcher: WriteBatcher | None = None
    # Passwords are hashed off the event loop and outside every transaction.
    hashing: PasswordHashing = field(default_factory=PasswordHashing)
    metrics: Metrics = field(default_factory=new_metrics)
    # The domains' worker caches by class (core cannot name them: it imports no domain).
    _caches: dict[type[Any], Any] = field(default_factory=dict)

    def cache(self, kind: type[C]) -> C:
        """This worker's one instance of a domain's cache, made (and reset on abort) on first use."""
        found = self._caches.get(kind)
        if found is None:
            found = self._caches[kind] = kind()
            self.on_abort(found.clear)
        return cast(C, found)

    def close(self) -> None:
        """Release the worker's connections (at shutdown)."""
        if self.batcher is not None:
            self.batcher.close()
        self.hashing.close()
        self.db.dispose()

    def on_abort(self, forget: Callable[[], None]) -> None:
        """Register a version-keyed cache's reset, for when a shared transaction fails whole.

        Under group commit one request can read another's uncommitted write (a new version of
        the IP lists, say); if that batch's COMMIT then fails, the version number returns to the
        database's, while a cache filled inside the batch would keep the unwritten state.
        """
        if self.batcher is not None:
            self.batcher.on_abort.append(forget)


class RequestContext:
    """What a handler may know about its request: never the raw HTTP objects' internals.

    `conn` is the request's one transaction, begun on the handler's first use of it and ended by
    the pipeline (commit when the handler returns, rollback when it raises). A handler that never
    touches the database, such as ping, pays nothing for it. Under group commit the connection is
    the batch's, and the transaction's end is the batch's (see core/batch.py).
    """

    __slots__ = (
        "_conn",
        "_origin",
        "_stack",
        "_write",
        "client_ip",
        "principal",
        "raw_params",
        "request",
        "request_id",
        "services",
    )

    def __init__(
        self,
        services: Services,
        stack: ExitStack | None,
        write: bool,
        request: Request,
        request_id: str,
        client_ip: str,
        principal: Principal | None,
        raw_params: Params,
    ) -> None:
        self.services = services
        self._stack = stack
        self._write = write
        self._conn: Connection | None = None
        self._origin: Origin | None = None
        self.request = request
        self.request_id = request_id
        self.client_ip = client_ip
        self.principal = principal
        self.raw_params = raw_params

    @property
    def conn(self) -> Connection:
        conn = self._conn
        if conn is None:
            assert self._stack is not None, "a batched handler is always given its connection"
            tx = self.services.db.transaction(write=self._write)
            conn = self._conn = self._stack.enter_context(tx)
        return conn

    def attach(self, stack: ExitStack) -> None:
        """The stack that will end this request's own transaction (no group commit)."""
        self._stack = stack

    def run_in(self, handler: Handler, params: Any) -> Callable[[Connection], Any]:
        """The handler as a batch operation: it runs on the connection the batch gives it."""

        def op(conn: Connection) -> Any:
            self._conn = conn
            return handler(self, params)

        return op

    @property
    def actor(self) -> str:
        return self.principal.username if self.principal else "anonymous"

    @property
    def origin(self) -> Origin:
        """Who is acting: the admin (or anonymous sender), the channel, the address, the request."""
        origin = self._origin
        if origin is None:
            origin = self._origin = Origin(
                self.actor,
                "api" if self.principal is not None else "postback",
                self.client_ip,
                self.request_id,
            )
        return origin


Handler = Callable[[RequestContext, Any], Any]
# Given a refused request (4xx) and its error, the write that keeps a record of it, or None.
Refused = Callable[[RequestContext, TrackpostError], Callable[[Connection], None] | None]


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
    # For raw-parameter endpoints: the names they read, so the OpenAPI document can list them.
    doc_params: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    lean: bool = False
    # Work that needs no database runs outside the transaction, so outside SQLite's single
    # writer's turn: prepare turns the parameters into the handler's input before it, render
    # turns the handler's result into the answer after the commit.
    prepare: Callable[[RequestContext, Any], Any] | None = None
    render: Callable[[RequestContext, Any], Any] | None = None
    # A malformed query is read as well as it can be instead of refused (the click: a
    # visitor's browser must reach the landing page).
    tolerant: bool = False
    # OpenAPI links: what a success answer lets a client call next, as
    # {name: ("METHOD /path", {parameter: runtime expression})}; stateful fuzzing follows them.
    links: Links = field(default_factory=dict)
    # Keeps a record of each refused request (the advertisers' posts): written after the
    # refusal, in a transaction of its own, so the accepted path pays nothing for it.
    on_refused: Refused | None = None


Links = dict[str, tuple[str, dict[str, str]]]


def created_links(key: str, *targets: str | tuple[str, str]) -> Links:
    """Links from a vendor creation answer ([{"message": {key: "12"}}]) to calls taking the id.

    A target is "METHOD /path" (the id goes in the parameter of the same name) or
    ("METHOD /path", parameter).
    """
    out: Links = {}
    for target in targets:
        call, param = target if isinstance(target, tuple) else (target, key)
        out[call.rsplit("/", 1)[-1]] = (call, {param: f"$response.body#/0/message/{key}"})
    return out


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
        doc_params: type[BaseModel] | None = None,
        errors: tuple[int, ...] = (),
        lean: bool = False,
        prepare: Callable[[RequestContext, Any], Any] | None = None,
        render: Callable[[RequestContext, Any], Any] | None = None,
        tolerant: bool = False,
        links: Links | None = None,
        on_refused: Refused | None = None,
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
                    doc_params=doc_params,
                    errors=errors,
                    lean=lean and public,
                    prepare=prepare,
                    render=render,
                    tolerant=tolerant,
                    links=links or {},
                    on_refused=on_refused,
                )
            )
            return fn

        return register

    def alias(self, method: str, path: str, *, of: str) -> None:
        """Serve an endpoint (of: "METHOD /path") at another method or path too, exactly as
        itself: for the vendor's examples that disagree with its headings."""
        original = next(ep for ep in self.endpoints if f"{ep.method} {ep.path}" == of)
        summary = f"Alias of {of}"
        doc = f"The vendor's examples use this form; it is {of} exactly. {original.description}"
        self.endpoints.append(
            replace(original, method=method, path=path, summary=summary, description=doc, links={})
        )


def request_id_of(request: Request) -> str:
    return str(request.scope.get(REQUEST_ID_KEY, ""))
