"""Parameters and responses of the IP-list endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from trackpost.core.validation import ParamModel


class IpParams(ParamModel):
    ip: Annotated[str, Field(max_length=64, description="An IPv4 or IPv6 address (or CIDR)")]


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
