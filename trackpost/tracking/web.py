"""HTTP details of the click route and of links to it: the scheme behind a proxy, the base URL."""

from __future__ import annotations

import re

from trackpost.core.http import RequestContext
from trackpost.core.net import in_networks
from trackpost.core.params import header

_HOST_RE = re.compile(
    r"^[A-Za-z0-9.\-]{1,253}(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?$"
)


def is_https(ctx: RequestContext) -> bool:
    """https at this server, or at a trusted proxy that says so (X-Forwarded-Proto)."""
    request = ctx.request
    # The scope's scheme, not request.url: building the whole URL object costs more than a click.
    if request.scope.get("scheme") == "https":
        return True
    trusted = ctx.services.settings.trusted_proxies
    if not trusted:
        return False
    peer = request.client.host if request.client else ""
    proto = header(request, b"x-forwarded-proto") or ""
    return proto.strip().lower() == "https" and in_networks(peer, trusted)


def base_url(ctx: RequestContext) -> str:
    """Scheme and host links are built on: the host the API was called at, when it is sane."""
    host = ctx.request.headers.get("host", "")
    if not _HOST_RE.match(host):
        settings = ctx.services.settings
        host = f"{settings.host}:{settings.port}"
    return f"{'https' if is_https(ctx) else 'http'}://{host}"
