"""Sending one delivery: the SSRF guard, the shared HTTP client, per-host limits, the outcome.

The guard resolves the destination and refuses loopback, private, link-local, metadata and every
other non-global address unless TRACKPOST_OUTBOUND_ALLOW_PRIVATE allows it; the request then goes
to the address that was checked (the Host header and TLS name stay the URL's), so a name that
resolves differently a moment later cannot steer it elsewhere. Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
import socket
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from trackpost import __version__
from trackpost.core.config import IPNetwork
from trackpost.delivery.service import Claimed, Outcome

if TYPE_CHECKING:
    from aiohttp import ClientSession

HEAD_BYTES = 1024
DELIVERY_ID_HEADER = "Trackpost-Delivery-Id"
USER_AGENT = f"trackpost-delivery/{__version__}"
_SECRET_NAME = re.compile(r"(pass|secret|token|key|auth|sig|session|hash)", re.IGNORECASE)
_DNS_TTL = 30.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The destination may not be sent to (a private address, an unresolvable name)."""


def mask_url(url: str) -> str:
    """The URL for the attempt log: a password in it and secret-looking query values hidden."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if _SECRET_NAME.search(k) else v) for k, v in pairs])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class Guard:
    """Which addresses the worker may send to, with a short cache of name resolutions."""

    def __init__(self, allow: Sequence[IPNetwork]) -> None:
        self.allow = tuple(allow)
        self._cache: dict[str, tuple[float, list[IPAddress]]] = {}

    def allowed(self, ip: IPAddress) -> bool:
        if any(ip in net for net in self.allow):
            return True
        mapped = getattr(ip, "ipv4_mapped", None)
        if mapped is not None:
            return self.allowed(mapped)
        return ip.is_global and not ip.is_multicast

    async def resolve(self, host: str, port: int) -> IPAddress:
        """The first allowed address of the host; Refused naming what it resolved to."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            addresses = await self._lookup(host, port)
        for ip in addresses:
            if self.allowed(ip):
                return ip
        shown = ", ".join(str(a) for a in addresses[:4])
        raise Refused(
            f"destination {host} resolves to {shown}: a private, loopback, link-local or "
            "reserved address (allow it with TRACKPOST_OUTBOUND_ALLOW_PRIVATE)"
        )

    async def _lookup(self, host: str, port: int) -> list[IPAddress]:
        hit = self._cache.get(host)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise Refused(f"destination {host} does not resolve ({exc})") from None
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        self._cache[host] = (time.monotonic() + _DNS_TTL, found)
        return found


class Sender:
    """One HTTP client for the worker (connections reused) and a concurrency limit per host.

    aiohttp rather than httpx: its C parser and connection pool cost a fraction of httpx's per
    request (httpcore scans every pooled connection on each request), the difference between
    hundreds and thousands of deliveries per second (BENCHMARKS.md, "Delivery throughput").
    Made inside the worker's running loop.
    """

    def __init__(self, guard: Guard, *, timeout: float, per_host: int) -> None:
        self.guard = guard
        self.timeout = timeout
        self.per_host = per_host
        self.in_flight: dict[str, int] = {}
        # Made at the first send: aiohttp is a tenth of a serve worker's memory (BENCHMARKS.md),
        # and a network with no outbound destinations never needs it.
        self._client: ClientSession | None = None

    def has_room(self, host: str) -> bool:
        return self.in_flight.get(host, 0) < self.per_host

    def reserve(self, host: str) -> None:
        self.in_flight[host] = self.in_flight.get(host, 0) + 1

    def release(self, host: str) -> None:
        left = self.in_flight.get(host, 1) - 1
        if left > 0:
            self.in_flight[host] = left
        else:
            self.in_flight.pop(host, None)

    async def send(self, d: Claimed) -> Outcome:
        """One attempt (its host slot already reserved); never raises for the destination's faults."""
        started = dt.datetime.now(dt.UTC)
        clock = time.perf_counter()
        logged = mask_url(d.url)

        def outcome(**kw: object) -> Outcome:
            ms = int((time.perf_counter() - clock) * 1000)
            return Outcome(d, started, ms, logged, **kw)  # type: ignore[arg-type]

        try:
            async with asyncio.timeout(self.timeout):
                status, head = await self._request(d)
        except Refused as exc:
            return outcome(error=str(exc), final=True)
        except TimeoutError:
            return outcome(error=f"timed out after {self.timeout:g} s")
        except Exception as exc:
            if not isinstance(exc, OSError | ValueError) and not _client_error(exc):
                raise
            return outcome(error=f"{type(exc).__name__}: {exc}"[:512])
        error = f"redirect to {mask_url(head[1])} not followed" if head[1] else None
        return outcome(status_code=status, response=head[0], error=error)

    async def _request(self, d: Claimed) -> tuple[int, tuple[str, str]]:
        parts = urlsplit(d.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"not an http(s) URL: {mask_url(d.url)}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # A literal address never reaches the resolver: checked here (a name is checked here
        # and again, from the guard's cache, by the resolver that pins the connection).
        await self.guard.resolve(parts.hostname, port)
        from trackpost.delivery.client import url

        headers = {DELIVERY_ID_HEADER: str(d.id), **d.headers}
        if d.content_type:
            headers["Content-Type"] = d.content_type
        async with self.client().request(
            d.method,
            url(d.url),  # sent exactly as the template rendered it
            data=d.body.encode() if d.body is not None else None,
            headers=headers,
            allow_redirects=False,
        ) as response:
            head = b""
            while len(head) < HEAD_BYTES:
                chunk = await response.content.read(HEAD_BYTES - len(head))
                if not chunk:
                    break
                head += chunk
            location = response.headers.get("Location", "") if 300 <= response.status < 400 else ""
            return response.status, (head.decode("utf-8", "replace"), location)

    def client(self) -> ClientSession:
        """The worker's one HTTP client (its connections reused), made on first use."""
        if self._client is None:
            from trackpost.delivery.client import new_session

            self._client = new_session(self.guard, USER_AGENT)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def _client_error(exc: BaseException) -> bool:
    """An error of aiohttp's own; none can be raised before the client exists."""
    from trackpost.delivery.client import is_client_error

    return is_client_error(exc)
