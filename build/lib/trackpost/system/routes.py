"""Service endpoints: health, ping, the OpenAPI document and its interactive docs."""

from __future__ import annotations

from typing import Any

from trackpost import __version__
from trackpost.core.http import RequestContext, Router
from trackpost.system.schemas import PING_RESPONSE

router = Router("service")


@router.route(
    "GET",
    "/api/service/ping",
    summary="Check connectivity and credentials",
    response=PING_RESPONSE,
    example={"result": "success", "message": "pong", "version": __version__},
)
def ping(ctx: RequestContext, params: Any) -> dict[str, str]:
    """Answer pong when the caller's credentials and IP are accepted."""
    return {"result": "success", "message": "pong", "version": __version__}
