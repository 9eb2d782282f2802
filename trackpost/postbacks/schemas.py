"""Responses of the public postback endpoints (their parameters: postbacks/params.py)."""

from __future__ import annotations

from typing import Any

PIXEL_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "customer_id", "transactionid"],
    "properties": {
        "result": {"const": "success"},
        "customer_id": {"type": "integer"},
        "transactionid": {"type": "integer"},
    },
}
VOID_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"const": "success"}, "message": {"type": "string"}},
}
