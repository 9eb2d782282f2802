"""Structured logs (TRACKPOST_LOG_FORMAT=json): one JSON object per line, and trackpost's own
access log, written by the request pipeline, which knows the route template and the admin.

Never put a secret into a record: no api-key, password, query string, body or header.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.orjson import OrjsonFormatter

from trackpost.core.config import Settings

ACCESS_LOGGER = "trackpost.access"
access_log = logging.getLogger(ACCESS_LOGGER)


class JsonLines(OrjsonFormatter):
    """time (UTC, ISO 8601), level, logger and message, then the record's extra fields."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def writes_access_log(settings: Settings) -> bool:
    """trackpost writes the access log itself only for JSON logs; granian writes the text one."""
    return settings.access_log and settings.log_format == "json"


def granian_log_config(settings: Settings) -> dict[str, Any] | None:
    """The logging configuration granian applies in its main process and every worker."""
    if settings.log_format != "json":
        return None  # granian's own text configuration, as before
    console = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    quiet = {"handlers": ["console"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonLines"}},
        "handlers": {"console": console},
        "loggers": {"_granian": quiet, "granian.access": quiet, "trackpost": quiet},
        "root": {"handlers": ["console"], "level": "WARNING"},
    }


def write_access(
    request_id: str, route: str, method: str, status: int, seconds: float, admin: str | None
) -> None:
    """One access line: the route template (never the path or its query), status and latency."""
    access_log.info(
        "%s %s %s",
        method,
        route,
        status,
        extra={
            "request_id": request_id,
            "route": route,
            "method": method,
            "status": status,
            "latency_ms": round(seconds * 1000, 3),
            "admin": admin,
        },
    )
