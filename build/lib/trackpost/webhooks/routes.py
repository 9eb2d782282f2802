"""HTTP endpoints for webhook endpoints: add, list, edit, remove, rotate the secret, test."""

from __future__ import annotations

from typing import Any

from trackpost.core.http import RequestContext, Router
from trackpost.webhooks import service
from trackpost.webhooks.schemas import (
    LIST_RESPONSE,
    SECRET_RESPONSE,
    SUCCESS_RESPONSE,
    WEBHOOK_SCHEMA,
    AddEndpoint,
    EditEndpoint,
    EndpointId,
)

router = Router("webhook")
_SIGNING = (
    " Each message is a JSON body of this shape: "
    + str(WEBHOOK_SCHEMA["description"])
    + " See docs/webhooks.md for verification in Python and PHP."
)


@router.route(
    "POST",
    "/api/webhook/add_endpoint",
    params=AddEndpoint,
    summary="Register a webhook endpoint; its signing secret is shown once",
    description="events: a comma list or an array of event types (or *)." + _SIGNING,
    response=SECRET_RESPONSE,
    example={"result": "Success", "message": {"endpointid": "1", "secret": "whsec_..."}},
)
def add_endpoint(ctx: RequestContext, params: AddEndpoint) -> dict[str, Any]:
    eid, secret = service.add_endpoint(ctx.conn, params.url, params.events, params.description)
    return {"result": "Success", "message": {"endpointid": str(eid), "secret": secret}}


@router.route(
    "GET",
    "/api/webhook/get_endpoints",
    summary="List webhook endpoints with their delivery state (never their secrets)",
    response=LIST_RESPONSE,
)
def get_endpoints(ctx: RequestContext, params: Any) -> dict[str, Any]:
    return {"result": "Success", "message": service.list_endpoints(ctx.conn)}


@router.route(
    "PATCH",
    "/api/webhook/edit_endpoint",
    params=EditEndpoint,
    summary="Change a webhook endpoint (active=1 resumes a paused one)",
    response=SUCCESS_RESPONSE,
    errors=(404,),
)
def edit_endpoint(ctx: RequestContext, params: EditEndpoint) -> dict[str, str]:
    values = params.model_dump(exclude_none=True, exclude={"endpointid"})
    service.edit_endpoint(ctx.conn, params.endpointid, values)
    return {"result": "Success"}


@router.route(
    "PATCH",
    "/api/webhook/remove_endpoint",
    params=EndpointId,
    summary="Remove a webhook endpoint; what waits for it is cancelled",
    response=SUCCESS_RESPONSE,
    errors=(404,),
)
def remove_endpoint(ctx: RequestContext, params: EndpointId) -> dict[str, str]:
    service.remove_endpoint(ctx.conn, params.endpointid)
    return {"result": "Success"}


@router.route(
    "POST",
    "/api/webhook/rotate_secret",
    params=EndpointId,
    summary="Replace an endpoint's signing secret; the new one is shown once",
    response=SECRET_RESPONSE,
    errors=(404,),
)
def rotate_secret(ctx: RequestContext, params: EndpointId) -> dict[str, Any]:
    secret = service.rotate_secret(ctx.conn, params.endpointid)
    return {
        "result": "Success",
        "message": {"endpointid": str(params.endpointid), "secret": secret},
    }


@router.route(
    "POST",
    "/api/webhook/test_endpoint",
    params=EndpointId,
    summary="Queue a signed webhook.test message to the endpoint",
    response=SUCCESS_RESPONSE,
    errors=(404,),
)
def test_endpoint(ctx: RequestContext, params: EndpointId) -> dict[str, str]:
    service.send_test(ctx.conn, params.endpointid)
    return {"result": "Success"}
