"""Route enumeration and parameter introspection, so that a new endpoint is covered unnamed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.routing import Route

from trackpost.app import collect_endpoints
from trackpost.core.http import Endpoint
from trackpost.models import metadata

# The only routes anyone may call without credentials; everything else needs an admin key.
PUBLIC_PREFIXES = ("/track/", "/signup/")
PUBLIC_EXACT = frozenset({"/healthz", "/openapi.json", "/docs", "/track", "/admin/login"})

_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
# Integer-valued identifiers that a model may still type as strings (the vendor sends "191").
NUMERIC_ID_NAMES = frozenset(
    {
        "customer_id",
        "loginid",
        "offerid",
        "landing_pageid",
        "advertiserid",
        "transactionid",
        "campaignid",
        "adtoolid",
        "changeid",
        "goalid",
        "payvia",
        "payvia_type_id",
        "affiliate_manager_loginid",
        "expire_landing_pageid",
        "expiration_landing_page_id",
    }
)
_AMOUNT_RE = re.compile(r"amount|cost|payout|revenue|gross|price")


def is_public_path(path: str) -> bool:
    """True for the documented public surface: tracking, advertiser posts, health and docs."""
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def all_endpoints() -> list[Endpoint]:
    """Every endpoint the app would serve, without building an app (usable at collection)."""
    return collect_endpoints()


def api_endpoints() -> list[Endpoint]:
    return [ep for ep in all_endpoints() if ep.path.startswith("/api/")]


def label(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"


def starlette_of(asgi: Any) -> Starlette:
    """create_app returns the request-id middleware; the Starlette app sits inside it."""
    app = asgi.app
    assert isinstance(app, Starlette)
    return app


def served_routes(asgi: Any) -> list[tuple[str, str]]:
    """(method, path template) for every route the running app answers, endpoints or not."""
    out: list[tuple[str, str]] = []
    for route in starlette_of(asgi).routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    out.append((method, route.path))
    return out


def concrete_path(template: str, value: str = "x") -> str:
    """Fill every {name} / {name:path} placeholder with a sample value."""
    return _PATH_PARAM.sub(value, template)


def has_path_params(template: str) -> bool:
    return _PATH_PARAM.search(template) is not None


@dataclass(frozen=True)
class Param:
    """One documented parameter of an endpoint, with its JSON schema resolved."""

    name: str
    schema: dict[str, Any]
    required: bool

    @property
    def types(self) -> frozenset[str]:
        return frozenset(_types(self.schema))

    @property
    def accepts_string(self) -> bool:
        return "string" in self.types

    @property
    def is_scalar(self) -> bool:
        return not (self.types & {"array", "object"})

    @property
    def is_numeric_id(self) -> bool:
        named_id = self.name.endswith("id") and "integer" in self.types
        return named_id or self.name in NUMERIC_ID_NAMES

    @property
    def is_amount(self) -> bool:
        return bool(_AMOUNT_RE.search(self.name)) and self.is_scalar

    @property
    def is_identity(self) -> bool:
        """Usernames and email addresses: where look-alike characters impersonate someone."""
        return "username" in self.name or "email" in self.name

    @property
    def is_secret(self) -> bool:
        return "password" in self.name or self.name in {"api_key", "secret"}

    @property
    def max_length(self) -> int | None:
        lengths = [s["maxLength"] for s in _variants(self.schema) if "maxLength" in s]
        return max(lengths) if lengths else None

    @property
    def enum(self) -> list[Any] | None:
        for s in _variants(self.schema):
            if "enum" in s:
                return list(s["enum"])
            if "const" in s:
                return [s["const"]]
        return None


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return [v for sub in schema[key] for v in _variants(sub)]
    return [schema]


def _types(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for s in _variants(schema):
        t = s.get("type")
        if isinstance(t, list):
            out.extend(t)
        elif isinstance(t, str):
            out.append(t)
        elif "enum" in s or "const" in s:
            out.extend(
                "string" if isinstance(v, str) else "integer"
                for v in s.get("enum", [s.get("const")])
            )
    return [t for t in out if t != "null"]


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return {**schema, key: [_resolve(s, defs) for s in schema[key]]}
    return schema


def _string(limit: int | None = None) -> dict[str, Any]:
    return {"type": "string", **({"maxLength": limit} if limit else {})}


def _raw_param_table() -> dict[str, list[Param]]:
    """Parameters of endpoints that read them without a model (advertisers' posts, clicks).

    Taken from the modules that parse them, so that a parameter they add is probed too.
    """
    table: dict[str, list[Param]] = {}
    try:
        from trackpost.postbacks import fields as pf
        from trackpost.postbacks import params as pb
        from trackpost.transactions.ledger import CUSTOM_FIELDS
    except ImportError:
        return table
    ids = [Param(n, _string(32), False) for n in ("advertiserid", "landing_pageid")]
    hashes = [Param(n, _string(pb.MAX_HASH), False) for n in pb.SYNONYMS["click_hash"]]
    amounts = [Param(n, _string(32), False) for n in pb.SYNONYMS["amount"]]
    pixel = [
        *hashes,
        *amounts,
        *ids,
        Param("type", {"enum": sorted(pf.KINDS)}, False),
        Param("ocode", _string(400), False),
        Param("ip", _string(64), False),
        *(Param(n, _string(pf.MAX_KEY), False) for n in ("subscription_id", "orderid")),
        *(Param(n, _string(1024), False) for n in pb.CUSTOMER_FIELDS),
        *(Param(n, _string(pf.MAX_KEY), False) for n in CUSTOM_FIELDS),
    ]
    void = [
        Param("orderid", _string(pf.MAX_KEY), True),
        Param("type", {"enum": ["void", "chargeback"]}, False),
        Param("cost", _string(32), False),
        *(Param(n, _string(pf.MAX_KEY), False) for n in CUSTOM_FIELDS),
    ]
    for path in ("/signup/process_pixel.php", "/signup/process_pixel"):
        table[path] = pixel
    table["/signup/process_void.php"] = void
    return table


RAW_PARAMS = _raw_param_table()


def _synonyms() -> dict[str, frozenset[str]]:
    try:
        from trackpost.postbacks.params import SYNONYMS
    except ImportError:
        return {}
    return {name: frozenset(group) for group in SYNONYMS.values() for name in group}


# Names that mean the same parameter: a message naming any of them names the one sent.
SYNONYMS = _synonyms()


def params_of(ep: Endpoint) -> list[Param]:
    """The endpoint's parameters from its pydantic model (the OpenAPI document's source)."""
    if ep.params is None:
        return list(RAW_PARAMS.get(ep.path, []))
    schema = ep.params.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    return [
        Param(name, _resolve(sub, defs), name in required)
        for name, sub in schema.get("properties", {}).items()
    ]


_COUNTS = select(
    *(
        select(func.count()).select_from(t).scalar_subquery().label(t.name)
        for t in metadata.sorted_tables
    )
)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, in one round trip: 'nothing was written' means these did not change."""
    with engine.connect() as conn:
        row = conn.execute(_COUNTS).one()
    return {name: int(value) for name, value in row._mapping.items()}


def all_text_values(engine: Engine) -> list[str]:
    """Every string stored anywhere, for proving a value is (or is not) stored verbatim."""
    out: list[str] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                out.extend(v for v in row if isinstance(v, str))
    return out
