"""Response schemas of the service endpoints."""

from typing import Any

PING_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message", "version"],
    "properties": {
        "result": {"const": "success"},
        "message": {"const": "pong"},
        "version": {"type": "string"},
    },
}
HEALTH_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {"status": {"type": "string"}, "database": {"type": "string"}},
}
