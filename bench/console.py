"""Sign in to the console as a browser does, for the console cases: the session cookie."""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from trackpost.core.websession import COOKIE, LOGIN_COOKIE

_NONCE = re.compile(r'name="login_token" value="([^"]+)"')


def _cookies(resp: http.client.HTTPResponse) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in resp.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar


def sign_in(base_url: str, username: str, password: str) -> str:
    """The sign-in form's GET and POST; returns the Cookie header value of the new session."""
    where = urlsplit(base_url)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
    try:
        conn.request("GET", "/admin/login")
        form = conn.getresponse()
        page = form.read().decode()
        nonce = _NONCE.search(page)
        login = _cookies(form).get(LOGIN_COOKIE)
        if form.status != 200 or nonce is None or login is None:
            raise RuntimeError(f"the console's sign-in form answered {form.status}: {page[:200]}")
        body = urlencode(
            {"login_token": nonce.group(1), "username": username, "password": password}
        )
        conn.request(
            "POST",
            "/admin/login",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{LOGIN_COOKIE}={login.value}",
            },
        )
        answer = conn.getresponse()
        text = answer.read().decode(errors="replace")
        session = _cookies(answer).get(COOKIE)
        if answer.status != 303 or session is None:
            raise RuntimeError(f"console sign-in as {username!r} answered {answer.status}: {text}")
        return f"{COOKIE}={session.value}"
    finally:
        conn.close()
