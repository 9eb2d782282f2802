"""The console's HTTP side: sign-in, sessions, CSRF, roles, one transaction, HTML rendering."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from trackpost.accounts import console
from trackpost.accounts.console import ConsoleAdmin
from trackpost.accounts.roles import Permission, allowed, require
from trackpost.core.db import utcnow
from trackpost.core.errors import BadRequest, Forbidden, TooManyRequests, TrackpostError
from trackpost.core.http import Services, request_id_of
from trackpost.core.net import client_ip, in_networks
from trackpost.core.observe import observe
from trackpost.core.origin import Origin
from trackpost.core.params import header_values, read_params
from trackpost.core.security import load_secret
from trackpost.core.websession import (
    COOKIE,
    CSRF_FIELD,
    LOGIN_COOKIE,
    CookieSigner,
    new_token,
    same,
)
from trackpost.ui import format as fmt
from trackpost.ui.pages import NAV, Download, Redirect, Result, UiRequest, UiRoute

log = logging.getLogger("trackpost")
T = TypeVar("T")

ROOT = "/admin"
HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
BAD_SIGN_IN = "Invalid username or password."


class CsrfRefused(Forbidden):
    code = "csrf_refused"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fmt.FILTERS)
    return env


def _text(raw: dict[str, Any], name: str) -> str:
    """A form field as text; a missing or structured one is empty."""
    value = raw.get(name)
    return value if isinstance(value, str) else ""


def _local_next(raw: object) -> str:
    """Only a console path is followed after sign-in: never another site."""
    text = raw if isinstance(raw, str) else ""
    ok = text.startswith(f"{ROOT}/") and not text.startswith("//") and "\\" not in text
    return text if ok and len(text) < 500 else f"{ROOT}/"


class Console:
    """The console's pipeline over one worker's Services."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = settings = services.settings
        self.signer = CookieSigner(load_secret(settings))
        self.hasher = services.auth.hasher
        self.env = _environment()
        self.idle = dt.timedelta(minutes=settings.console_idle_minutes)
        self.longest = dt.timedelta(hours=settings.console_max_hours)

    # ---- transactions -------------------------------------------------------------------
    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self.services.db.transaction(write=False) as conn:
            return fn(conn)

    async def _write(self, fn: Callable[[Connection], T]) -> T:
        batcher = self.services.batcher
        if batcher is not None:
            return await batcher.run(fn)
        with self.services.db.transaction(write=True) as conn:
            return fn(conn)

    # ---- who is asking --------------------------------------------------------------------
    def _ip(self, request: Request) -> str:
        client = request.scope.get("client")
        peer = client[0] if client else "0.0.0.0"  # noqa: S104
        trusted = self.settings.trusted_proxies
        forwarded = ", ".join(header_values(request, b"x-forwarded-for")) if trusted else None
        return client_ip(peer, forwarded, trusted)

    def _https(self, request: Request) -> bool:
        if request.url.scheme == "https":
            return True
        client = request.scope.get("client")
        trusted = self.settings.trusted_proxies
        if trusted and client and in_networks(client[0], trusted):
            return header_values(request, b"x-forwarded-proto")[-1:] == ["https"]
        return False

    def _session(self, request: Request) -> ConsoleAdmin | None:
        token = self.signer.unsign(request.cookies.get(COOKIE))
        if token is None:
            return None
        now = utcnow()
        return self._read(
            lambda conn: console.find_session(
                conn, self.hasher, token, now, self.idle, self.longest
            )
        )

    def _cookie(
        self, response: Response, request: Request, name: str, value: str, age: int
    ) -> None:
        response.set_cookie(
            name,
            self.signer.sign(value),
            max_age=age,
            path=ROOT,
            httponly=True,
            secure=self._https(request),
            samesite="lax",
        )

    # ---- rendering ------------------------------------------------------------------------
    def render(
        self,
        template: str,
        values: dict[str, Any],
        *,
        admin: ConsoleAdmin | None,
        request: Request,
        status: int = 200,
    ) -> HTMLResponse:
        notice = fmt.NOTICES.get(request.query_params.get("notice", ""))
        common = {
            "admin": admin,
            "csrf": admin.csrf_token if admin else "",
            "nav": [n for n in NAV if admin and allowed(admin.role, n[2])] if admin else [],
            "can": (lambda p: allowed(admin.role, Permission[p])) if admin else (lambda p: False),
            "path": request.url.path,
            "notice": notice,
            "root": ROOT,
        }
        html = self.env.get_template(template).render(**common, **values)
        return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)

    def _error(self, request: Request, exc: TrackpostError, admin: ConsoleAdmin | None) -> Response:
        response = self.render(
            "error.html",
            {"status": exc.status, "code": exc.error_code, "message": exc.message},
            admin=admin,
            request=request,
            status=exc.status,
        )
        response.headers.update(exc.headers)
        return response

    def _respond(self, request: Request, result: Result, admin: ConsoleAdmin) -> Response:
        if isinstance(result, Redirect):
            location = result.location
            if result.notice:
                sep = "&" if "?" in location else "?"
                location = f"{location}{sep}notice={quote(result.notice)}"
            return RedirectResponse(location, status_code=303, headers=PAGE_HEADERS)
        if isinstance(result, Download):
            disposition = f'attachment; filename="{result.filename}"'
            return Response(
                result.body,
                media_type=result.media_type,
                headers={**PAGE_HEADERS, "Content-Disposition": disposition},
            )
        return self.render(
            result.template, result.values, admin=admin, request=request, status=result.status
        )

    def _to_login(self, request: Request) -> Response:
        target = request.url.path if request.method == "GET" else f"{ROOT}/"
        return RedirectResponse(
            f"{ROOT}/login?next={quote(target)}", status_code=303, headers=PAGE_HEADERS
        )

    # ---- the pipeline ---------------------------------------------------------------------
    def endpoint(self, route: UiRoute) -> Callable[[Request], Any]:
        async def serve(request: Request) -> Response:
            admin: ConsoleAdmin | None = None
            try:
                ip = self._ip(request)
                self.services.auth.check_ip(ip)
                admin = self._session(request)
                if admin is None:
                    return self._to_login(request)
                if admin.allow_ips and not in_networks(ip, admin.allow_ips):
                    raise Forbidden(f"Console access for this account is not allowed from {ip}.")
                require(admin.role, route.permission)
                raw = await read_params(request, self.settings.max_body_bytes)
                values = {k: v for k, v in raw.items() if isinstance(v, str)}
                query = values if request.method == "GET" else {}
                form = values if request.method == "POST" else {}
                if request.method == "POST" and not same(
                    form.pop(CSRF_FIELD, None), admin.csrf_token
                ):
                    raise CsrfRefused(
                        "The form's security token is missing or out of date; reload the page "
                        "and try again."
                    )
                if route.prepare is not None:
                    form = await route.prepare(self.services.hashing, ip, form)
                who = admin
                origin = Origin(who.username, "ui", ip, request_id_of(request))
                base = str(request.base_url).rstrip("/")

                def make(conn: Connection) -> UiRequest:
                    return UiRequest(
                        conn,
                        who,
                        origin,
                        query,
                        form,
                        {k: str(v) for k, v in request.path_params.items()},
                        self.settings,
                        self.hasher,
                        base,
                        self.services.cache,
                    )

                result: Result
                try:
                    if route.write:
                        result = await self._write(lambda conn: route.handler(make(conn)))
                    else:
                        result = self._read(lambda conn: route.handler(make(conn)))
                except TrackpostError as refused:
                    failed = route.failed
                    if failed is None:
                        raise
                    error: TrackpostError = refused
                    result = self._read(lambda conn: failed(make(conn), error))
                if admin.stale:
                    token_hash, now = admin.token_hash, utcnow()
                    await self._write(lambda conn: console.touch_session(conn, token_hash, now))
                return self._respond(request, result, admin)
            except TrackpostError as exc:
                return self._error(request, exc, admin)

        serve.__name__ = route.handler.__name__
        return serve

    # ---- sign-in and sign-out -------------------------------------------------------------
    async def login_form(self, request: Request) -> Response:
        try:
            self.services.auth.check_ip(self._ip(request))
        except TrackpostError as exc:
            return self._error(request, exc, None)
        if self._session(request) is not None:
            return RedirectResponse(f"{ROOT}/", status_code=303, headers=PAGE_HEADERS)
        return self._login_page(request, "", None, 200)

    def _login_page(
        self, request: Request, username: str, error: str | None, status: int
    ) -> Response:
        nonce = new_token()
        next_path = _local_next(request.query_params.get("next"))
        values = {"nonce": nonce, "username": username, "error": error, "next": next_path}
        response = self.render("login.html", values, admin=None, request=request, status=status)
        self._cookie(response, request, LOGIN_COOKIE, nonce, 3600)
        return response

    async def login(self, request: Request) -> Response:
        auth = self.services.auth
        try:
            ip = self._ip(request)
            auth.check_ip(ip)
            raw = await read_params(request, 64 * 1024)
            nonce = self.signer.unsign(request.cookies.get(LOGIN_COOKIE))
            if not same(
                nonce, raw.get("login_token") if isinstance(raw.get("login_token"), str) else None
            ):
                raise CsrfRefused(
                    "The sign-in form is missing its security token or has expired; reload the "
                    "page and sign in again."
                )
            username, password = _text(raw, "username"), _text(raw, "password")
            ip_key, user_key = f"ip:{ip}", f"user:{username[:128].lower()}"
            wait = auth.throttle.retry_after(ip_key, user_key)
            if wait:
                auth.metrics.auth_throttled.inc()
                raise TooManyRequests(
                    "Too many failed sign-in attempts; wait a minute and try again.",
                    code="too_many_auth_failures",
                    headers={"Retry-After": str(wait)},
                )
            account = self._read(lambda conn: console.sign_in_account(conn, username))
            stored = account["password_hash"] if account is not None else None
            ok = await self.services.hashing.verify(ip, password[:1024], stored)
            if not ok or account is None or account["disabled"]:
                auth.throttle.record(ip_key, user_key)
                auth.metrics.auth_bad_credentials.inc()
                return self._login_page(request, username[:64], BAD_SIGN_IN, 401)
            nets = console.allow_ips(account["api_allow_ips"])
            if nets and not in_networks(ip, nets):
                raise Forbidden(f"Console access for this account is not allowed from {ip}.")
            loginid, now = int(account["loginid"]), utcnow()
            token = await self._write(
                lambda conn: console.open_session(conn, self.hasher, loginid, ip, now, self.idle)
            )
        except TrackpostError as exc:
            return self._error(request, exc, None)
        target = _local_next(raw.get("next"))
        response = RedirectResponse(target, status_code=303, headers=PAGE_HEADERS)
        self._cookie(response, request, COOKIE, token, int(self.longest.total_seconds()))
        response.delete_cookie(LOGIN_COOKIE, path=ROOT)
        return response

    async def logout(self, request: Request) -> Response:
        admin = self._session(request)
        if admin is None:
            return self._to_login(request)
        try:
            raw = await read_params(request, 64 * 1024)
            if not same(_text(raw, CSRF_FIELD), admin.csrf_token):
                raise CsrfRefused("The form's security token is missing or out of date.")
        except TrackpostError as exc:
            return self._error(request, exc, admin)
        token_hash = admin.token_hash
        await self._write(lambda conn: console.close_session(conn, token_hash))
        response = RedirectResponse(
            f"{ROOT}/login?notice=signed_out", status_code=303, headers=PAGE_HEADERS
        )
        response.delete_cookie(COOKIE, path=ROOT)
        return response

    # ---- the route table ------------------------------------------------------------------
    def routes(self, table: list[UiRoute]) -> list[BaseRoute]:
        metrics, settings = self.services.metrics, self.settings
        out: list[BaseRoute] = [
            Route(
                f"{ROOT}/login",
                observe(self.login_form, f"{ROOT}/login", metrics, settings),
                methods=["GET"],
            ),
            Route(
                f"{ROOT}/login",
                observe(self.login, f"{ROOT}/login", metrics, settings),
                methods=["POST"],
            ),
            Route(
                f"{ROOT}/logout",
                observe(self.logout, f"{ROOT}/logout", metrics, settings),
                methods=["POST"],
            ),
            Mount(f"{ROOT}/static", app=StaticFiles(directory=STATIC), name="console-static"),
        ]
        for route in table:
            fn = observe(self.endpoint(route), route.path, metrics, settings)
            out.append(Route(route.path, fn, methods=[route.method]))
        return out


def bad_form(message: str) -> BadRequest:
    """A refused form value, as a 400 naming the field."""
    return BadRequest(message, code="invalid_parameter")
