"""Test helpers shared across domains."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text
from starlette.testclient import TestClient

_KEEP = {"alembic_version", "payvia_types", "cache_versions"}


@dataclass(frozen=True)
class _Schema:
    """What resetting one migrated schema needs, read once: its tables in an order that
    deletes every referencing row before the row it references, and their sequences."""

    engine: Engine
    tables: tuple[str, ...]
    sequences: tuple[str, ...]


_SCHEMAS: dict[str, _Schema] = {}


def _schema(url: str) -> _Schema:
    known = _SCHEMAS.get(url)
    if known is not None:
        return known
    engine = create_engine(url, pool_size=1)
    with engine.connect() as conn:
        names = [
            str(r[0])
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            if r[0] not in _KEEP
        ]
        refs = conn.execute(
            text(
                "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text"
                " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
                " WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace"
            )
        ).all()
        sequences = [
            str(r[0])
            for r in conn.execute(
                text(
                    "SELECT s.relname, t.relname FROM pg_class s"
                    " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
                    " JOIN pg_class t ON t.oid = d.refobjid"
                    " WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace"
                )
            )
            if r[1] not in _KEEP
        ]
    made = _Schema(engine, tuple(_referencing_first(names, refs)), tuple(sequences))
    _SCHEMAS[url] = made
    return made


def _referencing_first(names: list[str], refs: Sequence[Any]) -> list[str]:
    """The tables ordered so that a table comes before every table it references."""
    parents: dict[str, set[str]] = {n: set() for n in names}
    for child, parent in refs:
        child, parent = child.strip('"'), parent.strip('"')
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    children: dict[str, set[str]] = {n: set() for n in names}
    for child, ps in parents.items():
        for parent in ps:
            children[parent].add(child)
    order: list[str] = []
    left = dict(children)
    while left:
        ready = sorted(n for n, cs in left.items() if not cs - set(order))
        if not ready:
            raise RuntimeError(f"foreign keys form a cycle among {sorted(left)}")
        order.extend(ready)
        for n in ready:
            del left[n]
    return order


def reset_postgres(url: str) -> None:
    """Empty every table but the migration-seeded ones, restarting ids.

    What TRUNCATE ... RESTART IDENTITY did, at a fraction of its cost: TRUNCATE makes new files
    for every table and index it names (about a second per test for the whole schema), while a
    test leaves rows in a few small tables, which DELETE empties in milliseconds.
    """
    schema = _schema(url)
    quoted = [f'"{n}"' for n in schema.tables]
    # The names are the test schema's own tables, read from pg_tables, never input.
    with schema.engine.begin() as conn:
        probe = " UNION ALL ".join(
            f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {q})"  # noqa: S608
            for i, q in enumerate(quoted)
        )
        filled = {int(r[0]) for r in conn.execute(text(probe))}
        for i, q in enumerate(quoted):
            if i in filled:
                conn.execute(text(f"DELETE FROM {q}"))  # noqa: S608
        used = conn.execute(
            text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
                " AND last_value IS NOT NULL AND sequencename = ANY(:names)"
            ),
            {"names": list(schema.sequences)},
        )
        for (name,) in used:
            conn.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))
        conn.execute(text("UPDATE cache_versions SET version = 0"))


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
