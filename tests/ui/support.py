"""Console test helpers: admins with passwords and roles, and signing in over HTTP."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import SECRET
from trackpost.accounts import console
from trackpost.accounts import service as accounts
from trackpost.core.db import Database
from trackpost.core.security import KeyHasher

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NONCE = re.compile(r'name="login_token" value="([^"]+)"')


def console_admin(db: Database, username: str, role: str = "admin") -> str:
    """An admin with the console password PASSWORD; returns its API key (admins only)."""
    with db.transaction(write=True) as conn:
        new = accounts.create_admin(conn, KeyHasher(SECRET.encode()), username)
        console.set_password(conn, username, PASSWORD)
        if role != "admin":
            console.set_role(conn, username, role)
    return new.api_key


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login_nonce(client: TestClient) -> str:
    page = client.get("/admin/login")
    assert page.status_code == 200, page.text
    found = _NONCE.search(page.text)
    assert found
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    nonce = login_nonce(client)
    answer = client.post(
        "/admin/login",
        data={"login_token": nonce, "username": username, "password": password, "next": "/admin/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/admin/").text)
