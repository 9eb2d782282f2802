"""Parameters and responses of the IP-list endpoints."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from trackpost.core.validation import ParamModel
from trackpost.iplists.errors import InvalidIp


def normalise_ip(raw: str) -> str:
    """An IPv4/IPv6 address (or CIDR network) in canonical text; anything else is a 400."""
    text = raw.strip()
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidIp(
            f"Parameter 'ip' is not an IPv4 or IPv6 address (or CIDR network): {raw[:64]!r}."
        ) from None
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


class IpParams(ParamModel):
    ip: Annotated[
        str,
        Field(max_length=64, description="An IPv4 or IPv6 address (or CIDR)"),
        AfterValidator(normalise_ip),
    ]


DATA_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "data"],
    "properties": {"result": {"const": "success"}, "data": {"type": "string"}},
}
LISTS_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "data"],
    "properties": {
        "result": {"const": "success"},
        "data": {
            "type": "object",
            "properties": {
                "post": {"type": "array", "items": {"type": "string"}},
                "void": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}
