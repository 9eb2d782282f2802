"""Blank and null values, for every parameter the OpenAPI document lets be blank or null.

PHP clients send blanks for fields they do not set; JSON clients send null. Either may be
accepted (as "not given", or a documented meaning such as "clear") or refused with a 4xx, but
never reach a NOT NULL column as NULL (a 500), on real records that the request can change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from tests.conftest import Admin
from tests.security.endpoints import all_endpoints, concrete_path, params_of
from tests.security.hostile import base_pairs
from tests.security.world import World
from tests.support import ApiClient
from trackpost.core.http import Endpoint, Services
from trackpost.models.base import Base


def _allows(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[bool, bool]:
    """(may be blank, may be null) as the document states it."""
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    variants = schema.get("anyOf") or schema.get("oneOf") or [schema]
    blank = null = False
    for v in variants:
        types = v.get("type")
        kinds = set(types) if isinstance(types, list) else {types}
        if "null" in kinds:
            null = True
        if "string" in kinds and not v.get("minLength") and not v.get("pattern"):
            blank = blank or "enum" not in v
    return blank, null


def _documented(doc: dict[str, Any], ep: Endpoint) -> dict[str, tuple[bool, bool]]:
    """Each parameter of the operation in the document, with what it allows."""
    op = doc["paths"][ep.path.replace(":path", "")][ep.method.lower()]
    defs = doc["components"]["schemas"]
    out: dict[str, tuple[bool, bool]] = {}
    for p in op.get("parameters", []):
        if p["in"] == "query":
            out[p["name"]] = _allows(p["schema"], defs)
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    for name, prop in body.get("schema", {}).get("properties", {}).items():
        out[name] = _allows(prop, defs)
    return out


def _null_columns(engine: Engine) -> list[str]:
    """Every NOT NULL column holding NULL (none can, unless a constraint is missing)."""
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                query = select(column).where(column.is_(None)).limit(1)
                if not column.nullable and conn.execute(query).first():
                    found.append(f"{table.name}.{column.name}")
    return found


def test_blank_and_null_values_never_break_a_write(
    http: TestClient, api: ApiClient, services: Services, admin: Admin
) -> None:
    world = World(api, http, services)
    doc = http.get("/openapi.json").json()
    problems: list[str] = []
    tried = 0
    for ep in all_endpoints():
        if ep.raw_params or not ep.write or ep.params is None:
            continue
        allows = _documented(doc, ep)
        for p in params_of(ep):
            blank, null = allows.get(p.name, (False, False))
            world.forget_customer()
            base = base_pairs(ep, world.values())
            for what, value in (("blank", ""), ("null", None)):
                if (what == "blank" and not blank) or (what == "null" and not null):
                    continue
                tried += 1
                path = concrete_path(ep.path)
                if value is not None:
                    form = {**base, p.name: value}
                    resp = http.request(ep.method, path, headers=admin.headers, data=form)
                else:
                    body = {**base, p.name: None}
                    resp = http.request(ep.method, path, headers=admin.headers, json=body)
                if resp.status_code >= 500:
                    problems.append(f"{ep.method} {ep.path} {p.name}={what}: {resp.status_code}")
    problems.extend(f"NULL in {c}" for c in _null_columns(services.db.engine))
    assert tried > 50, "the document marks too few parameters blank or null to mean anything"
    assert not problems, "\n".join(problems)
