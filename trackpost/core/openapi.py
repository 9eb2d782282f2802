"""The OpenAPI 3.1 document, generated from the registered endpoints and their models."""

from __future__ import annotations

from typing import Any

from trackpost import __version__
from trackpost.core.http import Endpoint

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["result", "code", "message"],
    "properties": {
        "result": {"const": "error"},
        "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
        "message": {"type": "string"},
    },
}

_STATUS_TEXT = {
    400: "Malformed, missing or unknown parameter",
    401: "Missing or invalid api-key / api-username",
    403: "Caller's IP is not allowed",
    404: "A parameter value matches nothing",
    405: "Wrong method",
    409: "Conflict with the current state",
    413: "Body larger than the limit",
    415: "Unsupported Content-Type",
    429: "Too many failed authentication attempts",
    503: "Database busy or unavailable",
}


def _params_schema(ep: Endpoint) -> dict[str, Any] | None:
    model = ep.params or ep.doc_params
    if model is None:
        return None
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return schema


def operation_id(method: str, path: str) -> str:
    """The operation's stable id: the method and the path's words (get_api_customer_search)."""
    words = path.strip("/").replace(":path", "")
    for char in "/.":
        words = words.replace(char, "_")
    return f"{method.lower()}_{words.replace('{', '').replace('}', '')}"


def _links(ep: Endpoint) -> dict[str, Any]:
    """The endpoint's declared OpenAPI links, each naming its target by operationId."""
    out: dict[str, Any] = {}
    for name, (target, parameters) in ep.links.items():
        method, path = target.split(" ", 1)
        link: dict[str, Any] = {"operationId": operation_id(method, path)}
        # A GET takes its parameters in the query; the others in the body.
        link["parameters" if method in ("GET", "HEAD") else "requestBody"] = parameters
        out[name] = link
    return out


def build_openapi(
    endpoints: list[Endpoint], webhooks: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Describe every endpoint; GET parameters go in the query, others in a form/JSON body.

    `webhooks` (OpenAPI 3.1) describes the messages trackpost sends, given by the wiring.
    """
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"ErrorEnvelope": ERROR_SCHEMA}
    for ep in endpoints:
        schema = _params_schema(ep)
        op: dict[str, Any] = {
            "operationId": operation_id(ep.method, ep.path),
            "summary": ep.summary,
            "description": ep.description,
            "tags": [ep.tag],
        }
        if not ep.public:
            op["security"] = [{"apiKey": [], "apiUsername": []}]
        path_params = [
            seg.strip("{}").split(":")[0] for seg in ep.path.split("/") if seg.startswith("{")
        ]
        parameters: list[dict[str, Any]] = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
            for n in path_params
        ]
        if schema is not None:
            for name, sub in schema.get("$defs", {}).items():
                components[name] = sub
            body_schema = {k: v for k, v in schema.items() if k != "$defs"}
            if ep.method in ("GET", "HEAD"):
                required = set(body_schema.get("required", []))
                for name, prop in body_schema.get("properties", {}).items():
                    parameters.append(
                        {
                            "name": name,
                            "in": "query",
                            "required": name in required,
                            "schema": prop,
                            "style": "deepObject" if prop.get("type") == "object" else "form",
                        }
                    )
            else:
                op["requestBody"] = {
                    "required": bool(body_schema.get("required")),
                    "content": {
                        "application/x-www-form-urlencoded": {"schema": body_schema},
                        "multipart/form-data": {"schema": body_schema},
                        "application/json": {"schema": body_schema},
                    },
                }
        if parameters:
            op["parameters"] = parameters
        ok: dict[str, Any] = {"description": "Success"}
        if ep.response_schema.get("content_type") in ("text/html", "application/javascript"):
            ok["content"] = {ep.response_schema["content_type"]: {"schema": {"type": "string"}}}
        elif ep.response_schema.get("redirect"):
            ok = {"description": "Redirect to the landing page"}
        else:
            media: dict[str, Any] = {"schema": ep.response_schema or {}}
            if ep.response_example is not None:
                media["example"] = ep.response_example
            ok["content"] = {"application/json": media}
            if ep.links:
                ok["links"] = _links(ep)
        status = "302" if ep.response_schema.get("redirect") else "200"
        responses: dict[str, Any] = {status: ok}
        # Any request that reaches the database may meet it busy (503 with Retry-After).
        codes = set(ep.errors) | {400, 405, 413, 415, 503}
        if not ep.public:
            codes |= {401, 403, 429}
        for code in sorted(codes):
            content: dict[str, Any] = {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}
            }
            if code == 404 and ep.response_schema.get("redirect"):
                # Links followed by browsers dead-end on a plain HTML page, not JSON.
                content["text/html"] = {"schema": {"type": "string"}}
            responses[str(code)] = {
                "description": _STATUS_TEXT.get(code, "Error"),
                "content": content,
            }
        op["responses"] = responses
        path = ep.path.replace(":path", "")
        paths.setdefault(path, {})[ep.method.lower()] = op
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "trackpost",
            "version": __version__,
            "description": (
                "Self-hosted affiliate tracking with a Trackfinity-compatible admin API. "
                "Every /api call needs the api-key and api-username headers."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "api-key"},
                "apiUsername": {"type": "apiKey", "in": "header", "name": "api-username"},
            },
        },
    }
    if webhooks:
        doc["webhooks"] = webhooks
    return doc


SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trackpost API</title>
<link rel="stylesheet" href="/admin/static/swagger-ui/swagger-ui.css">
<link rel="icon" href="/admin/static/favicon.svg" type="image/svg+xml">
</head><body><div id="ui"></div>
<script src="/admin/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/admin/static/swagger-ui/swagger-init.js"></script>
</body></html>"""
