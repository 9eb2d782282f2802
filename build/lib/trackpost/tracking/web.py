"""HTTP details of the click route and of links to it: the scheme behind a proxy, the base URL."""

from __future__ import annotations

import re
from functools import lru_cache

from trackpost.core.http import RequestContext
from trackpost.core.net import in_networks
from trackpost.core.params import header
from trackpost.tracking.dimensions import geoip_country, iso_country

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


@lru_cache(maxsize=4)
def _header_key(name: str) -> bytes:
    return name.strip().lower().encode("ascii")


def click_country(ctx: RequestContext) -> str | None:
    """The surfer's country: the trusted proxy's country header (TRACKPOST_COUNTRY_HEADER), else
    the GeoIP database's answer for the client address (TRACKPOST_GEOIP_DB), else None.

    A header from a peer that is not a trusted proxy is ignored, as X-Forwarded-For is: anyone
    could send it. A trusted proxy's unknown value (XX, T1 for Tor) is kept as unknown, since a
    Tor exit's country says nothing of the surfer.
    """
    settings = ctx.services.settings
    request = ctx.request
    if settings.trusted_proxies and settings.country_header:
        raw = header(request, _header_key(settings.country_header))
        if raw is not None:
            peer = request.scope.get("client")
            if peer and in_networks(peer[0], settings.trusted_proxies):
                return iso_country(raw)
    if settings.geoip_db is not None:
        return geoip_country(str(settings.geoip_db), ctx.client_ip)
    return None
