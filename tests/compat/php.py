"""Request bodies as the vendor's PHP client builds them: http_build_query, blanks included.

The real PHP is used when `php` is on PATH (CI installs php-cli); otherwise a transcription of
http_build_query's rules: nested arrays as name[key], null left out, false as 0, true as 1,
RFC 1738 encoding (spaces as +).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any
from urllib.parse import quote_plus, urlencode

PHP = shutil.which("php")
_SCRIPT = "echo http_build_query(json_decode(stream_get_contents(STDIN), true));"


def _scalar(value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    return str(value)


def _pairs(prefix: str, value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        out: list[tuple[str, str]] = []
        for key, item in items:
            out.extend(_pairs(f"{prefix}[{key}]", item))
        return out
    return [(prefix, _scalar(value))]


def python_build_query(params: dict[str, Any]) -> str:
    """http_build_query's output, computed in Python."""
    pairs = [pair for name, value in params.items() for pair in _pairs(name, value)]
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)


def http_build_query(params: dict[str, Any]) -> str:
    """PHP's own http_build_query when PHP is installed, else the transcription."""
    if PHP is None:
        return python_build_query(params)
    done = subprocess.run(
        [PHP, "-r", _SCRIPT], input=json.dumps(params), capture_output=True, text=True, check=True
    )
    return done.stdout


def requests_form(params: dict[str, Any]) -> str:
    """What Python `requests` sends for data=...: flat names (the vendor's Python examples
    spell arrays out as "payvia_info[0][field]"), blanks included."""
    pairs = [pair for name, value in params.items() for pair in _pairs(name, value)]
    return urlencode(pairs)
