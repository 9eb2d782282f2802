"""Test helpers shared across domains."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

_KEEP = {"alembic_version", "payvia_types", "cache_versions"}


def reset_postgres(url: str) -> None:
    """Empty every table but the migration-seeded ones, restarting ids."""
    engine = create_engine(url)
    with engine.begin() as conn:
        names = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            if r[0] not in _KEEP
        ]
        if names:
            joined = ", ".join(f'"{n}"' for n in names)
            conn.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE cache_versions SET version = 0"))
    engine.dispose()


class ApiClient:
    """Sends form-encoded requests with the admin's headers, as the vendor's examples do."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.request("POST", path, data=data, **kw)

    def patch(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, data=data, **kw)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        resp: httpx.Response = self.client.request(method, path, headers=headers, **kw)
        return resp


def assert_error(resp: httpx.Response, status: int, code: str, *fragments: str) -> dict[str, Any]:
    """Check the error envelope: status, stable code, and a message naming what went wrong."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = resp.json()
    assert body["result"] == "error"
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"]
    for fragment in fragments:
        assert fragment in body["message"], (fragment, body["message"])
    return body


def os_thread_name(thread: threading.Thread) -> str:
    """The name the OS shows (top -H, /proc) for a live thread of this process."""
    return Path(f"/proc/self/task/{thread.native_id}/comm").read_text().strip()
